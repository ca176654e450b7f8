import type { Cpu } from './cpu';

export type ExecFn = (cpu: Cpu, i: Insn) => void;

/** Operand kinds of a decoded instruction. */
export const K_NONE = 0, K_REG = 1, K_MEM = 2, K_IMM = 3;

/** Memory-operand base/index value meaning "none"; RIP-relative uses M_RIP as base. */
export const M_NONE = -1, M_RIP = 16;

/**
 * A decoded instruction in the emulator's compact form: one object shape for every instruction so the
 * interpreter's property accesses stay monomorphic. Built once by the decoder from iced-x86's decoding and
 * cached per physical address; `exec` is the handler chosen for its mnemonic and operand pattern.
 */
export class Insn {
  exec: ExecFn;
  /** Length in bytes (0 for host-trap pseudo instructions). */
  len = 0;
  /** Main operand size in bytes (1, 2, 4, 8). */
  size = 0;
  /** Secondary size: source size of MOVZX/MOVSX, etc. */
  size2 = 0;
  k0 = K_NONE; r0 = 0;
  k1 = K_NONE; r1 = 0;
  k2 = K_NONE; r2 = 0;
  /** Immediate sign-/zero-extended to the operand size, as 32-bit halves. */
  immLo = 0; immHi = 0;
  /** Second immediate (ENTER nesting level; count of SHLD/SHRD imm8). */
  imm2 = 0;
  mBase = -1; mIndex = -1; mScale = 1;
  /** Displacement (signed). For RIP-relative operands, relative to the next instruction. */
  mDisp = 0;
  /** Segment used by the memory operand (ES..GS). */
  mSeg = 3;
  /** Address size in bytes (8, 4, 2). */
  mAddr = 8;
  /** Branch displacement relative to the next instruction. */
  rel = 0;
  /** Condition code 0–15 for Jcc/SETcc/CMOVcc/LOOPcc. */
  cc = 0;
  /** 0 none, 1 REP/REPE, 2 REPNE. */
  rep = 0;
  /** iced Mnemonic / Code values, for tracing and coverage. */
  mnemonic = 0;
  code = 0;
  /** Raw bytes (for disassembly in traces). */
  bytes: Uint8Array = EMPTY;
  /** Instruction crosses a page boundary (never cached). */
  crossPage = false;
  constructor(exec: ExecFn) {
    this.exec = exec;
  }
}
const EMPTY = new Uint8Array(0);
