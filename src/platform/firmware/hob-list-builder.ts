import { MmspecError } from '../../common/errors';
import { ZERO_GUID } from '../../firmware/guid/guid';
import { encodeGuidHobPayload, hobListLength, parseHobList, writeHobList, type GuidHobPayload, type Hob, type HandoffHob } from '../../firmware/hob';
import type { Machine } from '../machine';

export class HobListFullError extends MmspecError {
  constructor(needed: number, capacity: number) {
    super('PLATFORM_HOB_LIST_FULL', `the HOB list needs ${needed} bytes but only ${capacity} are reserved for it`);
  }
}

/**
 * The PEI HOB list, kept as real bytes in DRAM (x86-smm-facts §4.2): PHIT first, then HOBs in build order, then
 * END_OF_HOB_LIST. Every change rewrites the list through the non-SMM view, with the PHIT's EfiEndOfHobList
 * pointing at the end HOB. Consumers (the IPL, the supervisor) read the bytes, never this object.
 */
export class HobListBuilder {
  private readonly hobs: Hob[];

  constructor(private readonly machine: Machine, readonly base: bigint, readonly capacity: number, phit: Omit<HandoffHob, 'kind' | 'endOfHobList'>) {
    this.hobs = [{ kind: 'handoff', ...phit, endOfHobList: 0n }];
    this.write();
  }

  /** Appends a HOB (BuildHob) and rewrites the list. Returns its index. */
  add(hob: Hob): number {
    this.hobs.push(hob);
    this.write();
    return this.hobs.length - 1;
  }

  /** Updates PHIT fields (e.g. EfiFreeMemoryTop after allocations). */
  updatePhit(fields: Partial<Omit<HandoffHob, 'kind' | 'endOfHobList'>>): void {
    this.hobs[0] = { ...(this.hobs[0] as HandoffHob), ...fields };
    this.write();
  }

  /**
   * Erases the name of the first GUID HOB called `name` by zeroing its GUID in memory (supervisor-facts §1.3.6:
   * the IPL "erases the GUID of the old HOB" so it is no longer found). Returns false if there is none.
   */
  eraseGuidHob(name: string): boolean {
    const i = this.hobs.findIndex((h) => h.kind === 'guidExtension' && h.name === name);
    if (i < 0) return false;
    const old = this.hobs[i] as Extract<Hob, { kind: 'guidExtension' }>;
    this.hobs[i] = { kind: 'guidExtension', name: ZERO_GUID, payload: { kind: 'raw', data: encodeGuidHobPayload(old.payload) } };
    this.write();
    return true;
  }

  /** Rewrites the payload of the first GUID HOB called `name` in place (same length). */
  replaceGuidHobPayload(name: string, payload: GuidHobPayload): boolean {
    const i = this.hobs.findIndex((h) => h.kind === 'guidExtension' && h.name === name);
    if (i < 0) return false;
    this.hobs[i] = { kind: 'guidExtension', name, payload };
    this.write();
    return true;
  }

  /** Byte length including the end HOB. */
  get length(): number {
    return hobListLength(this.hobs);
  }

  /** Parses the list back from memory (what any consumer sees). */
  read(): Hob[] {
    return readHobListAt(this.machine, this.base, this.capacity);
  }

  private write(): void {
    const len = hobListLength(this.hobs);
    if (len > this.capacity) throw new HobListFullError(len, this.capacity);
    this.hobs[0] = { ...(this.hobs[0] as HandoffHob), endOfHobList: this.base + BigInt(len - 8) };
    this.machine.outside.write(Number(this.base), writeHobList(this.hobs));
  }
}

/** Reads and parses the HOB list at `base` from memory as code outside SMM sees it. */
export function readHobListAt(machine: Machine, base: bigint, maxBytes: number): Hob[] {
  return parseHobList(machine.outside.read(Number(base), maxBytes), { source: `HOB list at 0x${base.toString(16)}` });
}
