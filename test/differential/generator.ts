/**
 * Random register-only instruction blocks for the differential test (issue 2, acceptance 1).
 *
 * A case is 1–4 instructions plus initial GPRs and RFLAGS. While generating, the generator tracks per block:
 * - which status flags are defined (flags.ts, SDM "Flags Affected" of each instruction);
 * - which registers hold a defined value (a register becomes undefined when an instruction leaves it
 *   undefined — BSF/BSR with a zero source — or computes it from an undefined input; conservative, whole
 *   64-bit register granularity);
 * - the concrete value of a register where it is trivially known: the initial values, `mov reg, imm` and
 *   `mov reg, reg`. That is what decides shift/rotate counts taken from CL (a CL-count instruction is only
 *   generated while CL's value is known, so its masked count and therefore its flag effect are exact) and
 *   whether a BSF/BSR source is nonzero.
 * An instruction that would read an undefined flag (ADC/SBB/RCL/RCR/CMOVcc/SETcc) is never generated.
 *
 * Encoding and disassembly go through iced-x86 (Instruction.create*, Encoder, Intel formatter).
 */
import { Code, Encoder, Formatter, FormatterSyntax, Instruction, MemoryOperand, Register } from 'iced-x86';
import {
  ARITH, ARITH_WITH_CARRY, BIT_SCAN, BIT_TEST, CONDITIONS, INC_DEC, LOGIC, MULTIPLY, NO_FLAGS, STATUS_FLAGS,
  applyFlagEffect, countMask, shiftCountValid, shiftEffect, type FlagEffect, type ShiftKind,
} from './flags';
import { Rng, hash32 } from './rng';

export const GPR_NAMES = [
  'rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
] as const;
export type GprName = (typeof GPR_NAMES)[number];
export const RSP = 4;
const RCX = 1;
const MASK64 = (1n << 64n) - 1n;

type Size = 8 | 16 | 32 | 64;

/** A register operand: GPR index 0–15, width, and (8-bit only) whether it is AH/CH/DH/BH. */
interface Reg { idx: number; size: Size; high: boolean }

export interface GeneratedInstruction {
  bytes: Uint8Array;
  /** Intel-syntax disassembly (iced-x86 formatter). */
  text: string;
  /** iced-x86 Code name, e.g. `Shl_rm8_CL`: the instruction form. */
  form: string;
}

/** Definedness after one instruction of the block. */
export interface StepState { definedFlags: number; definedRegs: boolean[] }

export interface DiffCase {
  seed: number;
  index: number;
  /** Initial GPRs in encoding order (index 4, RSP, is not loaded into either side). */
  regs: bigint[];
  /** Initial RFLAGS: bit 1 and IF set, a random subset of CF/PF/AF/ZF/SF/OF. */
  rflags: bigint;
  instructions: GeneratedInstruction[];
  code: Uint8Array;
  /** steps[k] = definedness after instructions[0..k]. */
  steps: StepState[];
}

// ---------------------------------------------------------------------------------------------- registers

function icedReg(r: Reg): Register {
  switch (r.size) {
    case 64: return (Register.RAX + r.idx) as Register;
    case 32: return (Register.EAX + r.idx) as Register;
    case 16: return (Register.AX + r.idx) as Register;
    case 8:
      if (r.high) return (Register.AH + r.idx) as Register;
      return (r.idx < 4 ? Register.AL + r.idx : Register.SPL + (r.idx - 4)) as Register;
  }
}

function sizeMask(size: Size): bigint {
  return (1n << BigInt(size)) - 1n;
}

/** The value of operand `r` within a full 64-bit register value. */
export function readSub(full: bigint, size: Size, high: boolean): bigint {
  return high ? (full >> 8n) & 0xffn : full & sizeMask(size);
}

/** Writes `value` into operand `r` of `full`: 8/16-bit writes merge, 32-bit writes zero-extend. */
export function writeSub(full: bigint, size: Size, high: boolean, value: bigint): bigint {
  const v = value & sizeMask(size);
  if (size === 64 || size === 32) return v;
  if (high) return (full & ~0xff00n & MASK64) | (v << 8n);
  return (full & ~sizeMask(size) & MASK64) | v;
}

function code(name: string): Code {
  const c = (Code as unknown as Record<string, Code | undefined>)[name];
  if (c === undefined) throw new Error(`differential generator: iced-x86 has no Code.${name}`);
  return c;
}

// ------------------------------------------------------------------------------------------------ values

const EDGE64: readonly bigint[] = [
  0n, 1n, 2n, MASK64, MASK64 - 1n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x8000_0000_0000_0001n,
  0xffff_ffffn, 0x8000_0000n, 0x7fff_ffffn, 0x1_0000_0000n, 0xffffn, 0x8000n, 0x7fffn, 0x1_0000n, 0xffn,
  0x80n, 0x7fn, 0x100n, 0xffff_ffff_0000_0000n, 0xffff_ffff_8000_0000n, 0xffff_ffff_ffff_8000n,
];
const EDGE_BYTES: readonly number[] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

/** A 64-bit value biased toward flag corner cases in every operand width. */
function edgeValue(rng: Rng): bigint {
  switch (rng.below(8)) {
    case 0: return rng.u64();
    case 1: return rng.pick(EDGE64);
    case 2: case 3: {
      let v = 0n;
      for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(rng.chance(0.75) ? rng.pick(EDGE_BYTES) : rng.below(256));
      return v;
    }
    case 4: return BigInt(rng.range(0, 70)) | (rng.chance(0.3) ? rng.u64() & ~0xffn & MASK64 : 0n);
    case 5: return BigInt(rng.range(-300, 300)) & MASK64;
    case 6: return BigInt(rng.u32());
    default: return (rng.u64() & ~0xffffn & MASK64) | BigInt(rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff]));
  }
}

function imm8(rng: Rng): number {
  return rng.chance(0.5) ? rng.pick([0, 1, -1, 2, 0x7f, -0x80, 0x40, -2]) : rng.range(-128, 127);
}
function imm16(rng: Rng): number {
  return rng.chance(0.5) ? rng.pick([0, 1, -1, 0x7fff, -0x8000, 0x80, 0xff, 0x100]) : rng.range(-0x8000, 0x7fff);
}
function imm32(rng: Rng): number {
  return rng.chance(0.5)
    ? rng.pick([0, 1, -1, 0x7fff_ffff, -0x8000_0000, 0x80, 0xffff, 0x8000, 0x10000, -0x8000])
    : rng.u32() | 0;
}
function immFor(rng: Rng, size: Size): number {
  return size === 8 ? imm8(rng) : size === 16 ? imm16(rng) : imm32(rng);
}

/** Shift/rotate immediate counts: 1 often, the width boundaries, and occasionally any byte. */
function countImm(rng: Rng, size: Size): number {
  if (rng.chance(0.25)) return 1;
  if (rng.chance(0.15)) return rng.below(256);
  return rng.pick([0, 2, 3, size - 1, size, size + 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65]) & 0xff;
}

// -------------------------------------------------------------------------------------------- candidates

/** One proposed instruction with what it reads and writes. */
interface Candidate {
  instr: Instruction;
  flags: FlagEffect;
  /** GPR indexes read (a partial-width write also reads its register; added automatically). */
  reads: number[];
  writes: Reg[];
  /** Register indexes whose result the SDM leaves undefined. */
  undefinedWrites?: number[];
  /** Concrete full 64-bit results, where trivially known (mov). */
  known?: Map<number, bigint>;
}

class BlockState {
  readonly known: (bigint | null)[];
  readonly defined: boolean[];
  flags = STATUS_FLAGS;

  constructor(regs: bigint[]) {
    this.known = regs.map((v) => v);
    this.defined = regs.map((_, i) => i !== RSP);
  }

  apply(c: Candidate): void {
    const reads = [...c.reads];
    for (const w of c.writes) if (w.size === 8 || w.size === 16) reads.push(w.idx);
    const tainted = reads.some((i) => !this.defined[i]);
    for (const w of c.writes) {
      this.defined[w.idx] = !tainted && !(c.undefinedWrites ?? []).includes(w.idx);
      this.known[w.idx] = null;
    }
    if (c.known !== undefined && !tainted) for (const [i, v] of c.known) this.known[i] = v;
    this.flags = applyFlagEffect(this.flags, c.flags, tainted);
  }
}

type Family = (g: Gen) => Candidate | null;

/** Generation context for one instruction slot. */
class Gen {
  constructor(readonly rng: Rng, readonly st: BlockState, readonly work: readonly number[]) {}

  /** A register index other than RSP, mostly from the block's small working set so instructions interact. */
  idx(): number {
    if (this.rng.chance(0.85)) return this.rng.pick(this.work);
    let i: number;
    do i = this.rng.below(16); while (i === RSP);
    return i;
  }

  reg(size: Size): Reg {
    if (size === 8 && this.rng.chance(0.25)) {
      let i: number;
      do i = this.rng.chance(0.7) ? this.rng.pick(this.work) : this.rng.below(4); while (i >= 4);
      return { idx: i, size, high: true };
    }
    return { idx: this.idx(), size, high: false };
  }

  size(choices: readonly Size[] = [8, 16, 32, 64]): Size {
    return this.rng.pick(choices);
  }

  flagsOk(e: FlagEffect): boolean {
    return (e.reads & ~this.st.flags) === 0;
  }

  /** The current CL value, or null when an earlier instruction changed CL in a way not tracked. */
  cl(): number | null {
    const v = this.st.known[RCX];
    return v === null ? null : Number(v & 0xffn);
  }
}

// -------------------------------------------------------------------------------------------------- families

const ALU_RR = ['Add', 'Adc', 'Sub', 'Sbb', 'Cmp', 'And', 'Or', 'Xor', 'Test'] as const;

function aluFlags(m: string): FlagEffect {
  if (m === 'Adc' || m === 'Sbb') return ARITH_WITH_CARRY;
  if (m === 'And' || m === 'Or' || m === 'Xor' || m === 'Test') return LOGIC;
  return ARITH;
}
const writesDest = (m: string): boolean => m !== 'Cmp' && m !== 'Test';

const aluRegReg: Family = (g) => {
  const m = g.rng.pick(ALU_RR);
  const s = g.size();
  const d = g.reg(s), r = g.reg(s);
  const fx = aluFlags(m);
  if (!g.flagsOk(fx)) return null;
  const reverse = m !== 'Test' && g.rng.chance(0.3);
  const name = reverse ? `${m}_r${s}_rm${s}` : `${m}_rm${s}_r${s}`;
  return {
    instr: Instruction.createRegReg(code(name), icedReg(d), icedReg(r)),
    flags: fx, reads: [d.idx, r.idx], writes: writesDest(m) ? [d] : [],
  };
};

const aluRegImm: Family = (g) => {
  const m = g.rng.pick(ALU_RR);
  const s = g.size();
  const fx = aluFlags(m);
  if (!g.flagsOk(fx)) return null;
  const immWidth = s === 8 ? 8 : s === 16 ? 16 : 32;
  const short = g.rng.chance(0.2); // the AL/AX/EAX/RAX, imm encodings
  const d: Reg = short ? { idx: 0, size: s, high: false } : g.reg(s);
  let name: string;
  let imm: number;
  if (short) {
    const acc = { 8: 'AL', 16: 'AX', 32: 'EAX', 64: 'RAX' }[s];
    name = `${m}_${acc}_imm${immWidth}`;
    imm = immFor(g.rng, s);
  } else if (s !== 8 && m !== 'Test' && g.rng.chance(0.5)) {
    name = `${m}_rm${s}_imm8`;
    imm = imm8(g.rng);
  } else {
    name = `${m}_rm${s}_imm${immWidth}`;
    imm = immFor(g.rng, s);
  }
  return {
    instr: Instruction.createRegI32(code(name), icedReg(d), imm),
    flags: fx, reads: [d.idx], writes: writesDest(m) ? [d] : [],
  };
};

const unary: Family = (g) => {
  const m = g.rng.pick(['Inc', 'Dec', 'Neg', 'Not'] as const);
  const s = g.size();
  const d = g.reg(s);
  const fx = m === 'Not' ? NO_FLAGS : m === 'Neg' ? ARITH : INC_DEC;
  return { instr: Instruction.createReg(code(`${m}_rm${s}`), icedReg(d)), flags: fx, reads: [d.idx], writes: [d] };
};

const mulOneOperand: Family = (g) => {
  const m = g.rng.pick(['Mul', 'Imul'] as const);
  const s = g.size();
  const src = g.reg(s);
  // SDM MUL/IMUL: AX := AL*r8; DX:AX := AX*r16; EDX:EAX := EAX*r32; RDX:RAX := RAX*r64.
  const writes: Reg[] = s === 8 ? [{ idx: 0, size: 16, high: false }]
    : [{ idx: 0, size: s, high: false }, { idx: 2, size: s, high: false }];
  return { instr: Instruction.createReg(code(`${m}_rm${s}`), icedReg(src)), flags: MULTIPLY, reads: [0, src.idx], writes };
};

const imulMulti: Family = (g) => {
  const s = g.size([16, 32, 64]);
  const d = g.reg(s), r = g.reg(s);
  if (g.rng.chance(0.5)) {
    return {
      instr: Instruction.createRegReg(code(`Imul_r${s}_rm${s}`), icedReg(d), icedReg(r)),
      flags: MULTIPLY, reads: [d.idx, r.idx], writes: [d],
    };
  }
  const short = g.rng.chance(0.5);
  const name = short ? `Imul_r${s}_rm${s}_imm8` : `Imul_r${s}_rm${s}_imm${s === 16 ? 16 : 32}`;
  const imm = short ? imm8(g.rng) : immFor(g.rng, s);
  return {
    instr: Instruction.createRegRegI32(code(name), icedReg(d), icedReg(r), imm),
    flags: MULTIPLY, reads: [r.idx], writes: [d],
  };
};

/** Shift or rotate of one register by 1, imm8 or CL. */
function shiftFamily(kinds: readonly ShiftKind[]): Family {
  return (g) => {
    const kind = g.rng.pick(kinds);
    const m = kind[0].toUpperCase() + kind.slice(1);
    const s = g.size();
    const d = g.reg(s);
    const form = g.rng.pick(['1', 'imm8', 'CL'] as const);
    let count: number;
    let instr: Instruction;
    const reads = [d.idx];
    if (form === 'CL') {
      const cl = g.cl();
      if (cl === null) return null;
      count = cl;
      reads.push(RCX);
      instr = Instruction.createRegReg(code(`${m}_rm${s}_CL`), icedReg(d), Register.CL);
    } else {
      count = form === '1' ? 1 : countImm(g.rng, s);
      instr = Instruction.createRegI32(code(`${m}_rm${s}_${form}`), icedReg(d), count);
    }
    const fx = shiftEffect(kind, s, count & countMask(s));
    if (!g.flagsOk(fx)) { instr.free(); return null; }
    return { instr, flags: fx, reads, writes: [d] };
  };
}

const shiftDouble: Family = (g) => {
  const kind = g.rng.pick(['shld', 'shrd'] as const);
  const m = kind === 'shld' ? 'Shld' : 'Shrd';
  const s = g.size([16, 32, 64]);
  const d = g.reg(s), r = g.reg(s);
  const reads = [d.idx, r.idx];
  let count: number;
  const useCl = g.rng.chance(0.5);
  if (useCl) {
    const cl = g.cl();
    if (cl === null) return null;
    count = cl;
    reads.push(RCX);
  } else {
    count = countImm(g.rng, s);
  }
  const masked = count & countMask(s as Size);
  if (!shiftCountValid(kind, s, masked)) return null;
  const instr = useCl
    ? Instruction.createRegRegReg(code(`${m}_rm${s}_r${s}_CL`), icedReg(d), icedReg(r), Register.CL)
    : Instruction.createRegRegI32(code(`${m}_rm${s}_r${s}_imm8`), icedReg(d), icedReg(r), count);
  return { instr, flags: shiftEffect(kind, s, masked), reads, writes: [d] };
};

const bitTest: Family = (g) => {
  const m = g.rng.pick(['Bt', 'Bts', 'Btr', 'Btc'] as const);
  const s = g.size([16, 32, 64]);
  const d = g.reg(s);
  const writes = m === 'Bt' ? [] : [d];
  if (g.rng.chance(0.5)) {
    const r = g.reg(s);
    return {
      instr: Instruction.createRegReg(code(`${m}_rm${s}_r${s}`), icedReg(d), icedReg(r)),
      flags: BIT_TEST, reads: [d.idx, r.idx], writes,
    };
  }
  const imm = g.rng.chance(0.7) ? g.rng.below(s) : g.rng.below(256);
  return { instr: Instruction.createRegI32(code(`${m}_rm${s}_imm8`), icedReg(d), imm), flags: BIT_TEST, reads: [d.idx], writes };
};

const bitScan: Family = (g) => {
  const m = g.rng.pick(['Bsf', 'Bsr'] as const);
  const s = g.size([16, 32, 64]);
  const d = g.reg(s), r = g.reg(s);
  const src = g.st.known[r.idx];
  // SDM BSF/BSR: the destination is undefined when the source is 0.
  const srcNonzero = src !== null && readSub(src, s, false) !== 0n;
  return {
    instr: Instruction.createRegReg(code(`${m}_r${s}_rm${s}`), icedReg(d), icedReg(r)),
    flags: BIT_SCAN, reads: [r.idx], writes: [d], undefinedWrites: srcNonzero ? [] : [d.idx],
  };
};

function ccName(cc: string): string {
  return cc[0].toUpperCase() + cc.slice(1);
}

const cmov: Family = (g) => {
  const [cc, reads] = g.rng.pick(CONDITIONS);
  const fx: FlagEffect = { reads, defined: 0, undefined: 0 };
  if (!g.flagsOk(fx)) return null;
  const s = g.size([16, 32, 64]);
  const d = g.reg(s), r = g.reg(s);
  return {
    instr: Instruction.createRegReg(code(`Cmov${cc}_r${s}_rm${s}`), icedReg(d), icedReg(r)),
    flags: fx, reads: [d.idx, r.idx], writes: [d],
  };
};

const setcc: Family = (g) => {
  const [cc, reads] = g.rng.pick(CONDITIONS);
  const fx: FlagEffect = { reads, defined: 0, undefined: 0 };
  if (!g.flagsOk(fx)) return null;
  const d = g.reg(8);
  return { instr: Instruction.createReg(code(`Set${cc}_rm8`), icedReg(d)), flags: fx, reads: [], writes: [d] };
};

const extend: Family = (g) => {
  const kind = g.rng.pick(['Movzx', 'Movsx', 'Movsx', 'Movzx', 'Movsxd'] as const);
  if (kind === 'Movsxd') {
    const d = g.reg(64), r = g.reg(32);
    return { instr: Instruction.createRegReg(code('Movsxd_r64_rm32'), icedReg(d), icedReg(r)), flags: NO_FLAGS, reads: [r.idx], writes: [d] };
  }
  const from = g.size([8, 16]);
  const to = from === 8 ? g.size([16, 32, 64]) : g.size([32, 64]);
  const d = g.reg(to), r = g.reg(from);
  return {
    instr: Instruction.createRegReg(code(`${kind}_r${to}_rm${from}`), icedReg(d), icedReg(r)),
    flags: NO_FLAGS, reads: [r.idx], writes: [d],
  };
};

const mov: Family = (g) => {
  const s = g.size();
  const d = g.reg(s);
  const old = g.st.known[d.idx];
  if (g.rng.chance(0.5)) {
    const r = g.reg(s);
    const name = g.rng.chance(0.5) ? `Mov_rm${s}_r${s}` : `Mov_r${s}_rm${s}`;
    const src = g.st.known[r.idx];
    const known = new Map<number, bigint>();
    if (src !== null && (old !== null || s >= 32)) known.set(d.idx, writeSub(old ?? 0n, s, d.high, readSub(src, s, r.high)));
    return { instr: Instruction.createRegReg(code(name), icedReg(d), icedReg(r)), flags: NO_FLAGS, reads: [r.idx], writes: [d], known };
  }
  let instr: Instruction;
  let value: bigint;
  if (s === 64) {
    if (g.rng.chance(0.5)) {
      value = edgeValue(g.rng);
      instr = Instruction.createRegU64(code('Mov_r64_imm64'), icedReg(d), value);
    } else {
      const imm = imm32(g.rng);
      value = BigInt(imm) & MASK64;
      instr = Instruction.createRegI32(code('Mov_rm64_imm32'), icedReg(d), imm);
    }
  } else {
    const imm = immFor(g.rng, s);
    value = BigInt(imm) & sizeMask(s);
    instr = Instruction.createRegI32(code(g.rng.chance(0.5) ? `Mov_r${s}_imm${s}` : `Mov_rm${s}_imm${s}`), icedReg(d), imm);
  }
  const known = new Map<number, bigint>();
  if (old !== null || s >= 32) known.set(d.idx, writeSub(old ?? 0n, s, d.high, value));
  return { instr, flags: NO_FLAGS, reads: [], writes: [d], known };
};

/** `mov cl, n` / `mov ecx, n` with a small n, so later CL-count shifts see varied, known counts. */
const setCount: Family = (g) => {
  const n = g.rng.chance(0.8) ? g.rng.range(0, 66) : g.rng.below(256);
  const old = g.st.known[RCX];
  const known = new Map<number, bigint>();
  if (g.rng.chance(0.5)) {
    const cl: Reg = { idx: RCX, size: 8, high: false };
    if (old !== null) known.set(RCX, writeSub(old, 8, false, BigInt(n)));
    return { instr: Instruction.createRegI32(code('Mov_r8_imm8'), Register.CL, n), flags: NO_FLAGS, reads: [], writes: [cl], known };
  }
  known.set(RCX, BigInt(n));
  return {
    instr: Instruction.createRegI32(code('Mov_r32_imm32'), Register.ECX, n),
    flags: NO_FLAGS, reads: [], writes: [{ idx: RCX, size: 32, high: false }], known,
  };
};

const xchg: Family = (g) => {
  const s = g.size();
  const a = g.reg(s), b = g.reg(s);
  // The short 90+r form: `xchg eax, eax` would be 0x90, which is NOP in 64-bit mode (no zero-extension).
  const short = s !== 8 && g.rng.chance(0.25) && b.idx !== 0;
  const instr = short
    ? Instruction.createRegReg(code(`Xchg_r${s}_${{ 16: 'AX', 32: 'EAX', 64: 'RAX' }[s as 16 | 32 | 64]}`), icedReg(b), icedReg({ idx: 0, size: s, high: false }))
    : Instruction.createRegReg(code(`Xchg_rm${s}_r${s}`), icedReg(a), icedReg(b));
  const x = short ? b : a, y: Reg = short ? { idx: 0, size: s, high: false } : b;
  return { instr, flags: NO_FLAGS, reads: [x.idx, y.idx], writes: [x, y] };
};

const bswap: Family = (g) => {
  // BSWAP with a 16-bit operand is undefined (SDM BSWAP): 32/64 only.
  const s = g.size([32, 64]);
  const d = g.reg(s);
  return { instr: Instruction.createReg(code(`Bswap_r${s}`), icedReg(d)), flags: NO_FLAGS, reads: [d.idx], writes: [d] };
};

const lea: Family = (g) => {
  const s = g.size([16, 32, 64]);
  const d = g.reg(s);
  const addr = g.rng.chance(0.3) ? 32 : 64;
  const base = g.rng.chance(0.9) ? g.idx() : -1;
  const index = base < 0 || g.rng.chance(0.6) ? g.idx() : -1;
  const scale = g.rng.pick([1, 2, 4, 8]);
  const disp = g.rng.chance(0.3) ? 0 : g.rng.chance(0.5) ? g.rng.range(-128, 127) : imm32(g.rng);
  const r = (i: number): Register => (i < 0 ? Register.None : icedReg({ idx: i, size: addr, high: false }));
  const fitsI8 = disp >= -128 && disp <= 127;
  const displSize = disp === 0 && base >= 0 ? 0 : fitsI8 && base >= 0 ? 1 : addr === 64 ? 8 : 4;
  const mem = new MemoryOperand(r(base), r(index), index < 0 ? 1 : scale, BigInt(disp), displSize, false, Register.None);
  const instr = Instruction.createRegMem(code(`Lea_r${s}_m`), icedReg(d), mem); // takes ownership of mem
  return { instr, flags: NO_FLAGS, reads: [base, index].filter((i) => i >= 0), writes: [d] };
};

const FAMILIES: readonly (readonly [number, Family])[] = [
  [14, aluRegReg], [10, aluRegImm], [6, unary], [4, mulOneOperand], [4, imulMulti],
  [10, shiftFamily(['shl', 'shr', 'sar'])], [8, shiftFamily(['rol', 'ror', 'rcl', 'rcr'])], [5, shiftDouble],
  [5, bitTest], [4, bitScan], [5, cmov], [4, setcc], [5, extend], [5, mov], [3, setCount], [3, xchg],
  [2, bswap], [4, lea],
];

// ------------------------------------------------------------------------------------------------- cases

/** Owns the iced-x86 encoder and formatter used for a whole run. Call `dispose()` at the end. */
export class CaseGenerator {
  private readonly encoder = new Encoder(64);
  private readonly formatter = new Formatter(FormatterSyntax.Intel);

  constructor(readonly seed: number) {}

  /** Case `index` of this seed; it depends only on (seed, index). */
  generate(index: number): DiffCase {
    const rng = new Rng(this.seed, hash32(index + 0x51ed));
    const regs: bigint[] = [];
    for (let i = 0; i < 16; i++) regs.push(edgeValue(rng));
    if (rng.chance(0.6)) regs[RCX] = BigInt(rng.range(0, 70)) | (rng.chance(0.4) ? rng.u64() & ~0xffn & MASK64 : 0n);
    regs[RSP] = 0n;
    let flags = 0;
    for (const bit of [1, 4, 0x10, 0x40, 0x80, 0x800]) if (rng.chance(0.5)) flags |= bit;
    const rflags = BigInt(0x202 | flags);

    const work: number[] = [];
    const workSize = rng.range(3, 6);
    while (work.length < workSize) {
      const i = rng.chance(0.5) ? rng.below(4) : rng.below(16);
      if (i !== RSP && !work.includes(i)) work.push(i);
    }

    const st = new BlockState(regs);
    const n = rng.range(1, 4);
    const instructions: GeneratedInstruction[] = [];
    const steps: StepState[] = [];
    while (instructions.length < n) {
      const g = new Gen(rng, st, work);
      const c = rng.weighted(FAMILIES)(g);
      if (c === null) continue;
      const enc = this.encode(c.instr);
      c.instr.free();
      if (enc === null) continue; // e.g. AH with a REX prefix: pick again
      instructions.push(enc);
      st.apply(c);
      steps.push({ definedFlags: st.flags, definedRegs: [...st.defined] });
    }
    const total = instructions.reduce((s, i) => s + i.bytes.length, 0);
    const codeBytes = new Uint8Array(total);
    let off = 0;
    for (const i of instructions) { codeBytes.set(i.bytes, off); off += i.bytes.length; }
    return { seed: this.seed, index, regs, rflags, instructions, code: codeBytes, steps };
  }

  private encode(instr: Instruction): GeneratedInstruction | null {
    try {
      this.encoder.encode(instr, 0n);
    } catch {
      this.encoder.takeBuffer(); // a failed encode may leave partial bytes behind
      return null;
    }
    const bytes = this.encoder.takeBuffer();
    return { bytes, text: this.formatter.format(instr), form: Code[instr.code] };
  }

  dispose(): void {
    this.encoder.free();
    this.formatter.free();
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function hex64(v: bigint): string {
  return '0x' + (v & MASK64).toString(16).padStart(16, '0');
}
