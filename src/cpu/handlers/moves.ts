import { Code, Instruction, MemorySizeExt, OpKind } from 'iced-x86';
import { CpuFault, Vector, gp } from '../cpu-fault';
import { readDescriptor, type Cpu, type Descriptor } from '../cpu';
import { AF, CF, DF, IF, IOPL_MASK, PF, RF, RFLAGS_WRITABLE, SF, VM, ZF } from '../flags';
import { K_IMM, K_MEM, K_REG, type ExecFn, type Insn } from '../insn';
import { A_WRITE } from '../mmu';
import { CS, RAX, RDX, REGISTER_REFS, SS } from '../registers';
import { halves, bigSigned, linearOf, offsetExact, offsetOf, readOperand } from './operands';
import { K_SEG } from '../decoder';

/** Size in bytes of operand `op` of an iced instruction (register or memory). */
export function operandSize(ins: Instruction, op: number): number {
  if (ins.opKind(op) === OpKind.Register) return REGISTER_REFS.get(ins.opRegister(op))?.size ?? 0;
  return MemorySizeExt.size(ins.memorySize);
}

export const mov = (i: Insn, ins: Instruction): ExecFn | null => {
  if (i.k0 === K_SEG) return movToSreg;
  if (i.k1 === K_SEG) {
    const size = operandSize(ins, 0);
    return (cpu, i) => {
      const sel = cpu.segSel[i.r1];
      // MOV r/m16, Sreg: a 32/64-bit register destination is zero-extended
      if (i.k0 === K_REG) cpu.setReg(i.r0, size, sel, 0);
      else cpu.writeMem(linearOf(cpu, i), 2, sel, 0);
    };
  }
  const size = i.size;
  if (i.k0 === K_REG && i.k1 === K_REG) {
    const d = i.r0, s = i.r1;
    if (size === 8) return (cpu) => { cpu.lo[d] = cpu.lo[s]; cpu.hi[d] = cpu.hi[s]; };
    if (size === 4) return (cpu) => { cpu.lo[d] = cpu.lo[s]; cpu.hi[d] = 0; };
  }
  if (i.k0 === K_REG && i.k1 === K_IMM && (size === 4 || size === 8)) {
    const d = i.r0, lo = i.immLo, hi = size === 8 ? i.immHi : 0;
    return (cpu) => { cpu.lo[d] = lo; cpu.hi[d] = hi; };
  }
  if (i.k0 === K_REG && i.k1 === K_MEM) {
    const d = i.r0;
    return (cpu, i) => { const lo = cpu.readMem(linearOf(cpu, i), size); cpu.setReg(d, size, lo, cpu.hiOut); };
  }
  if (i.k0 === K_MEM) {
    return (cpu, i) => {
      const lo = readOperand(cpu, i, i.k1, i.r1, size);
      const hi = cpu.hiOut;
      cpu.writeMem(linearOf(cpu, i), size, lo, hi);
    };
  }
  if (i.k0 === K_REG) {
    // 8/16-bit register destinations keep the rest of the register
    return (cpu, i) => {
      const lo = readOperand(cpu, i, i.k1, i.r1, size);
      cpu.setReg(i.r0, size, lo, cpu.hiOut);
    };
  }
  return null;
};

/** MOVZX / MOVSX / MOVSXD. */
export function extend(signed: boolean): (i: Insn, ins: Instruction) => ExecFn {
  return (i, ins) => {
    const from = operandSize(ins, 1);
    const to = i.size;
    return (cpu, i) => {
      const lo = readOperand(cpu, i, i.k1, i.r1, from);
      if (signed) {
        const [rl, rh] = halves(to, bigSigned(from, lo, 0));
        cpu.setReg(i.r0, to, rl, rh);
      } else cpu.setReg(i.r0, to, lo, 0);
    };
  };
}

/** LEA: the effective address (no segment base), truncated to the operand size; exact for any 64-bit inputs. */
export const lea = (i: Insn): ExecFn => {
  const size = i.size;
  return (cpu, i) => {
    const a = offsetOf(cpu, i);
    // offsetOf is exact below 2^53 in magnitude; larger (non-canonical) sums are recomputed exactly
    const [lo, hi] = halves(size, a > -SAFE && a < SAFE ? BigInt(a) : offsetExact(cpu, i));
    cpu.setReg(i.r0, size, lo, hi);
  };
};
const SAFE = 2 ** 53;

export const xchg = (i: Insn): ExecFn => {
  const size = i.size;
  return (cpu, i) => {
    if (i.k0 === K_REG && i.k1 === K_REG) {
      const alo = cpu.getReg(i.r0, size), ahi = cpu.hiOut;
      const blo = cpu.getReg(i.r1, size), bhi = cpu.hiOut;
      cpu.setReg(i.r0, size, blo, bhi);
      cpu.setReg(i.r1, size, alo, ahi);
      return;
    }
    const memFirst = i.k0 === K_MEM;
    const reg = memFirst ? i.r1 : i.r0;
    const mlo = readOperand(cpu, i, K_MEM, 0, size, A_WRITE), mhi = cpu.hiOut;
    const rlo = cpu.getReg(reg, size), rhi = cpu.hiOut;
    cpu.writeMem(cpu.lastEa, size, rlo, rhi);
    cpu.setReg(reg, size, mlo, mhi);
  };
};

/**
 * Operand size of a stack instruction from its iced Code name: `…16`/`Pushw`/`Popw` → 2, `…32`/`Pushd`/`Popd` →
 * 4, otherwise 8 (64-bit mode default).
 */
export function stackOperandSize(ins: Instruction): number {
  const name = Code[ins.code] ?? '';
  if (/^(Push|Pop)w|_r16$|_rm16$|_imm16$|16$/.test(name)) return 2;
  if (/^(Push|Pop)d|_r32$|_rm32$|_imm32$|_32$/.test(name) && !/^Pushq/.test(name)) return 4;
  return 8;
}

export const push = (i: Insn, ins: Instruction): ExecFn => {
  const name = Code[ins.code] ?? '';
  const segMatch = /^Push[wq]?_(ES|CS|SS|DS|FS|GS)$/.exec(name);
  if (segMatch) {
    const seg = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].indexOf(segMatch[1]);
    const sz = stackOperandSize(ins);
    return (cpu) => cpu.push(sz, cpu.segSel[seg]);
  }
  const sz = stackOperandSize(ins);
  if (i.k0 === K_REG && sz === 8) {
    const r = i.r0;
    return (cpu) => cpu.push(8, cpu.lo[r], cpu.hi[r]);
  }
  if (i.k0 === K_IMM) {
    const [lo, hi] = sz === 8 ? [i.immLo, i.immHi] : [i.immLo & 0xffff, 0];
    return (cpu) => cpu.push(sz, lo, hi);
  }
  return (cpu, i) => {
    const lo = readOperand(cpu, i, i.k0, i.r0, sz);
    cpu.push(sz, lo, cpu.hiOut);
  };
};

export const pop = (i: Insn, ins: Instruction): ExecFn => {
  const name = Code[ins.code] ?? '';
  const segMatch = /^Pop[wq]?_(ES|SS|DS|FS|GS)$/.exec(name);
  if (segMatch) {
    const seg = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].indexOf(segMatch[1]);
    const sz = stackOperandSize(ins);
    return (cpu) => {
      const sp = cpu.rsp;
      const sel = cpu.pop(sz) & 0xffff;
      try { loadSegment(cpu, seg, sel); } catch (e) { cpu.setRsp(sp); throw e; }
    };
  }
  const sz = stackOperandSize(ins);
  if (i.k0 === K_REG) {
    const r = i.r0;
    return (cpu) => { const lo = cpu.pop(sz); cpu.setReg(r, sz, lo, cpu.hiOut); };
  }
  return (cpu, i) => {
    const sp = cpu.rsp;
    const lo = cpu.pop(sz);
    const hi = cpu.hiOut;
    try {
      cpu.writeMem(linearOf(cpu, i), sz, lo, hi); // address computed after RSP was incremented (SDM POP)
    } catch (e) {
      cpu.setRsp(sp);
      throw e;
    }
  };
};

export const pushf = (i: Insn): ExecFn => {
  const sz = i.size === 2 || i.code === Code.Pushfw ? 2 : 8;
  return (cpu) => cpu.push(sz, (cpu.getRflags() & ~(VM | RF)) & (sz === 2 ? 0xffff : 0xffffffff));
};

/** POPF: IOPL changes only at CPL0; IF only when CPL ≤ IOPL; VM/RF are never set (64-bit mode). */
export const popf = (i: Insn): ExecFn => {
  const sz = i.code === Code.Popfw ? 2 : 8;
  return (cpu) => {
    const v = cpu.pop(sz);
    let m = RFLAGS_WRITABLE & ~(VM | RF);
    if (sz === 2) m &= 0xffff;
    if (cpu.cpl > 0) m &= ~IOPL_MASK;
    if (cpu.cpl > cpu.iopl) m &= ~IF;
    const cur = cpu.getRflags();
    cpu.setRflags(((cur & ~m) | (v & m)) >>> 0);
  };
};

export const lahf = (): ExecFn => (cpu) => {
  const st = cpu.flags.status();
  const ah = (st & (SF | ZF | AF | PF | CF)) | 2;
  cpu.setReg(16, 1, ah, 0);
};

export const sahf = (): ExecFn => (cpu) => {
  const ah = (cpu.lo[RAX] >>> 8) & 0xff;
  const st = cpu.flags.status();
  const m = SF | ZF | AF | PF | CF;
  cpu.flags.setEager((st & ~m) | (ah & m));
};

/** CLC/STC/CMC/CLD/STD. */
export function flagOp(kind: 'clc' | 'stc' | 'cmc' | 'cld' | 'std'): () => ExecFn {
  return () => (cpu) => {
    switch (kind) {
      case 'clc': cpu.flags.setEager(cpu.flags.status() & ~CF); break;
      case 'stc': cpu.flags.setEager(cpu.flags.status() | CF); break;
      case 'cmc': cpu.flags.setEager(cpu.flags.status() ^ CF); break;
      case 'cld': cpu.rflagsRest = (cpu.rflagsRest & ~DF) >>> 0; break;
      case 'std': cpu.rflagsRest = (cpu.rflagsRest | DF) >>> 0; break;
    }
  };
}

/** CBW/CWDE/CDQE: sign-extend the lower half of the accumulator. */
export const convertAcc = (i: Insn): ExecFn => {
  const to = i.code === Code.Cbw ? 2 : i.code === Code.Cwde ? 4 : 8;
  return (cpu) => {
    const from = to / 2;
    const lo = cpu.getReg(RAX, from);
    const [rl, rh] = halves(to, bigSigned(from, lo, 0));
    cpu.setReg(RAX, to, rl, rh);
  };
};

/** CWD/CDQ/CQO: fill rDX with the accumulator's sign. */
export const convertPair = (i: Insn): ExecFn => {
  const size = i.code === Code.Cwd ? 2 : i.code === Code.Cdq ? 4 : 8;
  return (cpu) => {
    const lo = cpu.getReg(RAX, size);
    const sign = size === 8 ? cpu.hiOut >>> 31 : (lo >>> (size * 8 - 1)) & 1;
    const fill = sign ? 0xffffffff : 0;
    cpu.setReg(RDX, size, fill, fill);
  };
};

export const nop = (): ExecFn => () => undefined;

/** Loads a segment register with the protected-mode checks of MOV Sreg / POP Sreg. */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  if (seg === CS) throw new CpuFault(Vector.UD, undefined, 'MOV to CS');
  const rpl = sel & 3;
  const desc: Descriptor | null = readDescriptor(cpu, sel);
  if (seg === SS) {
    if (desc === null) {
      if (cpu.bits !== 64 || cpu.cpl === 3 || rpl !== cpu.cpl) throw gp('null SS selector');
      cpu.loadDataSegment(SS, sel, null);
      return;
    }
    if (rpl !== cpu.cpl || desc.dpl !== cpu.cpl || !desc.writable) throw gp(`SS selector 0x${sel.toString(16)} not a writable data segment at CPL ${cpu.cpl}`, sel & 0xfffc);
    if (!desc.present) throw new CpuFault(Vector.SS, sel & 0xfffc, 'SS segment not present');
    cpu.loadDataSegment(SS, sel, desc);
    return;
  }
  if (desc === null) {
    cpu.loadDataSegment(seg, sel, null);
    return;
  }
  if (desc.system || (desc.code && !desc.readable)) throw gp(`selector 0x${sel.toString(16)} is not a data segment`, sel & 0xfffc);
  if (!desc.conforming && (desc.dpl < cpu.cpl || desc.dpl < rpl)) throw gp(`selector 0x${sel.toString(16)}: DPL ${desc.dpl} below CPL/RPL`, sel & 0xfffc);
  if (!desc.present) throw new CpuFault(Vector.NP, sel & 0xfffc, 'segment not present');
  cpu.loadDataSegment(seg, sel, desc);
}

const movToSreg: ExecFn = (cpu, i) => {
  const sel = readOperand(cpu, i, i.k1, i.r1, 2) & 0xffff;
  loadSegment(cpu, i.r0, sel);
};

