import { CpuFault, Vector } from '../cpu-fault';
import type { Cpu } from '../cpu';
import { K_IMM, K_MEM, K_REG, type ExecFn, type Insn } from '../insn';
import { A_READ, A_WRITE } from '../mmu';
import { Logic, add, incdec, logic, sub } from './alu';
import { big, bigSigned, halves, readOperand, signOf, writeOperand } from './operands';
import { RAX, RDX } from '../registers';
import { CF, OF, PARITY, ZF, SF, PF } from '../flags';

type Binary = (cpu: Cpu, size: number, alo: number, ahi: number, blo: number, bhi: number) => number;

/** Builds the handler of a two-operand ALU instruction `op0 = op0 <op> op1` (writes back unless CMP/TEST). */
export function binary(op: Binary, writeBack: boolean): (i: Insn) => ExecFn {
  return (i) => {
    const size = i.size;
    if (i.k0 === K_REG && i.k1 === K_REG && size === 4) {
      const d = i.r0, s = i.r1;
      return writeBack
        ? (cpu) => { cpu.lo[d] = op(cpu, 4, cpu.lo[d], 0, cpu.lo[s], 0); cpu.hi[d] = 0; }
        : (cpu) => { op(cpu, 4, cpu.lo[d], 0, cpu.lo[s], 0); };
    }
    if (i.k0 === K_REG && i.k1 === K_REG && size === 8) {
      const d = i.r0, s = i.r1;
      return writeBack
        ? (cpu) => { const lo = op(cpu, 8, cpu.lo[d], cpu.hi[d], cpu.lo[s], cpu.hi[s]); cpu.hi[d] = cpu.hiOut; cpu.lo[d] = lo; }
        : (cpu) => { op(cpu, 8, cpu.lo[d], cpu.hi[d], cpu.lo[s], cpu.hi[s]); };
    }
    if (i.k0 === K_REG && i.k1 === K_IMM && (size === 4 || size === 8)) {
      const d = i.r0, blo = i.immLo, bhi = i.immHi;
      if (size === 4) {
        return writeBack
          ? (cpu) => { cpu.lo[d] = op(cpu, 4, cpu.lo[d], 0, blo, 0); cpu.hi[d] = 0; }
          : (cpu) => { op(cpu, 4, cpu.lo[d], 0, blo, 0); };
      }
      return writeBack
        ? (cpu) => { const lo = op(cpu, 8, cpu.lo[d], cpu.hi[d], blo, bhi); cpu.hi[d] = cpu.hiOut; cpu.lo[d] = lo; }
        : (cpu) => { op(cpu, 8, cpu.lo[d], cpu.hi[d], blo, bhi); };
    }
    const acc = writeBack && i.k0 === K_MEM ? A_WRITE : A_READ;
    return (cpu, i) => {
      const alo = readOperand(cpu, i, i.k0, i.r0, size, acc);
      const ahi = cpu.hiOut;
      const blo = readOperand(cpu, i, i.k1, i.r1, size);
      const bhi = cpu.hiOut;
      const r = op(cpu, size, alo, ahi, blo, bhi);
      if (writeBack) writeOperand(cpu, i, i.k0, i.r0, size, r, cpu.hiOut);
    };
  };
}

export const opAdd: Binary = (cpu, s, a, ah, b, bh) => add(cpu, s, a, ah, b, bh, 0);
export const opAdc: Binary = (cpu, s, a, ah, b, bh) => add(cpu, s, a, ah, b, bh, cpu.flags.cf());
export const opSub: Binary = (cpu, s, a, ah, b, bh) => sub(cpu, s, a, ah, b, bh, 0);
export const opSbb: Binary = (cpu, s, a, ah, b, bh) => sub(cpu, s, a, ah, b, bh, cpu.flags.cf());
export const opAnd: Binary = (cpu, s, a, ah, b, bh) => logic(cpu, Logic.AND, s, a, ah, b, bh);
export const opOr: Binary = (cpu, s, a, ah, b, bh) => logic(cpu, Logic.OR, s, a, ah, b, bh);
export const opXor: Binary = (cpu, s, a, ah, b, bh) => logic(cpu, Logic.XOR, s, a, ah, b, bh);

/** INC / DEC. */
export function incDec(dec: boolean): (i: Insn) => ExecFn {
  return (i) => {
    const size = i.size;
    if (i.k0 === K_REG && size === 4) {
      const d = i.r0;
      return (cpu) => { cpu.lo[d] = incdec(cpu, 4, cpu.lo[d], 0, dec); cpu.hi[d] = 0; };
    }
    if (i.k0 === K_REG && size === 8) {
      const d = i.r0;
      return (cpu) => { const lo = incdec(cpu, 8, cpu.lo[d], cpu.hi[d], dec); cpu.hi[d] = cpu.hiOut; cpu.lo[d] = lo; };
    }
    return (cpu, i) => {
      const a = readOperand(cpu, i, i.k0, i.r0, size, A_WRITE);
      const r = incdec(cpu, size, a, cpu.hiOut, dec);
      writeOperand(cpu, i, i.k0, i.r0, size, r, cpu.hiOut);
    };
  };
}

/** NEG: 0 - op, CF = (op != 0). */
export const neg = (i: Insn): ExecFn => (cpu, i) => {
  const a = readOperand(cpu, i, i.k0, i.r0, i.size, A_WRITE);
  const r = sub(cpu, i.size, 0, 0, a, cpu.hiOut, 0);
  writeOperand(cpu, i, i.k0, i.r0, i.size, r, cpu.hiOut);
};

/** NOT: no flags. */
export const not = (i: Insn): ExecFn => (cpu, i) => {
  const a = readOperand(cpu, i, i.k0, i.r0, i.size, A_WRITE);
  const ah = cpu.hiOut;
  writeOperand(cpu, i, i.k0, i.r0, i.size, ~a >>> 0, i.size === 8 ? ~ah >>> 0 : 0);
};

/** Status flags after a multiply: CF = OF = overflow; SF/ZF/PF from the low result (SDM: undefined), AF = 0. */
function mulFlags(cpu: Cpu, size: number, lo: number, hi: number, overflow: boolean): void {
  let f = overflow ? CF | OF : 0;
  if (signOf(size, lo, hi)) f |= SF;
  if ((size === 8 ? (lo | hi) : lo) === 0) f |= ZF;
  if (PARITY[lo & 0xff]) f |= PF;
  cpu.flags.setEager(f);
}

/** Reads the accumulator-side operands for one-operand MUL/IMUL/DIV/IDIV. */
function accumulatorPair(cpu: Cpu, size: number): bigint {
  // dividend: AX for byte, DX:AX, EDX:EAX, RDX:RAX
  switch (size) {
    case 1: return BigInt(cpu.lo[RAX] & 0xffff);
    case 2: return (BigInt(cpu.lo[RDX] & 0xffff) << 16n) | BigInt(cpu.lo[RAX] & 0xffff);
    case 4: return (BigInt(cpu.lo[RDX]) << 32n) | BigInt(cpu.lo[RAX]);
    default: return (cpu.getReg64(RDX) << 64n) | cpu.getReg64(RAX);
  }
}

/** Writes a double-width result: AX for byte; else (rDX:rAX) halves. */
function writeAccumulatorPair(cpu: Cpu, size: number, lowPart: bigint, highPart: bigint): void {
  if (size === 1) {
    const v = Number((BigInt.asUintN(8, highPart) << 8n) | BigInt.asUintN(8, lowPart));
    cpu.setReg(RAX, 2, v, 0);
    return;
  }
  const [llo, lhi] = halves(size, lowPart);
  const [hlo, hhi] = halves(size, highPart);
  cpu.setReg(RAX, size, llo, lhi);
  cpu.setReg(RDX, size, hlo, hhi);
}

/** MUL / one-operand IMUL. */
export function mulOne(signed: boolean): (i: Insn) => ExecFn {
  return (i) => (cpu, i) => {
    const size = i.size;
    const slo = readOperand(cpu, i, i.k0, i.r0, size);
    const s = signed ? bigSigned(size, slo, cpu.hiOut) : big(size, slo, cpu.hiOut);
    const a = signed ? bigSigned(size, cpu.getReg(RAX, size), cpu.hiOut) : big(size, cpu.getReg(RAX, size), cpu.hiOut);
    const p = a * s;
    const bits = BigInt(size * 8);
    const low = BigInt.asUintN(Number(bits), p);
    const high = BigInt.asUintN(Number(bits), p >> bits);
    const overflow = signed ? p !== BigInt.asIntN(Number(bits), p) : high !== 0n;
    writeAccumulatorPair(cpu, size, low, high);
    const [lo, hi] = halves(size, low);
    mulFlags(cpu, size, lo, hi, overflow);
  };
}

/** Two- and three-operand IMUL: dest = truncate(src1 * src2). */
export const imulMulti = (i: Insn): ExecFn => {
  const three = i.k2 === K_IMM;
  const size = i.size;
  if (size === 4 && !three && i.k1 === K_REG) {
    const d = i.r0, s = i.r1;
    return (cpu) => {
      const a = cpu.lo[d] | 0, b = cpu.lo[s] | 0;
      const lo = Math.imul(a, b);
      cpu.lo[d] = lo >>> 0; cpu.hi[d] = 0;
      mulFlags(cpu, 4, lo >>> 0, 0, a * b !== lo);
    };
  }
  return (cpu, i) => {
    const alo = readOperand(cpu, i, three ? i.k1 : i.k0, three ? i.r1 : i.r0, size);
    const a = bigSigned(size, alo, cpu.hiOut);
    let b: bigint;
    if (three) b = bigSigned(size, i.immLo, i.immHi);
    else {
      const blo = readOperand(cpu, i, i.k1, i.r1, size);
      b = bigSigned(size, blo, cpu.hiOut);
    }
    const p = a * b;
    const [lo, hi] = halves(size, p);
    cpu.setReg(i.r0, size, lo, hi);
    mulFlags(cpu, size, lo, hi, p !== BigInt.asIntN(size * 8, p));
  };
};

/** DIV / IDIV with #DE on a zero divisor or a quotient that does not fit (flags undefined: left as they were). */
export function divide(signed: boolean): (i: Insn) => ExecFn {
  return (i) => (cpu, i) => {
    const size = i.size;
    const bits = size * 8;
    const dlo = readOperand(cpu, i, i.k0, i.r0, size);
    const divisor = signed ? bigSigned(size, dlo, cpu.hiOut) : big(size, dlo, cpu.hiOut);
    if (divisor === 0n) throw new CpuFault(Vector.DE, undefined, 'divide by zero');
    let dividend = accumulatorPair(cpu, size);
    if (signed) dividend = BigInt.asIntN(bits * 2, dividend);
    const q = dividend / divisor; // truncates toward zero, as IDIV does
    const r = dividend % divisor;
    const fits = signed ? q === BigInt.asIntN(bits, q) : q === BigInt.asUintN(bits, q);
    if (!fits) throw new CpuFault(Vector.DE, undefined, 'quotient too large');
    if (size === 1) {
      cpu.setReg(RAX, 2, Number((BigInt.asUintN(8, r) << 8n) | BigInt.asUintN(8, q)), 0);
      return;
    }
    const [qlo, qhi] = halves(size, q);
    const [rlo, rhi] = halves(size, r);
    cpu.setReg(RAX, size, qlo, qhi);
    cpu.setReg(RDX, size, rlo, rhi);
  };
}

/** XADD: exchange and add. */
export const xadd = (i: Insn): ExecFn => (cpu, i) => {
  const size = i.size;
  const alo = readOperand(cpu, i, i.k0, i.r0, size, A_WRITE);
  const ahi = cpu.hiOut;
  const blo = cpu.getReg(i.r1, size);
  const bhi = cpu.hiOut;
  const r = add(cpu, size, alo, ahi, blo, bhi, 0);
  const rhi = cpu.hiOut;
  cpu.setReg(i.r1, size, alo, ahi);
  writeOperand(cpu, i, i.k0, i.r0, size, r, rhi);
};

/** CMPXCHG: compare accumulator with dest; equal → dest = src, else accumulator = dest. */
export const cmpxchg = (i: Insn): ExecFn => (cpu, i) => {
  const size = i.size;
  const dlo = readOperand(cpu, i, i.k0, i.r0, size, A_WRITE);
  const dhi = cpu.hiOut;
  const alo = cpu.getReg(RAX, size);
  const ahi = cpu.hiOut;
  sub(cpu, size, alo, ahi, dlo, dhi, 0);
  if (cpu.flags.zf()) {
    const slo = cpu.getReg(i.r1, size);
    writeOperand(cpu, i, i.k0, i.r0, size, slo, cpu.hiOut);
  } else {
    // the destination is written back with its own value (a locked RMW always writes)
    if (i.k0 === K_MEM) writeOperand(cpu, i, i.k0, i.r0, size, dlo, dhi);
    cpu.setReg(RAX, size, dlo, dhi);
  }
};

