import { MmspecError } from '../../common/errors';

export const PAGE = 4096;

/** Who may touch an allocation once mapped: CPL0 only, or CPL3 too (EFI_MEMORY_SP absent, supervisor-facts §0.2). */
export type PageOwner = 'supervisor' | 'user';
/** Allocation type as the supervisor's MM memory map records it: code pages are mapped RO (§1.6 step 6). */
export type PageType = 'code' | 'data';

export interface MmramAllocation {
  base: number;
  pages: number;
  owner: PageOwner;
  type: PageType;
  /** What the pages are for ("page tables", "HOB copy", "driver image MmDriver", …) — shown in reports. */
  purpose: string;
}

export class MmramExhausted extends MmspecError {
  constructor(pages: number, purpose: string) {
    super('SUPV_MMRAM_EXHAUSTED', `MMRAM exhausted: ${pages} page(s) for ${purpose}`);
  }
}

/**
 * The MMRAM page allocator (Core/Mem): hands out whole pages from the MMRAM ranges described by the HOB,
 * lowest address first (deterministic), and remembers owner, type and purpose of every allocation so the
 * page-table builder and the audit can map and explain each page.
 */
export class MmramAllocator {
  private readonly free: { base: number; pages: number }[];
  private readonly live = new Map<number, MmramAllocation>();

  constructor(ranges: readonly { base: number; size: number }[], reserved: readonly { base: number; size: number }[] = []) {
    this.free = [];
    for (const r of ranges) {
      let start = Math.ceil(r.base / PAGE) * PAGE;
      const end = Math.floor((r.base + r.size) / PAGE) * PAGE;
      for (const x of [...reserved].sort((a, b) => a.base - b.base)) {
        const xs = Math.floor(x.base / PAGE) * PAGE, xe = Math.ceil((x.base + x.size) / PAGE) * PAGE;
        if (xe <= start || xs >= end) continue;
        if (xs > start) this.free.push({ base: start, pages: (xs - start) / PAGE });
        start = Math.max(start, xe);
      }
      if (end > start) this.free.push({ base: start, pages: (end - start) / PAGE });
    }
    this.free.sort((a, b) => a.base - b.base);
  }

  allocatePages(pages: number, owner: PageOwner, type: PageType, purpose: string, alignPages = 1): number {
    for (let k = 0; k < this.free.length; k++) {
      const f = this.free[k];
      const aligned = Math.ceil(f.base / (alignPages * PAGE)) * alignPages * PAGE;
      const skip = (aligned - f.base) / PAGE;
      if (f.pages - skip < pages) continue;
      const base = aligned;
      const tail = f.pages - skip - pages;
      const pieces: { base: number; pages: number }[] = [];
      if (skip > 0) pieces.push({ base: f.base, pages: skip });
      if (tail > 0) pieces.push({ base: base + pages * PAGE, pages: tail });
      this.free.splice(k, 1, ...pieces);
      this.live.set(base, { base, pages, owner, type, purpose });
      return base;
    }
    throw new MmramExhausted(pages, purpose);
  }

  /** Frees a whole allocation (exact base and page count), returning it; undefined if there is none. */
  freePages(base: number, pages: number): MmramAllocation | undefined {
    const a = this.live.get(base);
    if (a === undefined || a.pages !== pages) return undefined;
    this.live.delete(base);
    this.free.push({ base, pages });
    this.free.sort((x, y) => x.base - y.base);
    for (let k = this.free.length - 1; k > 0; k--) {
      const p = this.free[k - 1], c = this.free[k];
      if (p.base + p.pages * PAGE === c.base) {
        p.pages += c.pages;
        this.free.splice(k, 1);
      }
    }
    return a;
  }

  /** The allocation containing an address, if any. */
  allocationAt(addr: number): MmramAllocation | undefined {
    for (const a of this.live.values()) if (addr >= a.base && addr < a.base + a.pages * PAGE) return a;
    return undefined;
  }

  allocations(): MmramAllocation[] {
    return [...this.live.values()].sort((a, b) => a.base - b.base);
  }

  freeRanges(): readonly { base: number; pages: number }[] {
    return this.free;
  }
}
