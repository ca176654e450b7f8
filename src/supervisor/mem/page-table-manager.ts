import { MmspecError } from '../../common/errors';
import type { MemoryView } from '../../platform/memory-view';
import { PAGE, type MmramAllocator } from './mmram-allocator';
import { NOT_PRESENT, type PageAttributes } from './page-attributes';

const P = 1n, RW = 2n, US = 4n, A = 0x20n, D = 0x40n, PS = 0x80n, NX = 1n << 63n;
const ADDR = 0x000ffffffffff000n;
const LARGE = 0x200000;
const TABLE_PAGE: PageAttributes = { present: true, writable: false, user: false, executable: false };

/** A leaf of the page tables: a 4 KiB or 2 MiB identity-mapped page. */
export interface PageLeaf {
  base: number;
  size: number;
  attributes: PageAttributes;
}

export class PageTableError extends MmspecError {}

/**
 * The supervisor's 4-level page tables, built as real bytes in MMRAM (Core/Mem): identity mapping, 2 MiB
 * pages where a whole aligned run shares attributes, 4 KiB pages elsewhere; anything never mapped is not
 * present. Non-leaf entries are permissive (P, RW, US) so the leaf decides. Every read goes back to the
 * bytes (nothing is cached), and every change asks the CPUs to flush their TLBs, as the real code does with
 * INVLPG/CR3 reloads.
 */
export class PageTableManager {
  readonly root: number;
  /** Physical pages holding page tables (the audit and LockMmCoreBeforeExit map them RO, §1.6 step 8). */
  readonly tablePages: number[] = [];
  /**
   * Once set (LockMmCoreBeforeExit step 8, restricted memory access), a table page created later by a split is
   * mapped read-only supervisor as soon as the edit that needed it completes, as at core init.
   */
  private restricted = false;

  constructor(
    private readonly view: MemoryView,
    private readonly allocator: MmramAllocator,
    private readonly flush: () => void,
    readonly physBits = 46,
  ) {
    this.root = this.newTable();
  }

  get cr3(): number {
    return this.root;
  }

  private newTable(): number {
    const t = this.allocator.allocatePages(1, 'supervisor', 'data', 'page tables');
    this.view.fill(t, PAGE, 0);
    this.tablePages.push(t);
    return t;
  }

  private entry(table: number, index: number): bigint {
    return this.view.u64(table + index * 8);
  }
  private setEntry(table: number, index: number, v: bigint): void {
    this.view.setU64(table + index * 8, v);
  }

  private static leafBits(a: PageAttributes): bigint {
    if (!a.present) return 0n;
    let v = P | A | D;
    if (a.writable) v |= RW;
    if (a.user) v |= US;
    if (!a.executable) v |= NX;
    return v;
  }

  private static leafAttributes(e: bigint): PageAttributes {
    if ((e & P) === 0n) return NOT_PRESENT;
    return { present: true, writable: (e & RW) !== 0n, user: (e & US) !== 0n, executable: (e & NX) === 0n };
  }

  private static indexes(addr: number): [number, number, number, number] {
    return [Math.floor(addr / 2 ** 39) % 512, Math.floor(addr / 2 ** 30) % 512, Math.floor(addr / 2 ** 21) % 512, Math.floor(addr / 2 ** 12) % 512];
  }

  /** The next-level table of a non-leaf entry, creating it if missing; a 2 MiB leaf is split into 4 KiB. */
  private child(table: number, index: number, level: number, addr: number): number {
    const e = this.entry(table, index);
    if ((e & P) !== 0n && (e & PS) === 0n) return Number(e & ADDR);
    const t = this.newTable();
    if ((e & P) !== 0n && (e & PS) !== 0n && level === 2) {
      // split a 2 MiB page: 512 4 KiB entries with the same attributes
      const base = Math.floor(addr / LARGE) * LARGE;
      const bits = e & (P | RW | US | A | D | NX);
      const buf = new Uint8Array(PAGE);
      const dv = new DataView(buf.buffer);
      for (let k = 0; k < 512; k++) dv.setBigUint64(k * 8, BigInt(base + k * PAGE) | bits, true);
      this.view.write(t, buf);
    }
    this.setEntry(table, index, BigInt(t) | P | RW | US | A);
    return t;
  }

  /**
   * Sets the attributes of every page in [base, base+size) (page-rounded). Present pages are identity
   * mapped; `present: false` clears P (the page is "blocked").
   */
  setAttributes(base: number, size: number, attrs: PageAttributes): void {
    if (size <= 0) return;
    const tablesBefore = this.tablePages.length;
    const start = Math.floor(base / PAGE) * PAGE;
    const end = Math.ceil((base + size) / PAGE) * PAGE;
    if (end > 2 ** this.physBits) throw new PageTableError('SUPV_PAGE_RANGE', `range 0x${start.toString(16)}–0x${end.toString(16)} is beyond the ${this.physBits}-bit address width`);
    const leaf = PageTableManager.leafBits(attrs);
    let a = start;
    while (a < end) {
      const [i4, i3, i2, i1] = PageTableManager.indexes(a);
      const pdpt = this.child(this.root, i4, 4, a);
      const pd = this.child(pdpt, i3, 3, a);
      const pde = this.entry(pd, i2);
      const wholeLarge = a % LARGE === 0 && a + LARGE <= end;
      if (wholeLarge && ((pde & P) === 0n || (pde & PS) !== 0n)) {
        this.setEntry(pd, i2, leaf === 0n ? 0n : BigInt(a) | leaf | PS);
        a += LARGE;
        continue;
      }
      const pt = this.child(pd, i2, 2, a);
      // fill the 4 KiB entries of this page table within the range with one write
      const last = Math.min(end, (Math.floor(a / LARGE) + 1) * LARGE);
      const n = (last - a) / PAGE;
      const buf = new Uint8Array(n * 8);
      const dv = new DataView(buf.buffer);
      for (let k = 0; k < n; k++) dv.setBigUint64(k * 8, leaf === 0n ? 0n : BigInt(a + k * PAGE) | leaf, true);
      this.view.write(pt + i1 * 8, buf);
      a = last;
    }
    this.flush();
    if (this.restricted) {
      for (let k = tablesBefore; k < this.tablePages.length; k++) this.setAttributes(this.tablePages[k], PAGE, TABLE_PAGE);
    }
  }

  /** From now on, new table pages are mapped read-only supervisor (§1.6 step 8). */
  restrictTablePages(): void {
    this.restricted = true;
  }

  /** The leaf covering `addr`: its attributes and size (4 KiB or 2 MiB). Unmapped → not present. */
  query(addr: number): PageLeaf {
    const [i4, i3, i2, i1] = PageTableManager.indexes(addr);
    const e4 = this.entry(this.root, i4);
    if ((e4 & P) === 0n) return { base: Math.floor(addr / PAGE) * PAGE, size: PAGE, attributes: NOT_PRESENT };
    const e3 = this.entry(Number(e4 & ADDR), i3);
    if ((e3 & P) === 0n) return { base: Math.floor(addr / PAGE) * PAGE, size: PAGE, attributes: NOT_PRESENT };
    const e2 = this.entry(Number(e3 & ADDR), i2);
    if ((e2 & P) === 0n) return { base: Math.floor(addr / PAGE) * PAGE, size: PAGE, attributes: NOT_PRESENT };
    if ((e2 & PS) !== 0n) return { base: Math.floor(addr / LARGE) * LARGE, size: LARGE, attributes: PageTableManager.leafAttributes(e2) };
    const e1 = this.entry(Number(e2 & ADDR), i1);
    return { base: Math.floor(addr / PAGE) * PAGE, size: PAGE, attributes: PageTableManager.leafAttributes(e1) };
  }

  /**
   * The attributes of a whole range if every page in it has the same ones (the "uniform attributes" that
   * InspectTargetRangeOwnership and the unblock check require, §3.7 and §7.2 step 5), else null.
   */
  uniformAttributes(base: number, length: number): PageAttributes | null {
    if (length <= 0) return null;
    let a = Math.floor(base / PAGE) * PAGE;
    const end = base + length;
    const first = this.query(a).attributes;
    while (a < end) {
      const leaf = this.query(a);
      const x = leaf.attributes;
      if (x.present !== first.present || x.writable !== first.writable || x.user !== first.user || x.executable !== first.executable) return null;
      a = leaf.base + leaf.size;
    }
    return first;
  }

  /** Every present leaf in ascending address order (memory-policy generation and the paging audit walk these). */
  leaves(): PageLeaf[] {
    const out: PageLeaf[] = [];
    const walk = (table: number, level: number, base: number): void => {
      for (let i = 0; i < 512; i++) {
        const e = this.entry(table, i);
        if ((e & P) === 0n) continue;
        const span = 2 ** (12 + 9 * (level - 1));
        const b = base + i * span;
        if (level === 1 || (level === 2 && (e & PS) !== 0n)) out.push({ base: b, size: span, attributes: PageTableManager.leafAttributes(e) });
        else walk(Number(e & ADDR), level - 1, b);
      }
    };
    walk(this.root, 4, 0);
    return out;
  }

  /** Raw entry dump of the leaf for `addr` (for evidence: "PTE 0x… = 0x…"). */
  describe(addr: number): string {
    const q = this.query(addr);
    return `0x${q.base.toString(16)} (${q.size === LARGE ? '2 MiB' : '4 KiB'})`;
  }
}

