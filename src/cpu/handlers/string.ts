import type { Cpu } from '../cpu';
import { type ExecFn, type Insn } from '../insn';
import { A_WRITE } from '../mmu';
import { ES, RAX, RCX, RDI, RSI } from '../registers';
import { sub } from './alu';

const TWO32 = 4294967296;
/** Iterations of a REP string instruction per execution before it yields (RIP stays on it; budget applies). */
const REP_CHUNK = 4096;

function addrReg(cpu: Cpu, r: number, asz: number): number {
  if (asz === 8) return (cpu.hi[r] | 0) * TWO32 + cpu.lo[r];
  return asz === 4 ? cpu.lo[r] : cpu.lo[r] & 0xffff;
}

function advance(cpu: Cpu, r: number, asz: number, delta: number): void {
  if (asz === 8) {
    const lo = cpu.lo[r] + delta;
    const carry = lo >= TWO32 ? 1 : lo < 0 ? -1 : 0;
    cpu.lo[r] = lo >>> 0;
    if (carry) cpu.hi[r] = (cpu.hi[r] + carry) >>> 0;
  } else if (asz === 4) {
    cpu.lo[r] = (cpu.lo[r] + delta) >>> 0;
    cpu.hi[r] = 0;
  } else cpu.lo[r] = (cpu.lo[r] & 0xffff0000) | ((cpu.lo[r] + delta) & 0xffff);
}

function countZero(cpu: Cpu, asz: number): boolean {
  return asz === 8 ? (cpu.lo[RCX] | cpu.hi[RCX]) === 0 : asz === 4 ? cpu.lo[RCX] === 0 : (cpu.lo[RCX] & 0xffff) === 0;
}

type Kind = 'movs' | 'stos' | 'lods' | 'cmps' | 'scas' | 'ins' | 'outs';

/**
 * MOVS/STOS/LODS/CMPS/SCAS (and INS/OUTS through the I/O path) with REP/REPE/REPNE. Progress is
 * architectural after every iteration (RCX/RSI/RDI), so a fault mid-way restarts correctly; a long REP yields
 * every REP_CHUNK iterations so the instruction budget still bounds runaway copies.
 */
export function stringOp(kind: Kind, io?: { read(cpu: Cpu, port: number, size: number): number; write(cpu: Cpu, port: number, size: number, v: number): void }): (i: Insn) => ExecFn {
  return (i) => {
    const size = i.size, asz = i.mAddr, seg = i.mSeg, rep = i.rep;
    const compares = kind === 'cmps' || kind === 'scas';
    return (cpu, i) => {
      const start = cpu.rip - i.len;
      const step = cpu.df ? -size : size;
      let n = 0;
      for (;;) {
        if (rep !== 0 && countZero(cpu, asz)) return;
        switch (kind) {
          case 'movs': {
            const lo = cpu.readMem(cpu.linear(seg, addrReg(cpu, RSI, asz)), size);
            cpu.writeMem(cpu.linear(ES, addrReg(cpu, RDI, asz)), size, lo, cpu.hiOut);
            advance(cpu, RSI, asz, step);
            advance(cpu, RDI, asz, step);
            break;
          }
          case 'stos': {
            const lo = cpu.getReg(RAX, size);
            cpu.writeMem(cpu.linear(ES, addrReg(cpu, RDI, asz)), size, lo, cpu.hiOut);
            advance(cpu, RDI, asz, step);
            break;
          }
          case 'lods': {
            const lo = cpu.readMem(cpu.linear(seg, addrReg(cpu, RSI, asz)), size);
            cpu.setReg(RAX, size, lo, cpu.hiOut);
            advance(cpu, RSI, asz, step);
            break;
          }
          case 'cmps': {
            const alo = cpu.readMem(cpu.linear(seg, addrReg(cpu, RSI, asz)), size);
            const ahi = cpu.hiOut;
            const blo = cpu.readMem(cpu.linear(ES, addrReg(cpu, RDI, asz)), size);
            sub(cpu, size, alo, ahi, blo, cpu.hiOut, 0);
            advance(cpu, RSI, asz, step);
            advance(cpu, RDI, asz, step);
            break;
          }
          case 'scas': {
            const alo = cpu.getReg(RAX, size);
            const ahi = cpu.hiOut;
            const blo = cpu.readMem(cpu.linear(ES, addrReg(cpu, RDI, asz)), size);
            sub(cpu, size, alo, ahi, blo, cpu.hiOut, 0);
            advance(cpu, RDI, asz, step);
            break;
          }
          case 'ins': {
            const a = cpu.linear(ES, addrReg(cpu, RDI, asz));
            cpu.translate(a, A_WRITE); // check the destination before the port is read
            const v = io!.read(cpu, cpu.lo[2] & 0xffff, size);
            cpu.writeMem(a, size, v, 0);
            advance(cpu, RDI, asz, step);
            break;
          }
          case 'outs': {
            const v = cpu.readMem(cpu.linear(seg, addrReg(cpu, RSI, asz)), size);
            io!.write(cpu, cpu.lo[2] & 0xffff, size, v);
            advance(cpu, RSI, asz, step);
            break;
          }
        }
        if (rep === 0) return;
        advance(cpu, RCX, asz, -1);
        if (compares) {
          const zf = cpu.flags.zf();
          if ((rep === 1 && zf === 0) || (rep === 2 && zf === 1)) return;
        }
        if (++n >= REP_CHUNK) {
          if (!countZero(cpu, asz)) cpu.rip = start; // resume on the next execution
          return;
        }
      }
    };
  };
}
