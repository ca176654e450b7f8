import type { MmramAllocation } from './mmram-allocator';
import { PAGE } from './mmram-allocator';
import { NOT_PRESENT, type PageAttributes } from './page-attributes';
import type { PageTableManager } from './page-table-manager';

/** A resource-descriptor HOB as the page-table builder needs it (x86-smm-facts §4.2 resource types). */
export interface ResourceRange {
  /** 0 SYSTEM_MEMORY, 1 MEMORY_MAPPED_IO, 2 IO, 3 FIRMWARE_DEVICE, 5 MEMORY_RESERVED, 6 IO_RESERVED, … */
  type: number;
  base: number;
  size: number;
}

export interface LockInputs {
  mmram: readonly { base: number; size: number }[];
  resources: readonly ResourceRange[];
  /** Supervisor and user comm buffers and both mailboxes (external, outside MMRAM). */
  commRegions: readonly { base: number; size: number; what: string }[];
  /** Protected-region HOBs of type 0 (IOMMU MMIO), §1.4. */
  protectedRegions: readonly { base: number; size: number }[];
  /** MMRAM allocations with owner/type/purpose (§1.6 step 6). */
  allocations: readonly MmramAllocation[];
  /** Explicit mappings that override the generic allocation rule (core image sections, stubs, stacks…). */
  overrides: readonly { base: number; size: number; attributes: PageAttributes; what: string }[];
  /** Address width (2^physBits is the end of the non-MMRAM walk). */
  physBits: number;
  /** §1.6 step 4: the PEI unblock HOBs, processed after the comm buffers and before the protected regions. */
  processPeiUnblocks?: () => void;
}

/** Why core init must cold-reset (§1.6 step 2, item 6). */
export class MemoryMapInconsistency extends Error {
  constructor(readonly why: string) {
    super(`memory map inconsistency: ${why}`);
  }
}

const USER_RW_NX: PageAttributes = { present: true, writable: true, user: true, executable: false };
const SUP_RW_NX: PageAttributes = { present: true, writable: true, user: false, executable: false };
const USER_RO_NX: PageAttributes = { present: true, writable: false, user: true, executable: false };
const BLOCKED: PageAttributes = NOT_PRESENT;

/**
 * Checks the address points of §1.6 step 2: non-MM ranges must not overlap; MMRAM ranges must not overlap;
 * every MMRAM range sits inside one described range; two identical address points are an error.
 */
export function checkNonSmmMemoryMap(resources: readonly ResourceRange[], mmram: readonly { base: number; size: number }[]): void {
  const described = resources.filter((r) => r.type !== 2 && r.type !== 6); // IO and IO_RESERVED are ignored
  const overlaps = (xs: readonly { base: number; size: number }[], what: string) => {
    const s = [...xs].sort((a, b) => a.base - b.base);
    for (let k = 1; k < s.length; k++) {
      if (s[k].base === s[k - 1].base) throw new MemoryMapInconsistency(`two ${what} start at 0x${s[k].base.toString(16)}`);
      if (s[k].base < s[k - 1].base + s[k - 1].size) throw new MemoryMapInconsistency(`${what} 0x${s[k - 1].base.toString(16)}+0x${s[k - 1].size.toString(16)} overlaps 0x${s[k].base.toString(16)}`);
    }
  };
  overlaps(described, 'resource ranges');
  overlaps(mmram, 'MMRAM ranges');
  for (const m of mmram) {
    if (!described.some((r) => m.base >= r.base && m.base + m.size <= r.base + r.size)) {
      throw new MemoryMapInconsistency(`MMRAM range 0x${m.base.toString(16)}+0x${m.size.toString(16)} is not inside one described range`);
    }
  }
}

/**
 * LockMmCoreBeforeExit (Core/Relocate/Relocate.c, supervisor-facts §1.6), in its order:
 *  1–2. everything outside MMRAM is blocked (not present), including [0, 4 KiB) and described system memory;
 *       MMIO and FIRMWARE_DEVICE ranges are unblocked as user RW NX (items 7, 8, 10);
 *  3.   comm buffers and mailboxes: supervisor RW NX (item 11);
 *  4.   (PEI unblock HOBs are applied by the caller through the unblock database afterwards);
 *  5.   IOMMU protected regions: user RO NX (item 9);
 *  6.   MMRAM: code allocations RO, data NX, owner decides U/S; explicit overrides (core image sections, SMI entry,
 *       save state, GDT/IDT, policy pages supervisor RO, the HOB copy user RO NX) (items 12, 13);
 *  8.   page-table pages RO supervisor.
 * Returns the ranges it mapped (for the trace and the paging audit).
 */
export function lockMmCoreBeforeExit(ptm: PageTableManager, inputs: LockInputs): { base: number; size: number; attributes: PageAttributes; what: string }[] {
  checkNonSmmMemoryMap(inputs.resources, inputs.mmram);
  const done: { base: number; size: number; attributes: PageAttributes; what: string }[] = [];
  const apply = (base: number, size: number, attributes: PageAttributes, what: string) => {
    if (size <= 0) return;
    ptm.setAttributes(base, size, attributes);
    done.push({ base, size, attributes, what });
  };
  // Steps 1–2: non-MMRAM space is not present unless it is MMIO / firmware device. Unmapped space already
  // reads as not present; described system memory is explicitly blocked so it is never mapped by accident.
  for (const r of inputs.resources) {
    if (r.type === 0 || r.type === 5) {
      for (const piece of subtract({ base: r.base, size: r.size }, inputs.mmram)) apply(piece.base, piece.size, BLOCKED, 'system memory outside MMRAM (blocked)');
    }
  }
  for (const r of inputs.resources) {
    if (r.type === 1 || r.type === 3) {
      // the first 4 KiB stay unmapped unless a resource HOB declares MMIO there (item 10)
      apply(r.base, r.size, USER_RW_NX, r.type === 1 ? 'MMIO (unblocked by the core)' : 'firmware device (unblocked by the core)');
    }
  }
  // Step 3.
  for (const c of inputs.commRegions) apply(c.base, c.size, SUP_RW_NX, c.what);
  // Step 4.
  inputs.processPeiUnblocks?.();
  // Step 5.
  for (const p of inputs.protectedRegions) apply(p.base, p.size, USER_RO_NX, 'IOMMU protected region');
  // Step 6: generic rule from the MM memory map, then explicit overrides.
  for (const a of inputs.allocations) {
    const attrs: PageAttributes = { present: true, writable: a.type !== 'code', user: a.owner === 'user', executable: false };
    apply(a.base, a.pages * PAGE, attrs, `MMRAM ${a.type} (${a.owner}): ${a.purpose}`);
  }
  // Free MMRAM pages stay not present: nothing maps them.
  for (const o of inputs.overrides) apply(o.base, o.size, o.attributes, o.what);
  // Step 8: page-table pages RO supervisor (restricted memory access).
  // (mapping a table page may split a large page and create another table: iterate until none is new)
  for (let k = 0; k < ptm.tablePages.length; k++) apply(ptm.tablePages[k], PAGE, { present: true, writable: false, user: false, executable: false }, 'page tables');
  return done;
}

/** The parts of `r` outside every range in `holes`. */
export function subtract(r: { base: number; size: number }, holes: readonly { base: number; size: number }[]): { base: number; size: number }[] {
  let pieces = [r];
  for (const h of holes) {
    const next: { base: number; size: number }[] = [];
    for (const p of pieces) {
      const pe = p.base + p.size, he = h.base + h.size;
      if (he <= p.base || h.base >= pe) {
        next.push(p);
        continue;
      }
      if (h.base > p.base) next.push({ base: p.base, size: h.base - p.base });
      if (he < pe) next.push({ base: he, size: pe - he });
    }
    pieces = next;
  }
  return pieces;
}
