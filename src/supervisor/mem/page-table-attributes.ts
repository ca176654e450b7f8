import { EFI } from '../core/efi-codes';
import type { AttributeLookupError, RangeAttributes } from '../core/memory-attributes';
import type { TraceSink } from '../handler/mmi-handler-interfaces';
import { describeAttributes, fromEfiAttributes, toEfiAttributes } from './page-attributes';
import type { PageTableManager } from './page-table-manager';

const PAGE = 0x1000n;

/**
 * The EFI-attribute face of the live page tables (SmmGetMemoryAttributes / SmmSetMemoryAttributes /
 * SmmClearMemoryAttributes, supervisor-facts §0.2): RP = present clear, RO = R/W clear, XP = NX, SP = U/S clear.
 * Every answer is read back from the page-table bytes through `PageTableManager`; edits are applied leaf by leaf
 * (each page keeps the bits the edit does not name) and recorded in the trace as `page-table` events.
 */
export class PageTableAttributes {
  constructor(private readonly ptm: PageTableManager, private readonly trace?: TraceSink) {}

  /** Uniform attributes of the page-rounded range; length 0 → INVALID_PARAMETER, mixed → NO_MAPPING. */
  attributesOf(base: bigint, length: bigint): RangeAttributes | AttributeLookupError {
    if (length === 0n) return { error: EFI.INVALID_PARAMETER };
    if (base + length > 1n << BigInt(this.ptm.physBits)) return { error: EFI.UNSUPPORTED };
    const a = this.ptm.uniformAttributes(Number(base), Number(length));
    return a === null ? { error: EFI.NO_MAPPING } : { attributes: toEfiAttributes(a) };
  }

  setAttributes(base: bigint, length: bigint, attributes: bigint): bigint {
    return this.edit(base, length, attributes, 0n, 'set');
  }

  clearAttributes(base: bigint, length: bigint, attributes: bigint): bigint {
    return this.edit(base, length, 0n, attributes, 'clear');
  }

  private edit(base: bigint, length: bigint, set: bigint, clear: bigint, action: 'set' | 'clear'): bigint {
    if (length === 0n) return EFI.INVALID_PARAMETER;
    if (base + length > 1n << BigInt(this.ptm.physBits)) return EFI.UNSUPPORTED;
    // Page granular: a range that does not start or end on a page boundary covers the pages it touches.
    const end = Number((base + length + PAGE - 1n) & ~(PAGE - 1n));
    let a = Number(base & ~(PAGE - 1n));
    while (a < end) {
      const leaf = this.ptm.query(a);
      const runEnd = Math.min(leaf.base + leaf.size, end);
      const next = fromEfiAttributes((toEfiAttributes(leaf.attributes) | set) & ~clear);
      this.ptm.setAttributes(a, runEnd - a, next);
      a = runEnd;
    }
    const now = this.ptm.uniformAttributes(Number(base), Number(length));
    this.trace?.record('page-table', { action, base, length, attributes: set | clear, result: now === null ? 'mixed' : describeAttributes(now) });
    return EFI.SUCCESS;
  }
}
