import { CF, ZF } from '../flags';
import { K_IMM, K_MEM, K_REG, type ExecFn, type Insn } from '../insn';
import { A_READ, A_WRITE } from '../mmu';
import { big, linearOf, readOperand } from './operands';

export const enum BitOp { BT, BTS, BTR, BTC }

/**
 * BT/BTS/BTR/BTC. CF = the selected bit; ZF unchanged; OF/SF/AF/PF undefined (left unchanged here). With a
 * memory operand and a register bit offset, the offset is signed and may address beyond the operand.
 */
export function bitTest(op: BitOp): (i: Insn) => ExecFn {
  return (i) => (cpu, i) => {
    const size = i.size;
    const bits = size * 8;
    const acc = op === BitOp.BT ? A_READ : A_WRITE;
    let lo: number, hi: number, bit: number;
    if (i.k0 === K_MEM && i.k1 === K_REG) {
      // a register bit offset is signed and may reach beyond the operand: EA + (offset DIV bits) * size
      const olo = cpu.getReg(i.r1, size);
      const off = BigInt.asIntN(bits, big(size, olo, cpu.hiOut));
      let unit = off / BigInt(bits);
      if (off < 0n && unit * BigInt(bits) !== off) unit -= 1n; // floor division
      bit = Number(off - unit * BigInt(bits));
      cpu.lastEa = linearOf(cpu, i) + Number(unit) * size;
      lo = cpu.readMem(cpu.lastEa, size, acc);
      hi = cpu.hiOut;
    } else {
      // register destination or immediate offset: the offset is taken modulo the operand width
      bit = (i.k1 === K_IMM ? i.immLo : cpu.lo[i.r1]) & (bits - 1);
      lo = readOperand(cpu, i, i.k0, i.r0, size, acc);
      hi = cpu.hiOut;
    }
    const word = bit >= 32 ? hi : lo;
    const m = 1 << (bit & 31);
    const cf = (word & m) !== 0 ? 1 : 0;
    const st = cpu.flags.status();
    cpu.flags.setEager((st & ~CF) | cf);
    if (op === BitOp.BT) return;
    let nw: number;
    if (op === BitOp.BTS) nw = (word | m) >>> 0;
    else if (op === BitOp.BTR) nw = (word & ~m) >>> 0;
    else nw = (word ^ m) >>> 0;
    if (bit >= 32) hi = nw; else lo = nw;
    if (i.k0 === K_MEM) cpu.writeMem(cpu.lastEa, size, lo, hi);
    else cpu.setReg(i.r0, size, lo, hi);
  };
}

/** BSF/BSR: source 0 → ZF = 1 and the destination is left unchanged; otherwise ZF = 0 and the bit index. */
export function bitScan(reverse: boolean): (i: Insn) => ExecFn {
  return (i) => (cpu, i) => {
    const size = i.size;
    const lo = readOperand(cpu, i, i.k1, i.r1, size);
    const v = big(size, lo, cpu.hiOut);
    const st = cpu.flags.status();
    if (v === 0n) {
      cpu.flags.setEager(st | ZF);
      return;
    }
    let idx: number;
    if (reverse) idx = v.toString(2).length - 1;
    else {
      idx = 0;
      while (((v >> BigInt(idx)) & 1n) === 0n) idx++;
    }
    cpu.flags.setEager(st & ~ZF);
    cpu.setReg(i.r0, size, idx, 0);
  };
}

export const bswap = (i: Insn): ExecFn => (cpu, i) => {
  const r = i.r0;
  const sw = (x: number) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  if (i.size === 8) {
    const lo = cpu.lo[r], hi = cpu.hi[r];
    cpu.lo[r] = sw(hi);
    cpu.hi[r] = sw(lo);
  } else if (i.size === 4) {
    cpu.lo[r] = sw(cpu.lo[r]);
    cpu.hi[r] = 0;
  } else {
    // 16-bit BSWAP is undefined (SDM); real processors clear the low word
    cpu.lo[r] = (cpu.lo[r] & 0xffff0000) >>> 0;
  }
};

export const setcc = (i: Insn): ExecFn => (cpu, i) => {
  const v = cpu.flags.cond(i.cc) ? 1 : 0;
  if (i.k0 === K_REG) cpu.setReg(i.r0, 1, v, 0);
  else cpu.writeMem(linearOf(cpu, i), 1, v, 0);
};

/** CMOVcc: the source is always read; a 32-bit destination is zero-extended even when the condition is false. */
export const cmovcc = (i: Insn): ExecFn => (cpu, i) => {
  const size = i.size;
  const lo = readOperand(cpu, i, i.k1, i.r1, size);
  const hi = cpu.hiOut;
  if (cpu.flags.cond(i.cc)) cpu.setReg(i.r0, size, lo, hi);
  else if (size === 4) cpu.hi[i.r0] = 0;
};

