import type { Cpu } from '../cpu';
import { K_IMM, K_MEM, K_REG, M_RIP, type Insn } from '../insn';
import { A_READ } from '../mmu';

const TWO32 = 4294967296;
const SAFE = 2 ** 53;

function regValue(cpu: Cpu, r: number, addrSize: number): number {
  if (addrSize === 8) return (cpu.hi[r] | 0) * TWO32 + cpu.lo[r];
  if (addrSize === 4) return cpu.lo[r];
  return cpu.lo[r] & 0xffff;
}

/** Exact effective address as an unsigned 64-bit bigint (wraps modulo 2^64, as the processor does). */
export function offsetExact(cpu: Cpu, i: Insn): bigint {
  let a = BigInt(i.mDisp);
  if (i.mBase === M_RIP) a += BigInt(cpu.rip);
  else if (i.mBase >= 0) a += i.mAddr === 8 ? cpu.getReg64(i.mBase) : BigInt(regValue(cpu, i.mBase, i.mAddr));
  if (i.mIndex >= 0) a += (i.mAddr === 8 ? cpu.getReg64(i.mIndex) : BigInt(regValue(cpu, i.mIndex, i.mAddr))) * BigInt(i.mScale);
  return BigInt.asUintN(i.mAddr * 8, a);
}

/** Effective address through bigint arithmetic (used when the fast sum may have lost precision). */
function offsetBig(cpu: Cpu, i: Insn): number {
  let a = BigInt(i.mDisp);
  if (i.mBase === M_RIP) a += BigInt(cpu.rip);
  else if (i.mBase >= 0) a += i.mAddr === 8 ? cpu.getReg64(i.mBase) : BigInt(regValue(cpu, i.mBase, i.mAddr));
  if (i.mIndex >= 0) a += (i.mAddr === 8 ? cpu.getReg64(i.mIndex) : BigInt(regValue(cpu, i.mIndex, i.mAddr))) * BigInt(i.mScale);
  const u = BigInt.asUintN(64, a);
  return Number(BigInt.asIntN(64, u)); // huge values are non-canonical either way; linear() rejects them
}

/** Effective address (offset within the segment) of the memory operand, before the segment base. */
export function offsetOf(cpu: Cpu, i: Insn): number {
  let a = i.mDisp;
  if (i.mAddr === 8) {
    // Exact in doubles only while every term stays below 2^50; otherwise take the bigint path.
    if (i.mBase >= 0) {
      if (i.mBase === M_RIP) a += cpu.rip;
      else {
        const h = cpu.hi[i.mBase] | 0;
        if (h >= 0x40000 || h < -0x40000) return offsetBig(cpu, i);
        a += h * TWO32 + cpu.lo[i.mBase];
      }
    }
    if (i.mIndex >= 0) {
      const h = cpu.hi[i.mIndex] | 0;
      if (h >= 0x8000 || h < -0x8000) return offsetBig(cpu, i);
      a += (h * TWO32 + cpu.lo[i.mIndex]) * i.mScale;
    }
    if (a >= SAFE || a <= -SAFE) return offsetBig(cpu, i);
    return a;
  }
  if (i.mBase >= 0) a += i.mBase === M_RIP ? cpu.rip : regValue(cpu, i.mBase, i.mAddr);
  if (i.mIndex >= 0) a += regValue(cpu, i.mIndex, i.mAddr) * i.mScale;
  if (i.mAddr === 4) return ((a % TWO32) + TWO32) % TWO32;
  return ((a % 65536) + 65536) % 65536;
}

/** Linear address of the memory operand (segment base added, canonicality checked). */
export function linearOf(cpu: Cpu, i: Insn): number {
  return cpu.linear(i.mSeg, offsetOf(cpu, i));
}

/**
 * Reads operand `k`/`r` of `size` bytes: a register, the instruction's memory operand (its linear address is
 * left in cpu.lastEa for a later write-back), or the immediate. For RMW destinations pass A_WRITE so the
 * translation checks write permission before anything changes (a fault reports W=1, as on hardware).
 */
export function readOperand(cpu: Cpu, i: Insn, k: number, r: number, size: number, acc = A_READ): number {
  if (k === K_REG) return cpu.getReg(r, size);
  if (k === K_MEM) {
    const a = linearOf(cpu, i);
    cpu.lastEa = a;
    return cpu.readMem(a, size, acc);
  }
  if (k === K_IMM) {
    cpu.hiOut = i.immHi;
    return i.immLo;
  }
  cpu.hiOut = 0;
  return 0;
}

/** Writes operand `k`/`r`; memory operands write to cpu.lastEa (set by a preceding read or `resolve`). */
export function writeOperand(cpu: Cpu, i: Insn, k: number, r: number, size: number, lo: number, hi: number): void {
  if (k === K_REG) cpu.setReg(r, size, lo, hi);
  else cpu.writeMem(cpu.lastEa, size, lo, hi);
}

/** Computes and remembers the memory operand's linear address (for write-only destinations). */
export function resolve(cpu: Cpu, i: Insn): number {
  const a = linearOf(cpu, i);
  cpu.lastEa = a;
  return a;
}

export function mask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/** Sign bit of a sized value given as halves. */
export function signOf(size: number, lo: number, hi: number): number {
  return size === 8 ? hi >>> 31 : (lo >>> (size * 8 - 1)) & 1;
}

/** Sized value as a bigint (unsigned). */
export function big(size: number, lo: number, hi: number): bigint {
  return size === 8 ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);
}

/** Sized value as a signed bigint. */
export function bigSigned(size: number, lo: number, hi: number): bigint {
  return BigInt.asIntN(size * 8, big(size, lo, hi));
}

/** Splits a bigint into the sized halves (truncating to `size`). */
export function halves(size: number, v: bigint): [number, number] {
  const u = BigInt.asUintN(size * 8, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}
