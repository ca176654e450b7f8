import type { Cpu } from '../cpu';
import { toU64 } from '../address';
import { CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from '../mmu';
import { CS, DS, ES, FS, GPR_NAMES, GS, SEG_NAMES, SS } from '../registers';
import type { IoTrapInfo } from './smm-state';
import { SMM_REVISION_ID, SmramSaveStateMap, type SaveStateFieldName } from './save-state-map';

/** Hidden processor state the Intel map has no fields for (kept internally, as silicon does; §1.2 notes). */
interface HiddenState {
  segBase: number[];
  segLimit: number[];
  segAttr: number[];
  gdtrLimit: number;
  idtrLimit: number;
  ldtr: { base: number; limit: number; attr: number };
  tr: { base: number; limit: number; attr: number };
}

const hidden = new WeakMap<Cpu, HiddenState>();

/** IOMisc / IO_DWord encoding of an I/O trap (x86-smm-facts §1.9). */
export function encodeIoTrap(layout: 'intel' | 'amd', io: IoTrapInfo): number {
  if (layout === 'intel') {
    let type: number;
    if (io.immediate) type = io.input ? 9 : 8;
    else if (io.string) type = io.input ? (io.rep ? 7 : 3) : io.rep ? 6 : 2;
    else type = io.input ? 1 : 0;
    return (1 | (io.size << 1) | (type << 4) | (io.port << 16)) >>> 0;
  }
  // AMD IO_DWord as edk2 decodes it: bit 1 valid, bit 4 byte, bit 5 word (else dword), bits 31:16 port;
  // per the AMD APM bit 0 = IN, bit 2 = string, bit 3 = REP.
  let v = 2 | (io.input ? 1 : 0) | (io.string ? 4 : 0) | (io.rep ? 8 : 0);
  if (io.size === 1) v |= 0x10;
  else if (io.size === 2) v |= 0x20;
  return (v | (io.port << 16)) >>> 0;
}

/** The save-state map of a CPU at its current SMBASE. */
export function saveStateMapOf(cpu: Cpu): SmramSaveStateMap {
  return new SmramSaveStateMap(cpu.bus, cpu.smm.smbase, cpu.smm.layout);
}

/**
 * SMI entry (x86-smm-facts §1.6): the whole context goes to the save-state map first, then the processor
 * enters SMM "real mode": CS = SMBASE>>4 with base SMBASE, RIP 0x8000, RFLAGS 2, CR0.PE/EM/TS/PG cleared,
 * CR4 = 0, EFER = 0, DR7 = 0x400, CPL 0, further SMIs latched, NMIs blocked.
 */
export function enterSmm(cpu: Cpu): void {
  const s = cpu.smm;
  const map = saveStateMapOf(cpu);
  const io = s.pendingIo;
  s.pending = false;
  s.pendingIo = null;
  s.currentIo = io;
  s.haltedOnEntry = cpu.halted;
  hidden.set(cpu, {
    segBase: Array.from(cpu.segBase), segLimit: Array.from(cpu.segLimit), segAttr: Array.from(cpu.segAttr),
    gdtrLimit: cpu.gdtrLimit, idtrLimit: cpu.idtrLimit,
    ldtr: { base: cpu.ldtrBase, limit: cpu.ldtrLimit, attr: cpu.ldtrAttr },
    tr: { base: cpu.trBase, limit: cpu.trLimit, attr: cpu.trAttr },
  });
  GPR_NAMES.forEach((n, r) => map.write(n as SaveStateFieldName, cpu.getReg64(r)));
  map.write('rip', cpu.ripU64);
  map.write('rflags', BigInt(cpu.getRflags()));
  map.write('cr0', BigInt(cpu.cr0 >>> 0));
  map.write('cr3', BigInt(cpu.cr3));
  map.write('cr4', BigInt(cpu.cr4 >>> 0));
  map.write('efer', BigInt(cpu.efer >>> 0));
  map.write('dr6', BigInt(cpu.dr6 >>> 0));
  map.write('dr7', BigInt(cpu.dr7 >>> 0));
  SEG_NAMES.forEach((n, i) => {
    map.write(n, BigInt(cpu.segSel[i]));
    map.write(`${n}Attr`, BigInt(cpu.segAttr[i]));
    map.write(`${n}Limit`, BigInt(Math.min(cpu.segLimit[i], 0xffffffff)));
    map.write(`${n}Base`, toU64(cpu.segBase[i]));
  });
  map.write('ldtr', BigInt(cpu.ldtrSel));
  map.write('tr', BigInt(cpu.trSel));
  map.write('ldtrAttr', BigInt(cpu.ldtrAttr)); map.write('ldtrLimit', BigInt(cpu.ldtrLimit)); map.write('ldtrBase', toU64(cpu.ldtrBase));
  map.write('trAttr', BigInt(cpu.trAttr)); map.write('trLimit', BigInt(cpu.trLimit)); map.write('trBase', toU64(cpu.trBase));
  const gdt = toU64(cpu.gdtrBase), idt = toU64(cpu.idtrBase), ldt = toU64(cpu.ldtrBase);
  map.write('gdtBaseLo', gdt & 0xffffffffn); map.write('gdtBaseHi', gdt >> 32n);
  map.write('idtBaseLo', idt & 0xffffffffn); map.write('idtBaseHi', idt >> 32n);
  map.write('ldtBaseLo', ldt & 0xffffffffn); map.write('ldtBaseHi', ldt >> 32n);
  map.write('gdtBase', gdt); map.write('gdtLimit', BigInt(cpu.gdtrLimit));
  map.write('idtBase', idt); map.write('idtLimit', BigInt(cpu.idtrLimit));
  map.write('smbase', BigInt(s.smbase));
  map.write('revision', BigInt(SMM_REVISION_ID));
  map.write('ioRestart', 0n); // always 0 on entry (§1.8)
  map.write('autoHalt', cpu.halted ? 1n : 0n);
  if (io !== null) {
    map.write('ioMisc', BigInt(encodeIoTrap(s.layout, io)));
    map.write('ioRip', toU64(io.rip));
    map.write('ioMemAddr', 0n);
  } else {
    map.write('ioMisc', 0n);
  }
  // Processor state in SMM.
  s.inSmm = true;
  s.nmiBlockedOnEntry = s.nmiBlocked;
  s.nmiBlocked = true;
  cpu.halted = false;
  cpu.msr.smiCount++;
  cpu.segSel[CS] = (s.smbase >>> 4) & 0xffff;
  cpu.segBase[CS] = s.smbase;
  cpu.segLimit[CS] = 0xffffffff;
  cpu.segAttr[CS] = 0x809b; // 16-bit, present, DPL0, code read/accessed, G=1
  for (const seg of [ES, SS, DS, FS, GS]) {
    cpu.segSel[seg] = 0;
    cpu.segBase[seg] = 0;
    cpu.segLimit[seg] = 0xffffffff;
    cpu.segAttr[seg] = 0x8093;
  }
  cpu.setRflags(2);
  cpu.cr0 = (cpu.cr0 & ~(CR0_PE | 0x4 | 0x8 | CR0_PG)) >>> 0;
  cpu.cr4 = 0;
  cpu.efer = 0;
  cpu.dr7 = 0x400;
  cpu.setCpl(0, 'smi');
  cpu.flushTlb();
  cpu.updateMode();
  cpu.rip = 0x8000; // CS.base (SMBASE) + 0x8000
  cpu.event({ type: 'smi-entry', cpu: cpu.index, smbase: s.smbase, rip: cpu.ripU64 });
}

/** Reasons RSM enters shutdown instead of resuming (x86-smm-facts §1.7: SDM list plus the LMA checks). */
export function rsmConsistencyError(cr0: number, cr4: number, efer: number): string | null {
  if ((cr4 & ~0x1f7fff) !== 0) return `reserved CR4 bits 0x${cr4.toString(16)}`;
  if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) return 'CR0.PG set with CR0.PE clear';
  if ((cr0 & (1 << 29)) !== 0 && (cr0 & (1 << 30)) === 0) return 'CR0.NW set with CR0.CD clear';
  if ((efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | (1 << 12) | (1 << 14))) !== 0) return `reserved EFER bits 0x${efer.toString(16)}`;
  const allLong = (cr4 & CR4_PAE) !== 0 && (cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) !== 0 && (efer & EFER_LME) !== 0;
  if ((efer & EFER_LMA) !== 0 && !allLong) return 'EFER.LMA set without PAE, PG, PE and LME';
  if ((efer & EFER_LMA) === 0 && allLong) return 'PAE, PG, PE and LME set with EFER.LMA clear';
  return null;
}

/** RSM (x86-smm-facts §1.7–§1.8): restores from the map, honours SMBASE relocation, I/O restart, auto-HALT. */
export function resumeFromSmm(cpu: Cpu): void {
  const s = cpu.smm;
  const map = saveStateMapOf(cpu);
  const h = hidden.get(cpu);
  const num = (n: SaveStateFieldName) => Number(map.read(n));
  const cr0 = num('cr0'), cr4 = num('cr4'), efer = num('efer');
  const err = rsmConsistencyError(cr0, cr4, efer);
  if (err !== null) {
    s.inSmm = false;
    cpu.shutdown(`RSM: ${err}`);
    return;
  }
  GPR_NAMES.forEach((n, r) => cpu.setReg64(r, map.read(n as SaveStateFieldName)));
  const rflags = num('rflags');
  cpu.cr0 = cr0 >>> 0;
  cpu.cr3 = num('cr3');
  cpu.cr4 = cr4 >>> 0;
  cpu.efer = efer >>> 0;
  cpu.dr6 = num('dr6');
  cpu.dr7 = num('dr7');
  const signed = (v: bigint) => Number(BigInt.asIntN(64, v));
  SEG_NAMES.forEach((n, i) => {
    cpu.segSel[i] = num(n) & 0xffff;
    if (map.has(`${n}Attr`)) {
      cpu.segAttr[i] = num(`${n}Attr`);
      cpu.segLimit[i] = num(`${n}Limit`);
      cpu.segBase[i] = signed(map.read(`${n}Base`));
    } else if (h) {
      cpu.segAttr[i] = h.segAttr[i];
      cpu.segLimit[i] = h.segLimit[i];
      cpu.segBase[i] = h.segBase[i];
    }
  });
  cpu.ldtrSel = num('ldtr') & 0xffff;
  cpu.trSel = num('tr') & 0xffff;
  if (map.has('trAttr')) {
    cpu.trAttr = num('trAttr'); cpu.trLimit = num('trLimit'); cpu.trBase = signed(map.read('trBase'));
    cpu.ldtrAttr = num('ldtrAttr'); cpu.ldtrLimit = num('ldtrLimit'); cpu.ldtrBase = signed(map.read('ldtrBase'));
    cpu.gdtrBase = signed(map.read('gdtBase')); cpu.gdtrLimit = num('gdtLimit');
    cpu.idtrBase = signed(map.read('idtBase')); cpu.idtrLimit = num('idtLimit');
  } else {
    const join = (lo: SaveStateFieldName, hi: SaveStateFieldName) => signed((map.read(hi) << 32n) | map.read(lo));
    cpu.gdtrBase = join('gdtBaseLo', 'gdtBaseHi');
    cpu.idtrBase = join('idtBaseLo', 'idtBaseHi');
    cpu.ldtrBase = join('ldtBaseLo', 'ldtBaseHi');
    if (h) {
      cpu.gdtrLimit = h.gdtrLimit; cpu.idtrLimit = h.idtrLimit;
      cpu.trBase = h.tr.base; cpu.trLimit = h.tr.limit; cpu.trAttr = h.tr.attr;
      cpu.ldtrLimit = h.ldtr.limit; cpu.ldtrAttr = h.ldtr.attr;
    }
  }
  cpu.setRflags(rflags);
  let rip = signed(map.read('rip'));
  // I/O instruction restart: 0xFF asks to re-execute the trapped I/O instruction (only if it was an I/O trap).
  const restart = num('ioRestart') & 0xff;
  if (restart === 0xff && s.currentIo !== null) rip = s.currentIo.rip;
  // SMBASE relocation (revision bit 17).
  if ((SMM_REVISION_ID & (1 << 17)) !== 0) s.smbase = num('smbase') >>> 0;
  const autoHalt = (num('autoHalt') & 1) === 1;
  s.inSmm = false;
  s.currentIo = null;
  s.nmiBlocked = s.nmiBlockedOnEntry;
  cpu.halted = autoHalt && s.haltedOnEntry;
  if (cpu.halted) cpu.attention = true;
  const cpl = (cpu.segAttr[CS] >>> 5) & 3;
  cpu.setCpl(cpu.segSel[CS] === 0 && cpl === 0 ? 0 : cpl, 'rsm');
  cpu.flushTlb();
  cpu.updateMode();
  cpu.rip = rip;
  if (s.pending) cpu.attention = true; // an SMI latched during SMM is taken now
  if (s.stopOnExit) cpu.requestStop();
  cpu.event({ type: 'rsm', cpu: cpu.index, rip: cpu.ripU64 });
}
