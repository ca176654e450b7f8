import { Code, Instruction } from 'iced-x86';
import { CpuFault, Vector, gp, ud } from '../cpu-fault';
import { readDescriptor, type Cpu, type Descriptor } from '../cpu';
import { IF, IOPL_MASK, RF, RFLAGS_FIXED1, RFLAGS_WRITABLE, VM } from '../flags';
import { type ExecFn, type Insn } from '../insn';
import { A_READ, EFER_LMA, EFER_SCE } from '../mmu';
import { Msr } from '../msr';
import { CS, DS, ES, FS, GS, SS, RCX } from '../registers';
import { linearOf } from './operands';
import { branchTo } from './control';

const TWO32 = 4294967296;

function checkCodeTarget(cpu: Cpu, sel: number, desc: Descriptor | null, what: string): Descriptor {
  if (desc === null) throw gp(`${what}: null code selector`);
  if (!desc.code) throw gp(`${what}: selector 0x${sel.toString(16)} is not a code segment`, sel & 0xfffc);
  if (!desc.present) throw new CpuFault(Vector.NP, sel & 0xfffc, `${what}: code segment not present`);
  return desc;
}

/** After a return to an outer privilege level, data segments more privileged than the new CPL are nulled. */
function nullInnerDataSegments(cpu: Cpu): void {
  for (const s of [ES, DS, FS, GS]) {
    const attr = cpu.segAttr[s];
    const dpl = (attr >>> 5) & 3;
    const conformingCode = (attr & 0x1c) === 0x1c;
    if ((cpu.segSel[s] & 0xfffc) !== 0 && !conformingCode && dpl < cpu.cpl) {
      cpu.segSel[s] = 0;
      cpu.segAttr[s] = 0;
    }
  }
}

/**
 * Far return (RETF / RETFQ, optional imm16): same-privilege, or to an outer level popping RSP and SS.
 * The MM Supervisor demotes to CPL3 with a 64-bit far return to CS 0x5B / SS 0x53 (supervisor-facts §3.2).
 */
export const retf = (i: Insn, ins: Instruction): ExecFn => {
  const name = Code[ins.code] ?? '';
  const sz = name.startsWith('Retfq') ? 8 : name.startsWith('Retfw') ? 2 : 4;
  const adjust = name.includes('imm16') ? i.immLo & 0xffff : 0;
  return (cpu) => {
    const sp0 = cpu.rsp;
    try {
      const ripLo = cpu.pop(sz);
      const ripHi = cpu.hiOut;
      const sel = cpu.pop(sz) & 0xffff;
      if ((cpu.cr0 & 1) === 0) {
        loadRealModeCs(cpu, sel);
        cpu.rip = ripLo; // real-address mode: IP only
        if (adjust) cpu.lo[4] = (cpu.lo[4] & 0xffff0000) | ((cpu.lo[4] + adjust) & 0xffff);
        return;
      }
      const rpl = sel & 3;
      if (rpl < cpu.cpl) throw gp(`RETF to more privileged RPL ${rpl}`, sel & 0xfffc);
      const desc = checkCodeTarget(cpu, sel, readDescriptor(cpu, sel), 'RETF');
      if (desc.conforming ? desc.dpl > rpl : desc.dpl !== rpl) throw gp(`RETF: code DPL ${desc.dpl} does not match RPL ${rpl}`, sel & 0xfffc);
      let target = sz === 8 ? (ripHi | 0) * TWO32 + ripLo : ripLo;
      cpu.setRsp(cpu.rsp + adjust);
      if (rpl > cpu.cpl) {
        const spLo = cpu.pop(sz);
        const spHi = cpu.hiOut;
        const ss = cpu.pop(sz) & 0xffff;
        const ssDesc = readDescriptor(cpu, ss);
        if (ssDesc === null || (ss & 3) !== rpl || ssDesc.dpl !== rpl || !ssDesc.writable) throw gp(`RETF: SS 0x${ss.toString(16)} invalid for CPL ${rpl}`, ss & 0xfffc);
        const newSp = sz === 8 ? (spHi | 0) * TWO32 + spLo : spLo;
        cpu.loadCodeSegment(sel, desc, rpl, 'far return');
        cpu.loadDataSegment(SS, ss, ssDesc);
        cpu.setRsp(newSp + adjust);
        nullInnerDataSegments(cpu);
      } else {
        cpu.loadCodeSegment(sel, desc, cpu.cpl, 'far return');
      }
      if (!desc.long) target = target >>> 0;
      branchTo(cpu, target);
    } catch (e) {
      cpu.setRsp(sp0);
      throw e;
    }
  };
};

/** Reads a far pointer m16:16/32/64 (offset first, then the selector). */
function readFarPointer(cpu: Cpu, i: Insn, offSize: number): { offset: number; sel: number } {
  const a = linearOf(cpu, i);
  const lo = cpu.readMem(a, offSize, A_READ);
  const hi = cpu.hiOut;
  const sel = cpu.readMem(a + offSize, 2, A_READ);
  return { offset: offSize === 8 ? (hi | 0) * TWO32 + lo : lo, sel };
}

function farOffsetSize(ins: Instruction): number {
  const name = Code[ins.code] ?? '';
  return name.endsWith('m1664') ? 8 : name.endsWith('m1632') ? 4 : 2;
}

/**
 * CALL FAR m16:xx. A call-gate selector transfers to the gate's target; to a more privileged level the new
 * stack comes from TSS.RSPn and SS:RSP, CS:RIP of the caller are pushed (64-bit frames). The supervisor's
 * CPL3 code returns through the call gate at selector 0x63 (supervisor-facts §3.2 step 6).
 */
export const callFar = (_i: Insn, ins: Instruction): ExecFn => {
  const offSize = farOffsetSize(ins);
  return (cpu, i) => {
    const { offset, sel } = readFarPointer(cpu, i, offSize);
    const desc = readDescriptor(cpu, sel);
    if (desc === null) throw gp('CALL FAR: null selector');
    if (desc.system) {
      if (desc.type !== 0xc) throw gp(`CALL FAR: selector 0x${sel.toString(16)} is not a 64-bit call gate`, sel & 0xfffc);
      const rpl = sel & 3;
      if (desc.dpl < cpu.cpl || desc.dpl < rpl) throw gp(`CALL FAR: call gate DPL ${desc.dpl} below CPL/RPL`, sel & 0xfffc);
      if (!desc.present) throw new CpuFault(Vector.NP, sel & 0xfffc, 'call gate not present');
      const tsel = desc.gateSelector;
      const tdesc = checkCodeTarget(cpu, tsel, readDescriptor(cpu, tsel), 'call gate target');
      if (!tdesc.long) throw gp('call gate target is not a 64-bit code segment', tsel & 0xfffc);
      if (tdesc.dpl > cpu.cpl) throw gp('call gate target less privileged than caller', tsel & 0xfffc);
      const oldSs = cpu.segSel[SS], oldSp = cpu.rsp, oldCs = cpu.segSel[CS], oldRip = cpu.rip;
      const newCpl = tdesc.conforming ? cpu.cpl : tdesc.dpl;
      if (newCpl < cpu.cpl) {
        const newSp = cpu.readTss(4 + newCpl * 8);
        const savedCpl = cpu.cpl;
        cpu.cpl = newCpl;
        try {
          cpu.setRsp(newSp);
          cpu.pushAddr(oldSs);
          cpu.pushAddr(oldSp);
          cpu.pushAddr(oldCs);
          cpu.pushAddr(oldRip);
        } catch (e) {
          cpu.cpl = savedCpl;
          cpu.setRsp(oldSp);
          throw e;
        }
        cpu.cpl = savedCpl;
        cpu.segSel[SS] = newCpl; // null SS with RPL = new CPL
        cpu.segAttr[SS] = 0;
        cpu.loadCodeSegment(tsel, tdesc, newCpl, 'call gate');
      } else {
        cpu.pushAddr(oldCs);
        cpu.pushAddr(oldRip);
        cpu.loadCodeSegment(tsel, tdesc, cpu.cpl, 'call gate');
      }
      branchTo(cpu, desc.gateOffset);
      return;
    }
    const cdesc = checkCodeTarget(cpu, sel, desc, 'CALL FAR');
    if (cdesc.conforming ? cdesc.dpl > cpu.cpl : cdesc.dpl !== cpu.cpl || (sel & 3) > cpu.cpl) throw gp('CALL FAR: privilege mismatch', sel & 0xfffc);
    const sp = cpu.rsp;
    try {
      cpu.push(offSize, cpu.segSel[CS]);
      const r = cpu.rip < 0 ? cpu.rip + TWO32 * TWO32 : cpu.rip;
      cpu.push(offSize, r % TWO32, Math.floor(r / TWO32) >>> 0);
    } catch (e) {
      cpu.setRsp(sp);
      throw e;
    }
    cpu.loadCodeSegment(sel, cdesc, cpu.cpl, 'far call');
    branchTo(cpu, offset);
  };
};

export const jmpFar = (_i: Insn, ins: Instruction): ExecFn => {
  const offSize = farOffsetSize(ins);
  return (cpu, i) => {
    const { offset, sel } = readFarPointer(cpu, i, offSize);
    const desc = readDescriptor(cpu, sel);
    if (desc === null) throw gp('JMP FAR: null selector');
    if (desc.system) {
      if (desc.type !== 0xc) throw gp('JMP FAR: not a call gate', sel & 0xfffc);
      if (desc.dpl < cpu.cpl || desc.dpl < (sel & 3)) throw gp('JMP FAR: gate DPL', sel & 0xfffc);
      const t = checkCodeTarget(cpu, desc.gateSelector, readDescriptor(cpu, desc.gateSelector), 'JMP FAR gate target');
      if (t.conforming ? t.dpl > cpu.cpl : t.dpl !== cpu.cpl) throw gp('JMP FAR through gate cannot change privilege', desc.gateSelector & 0xfffc);
      cpu.loadCodeSegment(desc.gateSelector, t, cpu.cpl, 'far jump');
      branchTo(cpu, desc.gateOffset);
      return;
    }
    const cdesc = checkCodeTarget(cpu, sel, desc, 'JMP FAR');
    if (cdesc.conforming ? cdesc.dpl > cpu.cpl : cdesc.dpl !== cpu.cpl || (sel & 3) > cpu.cpl) throw gp('JMP FAR: privilege mismatch', sel & 0xfffc);
    cpu.loadCodeSegment(sel, cdesc, cpu.cpl, 'far jump');
    branchTo(cpu, offset);
  };
};

/** Loads CS the real-address way (CR0.PE = 0, e.g. in SMM after entry): base = selector << 4, 16-bit. */
function loadRealModeCs(cpu: Cpu, sel: number): void {
  cpu.segSel[CS] = sel;
  cpu.segBase[CS] = sel * 16;
  cpu.segAttr[CS] = (cpu.segAttr[CS] & ~0x6000) | 0x9b;
  cpu.updateMode();
}

/**
 * Direct far JMP/CALL ptr16:16 / ptr16:32 (EA / 9A, not valid in 64-bit mode). With CR0.PE = 0 CS is loaded
 * real-address style; with PE = 1 the descriptor is read from the GDT — this is how SMM entry code moves from
 * its 16-bit start to 32-bit protected mode (x86-smm-facts §3.10).
 */
export function farDirect(isCall: boolean): (i: Insn, ins: Instruction) => ExecFn {
  return (i) => {
    const offset = i.immLo, sel = i.imm2 & 0xffff, size = i.size;
    return (cpu) => {
      if (isCall) {
        const sp = cpu.rsp;
        try {
          cpu.push(size, cpu.segSel[CS]);
          cpu.push(size, cpu.rip & (size === 4 ? 0xffffffff : 0xffff));
        } catch (e) {
          cpu.setRsp(sp);
          throw e;
        }
      }
      if ((cpu.cr0 & 1) === 0) {
        loadRealModeCs(cpu, sel);
        cpu.rip = offset;
        return;
      }
      const desc = checkCodeTarget(cpu, sel, readDescriptor(cpu, sel), isCall ? 'CALL FAR' : 'JMP FAR');
      if (desc.conforming ? desc.dpl > cpu.cpl : desc.dpl !== cpu.cpl || (sel & 3) > cpu.cpl) throw gp('far transfer: privilege mismatch', sel & 0xfffc);
      cpu.loadCodeSegment(sel, desc, cpu.cpl, isCall ? 'far call' : 'far jump');
      cpu.rip = offset;
    };
  };
}

/** IRETQ (64-bit): pops RIP, CS, RFLAGS, RSP, SS. RFLAGS rules as POPF (IOPL at CPL0 only, IF if CPL ≤ IOPL). */
export const iret = (_i: Insn, ins: Instruction): ExecFn => {
  const sz = ins.code === Code.Iretq ? 8 : ins.code === Code.Iretd ? 4 : 2;
  return (cpu) => {
    if (sz !== 8) throw new CpuFault(Vector.GP, 0, 'only IRETQ is supported in 64-bit mode');
    const sp0 = cpu.rsp;
    try {
      const target = cpu.popAddr();
      const sel = cpu.pop(8) & 0xffff;
      const flags = cpu.pop(8);
      const newSp = cpu.popAddr();
      const ss = cpu.pop(8) & 0xffff;
      const rpl = sel & 3;
      if (rpl < cpu.cpl) throw gp('IRET to more privileged level', sel & 0xfffc);
      const desc = checkCodeTarget(cpu, sel, readDescriptor(cpu, sel), 'IRET');
      if (desc.conforming ? desc.dpl > rpl : desc.dpl !== rpl) throw gp('IRET: code DPL mismatch', sel & 0xfffc);
      const ssDesc = readDescriptor(cpu, ss);
      if (ssDesc === null) {
        if (rpl === 3 || !desc.long) throw gp('IRET: null SS', 0);
      } else if ((ss & 3) !== rpl || ssDesc.dpl !== rpl || !ssDesc.writable) throw gp(`IRET: SS 0x${ss.toString(16)} invalid`, ss & 0xfffc);
      let m = RFLAGS_WRITABLE & ~(VM | RF);
      const oldCpl = cpu.cpl;
      if (oldCpl > 0) m &= ~IOPL_MASK;
      if (oldCpl > cpu.iopl) m &= ~IF;
      const cur = cpu.getRflags();
      const outer = rpl > oldCpl;
      cpu.loadCodeSegment(sel, desc, rpl, 'iret');
      cpu.loadDataSegment(SS, ss, ssDesc);
      cpu.setRflags(((cur & ~m) | (flags & m)) >>> 0);
      cpu.setRsp(newSp);
      if (outer) nullInnerDataSegments(cpu);
      branchTo(cpu, target);
    } catch (e) {
      cpu.setRsp(sp0);
      throw e;
    }
  };
};

/** SYSCALL (x86-smm-facts §3.6): RCX ← RIP, R11 ← RFLAGS, CS/SS from STAR[47:32], RFLAGS &= ~FMASK, RIP ← LSTAR. */
export const syscall = (): ExecFn => (cpu) => {
  if ((cpu.efer & EFER_SCE) === 0 || (cpu.efer & EFER_LMA) === 0) throw ud('SYSCALL with EFER.SCE = 0');
  const star = cpu.msr.peek(Msr.STAR);
  const lstar = cpu.msr.peek(Msr.LSTAR);
  const fmask = Number(cpu.msr.peek(Msr.FMASK) & 0xffffffffn);
  const r = cpu.rip < 0 ? cpu.rip + TWO32 * TWO32 : cpu.rip;
  cpu.lo[RCX] = r % TWO32;
  cpu.hi[RCX] = Math.floor(r / TWO32) >>> 0;
  const flags = cpu.getRflags() & ~RF;
  cpu.lo[11] = flags >>> 0;
  cpu.hi[11] = 0;
  const sel = Number((star >> 32n) & 0xffffn);
  cpu.segSel[CS] = sel & 0xfffc;
  cpu.segBase[CS] = 0;
  cpu.segLimit[CS] = 0xffffffff;
  cpu.segAttr[CS] = 0xa09b; // 64-bit code, DPL0, present
  cpu.segSel[SS] = (sel + 8) & 0xffff;
  cpu.segBase[SS] = 0;
  cpu.segAttr[SS] = 0xc093;
  cpu.setRflags((flags & ~fmask & ~RF) >>> 0);
  cpu.setCpl(0, 'syscall');
  cpu.updateMode();
  cpu.rip = cpu.canonicalNumber(lstar, 'LSTAR');
};

/** SYSRET (64-bit with REX.W): CS ← STAR[63:48]+16 | 3, SS ← STAR[63:48]+8 | 3, RIP ← RCX, RFLAGS ← R11. */
export const sysret = (_i: Insn, ins: Instruction): ExecFn => {
  const to64 = ins.code === Code.Sysretq;
  return (cpu) => {
    if ((cpu.efer & EFER_SCE) === 0) throw ud('SYSRET with EFER.SCE = 0');
    if (cpu.cpl !== 0 || (cpu.cr0 & 1) === 0) throw gp('SYSRET at CPL > 0');
    const star = cpu.msr.peek(Msr.STAR);
    const base = Number((star >> 48n) & 0xffffn);
    let target: number;
    if (to64) target = cpu.canonicalNumber(cpu.getReg64(RCX), 'RCX on SYSRET'); // Intel: #GP in CPL0
    else target = cpu.lo[RCX];
    const flags = cpu.lo[11];
    cpu.segSel[CS] = ((to64 ? base + 16 : base) | 3) & 0xffff;
    cpu.segBase[CS] = 0;
    cpu.segLimit[CS] = 0xffffffff;
    cpu.segAttr[CS] = to64 ? 0xa0fb : 0xc0fb;
    cpu.segSel[SS] = ((base + 8) | 3) & 0xffff;
    cpu.segBase[SS] = 0;
    cpu.segAttr[SS] = 0xc0f3;
    cpu.setRflags(((flags & RFLAGS_WRITABLE & ~(RF | VM)) | RFLAGS_FIXED1) >>> 0);
    cpu.setCpl(3, 'sysret');
    cpu.updateMode();
    cpu.rip = target;
  };
};

/** SWAPGS: exchanges GS.base with IA32_KERNEL_GS_BASE (CPL0, 64-bit mode only). */
export const swapgs = (): ExecFn => (cpu) => {
  if (cpu.bits !== 64) throw ud('SWAPGS outside 64-bit mode');
  if (cpu.cpl !== 0) throw gp('SWAPGS at CPL > 0');
  const k = cpu.msr.peek(Msr.KERNEL_GS_BASE);
  const g = cpu.segBase[GS];
  cpu.msr.define(Msr.KERNEL_GS_BASE, g < 0 ? BigInt(g) + (1n << 64n) : BigInt(g));
  cpu.segBase[GS] = cpu.canonicalNumber(k, 'KERNEL_GS_BASE');
};

