import { Register } from 'iced-x86';

/** GPR numbers as encoded in ModRM/REX (rax=0 … r15=15). */
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export type GprName = (typeof GPR_NAMES)[number];
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

/** Segment register numbers as encoded in instructions (ES=0 … GS=5). */
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

/**
 * Operand register reference used by decoded instructions: 0–15 a GPR; 16–19 the legacy high-byte registers
 * AH, CH, DH, BH (bits 15:8 of rax, rcx, rdx, rbx).
 */
export const HIGH8_BASE = 16;

export interface RegRef {
  /** GPR reference (see HIGH8_BASE) or -1 when not a GPR. */
  gpr: number;
  /** Size in bytes (1, 2, 4, 8). */
  size: number;
  /** Segment number for segment registers, else -1. */
  seg: number;
  /** Control register number for CRn, else -1. */
  cr: number;
  /** Debug register number for DRn, else -1. */
  dr: number;
  /** True for RIP/EIP (RIP-relative addressing). */
  ip: boolean;
}

function build(): Map<Register, RegRef> {
  const m = new Map<Register, RegRef>();
  const none = { gpr: -1, seg: -1, cr: -1, dr: -1, ip: false };
  const low8 = [Register.AL, Register.CL, Register.DL, Register.BL];
  low8.forEach((r, i) => m.set(r, { ...none, gpr: i, size: 1 }));
  [Register.AH, Register.CH, Register.DH, Register.BH].forEach((r, i) => m.set(r, { ...none, gpr: HIGH8_BASE + i, size: 1 }));
  // SPL..DIL and R8L..R15L follow AH..BH in iced's Register enum.
  for (let i = 4; i < 16; i++) m.set((Register.SPL + (i - 4)) as Register, { ...none, gpr: i, size: 1 });
  for (let i = 0; i < 16; i++) {
    m.set((Register.AX + i) as Register, { ...none, gpr: i, size: 2 });
    m.set((Register.EAX + i) as Register, { ...none, gpr: i, size: 4 });
    m.set((Register.RAX + i) as Register, { ...none, gpr: i, size: 8 });
  }
  for (let i = 0; i < 6; i++) m.set((Register.ES + i) as Register, { ...none, seg: i, size: 2 });
  for (let i = 0; i < 16; i++) m.set((Register.CR0 + i) as Register, { ...none, cr: i, size: 8 });
  for (let i = 0; i < 16; i++) m.set((Register.DR0 + i) as Register, { ...none, dr: i, size: 8 });
  m.set(Register.RIP, { ...none, ip: true, size: 8 });
  m.set(Register.EIP, { ...none, ip: true, size: 4 });
  return m;
}

/** iced Register → our reference (immutable table built once). */
export const REGISTER_REFS: ReadonlyMap<Register, RegRef> = build();
