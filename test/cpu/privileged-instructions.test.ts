// Issue 2 acceptance 2: every privileged instruction raises #GP(0) at CPL3, delivered through the IDT with the
// faulting RIP and the CPL3 frame, and works at CPL0 (x86-smm-facts §3.8).
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { Msr } from '../../src/cpu/msr';
import { GS } from '../../src/cpu/registers';
import type { CpuEvent } from '../../src/cpu/trace';
import { type ExceptionFrame, L, type Outcome, PagedMachine, PTE, RFL, SEL, pteValue } from './fixtures';

/** Asserts a #GP(0) taken at CPL3 on the instruction at label `fault`, delivered on the TSS.RSP0 stack. */
function expectUserGp0(m: PagedMachine, out: Outcome, rflags = 0x202): ExceptionFrame {
  expect(out.kind, JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).to.equal('exception');
  const f = (out as { frame: ExceptionFrame }).frame;
  expect(f.vector).to.equal(13);
  expect(f.errorCode).to.equal(0);
  expect(f.rip).to.equal(m.at('fault'));
  expect(f.cs).to.equal(SEL.CS3);
  expect(f.ss).to.equal(SEL.DS3);
  expect(f.rsp).to.equal(BigInt(L.userStackTop));
  expect(f.rflags).to.equal(rflags);
  // stack switch to TSS.RSP0, CPL0 on CS 0x38 with a null SS (RPL 0), 5 qwords + error code pushed
  expect(f.handlerCpl).to.equal(0);
  expect(f.handlerCs).to.equal(SEL.CS0);
  expect(f.handlerSs).to.equal(0);
  expect(f.handlerRsp).to.equal(BigInt(L.supStackTop - 48));
  // an interrupt gate clears IF in the handler
  expect(m.cpu.getRflags() & RFL.IF).to.equal(0);
  return f;
}

function expectDone(out: Outcome): void {
  expect(out.kind, JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).to.equal('done');
}

interface PrivCase {
  name: string;
  /** The instruction under test, labelled `fault:` by the runner, plus set-up lines before it. */
  before?: string;
  insn: string;
  after?: string;
  regs?: Record<string, bigint>;
  setup?: (m: PagedMachine) => void;
  /** The set-up only makes sense at CPL0 (e.g. it unloads TR, which CPL3 exception delivery needs). */
  setupCpl0Only?: boolean;
  /** CPL0 check after the code ran to its end (or the given outcome). */
  cpl0: (m: PagedMachine, out: Outcome) => void;
}

const pseudoDescriptor = (m: PagedMachine, at: number, limit: number, base: bigint): void => {
  m.writeU16(at, limit);
  m.memory.writeU64(at + 2, base);
};

const CASES: PrivCase[] = [
  {
    name: 'rdmsr', insn: 'rdmsr', regs: { rcx: 0xc0000081n },
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rdx')).to.equal(0x004b0038n); expect(m.reg('rax')).to.equal(0n); },
  },
  {
    name: 'wrmsr', insn: 'wrmsr', regs: { rcx: 0xc0000082n, rdx: 0x0n, rax: 0x123456n },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.msr.peek(Msr.LSTAR)).to.equal(0x123456n); },
  },
  {
    name: 'hlt', insn: 'hlt',
    cpl0: (m, out) => { expect(out.kind).to.equal('halted'); expect(m.cpu.ripU64).to.equal(m.at('fault') + 1n); },
  },
  { name: 'wbinvd', insn: 'wbinvd', cpl0: (_m, out) => expectDone(out) },
  { name: 'invd', insn: 'invd', cpl0: (_m, out) => expectDone(out) },
  {
    // CPL0: the stale translation of userData is dropped; the next read walks the rewritten PTE
    name: 'invlpg', before: 'mov r10, [rbx]\nmov [rcx], rdx\n', insn: 'invlpg [rbx]', after: 'mov r9, [rbx]',
    regs: { rbx: BigInt(L.userData), rcx: BigInt(L.pt + (L.userData >>> 12) * 8), rdx: pteValue(L.supData, { user: true }) },
    setup: (m) => { m.memory.writeU64(L.userData, 0x1111n); m.memory.writeU64(L.supData, 0x2222n); },
    cpl0: (m, out) => { expectDone(out); expect(m.reg('r10')).to.equal(0x1111n); expect(m.reg('r9')).to.equal(0x2222n); },
  },
  {
    name: 'mov rax, cr0', insn: 'mov rax, cr0',
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(0x80010033n); },
  },
  {
    name: 'mov cr0, rax', insn: 'mov cr0, rax', regs: { rax: 0x80000033n },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.cr0 >>> 0).to.equal(0x80000033); },
  },
  {
    name: 'mov rax, cr2', insn: 'mov rax, cr2', setup: (m) => { m.cpu.cr2 = 0x7777000; },
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(0x7777000n); },
  },
  {
    name: 'mov cr2, rax', insn: 'mov cr2, rax', regs: { rax: 0xffff800000001000n },
    cpl0: (m, out) => { expectDone(out); expect(BigInt.asUintN(64, BigInt(m.cpu.cr2))).to.equal(0xffff800000001000n); },
  },
  {
    name: 'mov rax, cr3', insn: 'mov rax, cr3',
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(BigInt(L.pml4)); },
  },
  {
    name: 'mov cr3, rax', insn: 'mov cr3, rax', regs: { rax: BigInt(L.pml4) | 0x18n },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.cr3).to.equal(L.pml4 | 0x18); },
  },
  {
    name: 'mov rax, cr4', insn: 'mov rax, cr4',
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(0x20n); },
  },
  {
    name: 'mov cr4, rax', insn: 'mov cr4, rax', regs: { rax: 0x100e28n }, // the supervisor's CR4 (x86-smm-facts §3.10)
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.cr4).to.equal(0x100e28); },
  },
  {
    name: 'mov cr8, rax / mov rbx, cr8', insn: 'mov cr8, rax', after: 'mov rbx, cr8', regs: { rax: 5n },
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rbx')).to.equal(5n); },
  },
  {
    name: 'mov rax, cr8', insn: 'mov rax, cr8', regs: { rax: 0xffn },
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(0n); },
  },
  {
    name: 'mov dr7, rax', insn: 'mov dr7, rax', regs: { rax: 0x401n },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.dr7).to.equal(0x401); },
  },
  {
    name: 'mov rax, dr7', insn: 'mov rax, dr7',
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rax')).to.equal(0x400n); },
  },
  {
    name: 'mov dr0, rax', insn: 'mov dr0, rax', regs: { rax: 0xfffff00012345678n }, after: 'mov rbx, dr0',
    cpl0: (m, out) => { expectDone(out); expect(m.reg('rbx')).to.equal(0xfffff00012345678n); },
  },
  {
    name: 'lgdt', insn: 'lgdt [rax]', regs: { rax: BigInt(L.userData) },
    setup: (m) => pseudoDescriptor(m, L.userData, 0x17f, 0xffff800000010000n),
    cpl0: (m, out) => {
      expectDone(out);
      expect(m.cpu.gdtrLimit).to.equal(0x17f);
      expect(BigInt.asUintN(64, BigInt(m.cpu.gdtrBase))).to.equal(0xffff800000010000n);
    },
  },
  {
    name: 'lidt', insn: 'lidt [rax]', regs: { rax: BigInt(L.userData) },
    setup: (m) => pseudoDescriptor(m, L.userData, 0x7ff, 0x123000n),
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.idtrLimit).to.equal(0x7ff); expect(m.cpu.idtrBase).to.equal(0x123000); },
  },
  {
    name: 'ltr', insn: 'ltr ax', regs: { rax: BigInt(SEL.TSS) },
    setup: (m) => { m.cpu.trSel = 0; m.cpu.trBase = 0; m.cpu.trLimit = 0; }, setupCpl0Only: true,
    cpl0: (m, out) => {
      expectDone(out);
      expect(m.cpu.trSel).to.equal(0x70);
      expect(m.cpu.trBase).to.equal(L.tss);
      expect(m.cpu.trLimit).to.equal(0x67);
      // the descriptor is marked busy (type 9 → 0xB)
      expect(Number((m.memory.readU64(L.gdt + 0x70) >> 40n) & 0xfn)).to.equal(0xb);
    },
  },
  {
    name: 'lldt', insn: 'lldt ax', regs: { rax: 0n },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.ldtrSel).to.equal(0); },
  },
  {
    name: 'clts', insn: 'clts', setup: (m) => { m.cpu.cr0 |= 8; },
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.cr0 & 8).to.equal(0); },
  },
  {
    name: 'lmsw', insn: 'lmsw ax', regs: { rax: 0xbn }, // PE | MP | TS
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.cr0 & 0xf).to.equal(0xb); },
  },
  {
    name: 'swapgs', insn: 'swapgs',
    setup: (m) => { m.cpu.segBase[GS] = 0x5000; m.cpu.msr.write(Msr.KERNEL_GS_BASE, 0x1234000n); },
    cpl0: (m, out) => {
      expectDone(out);
      expect(m.cpu.segBase[GS]).to.equal(0x1234000);
      expect(m.cpu.msr.peek(Msr.KERNEL_GS_BASE)).to.equal(0x5000n);
    },
  },
  {
    name: 'cli (IOPL 0)', insn: 'cli',
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.getRflags() & RFL.IF).to.equal(0); },
  },
  {
    name: 'sti (IOPL 0)', insn: 'sti', setup: (m) => m.cpu.setRflags(0x2),
    cpl0: (m, out) => { expectDone(out); expect(m.cpu.getRflags() & RFL.IF).to.equal(RFL.IF); },
  },
];

describe('cpu: privileged instructions (issue 2 acceptance 2, x86-smm-facts §3.8)', () => {
  for (const c of CASES) {
    const text = `${c.before ?? ''}\nfault: ${c.insn}\n${c.after ?? ''}`;
    const text3 = `fault: ${c.insn}`;
    it(`${c.name}: #GP(0) at CPL3 through the IDT with the faulting RIP`, () => {
      const m = new PagedMachine();
      m.load(3, text3, { regs: c.regs, rflags: 0x202 });
      if (!c.setupCpl0Only) c.setup?.(m);
      const rflags = m.cpu.getRflags();
      const cr0 = m.cpu.cr0, cr3 = m.cpu.cr3, cr4 = m.cpu.cr4, gdt = m.cpu.gdtrBase, idt = m.cpu.idtrBase;
      const lstar = m.cpu.msr.peek(Msr.LSTAR), gs = m.cpu.segBase[GS];
      expectUserGp0(m, m.go(), rflags);
      // nothing changed
      expect([m.cpu.cr0, m.cpu.cr3, m.cpu.cr4, m.cpu.gdtrBase, m.cpu.idtrBase]).to.deep.equal([cr0, cr3, cr4, gdt, idt]);
      expect(m.cpu.msr.peek(Msr.LSTAR)).to.equal(lstar);
      expect(m.cpu.segBase[GS]).to.equal(gs);
      expect(m.cpu.halted).to.equal(false);
    });
    it(`${c.name}: works at CPL0`, () => {
      const m = new PagedMachine();
      m.load(0, text, { regs: c.regs, rflags: 0x202 });
      c.setup?.(m);
      c.cpl0(m, m.go());
    });
  }

  it('sysretq at CPL3: #GP(0) (x86-smm-facts §3.6 SYSRET step 1)', () => {
    const m = new PagedMachine();
    m.load(3, 'fault: sysretq', { rflags: 0x202, regs: { rcx: BigInt(L.userCode), r11: 0x202n } });
    expectUserGp0(m, m.go());
  });

  it('cli/sti at CPL3 with IOPL 3 are allowed and change IF', () => {
    const m = new PagedMachine();
    m.load(3, 'cli\nmov rax, 1\nsti', { rflags: 0x3202 });
    const marks: number[] = [];
    m.cpu.tracer = { instruction: (cpu, _rip, insn) => { if (insn.len > 0) marks.push(cpu.getRflags() & RFL.IF); } };
    expectDone(m.go());
    expect(marks).to.deep.equal([RFL.IF, 0, 0]);
    expect(m.cpu.getRflags() & RFL.IF).to.equal(RFL.IF);
  });

  it('cli at CPL3 with IOPL 2: #GP(0) (CPL > IOPL)', () => {
    const m = new PagedMachine();
    m.load(3, 'fault: cli', { rflags: 0x2202 });
    expectUserGp0(m, m.go(), 0x2202);
  });

  it('rdmsr of an unimplemented MSR at CPL0: #GP(0) at the instruction', () => {
    const m = new PagedMachine();
    m.load(0, 'fault: rdmsr', { regs: { rcx: 0x12345n } });
    const out = m.go();
    expect(out.kind).to.equal('exception');
    const f = (out as { frame: ExceptionFrame }).frame;
    expect([f.vector, f.errorCode, f.rip, f.cs, f.ss]).to.deep.equal([13, 0, m.at('fault'), SEL.CS0, SEL.DS0]);
    // same privilege: no stack switch, frame pushed on the current stack (aligned to 16)
    expect(f.rsp).to.equal(BigInt(L.supStackTop - 0x1000));
    expect(f.handlerRsp).to.equal(BigInt(L.supStackTop - 0x1000 - 48));
    expect(f.handlerSs).to.equal(SEL.DS0);
  });

  it('mov cr4 with a reserved bit and mov cr0 with PG=1, PE=0 at CPL0: #GP(0) (x86-smm-facts §3.4)', () => {
    for (const [insn, v] of [['mov cr4, rax', 0x20n | (1n << 26n)], ['mov cr0, rax', 0x80000032n], ['mov cr0, rax', 0xa0000033n]] as const) {
      const m = new PagedMachine();
      m.load(0, `fault: ${insn}`, { regs: { rax: v } });
      const out = m.go();
      expect(out.kind, `${insn} 0x${v.toString(16)}`).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([13, 0, m.at('fault')]);
    }
  });

  it('rdpmc (not modelled): #UD at CPL0 and CPL3 with an "unsupported" trace event naming it', () => {
    for (const cpl of [0, 3] as const) {
      const m = new PagedMachine();
      const events: CpuEvent[] = [];
      m.cpu.tracer = { event: (_c, e) => events.push(e) };
      m.load(cpl, 'fault: rdpmc', { regs: { rcx: 0n } });
      const out = m.go();
      expect(out.kind).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([6, undefined, m.at('fault')]);
      const u = events.find((e) => e.type === 'unsupported');
      expect(u, JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).to.not.equal(undefined);
      expect((u as { text: string }).text.toLowerCase()).to.contain('rdpmc');
    }
  });

  it('PTE constants used by the fixture are the architectural ones', () => {
    expect([PTE.P, PTE.RW, PTE.US, PTE.A, PTE.D]).to.deep.equal([1n, 2n, 4n, 0x20n, 0x40n]);
  });
});
