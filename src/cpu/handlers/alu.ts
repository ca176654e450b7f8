import type { Cpu } from '../cpu';
import { FlagOp } from '../flags';
import { mask } from './operands';

const TWO32 = 4294967296;

/** a + b + cin at `size`; returns the low half, high half in cpu.hiOut; records lazy flags. */
export function add(cpu: Cpu, size: number, alo: number, ahi: number, blo: number, bhi: number, cin: number): number {
  if (size === 8) {
    const lo = alo + blo + cin;
    const c = lo >= TWO32 ? 1 : 0;
    const rlo = lo >>> 0, rhi = (ahi + bhi + c) >>> 0;
    cpu.flags.set(FlagOp.ADD, 8, alo, ahi, blo, bhi, rlo, rhi, cin);
    cpu.hiOut = rhi;
    return rlo;
  }
  const r = size === 4 ? (alo + blo + cin) >>> 0 : (alo + blo + cin) & mask(size);
  cpu.flags.set(FlagOp.ADD, size, alo, 0, blo, 0, r, 0, cin);
  cpu.hiOut = 0;
  return r;
}

/** a - b - cin at `size`. */
export function sub(cpu: Cpu, size: number, alo: number, ahi: number, blo: number, bhi: number, cin: number): number {
  if (size === 8) {
    const lo = alo - blo - cin;
    const borrow = lo < 0 ? 1 : 0;
    const rlo = lo >>> 0, rhi = (ahi - bhi - borrow) >>> 0;
    cpu.flags.set(FlagOp.SUB, 8, alo, ahi, blo, bhi, rlo, rhi, cin);
    cpu.hiOut = rhi;
    return rlo;
  }
  const r = size === 4 ? (alo - blo - cin) >>> 0 : (alo - blo - cin) & mask(size);
  cpu.flags.set(FlagOp.SUB, size, alo, 0, blo, 0, r, 0, cin);
  cpu.hiOut = 0;
  return r;
}

export const enum Logic { AND, OR, XOR }

export function logic(cpu: Cpu, op: Logic, size: number, alo: number, ahi: number, blo: number, bhi: number): number {
  let rlo: number, rhi: number;
  switch (op) {
    case Logic.AND: rlo = (alo & blo) >>> 0; rhi = (ahi & bhi) >>> 0; break;
    case Logic.OR: rlo = (alo | blo) >>> 0; rhi = (ahi | bhi) >>> 0; break;
    default: rlo = (alo ^ blo) >>> 0; rhi = (ahi ^ bhi) >>> 0; break;
  }
  if (size !== 8) rhi = 0;
  cpu.flags.logic(size, rlo, rhi);
  cpu.hiOut = rhi;
  return rlo;
}

/** INC/DEC keep CF (x86-smm-facts: INC/DEC do not affect CF). */
export function incdec(cpu: Cpu, size: number, alo: number, ahi: number, dec: boolean): number {
  const cf = cpu.flags.cf();
  let rlo: number, rhi: number;
  if (size === 8) {
    const lo = dec ? alo - 1 : alo + 1;
    const carry = dec ? (lo < 0 ? -1 : 0) : lo >= TWO32 ? 1 : 0;
    rlo = lo >>> 0;
    rhi = (ahi + carry) >>> 0;
  } else {
    rlo = size === 4 ? (dec ? alo - 1 : alo + 1) >>> 0 : (dec ? alo - 1 : alo + 1) & mask(size);
    rhi = 0;
  }
  cpu.flags.set(dec ? FlagOp.DEC : FlagOp.INC, size, alo, size === 8 ? ahi : 0, 1, 0, rlo, rhi, cf);
  cpu.hiOut = rhi;
  return rlo;
}
