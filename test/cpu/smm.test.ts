// Issue 2 acceptance 3: SMI entry writes the save-state map at the documented offsets (Intel64 x86-smm-facts §1.2,
// AMD64 §1.3), establishes the §1.6 state, and RSM restores it (§1.7) — including an edited RAX, SMBASE
// relocation (§1.10), a latched SMI, I/O-trap information and I/O restart (§1.8–§1.9), auto-HALT and the RSM
// shutdown checks.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import type { Cpu } from '../../src/cpu/cpu';
import type { IoBus } from '../../src/cpu/io-bus';
import { CS, DS, ES, FS, GS, SS } from '../../src/cpu/registers';
import { SmramSaveStateMap } from '../../src/cpu/smm/save-state-map';
import type { CpuEvent } from '../../src/cpu/trace';
import { type ExceptionFrame, L, type Outcome, PagedMachine, asm } from './fixtures';

type Layout = 'intel' | 'amd';
const SMBASE: number = L.smbase;

function show(out: Outcome): string {
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

/**
 * Save-state offsets relative to SMBASE + 0x8000, transcribed from x86-smm-facts §1.2 (Intel64) and §1.3
 * (AMD64) independently of src/cpu/smm/save-state-map.ts. [offset, size].
 */
const OFF: Record<Layout, Record<string, [number, number]>> = {
  intel: {
    r15: [0x7f1c, 8], r14: [0x7f24, 8], r13: [0x7f2c, 8], r12: [0x7f34, 8], r11: [0x7f3c, 8], r10: [0x7f44, 8], r9: [0x7f4c, 8], r8: [0x7f54, 8],
    rax: [0x7f5c, 8], rcx: [0x7f64, 8], rdx: [0x7f6c, 8], rbx: [0x7f74, 8], rsp: [0x7f7c, 8], rbp: [0x7f84, 8], rsi: [0x7f8c, 8], rdi: [0x7f94, 8],
    es: [0x7fa8, 4], cs: [0x7fac, 4], ss: [0x7fb0, 4], ds: [0x7fb4, 4], fs: [0x7fb8, 4], gs: [0x7fbc, 4], ldtr: [0x7fc0, 4], tr: [0x7fc4, 4],
    dr7: [0x7fc8, 8], dr6: [0x7fd0, 8], rip: [0x7fd8, 8], efer: [0x7fe0, 8], rflags: [0x7fe8, 8], cr3: [0x7ff0, 8], cr0: [0x7ff8, 8],
    cr4: [0x7e40, 4], smbase: [0x7ef8, 4], revision: [0x7efc, 4], ioRestart: [0x7f00, 2], autoHalt: [0x7f02, 2],
    gdtBaseLo: [0x7e8c, 4], gdtBaseHi: [0x7dd0, 4], idtBaseLo: [0x7e94, 4], idtBaseHi: [0x7dd8, 4], ldtBaseLo: [0x7e9c, 4], ldtBaseHi: [0x7dd4, 4],
    ioMisc: [0x7fa4, 4], ioRip: [0x7de8, 8],
  },
  amd: {
    es: [0x7e00, 2], esAttr: [0x7e02, 2], esLimit: [0x7e04, 4], esBase: [0x7e08, 8],
    cs: [0x7e10, 2], csAttr: [0x7e12, 2], csLimit: [0x7e14, 4], csBase: [0x7e18, 8],
    ss: [0x7e20, 2], ssAttr: [0x7e22, 2], ssLimit: [0x7e24, 4], ssBase: [0x7e28, 8],
    ds: [0x7e30, 2], dsAttr: [0x7e32, 2], dsLimit: [0x7e34, 4], dsBase: [0x7e38, 8],
    fs: [0x7e40, 2], fsBase: [0x7e48, 8], gs: [0x7e50, 2], gsBase: [0x7e58, 8],
    gdtLimit: [0x7e64, 2], gdtBase: [0x7e68, 8], ldtr: [0x7e70, 2], idtLimit: [0x7e84, 2], idtBase: [0x7e88, 8],
    tr: [0x7e90, 2], trAttr: [0x7e92, 2], trLimit: [0x7e94, 4], trBase: [0x7e98, 8],
    ioRip: [0x7ea0, 8], ioMisc: [0x7ec0, 4], ioRestart: [0x7ec8, 1], autoHalt: [0x7ec9, 1], efer: [0x7ed0, 8],
    revision: [0x7efc, 4], smbase: [0x7f00, 4],
    cr4: [0x7f48, 8], cr3: [0x7f50, 8], cr0: [0x7f58, 8], dr7: [0x7f60, 8], dr6: [0x7f68, 8], rflags: [0x7f70, 8], rip: [0x7f78, 8],
    r15: [0x7f80, 8], r14: [0x7f88, 8], r13: [0x7f90, 8], r12: [0x7f98, 8], r11: [0x7fa0, 8], r10: [0x7fa8, 8], r9: [0x7fb0, 8], r8: [0x7fb8, 8],
    rdi: [0x7fc0, 8], rsi: [0x7fc8, 8], rbp: [0x7fd0, 8], rsp: [0x7fd8, 8], rbx: [0x7fe0, 8], rdx: [0x7fe8, 8], rcx: [0x7ff0, 8], rax: [0x7ff8, 8],
  },
};

function readField(m: PagedMachine, layout: Layout, name: string, smbase = SMBASE): bigint {
  const [off, size] = OFF[layout][name];
  const b = m.memory.read(smbase + 0x8000 + off, size);
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
  return v;
}

function writeField(m: PagedMachine, layout: Layout, name: string, value: bigint, smbase = SMBASE): void {
  const [off, size] = OFF[layout][name];
  const b = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let k = 0; k < size; k++) { b[k] = Number(v & 0xffn); v >>= 8n; }
  m.memory.write(smbase + 0x8000 + off, b);
}

/** A port-0xB2 APM control port: a write raises SMI# on the writing CPU (the chipset's software SMI). */
class ApmBus implements IoBus {
  writes: number[] = [];
  /** Raise an SMI on the first `smis` writes only. */
  constructor(public smis = Infinity) {}
  read(): number { return 0xff; }
  write(port: number, _size: number, value: number, cpu: Cpu): void {
    if (port !== 0xb2) return;
    this.writes.push(value);
    if (this.writes.length <= this.smis) cpu.signalSmi();
  }
}

/**
 * SMM handler at SMBASE + 0x8000: `nop; rsm`, with a host routine on the nop that lets the test inspect or
 * edit SMRAM (it runs at SMI entry, before any SMM instruction) and then continues at the rsm.
 */
function installHandler(m: PagedMachine, onEntry: (cpu: Cpu, n: number) => void = () => undefined, smbase = SMBASE): { entries: number } {
  const state = { entries: 0 };
  m.memory.write(smbase + 0x8000, new Uint8Array([0x90, 0x0f, 0xaa])); // nop; rsm
  m.memory.setHostTrap(smbase + 0x8000, (cpu) => {
    state.entries++;
    onEntry(cpu, state.entries);
    cpu.rip += 1; // continue at the rsm
  });
  return state;
}

const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const gprValue = (i: number): bigint => (0x0101010101010101n * BigInt(i + 1)) ^ 0x8000000000000000n;

/** A CPL3 64-bit context with distinctive registers, SMEP on, and an SMI pending at its first instruction. */
function userContext(layout: Layout): PagedMachine {
  const m = new PagedMachine({ saveStateMap: layout });
  const regs: Record<string, bigint> = {};
  GPRS.forEach((n, i) => { if (n !== 'rsp') regs[n] = gprValue(i); });
  m.load(3, 'start: mov r8, rax\nmov r9, rsp', { regs, rflags: 0x2 | 0x200 | 0x80 | 0x4 | 0x1, rsp: BigInt(L.userStackTop - 0x18) });
  m.cpu.cr4 |= 1 << 20;
  m.cpu.dr6 = 0xffff4ff0;
  m.cpu.dr7 = 0x401;
  m.cpu.gdtrLimit = 0x7f;
  m.cpu.idtrLimit = 0xfff;
  m.cpu.flushTlb();
  return m;
}

for (const layout of ['intel', 'amd'] as const) {
  describe(`cpu: SMI entry and RSM — ${layout === 'intel' ? 'Intel64 map (x86-smm-facts §1.2)' : 'AMD64 map (x86-smm-facts §1.3)'}`, () => {
    it('SMI entry writes every saved field at its documented offset', () => {
      const m = userContext(layout);
      let checked = false;
      installHandler(m, () => {
        const f = (n: string) => readField(m, layout, n);
        GPRS.forEach((n, i) => expect(f(n), n).to.equal(n === 'rsp' ? BigInt(L.userStackTop - 0x18) : gprValue(i)));
        expect(f('rip'), 'rip').to.equal(BigInt(L.userCode));
        expect(f('rflags'), 'rflags').to.equal(0x287n);
        expect(f('cr0'), 'cr0').to.equal(0x80010033n);
        expect(f('cr3'), 'cr3').to.equal(BigInt(L.pml4));
        expect(f('cr4'), 'cr4').to.equal(0x100020n);
        expect(f('efer'), 'efer').to.equal(0xd01n);
        expect(f('dr7'), 'dr7').to.equal(0x401n);
        expect(f('dr6'), 'dr6').to.equal(0xffff4ff0n);
        expect(f('cs'), 'cs').to.equal(0x5bn);
        for (const s of ['es', 'ss', 'ds', 'fs', 'gs']) expect(f(s), s).to.equal(0x53n);
        expect(f('tr'), 'tr').to.equal(0x70n);
        expect(f('ldtr'), 'ldtr').to.equal(0n);
        expect(f('smbase'), 'smbase').to.equal(0x30000n);
        expect(f('revision'), 'revision').to.equal(0x30064n);
        expect(f('ioRestart'), 'ioRestart').to.equal(0n);
        expect(f('autoHalt'), 'autoHalt').to.equal(0n);
        expect(f('ioMisc') & 1n, 'ioMisc valid').to.equal(0n);
        if (layout === 'intel') {
          expect([f('gdtBaseLo'), f('gdtBaseHi'), f('idtBaseLo'), f('idtBaseHi'), f('ldtBaseLo'), f('ldtBaseHi')]).to.deep.equal([0x10000n, 0n, 0x14000n, 0n, 0n, 0n]);
        } else {
          expect([f('gdtLimit'), f('gdtBase'), f('idtLimit'), f('idtBase')]).to.deep.equal([0x7fn, 0x10000n, 0xfffn, 0x14000n]);
          expect([f('csAttr'), f('csLimit'), f('csBase')], 'CS hidden part').to.deep.equal([0xa0fbn, 0xffffffffn, 0n]);
          expect([f('ssAttr'), f('dsAttr'), f('esAttr')], 'data attributes').to.deep.equal([0xc0f3n, 0xc0f3n, 0xc0f3n]);
          expect([f('tr'), f('trAttr'), f('trLimit'), f('trBase')], 'TR').to.deep.equal([0x70n, 0x8bn, 0x67n, 0x10080n]);
        }
        checked = true;
      });
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(checked).to.equal(true);
    });

    it('SmramSaveStateMap addresses agree with the documented offsets', () => {
      const m = new PagedMachine();
      const map = new SmramSaveStateMap(m.memory, SMBASE, layout);
      for (const [name, [off]] of Object.entries(OFF[layout])) {
        expect(map.address(name as never), name).to.equal(SMBASE + 0x8000 + off);
      }
    });

    it('in SMM: CS = SMBASE>>4 with base SMBASE, RIP 0x8000, RFLAGS 2, CR0.PE/EM/TS/PG clear, CR4 0, EFER 0, DR7 0x400, CPL0, 16-bit (§1.6)', () => {
      const m = userContext(layout);
      m.cpu.cr0 |= 0xc; // EM and TS set before the SMI
      let seen = false;
      installHandler(m, (c) => {
        expect(c.inSmm).to.equal(true);
        expect(c.segSel[CS]).to.equal(0x3000);
        expect(c.segBase[CS]).to.equal(0x30000);
        expect(c.segLimit[CS]).to.equal(0xffffffff);
        expect(c.ripU64).to.equal(0x8000n);
        expect(c.getRflags()).to.equal(2);
        expect(c.cr0 >>> 0).to.equal(0x00010032); // MP ET NE WP kept; PE EM TS PG cleared
        expect(c.cr4).to.equal(0);
        expect(c.efer).to.equal(0);
        expect(c.dr7).to.equal(0x400);
        expect(c.cpl).to.equal(0);
        expect(c.bits).to.equal(16);
        expect(c.cr3).to.equal(L.pml4);
        expect([c.gdtrBase, c.idtrBase]).to.deep.equal([L.gdt, L.idt]);
        for (const s of [ES, SS, DS, FS, GS]) {
          expect([c.segSel[s], c.segBase[s], c.segLimit[s]], `segment ${s}`).to.deep.equal([0, 0, 0xffffffff]);
        }
        expect(c.msr.read(0x34)).to.equal(1n);
        expect(c.msr.read(0x9e)).to.equal(0x30000n);
        seen = true;
      });
      expect(m.cpu.msr.read(0x34)).to.equal(0n);
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(seen).to.equal(true);
      expect(m.cpu.msr.read(0x34)).to.equal(1n);
    });

    it('RSM restores the interrupted CPL3 context (paging, selectors, CR0/CR4/EFER, flags) and it runs on', () => {
      const m = userContext(layout);
      installHandler(m);
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      const c = m.cpu;
      expect(c.inSmm).to.equal(false);
      expect(c.cpl).to.equal(3);
      expect([c.segSel[CS], c.segSel[SS], c.segSel[DS]]).to.deep.equal([0x5b, 0x53, 0x53]);
      expect(c.bits).to.equal(64);
      expect([c.cr0 >>> 0, c.cr3, c.cr4, c.efer]).to.deep.equal([0x80010033, L.pml4, 0x100020, 0xd01]);
      expect(c.getRflags()).to.equal(0x287);
      expect(c.dr7).to.equal(0x401);
      expect(m.reg('r8')).to.equal(gprValue(0));
      expect(m.reg('r9')).to.equal(BigInt(L.userStackTop - 0x18));
      // RSM restored TR and the IDT: a CPL3 fault is still delivered on TSS.RSP0
      m.load(3, 'fault: hlt');
      const out = m.go();
      expect(out.kind, show(out)).to.equal('exception');
      expect((out as { frame: ExceptionFrame }).frame.handlerRsp).to.equal(BigInt(L.supStackTop - 48));
    });

    it('the host edits the saved RAX in SMRAM; after RSM the interrupted code sees the new value', () => {
      const m = userContext(layout);
      installHandler(m, () => writeField(m, layout, 'rax', 0xfeedface12345678n));
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(m.reg('rax')).to.equal(0xfeedface12345678n);
      expect(m.reg('r8')).to.equal(0xfeedface12345678n); // `mov r8, rax` ran after RSM
    });

    it('SMM code (16-bit) edits the saved RAX with `mov dword [cs:off], imm32`; RSM loads it', () => {
      const m = userContext(layout);
      const off = 0x8000 + OFF[layout].rax[0];
      m.memory.write(SMBASE + 0x8000, asm(`mov dword [cs:0x${off.toString(16)}], 0x12345678\nrsm`, 0x8000, 16).bytes);
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(m.reg('rax')).to.equal((gprValue(0) & 0xffffffff00000000n) | 0x12345678n);
    });

    it('SMBASE relocation: a new SMBASE written in the map is used by the next SMI (entry and map move)', () => {
      const NEW = 0x80000;
      const m = userContext(layout);
      const smbaseOff = 0x8000 + OFF[layout].smbase[0];
      m.memory.write(SMBASE + 0x8000, asm(`mov dword [cs:0x${smbaseOff.toString(16)}], 0x${NEW.toString(16)}\nrsm`, 0x8000, 16).bytes);
      let second: { cs: number; base: number; smbase: bigint; msr: bigint } | null = null;
      installHandler(m, (c) => {
        second = { cs: c.segSel[CS], base: c.segBase[CS], smbase: readField(m, layout, 'smbase', NEW), msr: c.msr.read(0x9e) };
        writeField(m, layout, 'rax', 0xabcn, NEW);
      }, NEW);
      m.cpu.signalSmi();
      m.cpu.step(); // SMI entry at 0x38000 and the first SMM instruction
      expect(m.go().kind).to.equal('done');
      expect(m.cpu.smm.smbase).to.equal(NEW);
      m.load(3, 'mov rbx, rax');
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(second).to.deep.equal({ cs: 0x8000, base: NEW, smbase: BigInt(NEW), msr: BigInt(NEW) });
      expect(m.reg('rbx')).to.equal(0xabcn);
      expect(m.cpu.msr.read(0x34)).to.equal(2n);
    });

    it('an SMI signalled inside SMM is latched and taken right after RSM', () => {
      const m = userContext(layout);
      const events: string[] = [];
      m.cpu.tracer = { event: (_c, e: CpuEvent) => { if (e.type === 'smi-entry' || e.type === 'rsm') events.push(e.type); } };
      const h = installHandler(m, (c, n) => {
        if (n === 1) {
          c.signalSmi();
          expect(c.inSmm).to.equal(true);
        }
        events.push(`handler${n}`);
      });
      m.cpu.signalSmi();
      expect(m.go().kind).to.equal('done');
      expect(h.entries).to.equal(2);
      expect(events).to.deep.equal(['smi-entry', 'handler1', 'rsm', 'smi-entry', 'handler2', 'rsm']);
      expect(m.cpu.msr.read(0x34)).to.equal(2n);
      expect(m.reg('r8')).to.equal(gprValue(0));
    });

    const ioCases: { text: string; regs: Record<string, bigint>; intel: number; amdSize: number }[] = [
      { text: 'out 0xb2, al', regs: { rax: 0x42n }, intel: 1 | (1 << 1) | (8 << 4), amdSize: 0x10 },
      { text: 'out 0xb2, eax', regs: { rax: 0x42n }, intel: 1 | (4 << 1) | (8 << 4), amdSize: 0 },
      { text: 'out dx, al', regs: { rax: 0x42n, rdx: 0xb2n }, intel: 1 | (1 << 1) | (0 << 4), amdSize: 0x10 },
      { text: 'out dx, ax', regs: { rax: 0x42n, rdx: 0xb2n }, intel: 1 | (2 << 1) | (0 << 4), amdSize: 0x20 },
    ];
    for (const ioc of ioCases) {
      it(`SMI raised by \`${ioc.text}\` to port 0xB2: I/O-trap information and IO_RIP = the OUT (§1.9)`, () => {
        const m = new PagedMachine({ saveStateMap: layout, io: new ApmBus() });
        let info: { misc: bigint; ioRip: bigint; rip: bigint } | null = null;
        installHandler(m, () => {
          info = { misc: readField(m, layout, 'ioMisc'), ioRip: readField(m, layout, 'ioRip'), rip: readField(m, layout, 'rip') };
        });
        m.load(0, `nop\ntrap: ${ioc.text}\nafter: mov ebx, 1`, { regs: ioc.regs });
        expect(m.go().kind).to.equal('done');
        expect(info).to.not.equal(null);
        const got = info as unknown as { misc: bigint; ioRip: bigint; rip: bigint };
        if (layout === 'intel') {
          expect(got.misc).to.equal(BigInt((ioc.intel | (0xb2 << 16)) >>> 0));
        } else {
          // edk2's AMD decoding: bit 1 valid, bit 4 byte / bit 5 word / neither dword, bits 31:16 port; bit 0 (IN) clear
          expect(got.misc & 0xffff0033n).to.equal(BigInt((0xb2 << 16) | 0x2 | ioc.amdSize));
        }
        expect(got.ioRip).to.equal(m.at('trap'));
        expect(got.rip).to.equal(m.at('after'));
        expect(m.reg('rbx')).to.equal(1n);
      });
    }

    it('I/O restart: 0xFF in the restart field re-executes the trapped OUT; 0 continues after it (§1.8)', () => {
      for (const restart of [true, false]) {
        const bus = new ApmBus(1);
        const m = new PagedMachine({ saveStateMap: layout, io: bus });
        installHandler(m, () => {
          expect(readField(m, layout, 'ioRestart')).to.equal(0n);
          if (restart) writeField(m, layout, 'ioRestart', 0xffn);
        });
        m.load(0, 'mov al, 7\nout 0xb2, al\ninc al\nout 0xb2, al');
        expect(m.go().kind).to.equal('done');
        expect(bus.writes, `restart=${restart}`).to.deep.equal(restart ? [7, 7, 8] : [7, 8]);
      }
    });

    it('auto-HALT: an SMI in HLT sets the field; left at 1 RSM re-enters HLT, cleared RSM continues after HLT', () => {
      for (const keep of [true, false]) {
        const m = new PagedMachine({ saveStateMap: layout });
        let field = -1n;
        installHandler(m, () => {
          field = readField(m, layout, 'autoHalt');
          if (!keep) writeField(m, layout, 'autoHalt', 0n);
        });
        m.load(0, 'hlt\nafter: mov ebx, 1');
        expect(m.go().kind).to.equal('halted');
        m.cpu.signalSmi();
        const out = m.go();
        expect(field & 1n).to.equal(1n);
        if (keep) {
          expect(out.kind, 'auto-HALT kept').to.equal('halted');
          expect(m.reg('rbx')).to.equal(0n);
        } else {
          expect(out.kind, 'auto-HALT cleared').to.equal('done');
          expect(m.reg('rbx')).to.equal(1n);
        }
      }
    });

    const shutdownCases: [string, string, bigint][] = [
      ['CR0.PG=1 with PE=0', 'cr0', 0x80000010n],
      ['CR0.NW=1 with CD=0', 'cr0', 0xa0010033n],
      ['a reserved CR4 bit', 'cr4', 0x20n | (1n << 26n)],
      ['EFER.LMA=1 without CR0.PG', 'cr0', 0x00010033n],
    ];
    for (const [why, field, value] of shutdownCases) {
      it(`RSM with ${why} in the map: the CPU shuts down (§1.7)`, () => {
        const m = userContext(layout);
        const events: CpuEvent[] = [];
        m.cpu.tracer = { event: (_c, e) => events.push(e) };
        installHandler(m, () => writeField(m, layout, field, value));
        m.cpu.signalSmi();
        expect(m.go().kind).to.equal('shutdown');
        expect(m.cpu.shutdownReason).to.be.a('string');
        expect(events.some((e) => e.type === 'shutdown')).to.equal(true);
        // a shut-down CPU stays down
        expect(m.cpu.run(10)).to.equal('shutdown');
      });
    }
  });
}

describe('cpu: RSM outside SMM', () => {
  for (const cpl of [0, 3] as const) {
    it(`rsm at CPL${cpl} outside SMM: #UD at the instruction`, () => {
      const m = new PagedMachine();
      m.load(cpl, 'nop\nfault: rsm');
      const out = m.go();
      expect(out.kind, show(out)).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([6, undefined, m.at('fault')]);
    });
  }
});

describe('cpu: SMI bookkeeping', () => {
  it('one SMBASE per CPU: two CPUs on one memory enter at their own SMBASE and save to their own maps', () => {
    const m = new PagedMachine();
    const { Cpu: CpuClass } = require('../../src/cpu/cpu') as typeof import('../../src/cpu/cpu');
    const other = new CpuClass(m.memory, { index: 1, smbase: 0x32000 });
    for (const [c, base] of [[m.cpu, SMBASE], [other, 0x32000]] as const) {
      m.memory.write(base + 0x8000, new Uint8Array([0x90, 0x0f, 0xaa]));
      m.stopAt(base + 0x8000, `smm${base}`);
      c.setReg64(0, BigInt(base));
      c.signalSmi();
      expect(c.run(10)).to.equal('stopped');
      expect(c.inSmm).to.equal(true);
      expect(c.segBase[CS]).to.equal(base);
      expect(readField(m, 'intel', 'rax', base)).to.equal(BigInt(base));
    }
    expect(m.cpu.msr.read(0x34)).to.equal(1n);
    expect(other.msr.read(0x34)).to.equal(1n);
  });
});

describe('cpu: code running in SMM (16-bit after entry, x86-smm-facts §1.6, §3.10)', () => {
  /** Enters SMM and runs `code16` (assembled for 16-bit at IP 0x8000) until IP reaches `stopIp`. */
  function runSmm16(code: Uint8Array, stopIp: number): PagedMachine {
    const m = new PagedMachine();
    m.memory.write(SMBASE + 0x8000, code);
    m.stopAt(SMBASE + stopIp, 'stop');
    m.load(0, 'nop');
    m.cpu.signalSmi();
    const out = m.go(100);
    expect(out.kind, show(out)).to.equal('trap');
    return m;
  }

  it('o32 push eax / pop ebx move SP by 4', () => {
    // mov esp, 0xf800; mov eax, 0x11223344; push eax; (stop) — checked at 0x800E
    const { bytes } = asm('mov esp, 0xf800\nmov eax, 0x11223344\ndb 0x66, 0x50', 0x8000, 16);
    const m = runSmm16(bytes, 0x8000 + bytes.length);
    expect(m.reg('rsp')).to.equal(0xf7fcn);
    expect(m.memory.readU32(0xf7fc)).to.equal(0x11223344);
  });

  it('push word imm / pop ax in 16-bit code move SP by 2', () => {
    const { bytes } = asm('mov esp, 0xf800\ndb 0x6a, 0x08\ndb 0x58', 0x8000, 16);
    const m = runSmm16(bytes, 0x8000 + bytes.length);
    expect(m.reg('rsp')).to.equal(0xf800n);
    expect(m.reg('rax') & 0xffffn).to.equal(8n);
  });

  it('jmp short / jz rel8 in 16-bit SMM code (CS.base = SMBASE) land at the right IP', () => {
    // jmp +2 (EB 02); nop; nop; xor ax, ax (31 C0); jz +3 (74 03); mov bx, 2; mov bx, 1 (BB 01 00) → stop
    const code = new Uint8Array([0xeb, 0x02, 0x90, 0x90, 0x31, 0xc0, 0x74, 0x03, 0xbb, 0x02, 0x00, 0xbb, 0x01, 0x00]);
    const m = runSmm16(code, 0x8000 + code.length);
    expect(m.reg('rbx') & 0xffffn).to.equal(1n);
  });

  it('near call rel16 / ret in 16-bit code', () => {
    // mov esp, 0xf800; call sub (E8 rel16 +4); mov bx, 1; (stop at 0x800C: nop); sub: mov cx, 2; ret
    const code = new Uint8Array([0x66, 0xbc, 0x00, 0xf8, 0x00, 0x00, 0xe8, 0x04, 0x00, 0xbb, 0x01, 0x00, 0x90, 0xb9, 0x02, 0x00, 0xc3]);
    const m = runSmm16(code, 0x800c);
    expect([m.reg('rbx') & 0xffffn, m.reg('rcx') & 0xffffn, m.reg('rsp')]).to.deep.equal([1n, 2n, 0xf800n]);
  });

  it('the SMI entry stub\'s mode switch: o32 lgdt, CR0.PE, direct far jmp to 32-bit code (CS 0x08)', () => {
    const m = new PagedMachine();
    m.writeU16(SMBASE + 0xf000, 0x7f);
    m.memory.writeU32(SMBASE + 0xf002, L.gdt);
    // o32 lgdt [cs:0xf000]; mov eax, cr0; or eax, 1; mov cr0, eax; jmp dword 0x08:0x38100 (66 EA imm32 sel16)
    const stub = asm('o32 lgdt [cs:0xf000]\nmov eax, cr0\nor eax, 1\nmov cr0, eax\ndb 0x66, 0xea, 0x00, 0x81, 0x03, 0x00, 0x08, 0x00', 0x8000, 16);
    m.memory.write(SMBASE + 0x8000, stub.bytes);
    m.stopAt(0x38100, 'protected mode');
    m.load(0, 'nop');
    m.cpu.signalSmi();
    const out = m.go(100);
    expect(out.kind, show(out)).to.equal('trap');
    expect([m.cpu.segSel[CS], m.cpu.segBase[CS], m.cpu.bits, m.cpu.cr0 & 1]).to.deep.equal([0x08, 0, 32, 1]);
  });
});
