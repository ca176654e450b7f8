// Issue 2 acceptance 5 (CPU part): runaway code ends with a typed budget error, never a hang; invalid and
// unsupported opcodes raise #UD and are named in the trace; #DE; double and triple faults (x86-smm-facts §3.3).
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { InstructionBudgetExceeded } from '../../src/cpu/cpu-fault';
import { runSnippet } from '../../src/cpu/snippet';
import type { CpuEvent } from '../../src/cpu/trace';
import { type ExceptionFrame, L, type Outcome, PagedMachine, PF, asm, gate64, runFlat, SEL } from './fixtures';

function show(out: Outcome): string {
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

function frameOf(out: Outcome): ExceptionFrame {
  expect(out.kind, show(out)).to.equal('exception');
  return (out as { frame: ExceptionFrame }).frame;
}

function budgetError(fn: () => unknown): InstructionBudgetExceeded {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(InstructionBudgetExceeded);
    return e as InstructionBudgetExceeded;
  }
  throw new Error('expected InstructionBudgetExceeded, the run ended normally');
}

/** Sets IDT gate `vector` (present or not, optional IST) to the fixture's host-trap handler. */
function setGate(m: PagedMachine, vector: number, o: { present?: boolean; ist?: number } = {}): void {
  const [lo, hi] = gate64({ selector: SEL.CS0, offset: BigInt(L.handlers + vector * 16), type: 0xe, dpl: 0, present: o.present, ist: o.ist });
  m.memory.writeU64(L.idt + vector * 16, lo);
  m.memory.writeU64(L.idt + vector * 16 + 8, hi);
}

describe('cpu: instruction budget (never a hang)', () => {
  it('jmp $ ends with InstructionBudgetExceeded (code CPU_BUDGET_EXCEEDED) naming the budget and RIP', () => {
    const m = new PagedMachine();
    m.load(3, 'nop\nspin: jmp spin');
    const e = budgetError(() => m.go(1000));
    expect(e.code).to.equal('CPU_BUDGET_EXCEEDED');
    expect(e.budget).to.equal(1000);
    expect(e.rip).to.equal(m.at('spin'));
    expect(e.message).to.contain('1000');
  });

  it('runSnippet of `jmp $` throws the typed error too', () => {
    const e = budgetError(() => runSnippet(new Uint8Array([0xeb, 0xfe]), { budget: 500 }));
    expect(e.code).to.equal('CPU_BUDGET_EXCEEDED');
    expect(e.rip).to.equal(0x400000n);
  });

  it('the budget counts from each run call: two runs of 100 instructions each retire exactly 100', () => {
    const m = new PagedMachine();
    m.load(0, 'spin: inc rax\njmp spin');
    budgetError(() => m.go(100));
    budgetError(() => m.go(100));
    expect(m.reg('rax')).to.equal(100n);
  });

  it('rep stosb with RCX = 2^40 is bounded by the budget (REP yields)', () => {
    const e = budgetError(() => runFlat('rep stosb', { regs: { rcx: 1n << 40n, rdi: 0x1000000n }, budget: 20 }));
    expect(e.code).to.equal('CPU_BUDGET_EXCEEDED');
  });

  it('an exception whose handler cannot be fetched (IST stack, so no stack exhaustion) still ends within the budget', () => {
    const m = new PagedMachine();
    // #PF gate → handler address on a not-present page, delivered on IST1 (RSP reloaded every time)
    const [lo, hi] = gate64({ selector: SEL.CS0, offset: BigInt(L.notPresent), type: 0xe, dpl: 0, ist: 1 });
    m.memory.writeU64(L.idt + 14 * 16, lo);
    m.memory.writeU64(L.idt + 14 * 16 + 8, hi);
    m.memory.writeU64(L.tss + 0x24, BigInt(L.supStackTop - 0x2000));
    m.load(0, 'mov rax, [rbx]', { regs: { rbx: BigInt(L.notPresent) } });
    let deliveries = 0;
    m.cpu.exceptionHook = () => {
      if (++deliveries > 100_000) throw new Error(`livelock: ${deliveries} exceptions without retiring an instruction`);
      return false;
    };
    const e = budgetError(() => m.go(1000));
    expect(e.code).to.equal('CPU_BUDGET_EXCEEDED');
  });
});

describe('cpu: invalid and unsupported opcodes → #UD, named in the trace', () => {
  it('an invalid byte (06, PUSH ES is invalid in 64-bit mode): #UD at its RIP, exception event names the bytes', () => {
    const m = new PagedMachine();
    const events: CpuEvent[] = [];
    m.cpu.tracer = { event: (_c, e) => events.push(e) };
    m.load(0, 'nop\nfault: db 0x06, 0x90');
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cs]).to.deep.equal([6, undefined, m.at('fault'), SEL.CS0]);
    const ex = events.find((e) => e.type === 'exception');
    expect(ex).to.deep.include({ type: 'exception', vector: 6, rip: m.at('fault') });
    expect((ex as { reason: string }).reason).to.contain('06');
  });

  // raw bytes where the assembler has no operand syntax: pxor xmm0, xmm1 = 66 0F EF C1; fld st0 = D9 C0
  for (const [text, name] of [['db 0x66, 0x0f, 0xef, 0xc1', 'pxor'], ['db 0xd9, 0xc0', 'fld'], ['monitor', 'monitor'], ['xgetbv', 'xgetbv'], ['ud2', 'ud2']] as const) {
    it(`\`${text}\`: #UD at CPL3, trace event naming ${name}`, () => {
      const m = new PagedMachine();
      const events: CpuEvent[] = [];
      m.cpu.tracer = { event: (_c, e) => events.push(e) };
      m.load(3, `nop\nfault: ${text}`);
      const f = frameOf(m.go());
      expect([f.vector, f.errorCode, f.rip, f.cs]).to.deep.equal([6, undefined, m.at('fault'), SEL.CS3]);
      const named = events.filter((e) => (e.type === 'unsupported' && e.text.toLowerCase().includes(name)) || (e.type === 'exception' && e.vector === 6 && e.reason.toLowerCase().includes(name)));
      expect(named.length, JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).to.be.greaterThan(0);
      const u = events.find((e) => e.type === 'unsupported');
      if (u !== undefined) expect(u).to.deep.include({ rip: m.at('fault') });
    });
  }

  it('runSnippet reports #UD for an unsupported instruction with the RIP', () => {
    const out = runSnippet(new Uint8Array([0x90, 0x66, 0x0f, 0xef, 0xc0])); // nop; pxor xmm0, xmm0
    expect(out).to.deep.include({ kind: 'exception', vector: 6, rip: 0x400001n });
  });

  it('an instruction truncated at a page end whose rest is on a supervisor page: #PF P|U|I at the next page, RIP = the instruction', () => {
    const m = new PagedMachine();
    const at = L.userCode2 + 0xffe;
    m.memory.write(at, new Uint8Array([0xb8, 0x01])); // mov eax, imm32 — 3 immediate bytes on the next page
    m.memory.write(at + 2, new Uint8Array([0, 0, 0]));
    m.load(3, 'jmp rax', { regs: { rax: BigInt(at) } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cr2]).to.deep.equal([14, PF.P | PF.U | PF.ID, BigInt(at), BigInt(L.userCode2 + 0x1000)]);
  });

  it('an instruction that ends exactly at a page end does not touch the next page', () => {
    const m = new PagedMachine();
    const at = L.userCode2 + 0xffb;
    m.memory.write(at, new Uint8Array([0xb8, 0x2a, 0, 0, 0])); // mov eax, 42 ends at the page end
    m.mapPage(L.userCode2 + 0x1000, { user: true }); // make the next page user-executable...
    m.memory.write(L.userCode2 + 0x1000, asm('mov ebx, 1', 0).bytes);
    m.stopAt(L.userCode2 + 0x1005, 'end');
    m.load(3, 'jmp rax', { regs: { rax: BigInt(at) } });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    expect([m.reg('rax'), m.reg('rbx')]).to.deep.equal([42n, 1n]);
  });
});

describe('cpu: #DE (x86-smm-facts §3.3)', () => {
  const cases: [string, Record<string, bigint>][] = [
    ['div rcx', { rax: 5n, rdx: 0n, rcx: 0n }],
    ['div ecx', { rax: 5n, rdx: 0n, rcx: 0xffffffff00000000n }],
    ['idiv rcx', { rax: 0x8000000000000000n, rdx: 0xffffffffffffffffn, rcx: 0xffffffffffffffffn }],
    ['div cl', { rax: 0x1000n, rcx: 2n }],
    ['div rcx', { rax: 0n, rdx: 1n, rcx: 1n }],
    ['idiv byte [rbx]', { rax: 0xff80n, rbx: BigInt(L.userData) }],
  ];
  for (const [text, regs] of cases) {
    it(`${text} ${JSON.stringify(Object.fromEntries(Object.entries(regs).map(([k, v]) => [k, `0x${v.toString(16)}`])))}: #DE at the instruction, no error code, registers unchanged`, () => {
      const m = new PagedMachine();
      m.memory.write(L.userData, new Uint8Array([0xff])); // -1
      m.load(3, `nop\nfault: ${text}`, { regs });
      const f = frameOf(m.go());
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([0, undefined, m.at('fault')]);
      expect(m.reg('rax')).to.equal(regs.rax);
      expect(m.reg('rdx')).to.equal(regs.rdx ?? 0n);
    });
  }
});

describe('cpu: double fault and triple fault', () => {
  it('#GP whose gate is not present: #DF(0) (contributory + contributory)', () => {
    const m = new PagedMachine();
    setGate(m, 13, { present: false });
    m.load(0, 'fault: rdmsr', { regs: { rcx: 0x12345n } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode]).to.deep.equal([8, 0]);
  });

  it('#PF while delivering #PF (stack on a not-present page): #DF on its IST stack', () => {
    const m = new PagedMachine();
    setGate(m, 8, { ist: 1 });
    m.memory.writeU64(L.tss + 0x24, BigInt(L.supStackTop - 0x2000));
    m.load(0, 'fault: mov rax, [rbx]', { regs: { rbx: BigInt(L.notPresent) }, rsp: BigInt(L.notPresent + 0x800) });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode]).to.deep.equal([8, 0]);
    expect(f.handlerRsp).to.equal(BigInt(L.supStackTop - 0x2000 - 48));
    expect(f.rsp).to.equal(BigInt(L.notPresent + 0x800));
  });

  it('#UD whose gate is not present: #NP(0x33) delivered serially (a benign first exception never makes #DF)', () => {
    const m = new PagedMachine();
    setGate(m, 6, { present: false });
    m.load(0, 'fault: ud2');
    const f = frameOf(m.go());
    // selector error code: index 6, IDT bit, EXT (the event was an exception, external to the program)
    expect([f.vector, f.errorCode, f.rip]).to.deep.equal([11, 6 * 8 + 2 + 1, m.at('fault')]);
  });

  it('triple fault (IDT limit 0): run returns "shutdown" and the tracer gets a shutdown event', () => {
    const m = new PagedMachine();
    const events: CpuEvent[] = [];
    m.cpu.tracer = { event: (_c, e) => events.push(e) };
    m.load(0, 'ud2');
    m.cpu.idtrLimit = 0;
    expect(m.go().kind).to.equal('shutdown');
    expect(m.cpu.shutdownReason).to.match(/triple fault/);
    expect(events.filter((e) => e.type === 'shutdown')).to.have.length(1);
    expect(events.filter((e) => e.type === 'exception').map((e) => (e as { vector: number }).vector)).to.deep.equal([6, 13, 8]);
    expect(m.cpu.run(10)).to.equal('shutdown');
  });

  it('triple fault from CPL3: TSS.RSP0 on a not-present page', () => {
    const m = new PagedMachine();
    m.memory.writeU64(L.tss + 4, BigInt(L.notPresent + 0x800));
    m.load(3, 'hlt');
    expect(m.go().kind).to.equal('shutdown');
  });
});
