import { CpuFault, PfError, Vector } from './cpu-fault';
import type { Cpu } from './cpu';
import { PAGE_SIZE, PhysPage } from './physical-memory';

/** Access kinds for translation. SYS marks implicit supervisor accesses (GDT, IDT, TSS) made at any CPL. */
export const A_READ = 0, A_WRITE = 1, A_FETCH = 2;
export const A_SYS = 4;

/**
 * Permission bits kept per TLB entry, computed at fill time from the paging-structure bits and the control
 * registers in force (a TLB flush follows every change of CR0/CR3/CR4/EFER, SMI entry and RSM).
 */
export const P_UR = 1, P_UW = 2, P_UX = 4, P_SR = 8, P_SW = 16, P_SX = 32;
/** Needed permission bit by (access kind + 3 * user). */
export const NEED: readonly number[] = [P_SR, P_SW, P_SX, P_UR, P_UW, P_UX];

export const CR0_PE = 1, CR0_WP = 1 << 16, CR0_PG = 0x80000000;
export const CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_UMIP = 1 << 11, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21, CR4_TSD = 1 << 2;
export const EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

const TWO32 = 4294967296;

/** Result of a page walk: the leaf's physical page number plus the permission bits. */
export interface WalkResult {
  ppn: number;
  perm: number;
}

/** Page-table entry bits (x86-smm-facts §3.1). */
export const PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80;

/**
 * Walks the IA-32e 4-level page tables for `lin` (a canonical linear address as a signed number) and checks
 * the access. Sets Accessed bits on every level and Dirty on the leaf for writes, as the processor does.
 * Raises #PF with the architectural error code and CR2 (x86-smm-facts §3.1–§3.2, §3.5).
 */
export function walk(cpu: Cpu, lin: number, acc: number): WalkResult {
  const kind = acc & 3;
  const implicitSup = (acc & A_SYS) !== 0;
  const user = cpu.cpl === 3 && !implicitSup;
  const nxe = (cpu.efer & EFER_NXE) !== 0;
  const smep = (cpu.cr4 & CR4_SMEP) !== 0;
  const ulin = lin < 0 ? lin + TWO32 * 65536 * 65536 : lin; // 64-bit unsigned value, exact for canonical addresses
  // index bits 47:12 → take from the unsigned 48-bit value
  const v48 = ulin % (TWO32 * 65536);
  const idx = [Math.floor(v48 / 2 ** 39) & 511, Math.floor(v48 / 2 ** 30) & 511, Math.floor(v48 / 2 ** 21) & 511, Math.floor(v48 / 2 ** 12) & 511];
  const maxPhysMask = 2 ** (cpu.maxPhysAddrBits - 32) - 1; // mask for the high half of addresses
  let table = Math.floor(cpu.cr3 / PAGE_SIZE) * PAGE_SIZE;
  let rw = 1, us = 1, nx = 0;
  const fault = (present: boolean, rsvd: boolean): never => {
    let ec = 0;
    if (present) ec |= PfError.P;
    if (kind === A_WRITE) ec |= PfError.W;
    if (user) ec |= PfError.U;
    if (rsvd) ec |= PfError.RSVD | PfError.P;
    if (kind === A_FETCH && (nxe || smep)) ec |= PfError.ID;
    cpu.cr2 = lin;
    throw new CpuFault(Vector.PF, ec, `page fault at 0x${ulin.toString(16)} (${['read', 'write', 'fetch'][kind]}${user ? ', CPL3' : ''})`);
  };
  for (let level = 0; level < 4; level++) {
    const entAddr = table + idx[level] * 8;
    const page = cpu.bus.page(Math.floor(entAddr / PAGE_SIZE), cpu.inSmm);
    const off = entAddr % PAGE_SIZE;
    let lo = page.view.getUint32(off, true);
    const hi = page.view.getUint32(off + 4, true);
    if ((lo & PTE_P) === 0) fault(false, false);
    // Reserved bits: NX when EFER.NXE = 0; address bits above MAXPHYADDR; PS in a PML4E.
    const addrHi = hi & 0xfffff;
    if ((!nxe && (hi & 0x80000000) !== 0) || (addrHi & ~maxPhysMask) !== 0 || (level === 0 && (lo & PTE_PS) !== 0)) fault(true, true);
    rw &= (lo >>> 1) & 1;
    us &= (lo >>> 2) & 1;
    nx |= hi >>> 31;
    const leaf = level === 3 || ((lo & PTE_PS) !== 0 && (level === 1 || level === 2));
    if ((lo & PTE_A) === 0 && !page.dropWrites) {
      lo |= PTE_A;
      page.view.setUint32(off, lo >>> 0, true);
    }
    if (leaf) {
      // permission check for this access
      const wp = (cpu.cr0 & CR0_WP) !== 0;
      if (user) {
        if (!us) fault(true, false);
        if (kind === A_WRITE && !rw) fault(true, false);
      } else {
        if (kind === A_WRITE && !rw && wp) fault(true, false);
        if (kind === A_FETCH && smep && us) fault(true, false);
        if (kind !== A_FETCH && us && (cpu.cr4 & CR4_SMAP) !== 0 && (implicitSup || !cpu.acFlag())) fault(true, false);
      }
      if (kind === A_FETCH && nx && nxe) fault(true, false);
      if (kind === A_WRITE && (lo & PTE_D) === 0 && !page.dropWrites) {
        lo |= PTE_D;
        page.view.setUint32(off, lo >>> 0, true);
      }
      const dirty = (lo & PTE_D) !== 0;
      // physical page number of the 4 KiB page containing lin
      const levelSpan = level === 1 ? 2 ** 30 : level === 2 ? 2 ** 21 : PAGE_SIZE;
      const frame = addrHi * TWO32 + (lo & 0xfffff000);
      const frameBase = Math.floor(frame / levelSpan) * levelSpan; // large pages ignore low address bits (PAT bit 12)
      const ppn = Math.floor((frameBase + (v48 % levelSpan)) / PAGE_SIZE);
      // Permission bits for later accesses through the TLB. Write permission needs D already set.
      let perm = 0;
      const canWriteSup = (rw || !wp) && dirty;
      const canWriteUser = rw && us && dirty;
      if (us) perm |= P_UR;
      if (canWriteUser) perm |= P_UW;
      if (us && !(nx && nxe)) perm |= P_UX;
      const smapBlocks = us && (cpu.cr4 & CR4_SMAP) !== 0;
      if (!smapBlocks) perm |= P_SR;
      if (canWriteSup && !smapBlocks) perm |= P_SW;
      if (!(nx && nxe) && !(smep && us)) perm |= P_SX;
      return { ppn, perm };
    }
    table = addrHi * TWO32 + (lo & 0xfffff000);
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** Identity translation when paging is off: every permission. */
export function identity(lin: number): WalkResult {
  return { ppn: Math.floor(lin / PAGE_SIZE), perm: P_UR | P_UW | P_UX | P_SR | P_SW | P_SX };
}

/** The soft TLB: direct-mapped, 4096 entries, tagged by linear page number. */
export class Tlb {
  static readonly SIZE = 4096;
  readonly tag = new Float64Array(Tlb.SIZE).fill(NaN);
  readonly perm = new Uint8Array(Tlb.SIZE);
  readonly page: (PhysPage | null)[] = new Array<PhysPage | null>(Tlb.SIZE).fill(null);
  /** Slots filled since the last flush (a flush clears only these: SMI entry and CR3 loads flush often). */
  private readonly used = new Uint16Array(Tlb.SIZE);
  private usedCount = 0;
  /** Records that slot `i` now holds an entry (called by the filler when the slot was empty). */
  fill(i: number, lpn: number, perm: number, page: PhysPage): void {
    if (this.tag[i] !== this.tag[i] && this.usedCount < Tlb.SIZE) this.used[this.usedCount++] = i; // NaN: slot was empty
    this.tag[i] = lpn;
    this.perm[i] = perm;
    this.page[i] = page;
  }
  flush(): void {
    if (this.usedCount >= Tlb.SIZE) {
      this.tag.fill(NaN);
      this.page.fill(null);
    } else {
      for (let k = 0; k < this.usedCount; k++) {
        const i = this.used[k];
        this.tag[i] = NaN;
        this.page[i] = null;
      }
    }
    this.usedCount = 0;
  }
  flushPage(lpn: number): void {
    const i = lpn & (Tlb.SIZE - 1);
    if (this.tag[i] === lpn) {
      this.tag[i] = NaN;
      this.page[i] = null;
    }
  }
}
