import { Instruction, Mnemonic } from 'iced-x86';
import { CpuFault, Vector } from '../cpu-fault';
import type { ExecFn, Insn } from '../insn';
import { binary, cmpxchg, divide, imulMulti, incDec, mulOne, neg, not, opAdc, opAdd, opAnd, opOr, opSbb, opSub, opXor, xadd } from './arith';
import { BitOp, bitScan, bitTest, bswap, cmovcc, setcc } from './bits';
import { callIndirect, callRel, int1, int3, intN, jcc, jmpIndirect, jmpRel, jrcxz, loop, ret, ud2 } from './control';
import { callFar, farDirect, iret, jmpFar, retf, swapgs, syscall, sysret } from './far';
import { inInsn, ins, outInsn, outs } from './io';
import { convertAcc, convertPair, extend, flagOp, lahf, lea, mov, nop, pop, popf, push, pushf, sahf, xchg } from './moves';
import { ShiftOp, doubleShift, shift } from './shift';
import { stringOp } from './string';
import {
  acFlag, clts, cpuid, descriptorTable, hlt, interruptFlag, invlpg, lldt, lmsw, ltr, movCr, movDr, privilegedNop, rdmsr, rdtsc, rsm,
  storeSystem, wrmsr,
} from './system';
import { K_CR, K_DR } from '../decoder';

/** Builds the handler for one decoded instruction (null: this operand form is not supported → #UD). */
export type HandlerFactory = (insn: Insn, ins: Instruction) => ExecFn | null;

/** Executes an instruction the emulator does not implement: #UD, with the instruction named in the trace. */
export const execUnsupported: ExecFn = (cpu, i) => {
  cpu.event({ type: 'unsupported', cpu: cpu.index, rip: BigInt(cpu.rip - i.len), text: Mnemonic[i.mnemonic] ?? `code ${i.code}` });
  throw new CpuFault(Vector.UD, undefined, `unsupported instruction ${(Mnemonic[i.mnemonic] ?? '?').toLowerCase()}`);
};

const M = Mnemonic;

/**
 * The opcode table: iced mnemonic → handler factory (the EthereumJS EVM's "handler map" shape). Factories
 * may specialise on operand kinds and sizes; the decoder caches the result per instruction.
 */
export const HANDLERS: ReadonlyMap<Mnemonic, HandlerFactory> = new Map<Mnemonic, HandlerFactory>([
  // data movement
  [M.Mov, (i, ins) => (i.k0 === K_CR || i.k1 === K_CR ? movCr(i) : i.k0 === K_DR || i.k1 === K_DR ? movDr(i) : mov(i, ins))],
  [M.Movzx, extend(false)],
  [M.Movsx, extend(true)],
  [M.Movsxd, extend(true)],
  [M.Lea, lea],
  [M.Xchg, xchg],
  [M.Push, push],
  [M.Pop, pop],
  [M.Pushf, pushf], [M.Pushfq, pushf],
  [M.Popf, popf], [M.Popfq, popf],
  [M.Lahf, lahf],
  [M.Sahf, sahf],
  [M.Cbw, convertAcc], [M.Cwde, convertAcc], [M.Cdqe, convertAcc],
  [M.Cwd, convertPair], [M.Cdq, convertPair], [M.Cqo, convertPair],
  [M.Bswap, bswap],
  [M.Cmovo, cmovcc], [M.Cmovno, cmovcc], [M.Cmovb, cmovcc], [M.Cmovae, cmovcc], [M.Cmove, cmovcc], [M.Cmovne, cmovcc],
  [M.Cmovbe, cmovcc], [M.Cmova, cmovcc], [M.Cmovs, cmovcc], [M.Cmovns, cmovcc], [M.Cmovp, cmovcc], [M.Cmovnp, cmovcc],
  [M.Cmovl, cmovcc], [M.Cmovge, cmovcc], [M.Cmovle, cmovcc], [M.Cmovg, cmovcc],
  [M.Seto, setcc], [M.Setno, setcc], [M.Setb, setcc], [M.Setae, setcc], [M.Sete, setcc], [M.Setne, setcc],
  [M.Setbe, setcc], [M.Seta, setcc], [M.Sets, setcc], [M.Setns, setcc], [M.Setp, setcc], [M.Setnp, setcc],
  [M.Setl, setcc], [M.Setge, setcc], [M.Setle, setcc], [M.Setg, setcc],
  // arithmetic and logic
  [M.Add, binary(opAdd, true)], [M.Adc, binary(opAdc, true)], [M.Sub, binary(opSub, true)], [M.Sbb, binary(opSbb, true)],
  [M.Cmp, binary(opSub, false)], [M.And, binary(opAnd, true)], [M.Or, binary(opOr, true)], [M.Xor, binary(opXor, true)],
  [M.Test, binary(opAnd, false)],
  [M.Inc, incDec(false)], [M.Dec, incDec(true)], [M.Neg, neg], [M.Not, not],
  [M.Mul, mulOne(false)], [M.Imul, (i, ins) => (ins.opCount === 1 ? mulOne(true)(i) : imulMulti(i))],
  [M.Div, divide(false)], [M.Idiv, divide(true)],
  [M.Xadd, xadd], [M.Cmpxchg, cmpxchg],
  // shifts and rotates
  [M.Rol, shift(ShiftOp.ROL)], [M.Ror, shift(ShiftOp.ROR)], [M.Rcl, shift(ShiftOp.RCL)], [M.Rcr, shift(ShiftOp.RCR)],
  [M.Shl, shift(ShiftOp.SHL)], [M.Sal, shift(ShiftOp.SAL)], [M.Shr, shift(ShiftOp.SHR)], [M.Sar, shift(ShiftOp.SAR)],
  [M.Shld, doubleShift(true)], [M.Shrd, doubleShift(false)],
  // bits
  [M.Bt, bitTest(BitOp.BT)], [M.Bts, bitTest(BitOp.BTS)], [M.Btr, bitTest(BitOp.BTR)], [M.Btc, bitTest(BitOp.BTC)],
  [M.Bsf, bitScan(false)], [M.Bsr, bitScan(true)],
  // flags
  [M.Clc, flagOp('clc')], [M.Stc, flagOp('stc')], [M.Cmc, flagOp('cmc')], [M.Cld, flagOp('cld')], [M.Std, flagOp('std')],
  // control flow
  [M.Jmp, (i, ins) => (ins.isJmpFarIndirect ? jmpFar(i, ins) : ins.isJmpNearIndirect ? jmpIndirect() : ins.isJmpFar ? farDirect(false)(i, ins) : jmpRel(i))],
  [M.Call, (i, ins) => (ins.isCallFarIndirect ? callFar(i, ins) : ins.isCallNearIndirect ? callIndirect(i, ins) : ins.isCallFar ? farDirect(true)(i, ins) : callRel(i, ins))],
  [M.Ret, ret], [M.Retf, retf], [M.Iret, iret], [M.Iretd, iret], [M.Iretq, iret],
  [M.Jo, jcc], [M.Jno, jcc], [M.Jb, jcc], [M.Jae, jcc], [M.Je, jcc], [M.Jne, jcc], [M.Jbe, jcc], [M.Ja, jcc],
  [M.Js, jcc], [M.Jns, jcc], [M.Jp, jcc], [M.Jnp, jcc], [M.Jl, jcc], [M.Jge, jcc], [M.Jle, jcc], [M.Jg, jcc],
  [M.Loop, loop('loop')], [M.Loope, loop('loope')], [M.Loopne, loop('loopne')],
  [M.Jrcxz, jrcxz], [M.Jecxz, jrcxz],
  [M.Int3, int3], [M.Int, intN], [M.Int1, int1], [M.Ud2, ud2],
  [M.Syscall, syscall], [M.Sysret, sysret], [M.Sysretq, sysret], [M.Swapgs, swapgs],
  // strings
  [M.Movsb, stringOp('movs')], [M.Movsw, stringOp('movs')], [M.Movsd, stringOp('movs')], [M.Movsq, stringOp('movs')],
  [M.Stosb, stringOp('stos')], [M.Stosw, stringOp('stos')], [M.Stosd, stringOp('stos')], [M.Stosq, stringOp('stos')],
  [M.Lodsb, stringOp('lods')], [M.Lodsw, stringOp('lods')], [M.Lodsd, stringOp('lods')], [M.Lodsq, stringOp('lods')],
  [M.Cmpsb, stringOp('cmps')], [M.Cmpsw, stringOp('cmps')], [M.Cmpsd, stringOp('cmps')], [M.Cmpsq, stringOp('cmps')],
  [M.Scasb, stringOp('scas')], [M.Scasw, stringOp('scas')], [M.Scasd, stringOp('scas')], [M.Scasq, stringOp('scas')],
  // I/O
  [M.In, inInsn], [M.Out, outInsn],
  [M.Insb, ins], [M.Insw, ins], [M.Insd, ins], [M.Outsb, outs], [M.Outsw, outs], [M.Outsd, outs],
  // system
  [M.Rdmsr, rdmsr], [M.Wrmsr, wrmsr], [M.Cpuid, cpuid], [M.Rdtsc, rdtsc],
  [M.Cli, interruptFlag(false)], [M.Sti, interruptFlag(true)], [M.Hlt, hlt],
  [M.Wbinvd, privilegedNop('WBINVD')], [M.Invd, privilegedNop('INVD')], [M.Invlpg, invlpg],
  [M.Lgdt, descriptorTable('gdt', true)], [M.Lidt, descriptorTable('idt', true)],
  [M.Sgdt, descriptorTable('gdt', false)], [M.Sidt, descriptorTable('idt', false)],
  [M.Ltr, ltr], [M.Str, storeSystem('str')], [M.Sldt, storeSystem('sldt')], [M.Smsw, storeSystem('smsw')],
  [M.Lldt, lldt], [M.Clts, clts], [M.Lmsw, lmsw], [M.Stac, acFlag(true)], [M.Clac, acFlag(false)], [M.Rsm, rsm],
  // no-ops for the model
  [M.Nop, nop], [M.Pause, nop], [M.Endbr64, nop], [M.Lfence, nop], [M.Mfence, nop], [M.Sfence, nop],
  [M.Prefetchnta, nop], [M.Prefetcht0, nop], [M.Prefetcht1, nop], [M.Prefetcht2, nop], [M.Clflush, nop],
]);

/** Mnemonics the emulator executes (for opcode coverage reports). */
export function supportedMnemonics(): string[] {
  return [...HANDLERS.keys()].map((m) => Mnemonic[m]).sort();
}
