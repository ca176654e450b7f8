import { Code, Instruction } from 'iced-x86';
import { CpuFault, Vector, ud } from '../cpu-fault';
import type { Cpu } from '../cpu';
import { K_IMM, type ExecFn, type Insn } from '../insn';
import { RCX } from '../registers';
import { readOperand } from './operands';

const LIM = 2 ** 47;
const TWO32 = 4294967296;

/** Sets RIP to a branch target, raising #GP(0) at the branch when the target is not canonical. */
export function branchTo(cpu: Cpu, target: number): void {
  if (target >= LIM || target < -LIM) {
    // wrap modulo 2^64 first: a target computed from a huge value may still be canonical
    const u = ((BigInt(Math.trunc(target)) % (1n << 64n)) + (1n << 64n)) % (1n << 64n);
    cpu.rip = cpu.canonicalNumber(u, 'branch target');
    return;
  }
  cpu.rip = target;
}

export const jmpRel = (i: Insn): ExecFn => {
  const rel = i.rel;
  return (cpu) => branchTo(cpu, cpu.rip + rel);
};

export const jcc = (i: Insn): ExecFn => {
  const rel = i.rel, cc = i.cc;
  return (cpu) => {
    if (cpu.flags.cond(cc)) branchTo(cpu, cpu.rip + rel);
  };
};

/** Reads a near indirect target (r/m64) as a signed address number. */
function indirectTarget(cpu: Cpu, i: Insn): number {
  const size = i.size === 0 ? 8 : i.size;
  const lo = readOperand(cpu, i, i.k0, i.r0, size);
  if (size === 8) return (cpu.hiOut | 0) * TWO32 + lo;
  return lo;
}

export const jmpIndirect = (): ExecFn => (cpu, i) => branchTo(cpu, indirectTarget(cpu, i));

/** Operand size of a near CALL/RET from its iced Code name (…16 / Retnw → 2, …_32 / rm32 / Retnd → 4, else 8). */
export function nearBranchSize(ins: Instruction): number {
  const name = Code[ins.code] ?? '';
  if (name.startsWith('Retn')) return name.startsWith('Retnw') ? 2 : name.startsWith('Retnd') ? 4 : 8;
  if (/_rel16$|_rm16$/.test(name)) return 2;
  if (/_32$|_rm32$/.test(name)) return 4;
  return 8;
}

/** Pushes a return address of the branch's operand size. */
function pushReturn(cpu: Cpu, size: number, ret: number): void {
  if (size === 8) cpu.pushAddr(ret);
  else cpu.push(size, ret & (size === 4 ? 0xffffffff : 0xffff));
}

export const callRel = (i: Insn, ins: Instruction): ExecFn => {
  const rel = i.rel;
  const size = nearBranchSize(ins);
  return (cpu) => {
    const ret = cpu.rip;
    const t = ret + rel;
    pushReturn(cpu, size, ret);
    branchTo(cpu, size === 2 ? t & 0xffff : t);
  };
};

export const callIndirect = (_i: Insn, ins: Instruction): ExecFn => {
  const size = nearBranchSize(ins);
  return (cpu, i) => {
    const t = indirectTarget(cpu, i);
    const ret = cpu.rip;
    const sp = cpu.rsp;
    pushReturn(cpu, size, ret);
    try {
      branchTo(cpu, t);
    } catch (e) {
      cpu.setRsp(sp);
      throw e;
    }
  };
};

export const ret = (i: Insn, ins: Instruction): ExecFn => {
  const adjust = i.k0 === K_IMM ? i.immLo & 0xffff : 0;
  const size = nearBranchSize(ins);
  return (cpu) => {
    const sp = cpu.rsp;
    const t = size === 8 ? cpu.popAddr() : cpu.pop(size);
    try {
      branchTo(cpu, t);
    } catch (e) {
      cpu.setRsp(sp);
      throw e;
    }
    if (adjust) {
      if (cpu.bits === 64) cpu.setRsp(cpu.rsp + adjust);
      else cpu.lo[4] = (cpu.lo[4] + adjust) >>> 0;
    }
  };
};

/** LOOP/LOOPE/LOOPNE: decrement rCX (by address size) without touching flags. */
export function loop(kind: 'loop' | 'loope' | 'loopne'): (i: Insn, ins: Instruction) => ExecFn {
  return (i, ins) => {
    const rel = i.rel;
    const name = Code[ins.code] ?? '';
    const wide = name.endsWith('RCX');
    return (cpu) => {
      let zero: boolean;
      if (wide) {
        const lo = (cpu.lo[RCX] - 1) >>> 0;
        if (cpu.lo[RCX] === 0) cpu.hi[RCX] = (cpu.hi[RCX] - 1) >>> 0;
        cpu.lo[RCX] = lo;
        zero = (lo | cpu.hi[RCX]) === 0;
      } else {
        const lo = (cpu.lo[RCX] - 1) >>> 0;
        cpu.lo[RCX] = lo;
        cpu.hi[RCX] = 0;
        zero = lo === 0;
      }
      let take = !zero;
      if (kind === 'loope') take = take && cpu.flags.zf() === 1;
      if (kind === 'loopne') take = take && cpu.flags.zf() === 0;
      if (take) branchTo(cpu, cpu.rip + rel);
    };
  };
}

export const jrcxz = (i: Insn, ins: Instruction): ExecFn => {
  const rel = i.rel;
  const ecx = (Code[ins.code] ?? '').startsWith('Jecxz');
  return (cpu) => {
    const z = ecx ? cpu.lo[RCX] === 0 : (cpu.lo[RCX] | cpu.hi[RCX]) === 0;
    if (z) branchTo(cpu, cpu.rip + rel);
  };
};

export const int3 = (): ExecFn => () => {
  throw new CpuFault(Vector.BP, undefined, 'INT3', true, true);
};

export const intN = (i: Insn): ExecFn => {
  const v = i.immLo & 0xff;
  return () => {
    throw new CpuFault(v, undefined, `INT 0x${v.toString(16)}`, true, true);
  };
};

export const int1 = (): ExecFn => () => {
  throw new CpuFault(Vector.DB, undefined, 'INT1', true, false);
};

export const ud2 = (): ExecFn => () => {
  throw ud('UD2');
};

