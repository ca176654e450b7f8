import { Code, Instruction } from 'iced-x86';
import { CpuFault, Vector, gp, ud } from '../cpu-fault';
import { readDescriptor, type Cpu } from '../cpu';
import { toU64 } from '../address';
import { cpuidLookup } from '../cpuid';
import { AC, IF } from '../flags';
import { K_REG, type ExecFn, type Insn } from '../insn';
import { A_READ, A_SYS, A_WRITE, CR0_PE, CR0_PG, CR4_PAE, CR4_TSD, CR4_UMIP, EFER_LMA, EFER_LME } from '../mmu';
import { RAX, RBX, RCX, RDX } from '../registers';
import { linearOf } from './operands';
import { K_CR, K_DR } from '../decoder';

function requireCpl0(cpu: Cpu, what: string): void {
  if (cpu.cpl !== 0) throw gp(`${what} at CPL${cpu.cpl}`);
}

export const rdmsr = (): ExecFn => (cpu) => {
  requireCpl0(cpu, 'RDMSR');
  const msr = cpu.lo[RCX];
  const v = cpu.msr.read(msr);
  cpu.event({ type: 'msr', cpu: cpu.index, op: 'read', msr, value: v });
  cpu.setReg(RAX, 4, Number(v & 0xffffffffn), 0);
  cpu.setReg(RDX, 4, Number(v >> 32n), 0);
};

export const wrmsr = (): ExecFn => (cpu) => {
  requireCpl0(cpu, 'WRMSR');
  const msr = cpu.lo[RCX];
  const v = (BigInt(cpu.lo[RDX]) << 32n) | BigInt(cpu.lo[RAX]);
  cpu.msr.write(msr, v);
  cpu.event({ type: 'msr', cpu: cpu.index, op: 'write', msr, value: v });
};

export const cpuid = (): ExecFn => (cpu) => {
  const [a, b, c, d] = cpuidLookup(cpu.cpuid, cpu.lo[RAX], cpu.lo[RCX]);
  cpu.setReg(RAX, 4, a >>> 0, 0);
  cpu.setReg(RBX, 4, b >>> 0, 0);
  cpu.setReg(RCX, 4, c >>> 0, 0);
  cpu.setReg(RDX, 4, d >>> 0, 0);
};

/** RDTSC: deterministic (tscBase + instructions retired); #GP at CPL > 0 when CR4.TSD is set. */
export const rdtsc = (): ExecFn => (cpu) => {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.cpl > 0) throw gp('RDTSC with CR4.TSD at CPL > 0');
  const t = BigInt.asUintN(64, cpu.tscBase + BigInt(cpu.icount));
  cpu.setReg(RAX, 4, Number(t & 0xffffffffn), 0);
  cpu.setReg(RDX, 4, Number(t >> 32n), 0);
};

/** CLI/STI: #GP(0) when CPL > IOPL (x86-smm-facts §3.7). */
export function interruptFlag(set: boolean): () => ExecFn {
  return () => (cpu) => {
    if ((cpu.cr0 & CR0_PE) !== 0 && cpu.cpl > cpu.iopl) throw gp(`${set ? 'STI' : 'CLI'} at CPL${cpu.cpl} > IOPL${cpu.iopl}`);
    cpu.rflagsRest = (set ? cpu.rflagsRest | IF : cpu.rflagsRest & ~IF) >>> 0;
  };
}

export const hlt = (): ExecFn => (cpu) => {
  requireCpl0(cpu, 'HLT');
  cpu.halted = true;
  cpu.attention = true;
};

/** Privileged no-ops for the emulator (cache control): WBINVD, INVD. */
export function privilegedNop(what: string): () => ExecFn {
  return () => (cpu) => requireCpl0(cpu, what);
}

export const invlpg = (): ExecFn => (cpu, i) => {
  requireCpl0(cpu, 'INVLPG');
  cpu.flushTlbPage(linearOf(cpu, i));
};

const CR0_RESERVED = 0x1ffaffc0 & ~0x20; // bits other than PE MP EM TS ET NE WP AM NW CD PG
const CR4_KNOWN = 0x1f7fff;

/** MOV to/from CR0, CR2, CR3, CR4, CR8 with the architectural checks (x86-smm-facts §3.4). */
export const movCr = (i: Insn): ExecFn | null => {
  const toCr = i.k0 === K_CR;
  const cr = toCr ? i.r0 : i.r1;
  const gpr = toCr ? i.r1 : i.r0;
  if (![0, 2, 3, 4, 8].includes(cr)) return null;
  return (cpu) => {
    requireCpl0(cpu, `MOV ${toCr ? 'to' : 'from'} CR${cr}`);
    if (!toCr) {
      let v: bigint;
      switch (cr) {
        case 0: v = BigInt(cpu.cr0 >>> 0); break;
        case 2: v = toU64(cpu.cr2); break;
        case 3: v = BigInt(cpu.cr3); break;
        case 4: v = BigInt(cpu.cr4 >>> 0); break;
        default: v = BigInt(cpu.cr8);
      }
      cpu.setReg64(gpr, v);
      return;
    }
    const v = cpu.getReg64(gpr);
    switch (cr) {
      case 0: {
        const n = Number(v & 0xffffffffn);
        if (v >> 32n !== 0n || (n & CR0_RESERVED) !== 0) throw gp(`MOV CR0 reserved bits 0x${v.toString(16)}`);
        if ((n & CR0_PG) !== 0 && (n & CR0_PE) === 0) throw gp('CR0.PG without CR0.PE');
        if ((n & (1 << 29)) !== 0 && (n & (1 << 30)) === 0) throw gp('CR0.NW without CR0.CD');
        if ((n & CR0_PG) !== 0 && (cpu.cr0 & CR0_PG) === 0 && (cpu.efer & EFER_LME) !== 0 && (cpu.cr4 & CR4_PAE) === 0) throw gp('enabling paging in long mode without CR4.PAE');
        if ((n & CR0_PG) === 0 && (cpu.efer & EFER_LMA) !== 0 && cpu.bits === 64) throw gp('clearing CR0.PG in 64-bit mode');
        cpu.cr0 = n >>> 0;
        if ((cpu.efer & EFER_LME) !== 0 && (n & CR0_PG) !== 0) cpu.efer |= EFER_LMA;
        else cpu.efer &= ~EFER_LMA;
        cpu.flushTlb();
        cpu.updateMode();
        return;
      }
      case 2: cpu.cr2 = Number(BigInt.asIntN(64, v)); return;
      case 3:
        if (v >> BigInt(cpu.maxPhysAddrBits) !== 0n) throw gp(`MOV CR3 reserved bits 0x${v.toString(16)}`);
        cpu.cr3 = Number(v);
        cpu.flushTlb();
        return;
      case 4: {
        const n = Number(v & 0xffffffffn);
        if (v >> 32n !== 0n || (n & ~CR4_KNOWN) !== 0) throw gp(`MOV CR4 reserved bits 0x${v.toString(16)}`);
        if ((cpu.efer & EFER_LMA) !== 0 && (n & CR4_PAE) === 0) throw gp('clearing CR4.PAE in long mode');
        cpu.cr4 = n >>> 0;
        cpu.flushTlb();
        return;
      }
      default:
        if (v > 15n) throw gp('MOV CR8 reserved bits');
        cpu.cr8 = Number(v);
    }
  };
};

export const movDr = (i: Insn): ExecFn => {
  const toDr = i.k0 === K_DR;
  const dr = toDr ? i.r0 : i.r1;
  const gpr = toDr ? i.r1 : i.r0;
  return (cpu) => {
    requireCpl0(cpu, 'MOV DR');
    const slot = dr === 4 ? 6 : dr === 5 ? 7 : dr;
    if (toDr) {
      const v = Number(cpu.getReg64(gpr) & 0xffffffffn);
      if (slot === 6) cpu.dr6 = v; else if (slot === 7) cpu.dr7 = v; else cpu.drAddr[slot] = cpu.getReg64(gpr);
    } else {
      cpu.setReg64(gpr, slot === 6 ? BigInt(cpu.dr6 >>> 0) : slot === 7 ? BigInt(cpu.dr7 >>> 0) : cpu.drAddr[slot] ?? 0n);
    }
  };
};

/** LGDT/LIDT m16&64; SGDT/SIDT store them (CR4.UMIP makes the stores #GP at CPL > 0). */
export function descriptorTable(which: 'gdt' | 'idt', load: boolean): () => ExecFn {
  return () => (cpu, i) => {
    const a = linearOf(cpu, i);
    if (load) {
      requireCpl0(cpu, which === 'gdt' ? 'LGDT' : 'LIDT');
      const limit = cpu.readMem(a, 2);
      const lo = cpu.readMem(a + 2, 4);
      const hi = cpu.bits === 64 ? cpu.readMem(a + 6, 4) : 0;
      const base = cpu.bits === 64 ? cpu.canonicalNumber((BigInt(hi) << 32n) | BigInt(lo), 'descriptor-table base') : lo;
      if (which === 'gdt') { cpu.gdtrBase = base; cpu.gdtrLimit = limit; } else { cpu.idtrBase = base; cpu.idtrLimit = limit; }
      return;
    }
    if ((cpu.cr4 & CR4_UMIP) !== 0 && cpu.cpl > 0) throw gp(`${which === 'gdt' ? 'SGDT' : 'SIDT'} with CR4.UMIP at CPL > 0`);
    const base = which === 'gdt' ? cpu.gdtrBase : cpu.idtrBase;
    const u = toU64(base);
    cpu.translate(a + 9, A_WRITE);
    cpu.writeMem(a, 2, which === 'gdt' ? cpu.gdtrLimit : cpu.idtrLimit, 0);
    cpu.writeMem(a + 2, 8, Number(u & 0xffffffffn), Number(u >> 32n));
  };
}

/** LTR: loads an available 64-bit TSS and marks its descriptor busy. */
export const ltr = (): ExecFn => (cpu, i) => {
  requireCpl0(cpu, 'LTR');
  const sel = (i.k0 === K_REG ? cpu.getReg(i.r0, 2) : cpu.readMem(linearOf(cpu, i), 2)) & 0xffff;
  const d = readDescriptor(cpu, sel);
  if (d === null) throw gp('LTR with a null selector');
  if (!d.system || d.type !== 9) throw gp(`LTR: selector 0x${sel.toString(16)} is not an available 64-bit TSS`, sel & 0xfffc);
  if (!d.present) throw new CpuFault(Vector.NP, sel & 0xfffc, 'TSS not present');
  cpu.trSel = sel; cpu.trBase = d.base; cpu.trLimit = d.limit; cpu.trAttr = (d.attr | 2) & 0xffff;
  const a = cpu.gdtrBase + (sel & 0xfff8) + 5;
  cpu.writeMem(a, 1, cpu.readMem(a, 1, A_READ | A_SYS) | 2, 0, A_WRITE | A_SYS);
};

/** STR / SLDT / SMSW: stores; #GP at CPL > 0 with CR4.UMIP. */
export function storeSystem(kind: 'str' | 'sldt' | 'smsw'): (i: Insn, ins: Instruction) => ExecFn {
  return (_i, ins) => {
    const name = Code[ins.code] ?? '';
    const size = /r64/.test(name) ? 8 : /r32/.test(name) ? 4 : 2;
    return (cpu, i) => {
      if ((cpu.cr4 & CR4_UMIP) !== 0 && cpu.cpl > 0) throw gp(`${kind.toUpperCase()} with CR4.UMIP at CPL > 0`);
      const v = kind === 'str' ? cpu.trSel : kind === 'sldt' ? cpu.ldtrSel : cpu.cr0 & 0xffff;
      if (i.k0 === K_REG) cpu.setReg(i.r0, size, v, 0);
      else cpu.writeMem(linearOf(cpu, i), 2, v, 0);
    };
  };
}

export const lldt = (): ExecFn => (cpu, i) => {
  requireCpl0(cpu, 'LLDT');
  const sel = (i.k0 === K_REG ? cpu.getReg(i.r0, 2) : cpu.readMem(linearOf(cpu, i), 2)) & 0xffff;
  if ((sel & 0xfffc) !== 0) throw gp('LLDT: LDTs are not supported by this model', sel & 0xfffc);
  cpu.ldtrSel = sel;
};

export const clts = (): ExecFn => (cpu) => {
  requireCpl0(cpu, 'CLTS');
  cpu.cr0 = (cpu.cr0 & ~8) >>> 0;
};

export const lmsw = (): ExecFn => (cpu, i) => {
  requireCpl0(cpu, 'LMSW');
  const v = (i.k0 === K_REG ? cpu.getReg(i.r0, 2) : cpu.readMem(linearOf(cpu, i), 2)) & 0xf;
  cpu.cr0 = ((cpu.cr0 & ~0xe) | v | (cpu.cr0 & 1)) >>> 0; // cannot clear PE
};

/** STAC/CLAC: #UD at CPL > 0. */
export function acFlag(set: boolean): () => ExecFn {
  return () => (cpu) => {
    if (cpu.cpl > 0) throw ud(`${set ? 'STAC' : 'CLAC'} at CPL > 0`);
    cpu.rflagsRest = (set ? cpu.rflagsRest | AC : cpu.rflagsRest & ~AC) >>> 0;
  };
}

/** RSM: #UD outside SMM; otherwise the SMM module restores the saved state. */
export const rsm = (): ExecFn => (cpu) => {
  if (!cpu.inSmm) throw ud('RSM outside SMM');
  cpu.rsmHook(cpu);
};

