/** Test doubles for the interfaces the supervisor components inject (TESTS ONLY). */
import { EFI_MEMORY_RP, EFI_MEMORY_RO, EFI_MEMORY_SP, EFI_MEMORY_XP } from '../../src/supervisor/core/memory-attributes';
import { EFI } from '../../src/supervisor/core/efi-codes';

export { EFI_MEMORY_RP, EFI_MEMORY_RO, EFI_MEMORY_SP, EFI_MEMORY_XP };

/** A page-granular attribute map: unknown pages are not present (RP). Lookups must be uniform. */
export class FakePageAttributes {
  private readonly pages = new Map<bigint, bigint>();
  readonly sets: { base: bigint; length: bigint; set?: bigint; clear?: bigint }[] = [];
  constructor(private readonly defaultAttrs: bigint = EFI_MEMORY_RP) {}

  mark(base: bigint, length: bigint, attributes: bigint): this {
    for (let p = base & ~0xfffn; p < base + length; p += 0x1000n) this.pages.set(p, attributes);
    return this;
  }
  attributesOf(base: bigint, length: bigint): { attributes: bigint } | { error: bigint } {
    if (length === 0n) return { error: EFI.INVALID_PARAMETER };
    let first: bigint | undefined;
    for (let p = base & ~0xfffn; p < base + length; p += 0x1000n) {
      const a = this.pages.get(p) ?? this.defaultAttrs;
      if (first === undefined) first = a;
      else if (a !== first) return { error: EFI.NO_MAPPING };
    }
    return { attributes: first ?? this.defaultAttrs };
  }
  setAttributes(base: bigint, length: bigint, attributes: bigint): bigint {
    this.sets.push({ base, length, set: attributes });
    for (let p = base & ~0xfffn; p < base + length; p += 0x1000n) this.pages.set(p, (this.pages.get(p) ?? this.defaultAttrs) | attributes);
    return EFI.SUCCESS;
  }
  clearAttributes(base: bigint, length: bigint, attributes: bigint): bigint {
    this.sets.push({ base, length, clear: attributes });
    for (let p = base & ~0xfffn; p < base + length; p += 0x1000n) this.pages.set(p, (this.pages.get(p) ?? this.defaultAttrs) & ~attributes);
    return EFI.SUCCESS;
  }
}

export const USER_RW = EFI_MEMORY_XP;
export const SUPERVISOR_RW = EFI_MEMORY_XP | EFI_MEMORY_SP;

/** Records demoted calls and answers with a scripted function. */
export class FakeInvoker {
  readonly calls: { cpu: number; routine: bigint; args: readonly bigint[] }[] = [];
  constructor(public answer: (routine: bigint, args: readonly bigint[]) => bigint = () => 0n) {}
  invokeDemoted(cpuIndex: number, routine: bigint, args: readonly bigint[]): bigint {
    this.calls.push({ cpu: cpuIndex, routine, args: [...args] });
    return this.answer(routine, args);
  }
}
