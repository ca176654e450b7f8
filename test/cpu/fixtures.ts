/**
 * Test fixture for the CPU: a machine with hand-built 4-level page tables (4 KiB pages with chosen
 * P/RW/US/NX bits), the MM Supervisor's 64-bit GDT (supervisor-facts §3.1), a 64-bit TSS and an IDT whose
 * gates point at host-trap addresses, so a test sees the exception frame exactly as the supervisor model will
 * (vector, error code, RIP, CS, RFLAGS, RSP, SS pushed by the CPU, x86-smm-facts §3.3).
 *
 * Everything is identity mapped (linear = physical) unless a test remaps a page, so host-side reads of the
 * stack or of page-table entries use physical addresses directly.
 */
import { assemble } from '../../src/asm';
import { Cpu, type CpuOptions, type StopReason } from '../../src/cpu/cpu';
import { hasErrorCode } from '../../src/cpu/cpu-fault';
import type { IoBus } from '../../src/cpu/io-bus';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from '../../src/cpu/mmu';
import { Msr } from '../../src/cpu/msr';
import { SparseMemory } from '../../src/cpu/physical-memory';
import { flatMachine } from '../../src/cpu/snippet';
import { CS, DS, ES, FS, GS, SS } from '../../src/cpu/registers';

/** Physical (= linear) layout of the paged machine. All within the first 2 MiB, mapped by one page table. */
export const L = {
  pml4: 0x1000, pdpt: 0x2000, pd: 0x3000, pt: 0x4000,
  /** GDT (0x80 bytes) followed by the TSS body at GDT + 0x80 (supervisor-facts §3.1); pages 0x10000–0x12FFF. */
  gdt: 0x10000, tss: 0x10080,
  idt: 0x14000,
  /** Exception handler for vector v is a host trap at handlers + 16 * v. */
  handlers: 0x15000,
  /** Supervisor code pages 0x20000–0x2FFFF; the SYSCALL entry (LSTAR) and call-gate target live here too. */
  supCode: 0x20000, syscallEntry: 0x28000, gateTarget: 0x29000,
  /** SMRAM window for SMBASE 0x30000: 0x30000–0x3FFFF. */
  smbase: 0x30000,
  /** User code pages 0x40000–0x4FFFF. */
  userCode: 0x40000,
  /** Supervisor stack (TSS.RSP0) 0x50000–0x57FFF, user stack 0x60000–0x67FFF. */
  supStackTop: 0x58000, userStackTop: 0x68000,
  /** Test pages, each with its own PTE bits (see PAGE_KINDS). */
  userData: 0x70000, userRo: 0x71000, supData: 0x72000, supRo: 0x73000, userNx: 0x74000, supNx: 0x75000,
  notPresent: 0x76000, nxReserved: 0x77000, alias: 0x78000, fresh: 0x79000, userCode2: 0x7a000,
} as const;

/** The supervisor's selectors (supervisor-facts §3.1, x86-smm-facts §3.6). */
export const SEL = { CS0: 0x38, DS0: 0x40, CS3_PH: 0x4b, DS3: 0x53, CS3: 0x5b, GATE: 0x63, TSS: 0x70 } as const;

/** STAR as the supervisor programs it: SYSCALL CS 0x38 / SS 0x40, SYSRETQ CS 0x5B / SS 0x53 (x86-smm-facts §3.6). */
export const SUPERVISOR_STAR = (0x4bn << 48n) | (0x38n << 32n);
/** FMASK used by the fixture: TF, IF, DF, NT and AC are cleared on SYSCALL. */
export const FIXTURE_FMASK = 0x44700n;

/** Page-table entry bits (x86-smm-facts §3.1). */
export const PTE = { P: 1n, RW: 2n, US: 4n, A: 0x20n, D: 0x40n, PS: 0x80n, NX: 1n << 63n } as const;
/** #PF error-code bits (x86-smm-facts §3.2). */
export const PF = { P: 1, W: 2, U: 4, RSVD: 8, ID: 16 } as const;

export interface PageBits {
  present?: boolean;
  rw?: boolean;
  user?: boolean;
  nx?: boolean;
}

/** What each region of the first 2 MiB is mapped as (anything not listed: present, RW, supervisor). */
const PAGE_KINDS: { from: number; to: number; bits: PageBits }[] = [
  { from: L.userCode, to: 0x50000, bits: { user: true } },
  { from: 0x60000, to: L.userStackTop, bits: { user: true } },
  { from: L.userData, to: L.userData + 0x1000, bits: { user: true } },
  { from: L.userRo, to: L.userRo + 0x1000, bits: { user: true, rw: false } },
  { from: L.supRo, to: L.supRo + 0x1000, bits: { rw: false } },
  { from: L.userNx, to: L.userNx + 0x1000, bits: { user: true, nx: true } },
  { from: L.supNx, to: L.supNx + 0x1000, bits: { nx: true } },
  { from: L.notPresent, to: L.notPresent + 0x1000, bits: { present: false } },
  { from: L.nxReserved, to: L.nxReserved + 0x1000, bits: { nx: true } },
  { from: L.userCode2, to: L.userCode2 + 0x1000, bits: { user: true } },
];

/** Encodes a leaf PTE for a 4 KiB frame. */
export function pteValue(frame: number, bits: PageBits = {}): bigint {
  let v = BigInt(frame) & 0x000ffffffffff000n;
  if (bits.present ?? true) v |= PTE.P;
  if (bits.rw ?? true) v |= PTE.RW;
  if (bits.user ?? false) v |= PTE.US;
  if (bits.nx ?? false) v |= PTE.NX;
  return v;
}

/** 8-byte code/data descriptor (attribute layout as in the SDM: type, S, DPL, P, L, D/B, G). */
export function segmentDescriptor(o: { base?: number; limit?: number; type: number; s?: boolean; dpl: number; present?: boolean; long?: boolean; big?: boolean; g?: boolean }): bigint {
  const base = BigInt(o.base ?? 0), limit = BigInt(o.limit ?? 0xfffff);
  let d = (limit & 0xffffn) | ((base & 0xffffffn) << 16n) | (BigInt(o.type & 0xf) << 40n);
  if (o.s ?? true) d |= 1n << 44n;
  d |= BigInt(o.dpl & 3) << 45n;
  if (o.present ?? true) d |= 1n << 47n;
  d |= ((limit >> 16n) & 0xfn) << 48n;
  if (o.long) d |= 1n << 53n;
  if (o.big) d |= 1n << 54n;
  if (o.g ?? true) d |= 1n << 55n;
  d |= ((base >> 24n) & 0xffn) << 56n;
  return d;
}

/** The CPU's segment attribute word for a descriptor: bits 40..47 low byte, bits 52..55 in bits 12..15. */
export function attrOf(desc: bigint): number {
  return Number((desc >> 40n) & 0xf0ffn);
}

/** 16-byte 64-bit system descriptor/gate (call gate 0xC, interrupt gate 0xE, TSS 0x9/0xB). */
export function gate64(o: { selector: number; offset: bigint; type: number; dpl: number; present?: boolean; ist?: number }): [bigint, bigint] {
  const off = BigInt.asUintN(64, o.offset);
  let lo = (off & 0xffffn) | (BigInt(o.selector) << 16n) | (BigInt(o.ist ?? 0) << 32n) | (BigInt(o.type) << 40n) | (BigInt(o.dpl) << 45n);
  if (o.present ?? true) lo |= 1n << 47n;
  lo |= ((off >> 16n) & 0xffffn) << 48n;
  return [lo, off >> 32n];
}

export function tssDescriptor(base: number, limit: number, type = 0x9): [bigint, bigint] {
  const b = BigInt(base);
  const lo = segmentDescriptor({ base, limit, type, s: false, dpl: 0, g: false });
  return [lo, b >> 32n];
}

export const DESC = {
  cs0: segmentDescriptor({ type: 0xb, dpl: 0, long: true }),
  ds0: segmentDescriptor({ type: 0x3, dpl: 0, big: true }),
  cs3ph: segmentDescriptor({ type: 0xb, dpl: 3, big: true, present: false }),
  ds3: segmentDescriptor({ type: 0x3, dpl: 3, big: true }),
  cs3: segmentDescriptor({ type: 0xb, dpl: 3, long: true }),
} as const;

/** The frame the CPU pushed for an exception, read by the host-trap handler (x86-smm-facts §3.3). */
export interface ExceptionFrame {
  vector: number;
  /** undefined when the vector pushes no error code. */
  errorCode: number | undefined;
  rip: bigint;
  cs: number;
  rflags: number;
  rsp: bigint;
  ss: number;
  /** State at handler entry. */
  cr2: bigint;
  handlerCpl: number;
  handlerCs: number;
  handlerSs: number;
  handlerRsp: bigint;
}

export type Outcome =
  | { kind: 'done'; rip: bigint }
  | { kind: 'exception'; frame: ExceptionFrame }
  | { kind: 'trap'; name: string; rip: bigint }
  | { kind: StopReason };

export interface LoadOptions {
  /** Where the code goes (default: supCode for CPL0, userCode for CPL3). */
  origin?: number;
  /** Initial GPRs by name. */
  regs?: Record<string, bigint>;
  rflags?: number;
  /** Initial RSP (default: top of the supervisor or user stack). */
  rsp?: bigint;
}

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
export function gprIndex(name: string): number {
  const i = GPR.indexOf(name);
  if (i < 0) throw new Error(`unknown register ${name}`);
  return i;
}

/** Assembles Intel-syntax text at `origin`. */
export function asm(text: string, origin: number | bigint, bitness: 16 | 32 | 64 = 64): { bytes: Uint8Array; labels: Map<string, bigint> } {
  const p = assemble(text, { origin: BigInt(origin), bitness });
  return { bytes: p.bytes, labels: p.labels };
}

export interface PagedMachineOptions extends CpuOptions {
  io?: IoBus;
}

/**
 * A long-mode machine with real page tables, the supervisor's GDT, a TSS (RSP0 = supStackTop) and an IDT of
 * host-trap handlers. `load` places code and sets the CPL; `go` runs it until the code's end (a host trap),
 * an exception handler, HLT or shutdown.
 */
export class PagedMachine {
  readonly memory = new SparseMemory();
  readonly cpu: Cpu;
  readonly frames: ExceptionFrame[] = [];
  labels = new Map<string, bigint>();
  private outcome: Outcome | null = null;
  private endTrap: number | null = null;

  constructor(options: PagedMachineOptions = {}) {
    this.cpu = new Cpu(this.memory, options);
    this.buildPageTables();
    this.buildGdt();
    this.buildIdt();
    this.resetCpu();
  }

  // ---------------------------------------------------------------- construction

  private buildPageTables(): void {
    const m = this.memory;
    const upper = PTE.P | PTE.RW | PTE.US;
    m.writeU64(L.pml4, BigInt(L.pdpt) | upper);
    m.writeU64(L.pdpt, BigInt(L.pd) | upper);
    m.writeU64(L.pd, BigInt(L.pt) | upper);
    for (let a = 0; a < 0x200000; a += 0x1000) {
      const kind = PAGE_KINDS.find((k) => a >= k.from && a < k.to);
      m.writeU64(L.pt + (a >>> 12) * 8, pteValue(a, kind?.bits ?? {}));
    }
    // page 0 not present: null-pointer accesses fault
    m.writeU64(L.pt, 0n);
  }

  private buildGdt(): void {
    const m = this.memory;
    const g = L.gdt;
    m.writeU64(g + 0x00, 0n);
    m.writeU64(g + 0x08, segmentDescriptor({ type: 0xb, dpl: 0, big: true }));
    m.writeU64(g + 0x10, segmentDescriptor({ type: 0xb, dpl: 0, big: true }));
    m.writeU64(g + 0x18, segmentDescriptor({ type: 0x3, dpl: 0, big: true }));
    m.writeU64(g + 0x20, segmentDescriptor({ type: 0x3, dpl: 0, big: true }));
    m.writeU64(g + 0x28, segmentDescriptor({ type: 0xb, dpl: 0, g: false, limit: 0xffff }));
    m.writeU64(g + 0x30, segmentDescriptor({ type: 0x3, dpl: 0, g: false, limit: 0xffff }));
    m.writeU64(g + 0x38, DESC.cs0);
    m.writeU64(g + 0x40, DESC.ds0);
    m.writeU64(g + 0x48, DESC.cs3ph);
    m.writeU64(g + 0x50, DESC.ds3);
    m.writeU64(g + 0x58, DESC.cs3);
    this.setCallGate(BigInt(L.gateTarget));
    const [t0, t1] = tssDescriptor(L.tss, 0x67, 0x9);
    m.writeU64(g + 0x70, t0);
    m.writeU64(g + 0x78, t1);
    // TSS body: RSP0, I/O-map base beyond the limit (no bitmap → CPL3 I/O denied when IOPL < 3)
    this.memory.fill(L.tss, 0x68, 0);
    m.writeU64(L.tss + 4, BigInt(L.supStackTop));
    this.writeU16(L.tss + 0x66, 0x68);
  }

  /** Points the 0x60 call gate (DPL3 → 0x38) at `offset` (the supervisor patches it per demotion, §3.2). */
  setCallGate(offset: bigint, dpl = 3): void {
    const [lo, hi] = gate64({ selector: SEL.CS0, offset, type: 0xc, dpl });
    this.memory.writeU64(L.gdt + 0x60, lo);
    this.memory.writeU64(L.gdt + 0x68, hi);
  }

  private buildIdt(): void {
    for (let v = 0; v < 256; v++) {
      const handler = L.handlers + v * 16;
      // INT3 / INT 0x80 gates are DPL3 so CPL3 code may use them; every other gate DPL0 (§3.3).
      const [lo, hi] = gate64({ selector: SEL.CS0, offset: BigInt(handler), type: 0xe, dpl: v === 3 || v === 0x80 ? 3 : 0 });
      this.memory.writeU64(L.idt + v * 16, lo);
      this.memory.writeU64(L.idt + v * 16 + 8, hi);
      this.memory.setHostTrap(handler, (cpu) => this.onException(cpu, v));
    }
  }

  private onException(cpu: Cpu, vector: number): void {
    let sp = cpu.rsp;
    const q = (): bigint => {
      const v = this.memory.readU64(sp);
      sp += 8;
      return v;
    };
    const errorCode = hasErrorCode(vector) ? Number(q()) : undefined;
    const frame: ExceptionFrame = {
      vector, errorCode,
      rip: q(), cs: Number(q()), rflags: Number(q()), rsp: q(), ss: Number(q()),
      cr2: BigInt.asUintN(64, BigInt(cpu.cr2)), handlerCpl: cpu.cpl, handlerCs: cpu.segSel[CS], handlerSs: cpu.segSel[SS],
      handlerRsp: BigInt(cpu.rsp),
    };
    this.frames.push(frame);
    this.outcome = { kind: 'exception', frame };
    cpu.requestStop();
  }

  /** Registers a named host trap: reaching `addr` stops the run with outcome {kind:'trap', name}. */
  stopAt(addr: number | bigint, name: string): void {
    this.memory.setHostTrap(Number(addr), (cpu) => {
      this.outcome = { kind: 'trap', name, rip: cpu.ripU64 };
      cpu.requestStop();
    });
  }

  /** Architectural state of a freshly initialised long-mode CPU at CPL0 (paging, WP, NXE, SCE, PAE). */
  resetCpu(): void {
    const c = this.cpu;
    c.cr0 = (CR0_PE | 0x2 | 0x10 | 0x20 | CR0_WP | CR0_PG) >>> 0; // PE MP ET NE WP PG
    c.cr3 = L.pml4;
    c.cr4 = CR4_PAE;
    c.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    c.gdtrBase = L.gdt; c.gdtrLimit = 0x7f;
    c.idtrBase = L.idt; c.idtrLimit = 256 * 16 - 1;
    c.trSel = SEL.TSS; c.trBase = L.tss; c.trLimit = 0x67; c.trAttr = 0x8b; // busy 64-bit TSS in TR
    c.msr.write(Msr.STAR, SUPERVISOR_STAR);
    c.msr.write(Msr.LSTAR, BigInt(L.syscallEntry));
    c.msr.write(Msr.FMASK, FIXTURE_FMASK);
    this.setCpl(0);
    c.setRflags(0x2);
    c.flushTlb();
  }

  /** Loads CS/SS/DS/ES/FS/GS for a CPL with the supervisor's selectors (as its far return / SYSCALL do). */
  setCpl(cpl: 0 | 3): void {
    const c = this.cpu;
    const cs = cpl === 3 ? DESC.cs3 : DESC.cs0;
    const ds = cpl === 3 ? DESC.ds3 : DESC.ds0;
    c.segSel[CS] = cpl === 3 ? SEL.CS3 : SEL.CS0;
    c.segAttr[CS] = attrOf(cs);
    c.segBase[CS] = 0; c.segLimit[CS] = 0xffffffff;
    for (const s of [SS, DS, ES, FS, GS]) {
      c.segSel[s] = cpl === 3 ? SEL.DS3 : SEL.DS0;
      c.segAttr[s] = attrOf(ds);
      c.segBase[s] = 0; c.segLimit[s] = 0xffffffff;
    }
    c.cpl = cpl;
    c.updateMode();
    c.flushTlb();
  }

  // ---------------------------------------------------------------- running code

  /** Assembles `text`, places it, sets CPL/registers/RIP; a host trap at the end of the code ends the run. */
  load(cpl: 0 | 3, text: string, o: LoadOptions = {}): Map<string, bigint> {
    const origin = o.origin ?? (cpl === 3 ? L.userCode : L.supCode);
    const { bytes, labels } = asm(text, origin);
    return this.loadBytes(cpl, bytes, { ...o, origin }, labels);
  }

  loadBytes(cpl: 0 | 3, bytes: Uint8Array, o: LoadOptions = {}, labels = new Map<string, bigint>()): Map<string, bigint> {
    const origin = o.origin ?? (cpl === 3 ? L.userCode : L.supCode);
    this.memory.write(origin, bytes);
    if (this.endTrap !== null) this.memory.removeHostTrap(this.endTrap);
    this.endTrap = origin + bytes.length;
    this.memory.setHostTrap(this.endTrap, (cpu) => {
      this.outcome = { kind: 'done', rip: cpu.ripU64 };
      cpu.requestStop();
    });
    this.setCpl(cpl);
    const c = this.cpu;
    for (let r = 0; r < 16; r++) c.setReg64(r, 0n);
    for (const [n, v] of Object.entries(o.regs ?? {})) c.setReg64(gprIndex(n), v);
    c.setReg64(4, o.rsp ?? BigInt(cpl === 3 ? L.userStackTop : L.supStackTop - 0x1000));
    c.setRflags(o.rflags ?? 0x2);
    c.ripU64 = BigInt(origin);
    this.labels = labels;
    return labels;
  }

  /** Runs until the code's end, an exception handler, a named trap, HLT or shutdown. */
  go(budget = 10_000): Outcome {
    this.outcome = null;
    const r = this.cpu.run(budget);
    if (this.outcome !== null && r === 'stopped') return this.outcome;
    return { kind: r };
  }

  /** Label address from the last `load`. */
  at(label: string): bigint {
    const v = this.labels.get(label);
    if (v === undefined) throw new Error(`no label ${label}`);
    return v;
  }

  reg(name: string): bigint {
    return this.cpu.getReg64(gprIndex(name));
  }

  // ---------------------------------------------------------------- page tables and memory

  /** Physical address of the PTE mapping linear `lin` (first 2 MiB only). */
  pteAddress(lin: number): number {
    if (lin >= 0x200000) throw new Error('fixture maps only the first 2 MiB with 4 KiB pages');
    return L.pt + Math.floor(lin / 0x1000) * 8;
  }

  pte(lin: number): bigint {
    return this.memory.readU64(this.pteAddress(lin));
  }

  /** Rewrites the PTE for `lin` (frame defaults to identity) and flushes the TLB. */
  mapPage(lin: number, bits: PageBits, frame = lin): void {
    this.memory.writeU64(this.pteAddress(lin), pteValue(frame, bits));
    this.cpu.flushTlb();
  }

  writeU16(addr: number, v: number): void {
    this.memory.write(addr, new Uint8Array([v & 0xff, (v >>> 8) & 0xff]));
  }

  /**
   * Gives the TSS an I/O permission bitmap of `bytes` bytes at TSS + 0x68 (ports 0 .. 8*bytes-1) with the
   * listed ports denied; the TSS limit ends at the last bitmap byte (x86-smm-facts §3.7).
   */
  setIoBitmap(bytes: number, denied: number[]): void {
    this.memory.fill(L.tss + 0x68, bytes, 0);
    for (const p of denied) {
      const a = L.tss + 0x68 + (p >>> 3);
      this.memory.write(a, new Uint8Array([this.memory.read(a, 1)[0] | (1 << (p & 7))]));
    }
    this.writeU16(L.tss + 0x66, 0x68);
    const limit = 0x68 + bytes - 1;
    const [t0, t1] = tssDescriptor(L.tss, limit, 0xb);
    this.memory.writeU64(L.gdt + 0x70, t0);
    this.memory.writeU64(L.gdt + 0x78, t1);
    this.cpu.trLimit = limit;
  }
}

/** Value of an RFLAGS field. */
export const RFL = { CF: 1, PF: 4, AF: 0x10, ZF: 0x40, SF: 0x80, TF: 0x100, IF: 0x200, DF: 0x400, OF: 0x800, IOPL3: 0x3000, NT: 0x4000, RF: 0x10000, AC: 0x40000 } as const;

export { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE };

// ---------------------------------------------------------------- flat snippet machine helpers


export interface FlatRun {
  cpu: Cpu;
  memory: SparseMemory;
  labels: Map<string, bigint>;
  reason: StopReason;
}

/**
 * Assembles `text` at `origin` (default 0x400000) in the flat identity-mapped snippet machine (1 GiB pages,
 * everything RW/user), runs it until RIP reaches the end of the code, and returns the machine.
 */
export function runFlat(text: string, o: { regs?: Record<string, bigint>; rflags?: number; cpl?: 0 | 3; origin?: number; budget?: number; memory?: [number, Uint8Array][] } = {}): FlatRun {
  const { cpu, memory } = flatMachine(o.cpl ?? 0);
  const origin = o.origin ?? 0x400000;
  const { bytes, labels } = asm(text, origin);
  memory.write(origin, bytes);
  for (const [a, b] of o.memory ?? []) memory.write(a, b);
  memory.setHostTrap(origin + bytes.length, (c) => c.requestStop());
  cpu.setReg64(4, 0x800000n);
  for (const [n, v] of Object.entries(o.regs ?? {})) cpu.setReg64(gprIndex(n), v);
  cpu.setRflags(o.rflags ?? 0x202);
  cpu.ripU64 = BigInt(origin);
  cpu.exceptionHook = (_c, f) => {
    throw new Error(`unexpected exception ${f.vector} (${f.reason})`);
  };
  const reason = cpu.run(o.budget ?? 100_000);
  return { cpu, memory, labels, reason };
}
