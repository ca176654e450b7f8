import { Instruction } from 'iced-x86';
import { gp } from '../cpu-fault';
import type { Cpu } from '../cpu';
import { K_IMM, type ExecFn, type Insn } from '../insn';
import { A_READ, A_SYS } from '../mmu';
import { RAX, RDX, REGISTER_REFS } from '../registers';
import { MemorySizeExt } from 'iced-x86';
import { stringOp } from './string';

/**
 * I/O permission (x86-smm-facts §3.7): allowed when CPL ≤ IOPL; otherwise every bit for the accessed ports in
 * the TSS I/O bitmap must be 0, and the bitmap bytes must lie within the TSS limit; else #GP(0).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & 1) === 0 || cpu.cpl <= cpu.iopl) return;
  const busy64 = (cpu.trAttr & 0xf) === 0xb || (cpu.trAttr & 0xf) === 0x9;
  if (!busy64 || cpu.trLimit < 0x67) throw gp(`I/O port 0x${port.toString(16)} at CPL${cpu.cpl} > IOPL${cpu.iopl}: no usable TSS`);
  const base = cpu.readMem(cpu.trBase + 0x66, 2, A_READ | A_SYS);
  const byte = base + (port >>> 3);
  if (byte + 1 > cpu.trLimit) throw gp(`I/O port 0x${port.toString(16)} at CPL${cpu.cpl}: beyond the TSS I/O bitmap`);
  const word = cpu.readMem(cpu.trBase + byte, 2, A_READ | A_SYS);
  const bits = ((1 << size) - 1) << (port & 7);
  if ((word & bits) !== 0) throw gp(`I/O port 0x${port.toString(16)} denied by the TSS I/O bitmap at CPL${cpu.cpl}`);
}

function ioRead(cpu: Cpu, port: number, size: number, string: boolean, rep: boolean, immediate: boolean): number {
  checkIoPermission(cpu, port, size);
  cpu.ioInProgress = { port, size, input: true, string, rep, immediate, rip: cpu.rip, data: 0 };
  try {
    const raw = cpu.io.read(port, size, cpu) >>> 0;
    const v = size === 4 ? raw : raw & ((1 << (size * 8)) - 1);
    cpu.ioInProgress.data = v;
    cpu.event({ type: 'io', cpu: cpu.index, op: 'in', port, size, value: v });
    return v;
  } finally {
    cpu.ioInProgress = null;
  }
}

function ioWrite(cpu: Cpu, port: number, size: number, value: number, string: boolean, rep: boolean, immediate: boolean): void {
  checkIoPermission(cpu, port, size);
  const v = size === 4 ? value >>> 0 : value & ((1 << (size * 8)) - 1);
  cpu.ioInProgress = { port, size, input: false, string, rep, immediate, rip: cpu.rip, data: v };
  try {
    cpu.event({ type: 'io', cpu: cpu.index, op: 'out', port, size, value: v });
    cpu.io.write(port, size, v, cpu);
  } finally {
    cpu.ioInProgress = null;
  }
}

/** IN AL/AX/EAX, imm8|DX. */
export const inInsn = (i: Insn): ExecFn => {
  const size = i.size;
  const imm = i.k1 === K_IMM;
  const port = i.immLo & 0xff;
  return (cpu, ins) => {
    const start = cpu.rip - ins.len;
    const saved = cpu.rip;
    cpu.rip = start;
    const v = ioRead(cpu, imm ? port : cpu.lo[RDX] & 0xffff, size, false, false, imm);
    cpu.rip = saved;
    cpu.setReg(RAX, size, v, 0);
  };
};

/** OUT imm8|DX, AL/AX/EAX. The access size is the accumulator's (op1), never DX's. */
export const outInsn = (i: Insn, ins: Instruction): ExecFn => {
  const size = REGISTER_REFS.get(ins.op1Register)?.size ?? 1;
  const imm = i.k0 === K_IMM;
  const port = i.immLo & 0xff;
  return (cpu, ins) => {
    const start = cpu.rip - ins.len;
    const saved = cpu.rip;
    cpu.rip = start; // IO_RIP is the I/O instruction itself (x86-smm-facts §1.2)
    try {
      ioWrite(cpu, imm ? port : cpu.lo[RDX] & 0xffff, size, cpu.getReg(RAX, size), false, false, imm);
    } finally {
      cpu.rip = saved;
    }
  };
};

const stringIo = {
  read: (cpu: Cpu, port: number, size: number) => ioRead(cpu, port, size, true, false, false),
  write: (cpu: Cpu, port: number, size: number, v: number) => ioWrite(cpu, port, size, v, true, false, false),
};

/** INS/OUTS: the access size is the memory operand's (the DX operand must not set it). */
export const ins = (i: Insn, instr: Instruction): ExecFn => {
  i.size = MemorySizeExt.size(instr.memorySize);
  return stringOp('ins', stringIo)(i);
};
export const outs = (i: Insn, instr: Instruction): ExecFn => {
  i.size = MemorySizeExt.size(instr.memorySize);
  return stringOp('outs', stringIo)(i);
};

