import { toU64 } from './address';
import { CpuError, CpuFault, InstructionBudgetExceeded, Vector, gp, hasErrorCode } from './cpu-fault';
import { AC, DF, IF, IOPL_MASK, LazyFlags, NT, RF, RFLAGS_FIXED1, RFLAGS_WRITABLE, STATUS_FLAGS, TF, VM } from './flags';
import { Insn } from './insn';
import { IoBus, OPEN_BUS } from './io-bus';
import { A_FETCH, A_READ, A_SYS, A_WRITE, CR0_PG, EFER_LMA, NEED, Tlb, identity, walk } from './mmu';
import { MsrFile } from './msr';
import { PAGE_SIZE, PhysPage, PhysicalBus } from './physical-memory';
import { CS, FS, GS, RSP, SS } from './registers';
import { CpuEvent, CpuTracer } from './trace';
import type { CpuidTable } from './cpuid';
import { DEFAULT_CPUID } from './cpuid';
import { decodeAt } from './decoder';
import type { IoTrapInfo, SmmState } from './smm/smm-state';
import { newSmmState } from './smm/smm-state';
import { enterSmm, resumeFromSmm } from './smm/smi';

const TWO32 = 4294967296;
const TWO64 = TWO32 * TWO32;

/** Why `run` returned. */
export type StopReason = 'halted' | 'stopped' | 'shutdown';

export interface CpuOptions {
  /** Processor index (0 = BSP). */
  index?: number;
  io?: IoBus;
  cpuid?: CpuidTable;
  /** Physical address width (MAXPHYADDR). */
  maxPhysAddrBits?: number;
  /** SMRAM save-state layout written on SMI entry (x86-smm-facts §1.2 Intel64, §1.3 AMD64). */
  saveStateMap?: 'intel' | 'amd';
  /** Initial SMBASE (reset value 0x30000, x86-smm-facts §1.1). */
  smbase?: number;
}

export { toU64 };

/**
 * One x86-64 logical processor. Registers are 32-bit halves (`lo`/`hi`) so 32-bit arithmetic stays in small
 * integers; linear addresses and RIP are signed numbers holding the canonical value exactly (canonical
 * addresses sit in [-2^47, 2^47)). Memory accesses go through a soft TLB filled by a real 4-level page walk;
 * decoded instructions are cached per physical page and dropped when the page is written.
 */
export class Cpu {
  readonly index: number;
  readonly lo = new Uint32Array(16);
  readonly hi = new Uint32Array(16);
  rip = 0;
  readonly flags = new LazyFlags();
  /** RFLAGS bits other than the six status flags (bit 1 always set). */
  rflagsRest = RFLAGS_FIXED1;
  cpl = 0;
  /** Code-segment bitness: 64, 32 or 16. */
  bits = 64;

  readonly segSel = new Uint16Array(6);
  readonly segBase = new Float64Array(6);
  readonly segLimit = new Float64Array(6).fill(0xffffffff);
  /** Descriptor attribute word: bits 40..47 of the descriptor in the low byte, bits 52..55 in bits 12..15. */
  readonly segAttr = new Uint16Array(6);
  gdtrBase = 0; gdtrLimit = 0xffff;
  idtrBase = 0; idtrLimit = 0xffff;
  ldtrSel = 0; ldtrBase = 0; ldtrLimit = 0; ldtrAttr = 0;
  trSel = 0; trBase = 0; trLimit = 0; trAttr = 0;

  cr0 = 0x60000010; cr2 = 0; cr3 = 0; cr4 = 0; cr8 = 0;
  efer = 0;
  dr6 = 0xffff0ff0; dr7 = 0x400;
  readonly msr: MsrFile;
  readonly cpuid: CpuidTable;
  readonly maxPhysAddrBits: number;
  io: IoBus;

  /** SMM: in-SMM flag, SMBASE, pending/latched SMIs, I/O-trap info, save-state layout. */
  readonly smm: SmmState;
  get inSmm(): boolean {
    return this.smm.inSmm;
  }

  halted = false;
  /** Set when the processor shut down (triple fault, failed RSM checks); only a reset clears it. */
  shutdownReason: string | null = null;
  private stopRequested = false;
  /** Checked once per instruction: something needs the slow path (SMI pending, stop requested, halt). */
  attention = false;
  /** Instructions retired since reset. */
  icount = 0;
  /** Deterministic time-stamp counter base (RDTSC = tscBase + icount). */
  tscBase = 0n;

  tracer: CpuTracer | null = null;
  /**
   * Host hook for exceptions. Returning true means the host took care of the exception (the CPU does not
   * deliver it through the IDT). Used by flat snippet mode and by tests.
   */
  exceptionHook: ((cpu: Cpu, fault: CpuFault, rip: number) => boolean) | null = null;

  /** High half of the last 64-bit value read by getReg/readMem. */
  hiOut = 0;
  /** Linear address of the current instruction's memory operand (for read-modify-write). */
  lastEa = 0;
  /** The I/O instruction being executed (an SMI raised during it records I/O-trap information). */
  ioInProgress: IoTrapInfo | null = null;
  /** DR0–DR3. */
  readonly drAddr: bigint[] = [0n, 0n, 0n, 0n];
  /** Physical page offset of the last translation. */
  private pageOff = 0;

  readonly tlb = new Tlb();
  private fetchLpn = NaN;
  private fetchPage: PhysPage | null = null;

  constructor(readonly bus: PhysicalBus, options: CpuOptions = {}) {
    this.index = options.index ?? 0;
    this.io = options.io ?? OPEN_BUS;
    this.cpuid = options.cpuid ?? DEFAULT_CPUID;
    this.maxPhysAddrBits = options.maxPhysAddrBits ?? 46;
    this.msr = new MsrFile(this);
    this.smm = newSmmState(options.saveStateMap ?? 'intel', options.smbase ?? 0x30000);
    this.resetSegments();
  }

  private resetSegments(): void {
    for (let s = 0; s < 6; s++) {
      this.segSel[s] = 0;
      this.segBase[s] = 0;
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = 0x93;
    }
    this.segAttr[CS] = 0x9b;
  }

  // ------------------------------------------------------------------ registers

  /** Reads a GPR operand of `size` bytes (16..19 = AH, CH, DH, BH); 64-bit reads leave the high half in hiOut. */
  getReg(r: number, size: number): number {
    switch (size) {
      case 4: this.hiOut = 0; return this.lo[r];
      case 8: this.hiOut = this.hi[r]; return this.lo[r];
      case 2: this.hiOut = 0; return this.lo[r] & 0xffff;
      default:
        this.hiOut = 0;
        return r >= 16 ? (this.lo[r - 16] >>> 8) & 0xff : this.lo[r] & 0xff;
    }
  }

  /** Writes a GPR operand; 32-bit writes zero the upper half (x86-64 implicit zero extension). */
  setReg(r: number, size: number, lo: number, hi: number): void {
    switch (size) {
      case 4: this.lo[r] = lo; this.hi[r] = 0; return;
      case 8: this.lo[r] = lo; this.hi[r] = hi; return;
      case 2: this.lo[r] = (this.lo[r] & 0xffff0000) | (lo & 0xffff); return;
      default:
        if (r >= 16) this.lo[r - 16] = (this.lo[r - 16] & 0xffff00ff) | ((lo & 0xff) << 8);
        else this.lo[r] = (this.lo[r] & 0xffffff00) | (lo & 0xff);
    }
  }

  getReg64(r: number): bigint {
    return (BigInt(this.hi[r]) << 32n) | BigInt(this.lo[r]);
  }
  setReg64(r: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.lo[r] = Number(u & 0xffffffffn);
    this.hi[r] = Number(u >> 32n);
  }

  /** RIP as an unsigned 64-bit value. */
  get ripU64(): bigint {
    return toU64(this.rip);
  }
  set ripU64(v: bigint) {
    this.rip = this.canonicalNumber(BigInt.asUintN(64, v), 'RIP');
  }

  /** Converts an unsigned 64-bit address to the internal signed form; throws #GP(0) if not canonical. */
  canonicalNumber(v: bigint, what: string): number {
    const top = v >> 47n;
    if (top === 0n) return Number(v);
    if (top === 0x1ffffn) return Number(v - (1n << 64n));
    throw gp(`non-canonical ${what} 0x${v.toString(16)}`);
  }

  /** Full RFLAGS value. */
  getRflags(): number {
    return (this.rflagsRest | this.flags.status()) >>> 0;
  }
  setRflags(v: number): void {
    this.flags.setEager(v & STATUS_FLAGS);
    this.rflagsRest = ((v & RFLAGS_WRITABLE & ~STATUS_FLAGS) | RFLAGS_FIXED1) >>> 0;
  }
  get iopl(): number {
    return (this.rflagsRest & IOPL_MASK) >>> 12;
  }
  acFlag(): boolean {
    return (this.rflagsRest & AC) !== 0;
  }
  get df(): boolean {
    return (this.rflagsRest & DF) !== 0;
  }

  // ------------------------------------------------------------------ modes and control registers

  /** Recomputes the execution mode after CS, CR0 or EFER changes; flushes the fetch fast path. */
  updateMode(): void {
    const longMode = (this.efer & EFER_LMA) !== 0;
    const csL = (this.segAttr[CS] & 0x2000) !== 0;
    const csD = (this.segAttr[CS] & 0x4000) !== 0;
    if (longMode && csL) this.bits = 64;
    else if ((this.cr0 & 1) !== 0 && csD) this.bits = 32;
    else this.bits = 16;
    this.fetchLpn = NaN;
  }

  setCpl(cpl: number, via: string): void {
    if (cpl !== this.cpl) {
      this.event({ type: 'cpl', cpu: this.index, from: this.cpl, to: cpl, via });
      this.cpl = cpl;
      this.fetchLpn = NaN;
    }
  }

  flushTlb(): void {
    this.tlb.flush();
    this.fetchLpn = NaN;
    this.fetchPage = null;
  }

  flushTlbPage(lin: number): void {
    this.tlb.flushPage(Math.floor(lin / PAGE_SIZE));
    this.fetchLpn = NaN;
  }

  /** Base added to effective addresses for a segment: only FS/GS in 64-bit mode. */
  segmentBase(seg: number): number {
    if (this.bits === 64) return seg >= FS ? this.segBase[seg] : 0;
    return this.segBase[seg];
  }

  // ------------------------------------------------------------------ memory

  /** Translates a linear address for an access; returns the page and leaves the offset in pageOff. */
  translate(lin: number, acc: number): PhysPage {
    const lpn = Math.floor(lin / PAGE_SIZE);
    const i = lpn & (Tlb.SIZE - 1);
    if (this.tlb.tag[i] === lpn) {
      const need = NEED[(acc & 3) + (this.cpl === 3 && (acc & A_SYS) === 0 ? 3 : 0)];
      if ((this.tlb.perm[i] & need) !== 0) {
        this.pageOff = lin - lpn * PAGE_SIZE;
        return this.tlb.page[i]!;
      }
    }
    return this.translateSlow(lin, acc, lpn, i);
  }

  private translateSlow(lin: number, acc: number, lpn: number, i: number): PhysPage {
    if (lin >= 2 ** 47 || lin < -(2 ** 47)) throw gp(`non-canonical address ${lin}`);
    const r = (this.cr0 & CR0_PG) !== 0 ? walk(this, lin, acc) : identity(lin < 0 ? lin + TWO64 : lin);
    const page = this.bus.page(r.ppn, this.smm.inSmm);
    this.tlb.fill(i, lpn, r.perm, page);
    this.pageOff = lin - lpn * PAGE_SIZE;
    return page;
  }

  /** Reads `size` bytes at a linear address; for size 8 the high half goes to hiOut. */
  readMem(lin: number, size: number, acc = A_READ): number {
    const page = this.translate(lin, acc);
    const off = this.pageOff;
    if (off + size <= PAGE_SIZE && page.mmio === null) {
      const v = page.view;
      switch (size) {
        case 1: this.hiOut = 0; return v.getUint8(off);
        case 2: this.hiOut = 0; return v.getUint16(off, true);
        case 4: this.hiOut = 0; return v.getUint32(off, true);
        default: this.hiOut = v.getUint32(off + 4, true); return v.getUint32(off, true);
      }
    }
    return this.readMemSlow(lin, size, acc);
  }

  private readMemSlow(lin: number, size: number, acc: number): number {
    // Page-crossing or MMIO: byte by byte through translation (all pages checked before the value is used).
    const bytes = new Array<number>(size);
    const pages: PhysPage[] = [];
    const offs: number[] = [];
    for (let k = 0; k < size; k++) {
      pages.push(this.translate(lin + k, acc));
      offs.push(this.pageOff);
    }
    for (let k = 0; k < size; k++) {
      const p = pages[k];
      if (p.mmio !== null) {
        const a = p.ppn * PAGE_SIZE + offs[k];
        if (k === 0 && offs[k] + size <= PAGE_SIZE && size <= 4) {
          const v = p.mmio.read(a, size) >>> 0;
          this.hiOut = 0;
          return size === 4 ? v : v & (2 ** (8 * size) - 1);
        }
        bytes[k] = p.mmio.read(a, 1) & 0xff;
      } else bytes[k] = p.bytes[offs[k]];
    }
    let lo = 0, hi = 0;
    for (let k = 0; k < size && k < 4; k++) lo += bytes[k] * 2 ** (8 * k);
    for (let k = 4; k < size; k++) hi += bytes[k] * 2 ** (8 * (k - 4));
    this.hiOut = hi;
    return lo;
  }

  writeMem(lin: number, size: number, lo: number, hi = 0, acc = A_WRITE): void {
    const page = this.translate(lin, acc);
    const off = this.pageOff;
    if (off + size <= PAGE_SIZE && page.mmio === null) {
      if (page.dropWrites) return;
      if (page.code !== null) page.code = null;
      const v = page.view;
      switch (size) {
        case 1: v.setUint8(off, lo & 0xff); return;
        case 2: v.setUint16(off, lo & 0xffff, true); return;
        case 4: v.setUint32(off, lo >>> 0, true); return;
        default: v.setUint32(off, lo >>> 0, true); v.setUint32(off + 4, hi >>> 0, true); return;
      }
    }
    this.writeMemSlow(lin, size, lo, hi, acc);
  }

  private writeMemSlow(lin: number, size: number, lo: number, hi: number, acc: number): void {
    const pages: PhysPage[] = [];
    const offs: number[] = [];
    for (let k = 0; k < size; k++) {
      pages.push(this.translate(lin + k, acc));
      offs.push(this.pageOff);
    }
    const p0 = pages[0];
    if (p0.mmio !== null && offs[0] + size <= PAGE_SIZE && size <= 4) {
      p0.mmio.write(p0.ppn * PAGE_SIZE + offs[0], size, lo >>> 0);
      return;
    }
    for (let k = 0; k < size; k++) {
      const b = k < 4 ? Math.floor(lo / 2 ** (8 * k)) & 0xff : Math.floor(hi / 2 ** (8 * (k - 4))) & 0xff;
      const p = pages[k];
      if (p.mmio !== null) p.mmio.write(p.ppn * PAGE_SIZE + offs[k], 1, b);
      else if (!p.dropWrites) {
        p.bytes[offs[k]] = b;
        p.code = null;
      }
    }
  }

  /** Reads memory as a bigint (host convenience; goes through paging with the given access kind). */
  readU64(lin: number, acc = A_READ): bigint {
    const lo = this.readMem(lin, 8, acc);
    return (BigInt(this.hiOut) << 32n) | BigInt(lo);
  }
  writeU64(lin: number, v: bigint, acc = A_WRITE): void {
    const u = BigInt.asUintN(64, v);
    this.writeMem(lin, 8, Number(u & 0xffffffffn), Number(u >> 32n), acc);
  }
  /** Reads bytes through paging (host convenience). */
  readBytes(lin: number, n: number, acc = A_READ): Uint8Array {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.readMem(lin + k, 1, acc);
    return out;
  }

  /** Adds two addresses with 64-bit wrap-around and checks canonicality (#GP, or #SS for the stack). */
  linear(seg: number, offset: number): number {
    let a = this.segmentBase(seg) + offset;
    if (this.bits === 64) {
      if (a >= 2 ** 47 || a < -(2 ** 47)) {
        // wrap modulo 2^64 into the signed range, then check canonicality
        a = ((a % TWO64) + TWO64) % TWO64;
        if (a >= TWO64 - 2 ** 47) a -= TWO64;
        if (a >= 2 ** 47 || a < -(2 ** 47)) {
          throw new CpuFault(seg === SS ? Vector.SS : Vector.GP, 0, `non-canonical address 0x${toU64(Math.trunc(a)).toString(16)}`);
        }
      }
      return a;
    }
    return (a % TWO32 + TWO32) % TWO32;
  }

  // ------------------------------------------------------------------ stack

  get rsp(): number {
    const hi = this.hi[RSP] | 0;
    return hi * TWO32 + this.lo[RSP];
  }
  setRsp(v: number): void {
    const u = v < 0 ? v + TWO64 : v;
    this.lo[RSP] = u % TWO32;
    this.hi[RSP] = Math.floor(u / TWO32) >>> 0;
  }

  /** Stack-pointer width: RSP in 64-bit mode, else ESP or SP by SS's B (big) bit. */
  get stackAddressSize(): number {
    if (this.bits === 64) return 8;
    return (this.segAttr[SS] & 0x4000) !== 0 ? 4 : 2;
  }

  private setStackPointer(sp: number): void {
    const w = this.stackAddressSize;
    if (w === 8) this.setRsp(sp);
    else if (w === 4) this.lo[RSP] = sp >>> 0;
    else this.lo[RSP] = ((this.lo[RSP] & 0xffff0000) | (sp & 0xffff)) >>> 0;
  }

  private stackPointer(): number {
    const w = this.stackAddressSize;
    return w === 8 ? this.rsp : w === 4 ? this.lo[RSP] : this.lo[RSP] & 0xffff;
  }

  push(size: number, lo: number, hi = 0): void {
    const w = this.stackAddressSize;
    let sp = this.stackPointer() - size;
    if (w === 4) sp = sp >>> 0;
    else if (w === 2) sp &= 0xffff;
    this.writeMem(this.linear(SS, sp), size, lo, hi);
    this.setStackPointer(sp);
  }

  pop(size: number): number {
    const sp = this.stackPointer();
    const lo = this.readMem(this.linear(SS, sp), size);
    const hi = this.hiOut;
    this.setStackPointer(sp + size);
    this.hiOut = hi;
    return lo;
  }

  /** Pushes a 64-bit value given as a signed address number. */
  pushAddr(v: number): void {
    const u = v < 0 ? v + TWO64 : v;
    this.push(8, u % TWO32, Math.floor(u / TWO32) >>> 0);
  }

  /** Pops a 64-bit value and returns it as a signed address number (caller checks canonicality). */
  popAddr(): number {
    const lo = this.pop(8);
    return (this.hiOut | 0) * TWO32 + lo;
  }

  // ------------------------------------------------------------------ execution

  /** Requests that `run` return after the current instruction. */
  requestStop(): void {
    this.stopRequested = true;
    this.attention = true;
  }

  event(e: CpuEvent): void {
    this.tracer?.event?.(this, e);
  }

  /** Fetches and decodes the instruction at RIP (cached per physical page in 64-bit mode). */
  fetch(rip: number): Insn {
    const lpn = Math.floor(rip / PAGE_SIZE);
    if (lpn === this.fetchLpn) {
      const code = this.fetchPage!.code;
      if (code !== null) {
        const insn = code[rip - lpn * PAGE_SIZE];
        if (insn !== undefined) return insn;
      }
    }
    const lin = this.linear(CS, rip);
    const page = this.translate(lin, A_FETCH);
    const off = this.pageOff;
    if (this.bits === 64 && page.cacheable && page.mmio === null) {
      this.fetchLpn = lpn;
      this.fetchPage = page;
      let code = page.code;
      if (code === null) {
        code = [];
        page.code = code;
      }
      let insn = code[off];
      if (insn === undefined) {
        insn = decodeAt(this, lin, page, off);
        if (!insn.crossPage) code[off] = insn;
      }
      return insn;
    }
    return decodeAt(this, lin, page, off, rip);
  }

  /**
   * Runs until the CPU halts, a host routine asks it to stop, or it shuts down. Exceeding `budget`
   * instructions throws InstructionBudgetExceeded (a runaway loop never hangs the process).
   */
  run(budget: number): StopReason {
    if (this.shutdownReason !== null) return 'shutdown';
    this.stopRequested = false;
    this.attention = this.halted || this.smm.pending;
    // The budget counts steps: retired instructions and delivered exceptions alike, so a fault that repeats
    // without retiring anything (a handler that cannot be fetched) still ends the run.
    let steps = 0;
    const traced = this.tracer !== null && this.tracer.instruction !== undefined;
    for (;;) {
      if (this.attention) {
        const r = this.service();
        if (r !== null) return r;
        if (this.halted) return 'halted';
      }
      if (steps++ >= budget) throw new InstructionBudgetExceeded(budget, this.ripU64);
      const rip = this.rip;
      try {
        const insn = this.fetch(rip);
        if (traced) this.tracer!.instruction!(this, rip, insn);
        this.rip = rip + insn.len;
        this.icount++;
        insn.exec(this, insn);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        if (!e.isTrap) this.rip = rip;
        this.raise(e, rip);
      }
    }
  }

  /** Executes exactly one instruction (or delivers the pending event). */
  step(): StopReason | null {
    return this.runSome(1);
  }

  private runSome(n: number): StopReason | null {
    try {
      return this.run(n);
    } catch (e) {
      if (e instanceof InstructionBudgetExceeded) return null;
      throw e;
    }
  }

  /** Slow path at an instruction boundary: stop requests, pending SMI, halt. */
  private service(): StopReason | null {
    this.attention = false;
    if (this.shutdownReason !== null) return 'shutdown';
    if (this.smm.pending && !this.smm.inSmm) {
      this.enterSmmHook(this);
      this.halted = false;
    }
    if (this.stopRequested) {
      this.stopRequested = false;
      return 'stopped';
    }
    if (this.halted) {
      this.attention = true;
      return 'halted';
    }
    return null;
  }

  /** SMI entry and RSM (src/cpu/smm/smi.ts); fields so a test can observe or wrap them. */
  enterSmmHook: (cpu: Cpu) => void = enterSmm;
  rsmHook: (cpu: Cpu) => void = resumeFromSmm;

  /**
   * Signals an SMI to this processor (the chipset's SMI# pin). It is taken at the next instruction boundary
   * outside SMM; inside SMM one SMI is latched until RSM (x86-smm-facts §1.6). An SMI signalled while this
   * CPU executes an I/O instruction records the I/O-trap information (§1.9).
   */
  signalSmi(): void {
    this.smm.pending = true;
    if (this.ioInProgress !== null) this.smm.pendingIo = { ...this.ioInProgress };
    this.attention = true;
  }

  /** Enters the shutdown state (triple fault, RSM consistency failure). */
  shutdown(reason: string): void {
    this.shutdownReason = reason;
    this.attention = true;
    this.event({ type: 'shutdown', cpu: this.index, reason });
  }

  /**
   * Delivers an exception: to the host hook if one claims it, otherwise through the 64-bit IDT. A fault while
   * delivering becomes #DF; a fault while delivering #DF shuts the processor down (triple fault).
   */
  raise(fault: CpuFault, rip: number): void {
    if (fault.isSoftware) {
      // INT n / INT3: a gate DPL below CPL faults with #GP(vector*8+2) on the INT instruction itself.
      const denied = this.softwareGateDenied(fault.vector);
      if (denied !== null) {
        this.rip = rip;
        fault = denied;
      }
    }
    this.event({ type: 'exception', cpu: this.index, vector: fault.vector, errorCode: fault.errorCode, rip: toU64(rip), reason: fault.reason, cpl: this.cpl });
    if (this.exceptionHook !== null && this.exceptionHook(this, fault, rip)) return;
    let current = fault;
    for (;;) {
      try {
        this.deliver(current.vector, current.errorCode);
        return;
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        if (current.vector === Vector.DF) {
          this.shutdown(`triple fault: ${e.reason} while delivering #DF`);
          return;
        }
        // SDM double-fault conditions: contributory then contributory, or #PF then contributory/#PF → #DF;
        // otherwise the second exception is delivered on its own.
        const first = faultClass(current.vector), second = faultClass(e.vector);
        const double = (first === 'contributory' && second === 'contributory') || (first === 'pf' && second !== 'benign');
        this.event({ type: 'exception', cpu: this.index, vector: double ? Vector.DF : e.vector, errorCode: double ? 0 : e.errorCode, rip: toU64(this.rip), reason: `${double ? 'double fault: ' : ''}${e.reason} while delivering vector ${current.vector}`, cpl: this.cpl });
        // A selector error code raised while delivering an exception or external event has EXT (bit 0) set.
        const ext = !current.isSoftware && e.errorCode !== undefined && e.errorCode !== 0 && e.vector >= Vector.TS && e.vector <= Vector.GP;
        current = double ? new CpuFault(Vector.DF, 0, `double fault: ${e.reason}`) : ext ? new CpuFault(e.vector, e.errorCode! | 1, e.reason) : e;
      }
    }
  }

  /** For INT n: #GP(vector*8+2) when the IDT gate's DPL is below CPL, else null. */
  private softwareGateDenied(vector: number): CpuFault | null {
    if (vector * 16 + 15 > this.idtrLimit) return null; // the limit fault is raised by deliver()
    try {
      const w1 = this.readMem(this.idtrBase + vector * 16 + 4, 4, A_READ | A_SYS);
      const dpl = (w1 >>> 13) & 3;
        return dpl < this.cpl ? gp(`INT ${vector}: gate DPL ${dpl} < CPL ${this.cpl}`, vector * 8 + 2) : null;
    } catch (e) {
      if (e instanceof CpuFault) return null; // reported by deliver()
      throw e;
    }
  }

  /** 64-bit IDT delivery (x86-smm-facts §3.3): 16-byte gates, stack switch on privilege change, IST. */
  private deliver(vector: number, errorCode: number | undefined): void {
    if ((this.efer & EFER_LMA) === 0) {
      throw new CpuError('CPU_MODE_UNSUPPORTED', `exception ${vector} outside IA-32e mode cannot be delivered (no host hook installed)`);
    }
    const idtErr = vector * 8 + 2;
    if (vector * 16 + 15 > this.idtrLimit) throw gp(`IDT limit exceeded for vector ${vector}`, idtErr);
    const gate = this.idtrBase + vector * 16;
    const w0 = this.readMem(gate, 4, A_READ | A_SYS);
    const w1 = this.readMem(gate + 4, 4, A_READ | A_SYS);
    const w2 = this.readMem(gate + 8, 4, A_READ | A_SYS);
    const type = (w1 >>> 8) & 0xf;
    const present = (w1 >>> 15) & 1;
    if (type !== 0xe && type !== 0xf) throw gp(`IDT entry ${vector} is not an interrupt or trap gate`, idtErr);
    if (!present) throw new CpuFault(Vector.NP, idtErr, `IDT entry ${vector} not present`);
    const selector = (w0 >>> 16) & 0xffff;
    const offset = (w2 | 0) * TWO32 + ((w1 & 0xffff0000) >>> 0) + (w0 & 0xffff);
    const ist = this.readMem(gate + 4, 1, A_READ | A_SYS) & 7;
    const desc = readDescriptor(this, selector);
    if (desc === null || !desc.code || !desc.present || !desc.long) throw gp(`IDT ${vector} target selector 0x${selector.toString(16)} is not a present 64-bit code segment`, selector & 0xfffc);
    const newCpl = desc.conforming ? this.cpl : desc.dpl;
    if (newCpl > this.cpl) throw gp(`IDT ${vector} target DPL above CPL`, selector & 0xfffc);
    const oldSs = this.segSel[SS], oldRsp = this.rsp, oldCs = this.segSel[CS], oldRip = this.rip;
    const oldFlags = this.getRflags();
    let newRsp: number;
    if (ist !== 0) newRsp = this.readTss(36 + (ist - 1) * 8);
    else if (newCpl < this.cpl) newRsp = this.readTss(4 + newCpl * 8);
    else newRsp = oldRsp;
    newRsp = Math.floor(newRsp / 16) * 16;
    const privChange = newCpl < this.cpl;
    // Switch to the new privilege and stack, then push the frame (pushes are supervisor accesses; the
    // IA-32e frame is always 64-bit, also when the interrupted code ran in compatibility mode).
    const savedCpl = this.cpl, savedBits = this.bits;
    this.cpl = newCpl;
    this.bits = 64;
    const savedRsp = this.rsp;
    try {
      this.setRsp(newRsp);
      this.pushAddr(oldSs);
      this.pushAddr(oldRsp);
      this.push(8, oldFlags);
      this.pushAddr(oldCs);
      this.pushAddr(oldRip);
      if (errorCode !== undefined && hasErrorCode(vector)) this.push(8, errorCode >>> 0);
    } catch (e) {
      this.cpl = savedCpl;
      this.bits = savedBits;
      this.setRsp(savedRsp);
      throw e;
    }
    this.cpl = savedCpl;
    this.bits = savedBits;
    if (privChange) {
      this.segSel[SS] = newCpl; // null selector with RPL = new CPL (64-bit mode)
      this.segAttr[SS] = 0;
    }
    this.loadCodeSegment(selector, desc, newCpl, 'interrupt');
    this.rip = offset;
    let rest = this.rflagsRest & ~(TF | NT | RF | VM);
    if (type === 0xe) rest &= ~IF;
    this.rflagsRest = rest >>> 0;
  }

  /** Reads a 64-bit field of the current TSS (RSPn, ISTn). */
  readTss(offset: number): number {
    if (offset + 8 > this.trLimit + 1) throw new CpuFault(Vector.TS, this.trSel & 0xfffc, `TSS too small for offset 0x${offset.toString(16)}`);
    const lo = this.readMem(this.trBase + offset, 4, A_READ | A_SYS);
    const hi = this.readMem(this.trBase + offset + 4, 4, A_READ | A_SYS);
    return (hi | 0) * TWO32 + lo;
  }

  /** Loads CS from a descriptor with the given CPL (selector RPL is set to it). */
  loadCodeSegment(selector: number, desc: Descriptor, cpl: number, via: string): void {
    this.segSel[CS] = (selector & 0xfffc) | cpl;
    this.segBase[CS] = desc.base;
    this.segLimit[CS] = desc.limit;
    this.segAttr[CS] = desc.attr;
    this.setCpl(cpl, via);
    this.updateMode();
  }

  /** Loads a data/stack segment register from a descriptor. */
  loadDataSegment(seg: number, selector: number, desc: Descriptor | null): void {
    this.segSel[seg] = selector;
    if (desc === null) {
      this.segAttr[seg] = 0;
      if (seg !== FS && seg !== GS) this.segBase[seg] = 0;
      return;
    }
    this.segAttr[seg] = desc.attr;
    this.segLimit[seg] = desc.limit;
    if (seg === FS || seg === GS) {
      if (this.bits !== 64) this.segBase[seg] = desc.base;
    } else this.segBase[seg] = desc.base;
  }
}

/** SDM exception classes for the double-fault rules. */
function faultClass(vector: number): 'benign' | 'contributory' | 'pf' {
  if (vector === Vector.PF) return 'pf';
  return vector === Vector.DE || (vector >= 10 && vector <= 13) ? 'contributory' : 'benign';
}

/** A decoded GDT/LDT descriptor. */
export interface Descriptor {
  base: number;
  limit: number;
  attr: number;
  type: number;
  system: boolean;
  code: boolean;
  conforming: boolean;
  writable: boolean;
  readable: boolean;
  dpl: number;
  present: boolean;
  long: boolean;
  big: boolean;
  /** For 64-bit call gates: target selector and offset. */
  gateSelector: number;
  gateOffset: number;
}

/** Reads the GDT descriptor for `selector` (LDT selectors are not supported: #GP). Null selector → null. */
export function readDescriptor(cpu: Cpu, selector: number): Descriptor | null {
  if ((selector & 0xfffc) === 0) return null;
  if (selector & 4) throw gp(`LDT selector 0x${selector.toString(16)} (no LDT support)`, selector & 0xfffc);
  const index = selector & 0xfff8;
  if (index + 7 > cpu.gdtrLimit) throw gp(`selector 0x${selector.toString(16)} beyond GDT limit`, selector & 0xfffc);
  const a = cpu.gdtrBase + index;
  const lo = cpu.readMem(a, 4, A_READ | A_SYS);
  const hi = cpu.readMem(a + 4, 4, A_READ | A_SYS);
  const type = (hi >>> 8) & 0xf;
  const system = ((hi >>> 12) & 1) === 0;
  const g = (hi >>> 23) & 1;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if (g) limit = limit * 4096 + 0xfff;
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const d: Descriptor = {
    base, limit, attr: ((hi >>> 8) & 0xf0ff) >>> 0, type, system,
    code: !system && (type & 8) !== 0, conforming: !system && (type & 0xc) === 0xc,
    writable: !system && (type & 0xa) === 2, readable: !system && ((type & 8) === 0 || (type & 2) !== 0),
    dpl: (hi >>> 13) & 3, present: ((hi >>> 15) & 1) === 1, long: ((hi >>> 21) & 1) === 1, big: ((hi >>> 22) & 1) === 1,
    gateSelector: 0, gateOffset: 0,
  };
  if (system && type === 0xc) {
    // 64-bit call gate: 16 bytes; offset 15:0 in lo, 31:16 in hi, 63:32 in the next dword.
    if (index + 15 > cpu.gdtrLimit) throw gp(`call gate 0x${selector.toString(16)} beyond GDT limit`, selector & 0xfffc);
    const hi2 = cpu.readMem(a + 8, 4, A_READ | A_SYS);
    d.gateSelector = lo >>> 16;
    d.gateOffset = (hi2 | 0) * TWO32 + ((hi & 0xffff0000) >>> 0) + (lo & 0xffff);
  }
  if (system && (type === 9 || type === 0xb)) {
    // 64-bit TSS descriptor: base 63:32 in the next dword.
    const hi2 = cpu.readMem(a + 8, 4, A_READ | A_SYS);
    d.base = hi2 * TWO32 + base;
  }
  return d;
}

