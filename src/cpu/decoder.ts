import { Code, ConditionCode, Decoder, DecoderError, DecoderOptions, Instruction, MemorySizeExt, Mnemonic, OpKind, Register } from 'iced-x86';
import { CpuFault, Vector } from './cpu-fault';
import type { Cpu } from './cpu';
import { K_IMM, K_MEM, K_NONE, K_REG, Insn, M_NONE, M_RIP } from './insn';
import { A_FETCH } from './mmu';
import { PAGE_SIZE, PhysPage } from './physical-memory';
import { REGISTER_REFS } from './registers';
import { HANDLERS, execUnsupported } from './handlers';
import { PROCESS_OPCODE_COVERAGE } from './opcode-coverage';

/** Extra operand kinds beyond insn.ts's basic ones. */
export const K_SEG = 4, K_CR = 5, K_DR = 6;

function segNumber(r: Register): number {
  const ref = REGISTER_REFS.get(r);
  return ref && ref.seg >= 0 ? ref.seg : -1;
}

/** Splits a (sign-extended) bigint immediate into 32-bit halves of the given size. */
function immHalves(v: bigint, size: number): [number, number] {
  const bits = BigInt(size * 8);
  const u = BigInt.asUintN(Number(bits), v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

function immediateOf(ins: Instruction, op: number): bigint {
  return ins.immediate(op);
}

/**
 * Builds the compact form of one iced instruction: operands, sizes, displacements relative to the next
 * instruction (so the cache is independent of the linear address the page is mapped at), and the handler.
 */
export function compile(ins: Instruction, bytes: Uint8Array): Insn {
  const insn = new Insn(execUnsupported);
  insn.len = ins.length;
  insn.code = ins.code;
  insn.mnemonic = ins.mnemonic;
  insn.bytes = bytes;
  const next = ins.ip + BigInt(ins.length);
  const kinds = [K_NONE, K_NONE, K_NONE];
  const regs = [0, 0, 0];
  let size = 0;
  for (let op = 0; op < ins.opCount && op < 3; op++) {
    const k = ins.opKind(op);
    switch (k) {
      case OpKind.Register: {
        const ref = REGISTER_REFS.get(ins.opRegister(op));
        if (ref === undefined) return insn; // XMM/x87/etc.: unsupported
        if (ref.gpr >= 0) { kinds[op] = K_REG; regs[op] = ref.gpr; if (size === 0) size = ref.size; }
        else if (ref.seg >= 0) { kinds[op] = K_SEG; regs[op] = ref.seg; }
        else if (ref.cr >= 0) { kinds[op] = K_CR; regs[op] = ref.cr; if (size === 0) size = 8; }
        else if (ref.dr >= 0) { kinds[op] = K_DR; regs[op] = ref.dr; if (size === 0) size = 8; }
        else return insn;
        break;
      }
      case OpKind.Memory: {
        kinds[op] = K_MEM;
        const msz = MemorySizeExt.size(ins.memorySize);
        if (size === 0 && msz > 0) size = msz;
        insn.size2 = msz;
        const base = ins.memoryBase, index = ins.memoryIndex;
        insn.mSeg = segNumber(ins.memorySegment);
        insn.mScale = ins.memoryIndexScale;
        const baseRef = base === Register.None ? undefined : REGISTER_REFS.get(base);
        if (baseRef?.ip) {
          insn.mBase = M_RIP;
          insn.mDisp = Number(BigInt.asIntN(64, ins.memoryDisplacement - next));
        } else {
          insn.mBase = baseRef ? baseRef.gpr : M_NONE;
          insn.mDisp = Number(BigInt.asIntN(64, ins.memoryDisplacement));
          insn.mAddr = baseRef ? baseRef.size : 8;
        }
        if (index !== Register.None) {
          const ir = REGISTER_REFS.get(index)!;
          insn.mIndex = ir.gpr;
          insn.mAddr = ir.size;
        }
        if (baseRef === undefined && index === Register.None) {
          // absolute moffs / disp32 forms: displacement is already the address
          insn.mAddr = ins.codeSize === 3 /* Code64 */ ? 8 : 4;
        }
        if (insn.mAddr > 2 && insn.mAddr !== 8 && insn.mBase !== M_RIP) {
          insn.mDisp = insn.mAddr === 4 ? Number(BigInt.asIntN(32, ins.memoryDisplacement)) : insn.mDisp;
        }
        break;
      }
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
        insn.rel = Number(BigInt.asIntN(64, ins.nearBranchTarget - next));
        break;
      case OpKind.FarBranch16:
      case OpKind.FarBranch32:
        // direct far pointer ptr16:16 / ptr16:32: offset in immLo, selector in imm2
        insn.immLo = k === OpKind.FarBranch16 ? ins.farBranch16 : ins.farBranch32;
        insn.imm2 = ins.farBranchSelector;
        size = k === OpKind.FarBranch16 ? 2 : 4;
        break;
      case OpKind.Immediate8_2nd:
        insn.imm2 = ins.immediate8_2nd;
        break;
      case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32: case OpKind.Immediate64:
      case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64: case OpKind.Immediate32to64: {
        kinds[op] = K_IMM;
        const v = immediateOf(ins, op);
        // Immediate is extended to the operand size (or its own size for imm-only instructions).
        const immSize = size !== 0 ? size : k === OpKind.Immediate8 ? 1 : k === OpKind.Immediate16 ? 2 : k === OpKind.Immediate64 || k === OpKind.Immediate8to64 || k === OpKind.Immediate32to64 ? 8 : 4;
        if (insn.k1 === K_IMM || kinds.slice(0, op).includes(K_IMM)) insn.imm2 = Number(BigInt.asUintN(8, v));
        else [insn.immLo, insn.immHi] = immHalves(v, immSize);
        break;
      }
      case OpKind.MemorySegSI: case OpKind.MemorySegESI: case OpKind.MemorySegRSI:
        insn.mSeg = segNumber(ins.memorySegment);
        insn.mAddr = k === OpKind.MemorySegRSI ? 8 : k === OpKind.MemorySegESI ? 4 : 2;
        if (size === 0) size = MemorySizeExt.size(ins.memorySize);
        break;
      case OpKind.MemoryESDI: case OpKind.MemoryESEDI: case OpKind.MemoryESRDI:
        insn.mAddr = k === OpKind.MemoryESRDI ? 8 : k === OpKind.MemoryESEDI ? 4 : 2;
        if (size === 0) size = MemorySizeExt.size(ins.memorySize);
        break;
      default:
        return insn; // far pointers and others: unsupported
    }
  }
  insn.k0 = kinds[0]; insn.r0 = regs[0];
  insn.k1 = kinds[1]; insn.r1 = regs[1];
  insn.k2 = kinds[2]; insn.r2 = regs[2];
  insn.size = size;
  if (ins.conditionCode !== ConditionCode.None) insn.cc = ins.conditionCode - 1;
  insn.rep = ins.hasRepnePrefix ? 2 : ins.hasRepePrefix || ins.hasRepPrefix ? 1 : 0;
  const factory = HANDLERS.get(ins.mnemonic as Mnemonic);
  const exec = factory ? factory(insn, ins) : null;
  insn.exec = exec ?? execUnsupported;
  return insn;
}

/**
 * Decodes the instruction at linear address `lin`, whose first byte is at `off` of `page` (already translated
 * for fetch). Bytes past the page end are fetched (and permission-checked) only if the instruction needs them.
 */
export function decodeAt(cpu: Cpu, lin: number, page: PhysPage, off: number, ip = lin): Insn {
  const phys = page.ppn * PAGE_SIZE + off;
  const trap = cpu.bus.hostTrap(phys);
  if (trap !== undefined) {
    const insn = new Insn((c) => {
      c.event({ type: 'host-trap', cpu: c.index, address: BigInt(phys) });
      // looked up again: a trap replaced at the same address takes effect without re-decoding
      (c.bus.hostTrap(phys) ?? trap)(c);
    });
    insn.len = 0;
    return insn;
  }
  const inPage = Math.min(15, PAGE_SIZE - off);
  let bytes = page.bytes.slice(off, off + inPage);
  let crossPage = false;
  // iced computes branch targets from the CS-relative IP (not the linear address: CS.base ≠ 0 in SMM)
  let ins = decodeBytes(cpu.bits, bytes, ip);
  if (ins === 'short') {
    const more = new Uint8Array(15);
    more.set(bytes);
    for (let k = inPage; k < 15; k++) more[k] = cpu.readMem(lin + k, 1, A_FETCH);
    bytes = more;
    crossPage = true;
    ins = decodeBytes(cpu.bits, bytes, ip);
  }
  if (ins === 'short' || ins === 'invalid') {
    const insn = new Insn(() => {
      throw new CpuFault(Vector.UD, undefined, `invalid opcode bytes ${Array.from(bytes.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
    });
    insn.len = 0;
    return insn;
  }
  const insn = compile(ins, bytes.slice(0, ins.length));
  if (PROCESS_OPCODE_COVERAGE !== null) PROCESS_OPCODE_COVERAGE.record(insn.code, insn.mnemonic);
  insn.crossPage = crossPage && ins.length > inPage;
  ins.free();
  return insn;
}

function decodeBytes(bits: number, bytes: Uint8Array, lin: number): Instruction | 'short' | 'invalid' {
  const d = new Decoder(bits, bytes, DecoderOptions.None);
  try {
    const u = lin < 0 ? BigInt(lin) + (1n << 64n) : BigInt(lin);
    d.ip = bits === 64 ? u : BigInt.asUintN(32, u);
    const ins = d.decode();
    if (ins.code === Code.INVALID) {
      const err = d.lastError;
      ins.free();
      return err === DecoderError.NoMoreBytes ? 'short' : 'invalid';
    }
    return ins;
  } finally {
    d.free();
  }
}

