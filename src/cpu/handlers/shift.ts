import type { Cpu } from '../cpu';
import { CF, OF, PARITY, PF, SF, ZF } from '../flags';
import { K_IMM, K_REG, type ExecFn, type Insn } from '../insn';
import { A_WRITE } from '../mmu';
import { RCX } from '../registers';
import { big, halves, readOperand, signOf, writeOperand } from './operands';

export const enum ShiftOp { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR }

/** SF/ZF/PF of a sized result. */
function szp(size: number, lo: number, hi: number): number {
  let f = 0;
  if (signOf(size, lo, hi)) f |= SF;
  if ((lo | (size === 8 ? hi : 0)) === 0) f |= ZF;
  if (PARITY[lo & 0xff]) f |= PF;
  return f;
}

/**
 * Shifts and rotates with the SDM's flag rules: a masked count of 0 changes nothing; rotates touch only CF
 * and OF; OF is computed with the count-1 formula (defined by the SDM only for count 1); AF is cleared
 * (undefined); SHL/SHR with a count ≥ the operand width give 0 (CF undefined there).
 */
export function shiftValue(cpu: Cpu, op: ShiftOp, size: number, lo: number, hi: number, rawCount: number): [number, number] | null {
  const bits = size * 8;
  const count = rawCount & (size === 8 ? 63 : 31);
  if (count === 0) return null;
  const v = big(size, lo, hi);
  const B = BigInt(bits);
  const all = (1n << B) - 1n;
  const msb = (x: bigint) => Number((x >> (B - 1n)) & 1n);
  let r: bigint;
  let cf: number;
  let of: number;
  const old = cpu.flags.status();
  switch (op) {
    case ShiftOp.ROL: {
      const c = count % bits;
      r = c === 0 ? v : ((v << BigInt(c)) | (v >> BigInt(bits - c))) & all;
      cf = Number(r & 1n);
      of = msb(r) ^ cf;
      const [rl, rh] = halves(size, r);
      cpu.flags.setEager((old & ~(CF | OF)) | cf | (of ? OF : 0));
      return [rl, rh];
    }
    case ShiftOp.ROR: {
      const c = count % bits;
      r = c === 0 ? v : ((v >> BigInt(c)) | (v << BigInt(bits - c))) & all;
      cf = msb(r);
      of = msb(r) ^ Number((r >> (B - 2n)) & 1n);
      const [rl, rh] = halves(size, r);
      cpu.flags.setEager((old & ~(CF | OF)) | cf | (of ? OF : 0));
      return [rl, rh];
    }
    case ShiftOp.RCL:
    case ShiftOp.RCR: {
      // rotate through carry: a (bits+1)-bit rotation; count taken modulo bits+1 for 8/16-bit operands
      const c = size <= 2 ? count % (bits + 1) : count;
      const cin = BigInt(old & CF);
      const wide = (cin << B) | v; // CF above the operand
      const W = B + 1n;
      const wall = (1n << W) - 1n;
      let rw: bigint;
      if (c === 0) rw = wide;
      else if (op === ShiftOp.RCL) rw = ((wide << BigInt(c)) | (wide >> (W - BigInt(c)))) & wall;
      else rw = ((wide >> BigInt(c)) | (wide << (W - BigInt(c)))) & wall;
      r = rw & all;
      cf = Number(rw >> B);
      of = op === ShiftOp.RCL ? msb(r) ^ cf : msb(r) ^ Number((r >> (B - 2n)) & 1n);
      const [rl, rh] = halves(size, r);
      cpu.flags.setEager((old & ~(CF | OF)) | cf | (of ? OF : 0));
      return [rl, rh];
    }
    case ShiftOp.SHL:
    case ShiftOp.SAL: {
      r = (v << BigInt(count)) & all;
      cf = count <= bits ? Number((v >> BigInt(bits - count)) & 1n) : 0;
      of = msb(r) ^ cf;
      break;
    }
    case ShiftOp.SHR: {
      r = count >= bits ? 0n : v >> BigInt(count);
      cf = count <= bits ? Number((v >> BigInt(count - 1)) & 1n) : 0;
      of = msb(v);
      break;
    }
    default: {
      // SAR
      const sv = BigInt.asIntN(bits, v);
      const c = Math.min(count, bits);
      r = BigInt.asUintN(bits, sv >> BigInt(c));
      cf = Number(BigInt.asUintN(bits, sv >> BigInt(c - 1)) & 1n);
      of = 0;
      break;
    }
  }
  const [rl, rh] = halves(size, r);
  cpu.flags.setEager(szp(size, rl, rh) | cf | (of ? OF : 0));
  return [rl, rh];
}

/** Fast 32-bit SHL/SHR/SAR by a constant 1..31 (the common compiled-code case). */
function shift32Const(op: ShiftOp, d: number, count: number): ExecFn {
  return (cpu) => {
    const v = cpu.lo[d];
    let r: number, cf: number, of: number;
    if (op === ShiftOp.SHL || op === ShiftOp.SAL) { r = (v << count) >>> 0; cf = (v >>> (32 - count)) & 1; of = (r >>> 31) ^ cf; }
    else if (op === ShiftOp.SHR) { r = v >>> count; cf = (v >>> (count - 1)) & 1; of = v >>> 31; }
    else { r = (v >> count) >>> 0; cf = ((v | 0) >> (count - 1)) & 1; of = 0; }
    cpu.lo[d] = r; cpu.hi[d] = 0;
    cpu.flags.setEager(szp(4, r, 0) | cf | (of ? OF : 0));
  };
}

/** Fast 64-bit SHL/SHR/SAR of a register by a constant 1..63, on the 32-bit halves. */
function shift64Const(op: ShiftOp, d: number, count: number): ExecFn {
  return (cpu) => {
    const lo = cpu.lo[d], hi = cpu.hi[d];
    let rlo: number, rhi: number, cf: number, of: number;
    if (op === ShiftOp.SHL || op === ShiftOp.SAL) {
      if (count < 32) {
        rhi = ((hi << count) | (lo >>> (32 - count))) >>> 0;
        rlo = (lo << count) >>> 0;
        cf = (hi >>> (32 - count)) & 1;
      } else {
        rhi = count === 32 ? lo : (lo << (count - 32)) >>> 0;
        rlo = 0;
        cf = count === 32 ? hi & 1 : (lo >>> (64 - count)) & 1;
      }
      of = (rhi >>> 31) ^ cf;
    } else if (op === ShiftOp.SHR) {
      if (count < 32) {
        rlo = ((lo >>> count) | (hi << (32 - count))) >>> 0;
        rhi = hi >>> count;
        cf = (lo >>> (count - 1)) & 1;
      } else {
        rlo = count === 32 ? hi : hi >>> (count - 32);
        rhi = 0;
        cf = (hi >>> (count - 33)) & 1;
        if (count === 32) cf = lo >>> 31;
      }
      of = hi >>> 31;
    } else {
      if (count < 32) {
        rlo = ((lo >>> count) | (hi << (32 - count))) >>> 0;
        rhi = ((hi | 0) >> count) >>> 0;
        cf = (lo >>> (count - 1)) & 1;
      } else {
        rlo = count === 32 ? hi : ((hi | 0) >> (count - 32)) >>> 0;
        rhi = ((hi | 0) >> 31) >>> 0;
        cf = count === 32 ? lo >>> 31 : ((hi | 0) >> (count - 33)) & 1;
      }
      of = 0;
    }
    cpu.lo[d] = rlo;
    cpu.hi[d] = rhi;
    cpu.flags.setEager(szp(8, rlo, rhi) | cf | (of ? OF : 0));
  };
}

/** Shift/rotate by 1, by imm8, or by CL. */
export function shift(op: ShiftOp): (i: Insn) => ExecFn {
  return (i) => {
    const size = i.size;
    const byCl = i.k1 === K_REG && i.r1 === RCX;
    const constCount = i.k1 === K_IMM ? i.immLo & 0xff : i.k1 === 0 ? 1 : -1;
    if (i.k0 === K_REG && size === 4 && !byCl && constCount >= 0 && (constCount & 31) !== 0 && (op === ShiftOp.SHL || op === ShiftOp.SAL || op === ShiftOp.SHR || op === ShiftOp.SAR)) {
      return shift32Const(op, i.r0, constCount & 31);
    }
    if (i.k0 === K_REG && size === 8 && !byCl && constCount >= 0 && (constCount & 63) !== 0 && (op === ShiftOp.SHL || op === ShiftOp.SAL || op === ShiftOp.SHR || op === ShiftOp.SAR)) {
      return shift64Const(op, i.r0, constCount & 63);
    }
    return (cpu, i) => {
      const lo = readOperand(cpu, i, i.k0, i.r0, size, A_WRITE);
      const hi = cpu.hiOut;
      const count = byCl ? cpu.lo[RCX] & 0xff : constCount;
      const r = shiftValue(cpu, op, size, lo, hi, count);
      if (r !== null) writeOperand(cpu, i, i.k0, i.r0, size, r[0], r[1]);
      else if (i.k0 === K_REG && size === 4) cpu.hi[i.r0] = 0; // a 32-bit destination is still written (zero-extended)
    };
  };
}

/** SHLD / SHRD (count from imm8 or CL). Counts above the operand width leave the result undefined. */
export function doubleShift(left: boolean): (i: Insn) => ExecFn {
  return (i) => (cpu, i) => {
    const size = i.size;
    const bits = size * 8;
    const B = BigInt(bits);
    const dlo = readOperand(cpu, i, i.k0, i.r0, size, A_WRITE);
    const dhi = cpu.hiOut;
    const slo = cpu.getReg(i.r1, size);
    const shi = cpu.hiOut;
    const count = (i.k2 === K_IMM ? i.immLo : cpu.lo[RCX]) & (size === 8 ? 63 : 31);
    if (count === 0) {
      if (i.k0 === K_REG && size === 4) cpu.hi[i.r0] = 0;
      return;
    }
    const d = big(size, dlo, dhi), s = big(size, slo, shi);
    const all = (1n << B) - 1n;
    let r: bigint, cf: number;
    const c = BigInt(count);
    if (left) {
      const wide = (d << B) | s; // dest:src, shift left, take the upper half
      r = ((wide << c) >> B) & all;
      cf = count <= bits ? Number((d >> (B - c)) & 1n) : Number((s >> (2n * B - c)) & 1n);
    } else {
      const wide = (s << B) | d; // src:dest, shift right, take the lower half
      r = (wide >> c) & all;
      cf = Number((wide >> (c - 1n)) & 1n);
    }
    const [rl, rh] = halves(size, r);
    const signChanged = Number((r >> (B - 1n)) & 1n) !== Number((d >> (B - 1n)) & 1n);
    cpu.flags.setEager(szp(size, rl, rh) | cf | (signChanged ? OF : 0));
    writeOperand(cpu, i, i.k0, i.r0, size, rl, rh);
  };
}
