// Issue 2 acceptance 2: SYSCALL/SYSRET switch CPL and selectors as STAR dictates (x86-smm-facts §3.6), and the
// MM Supervisor's demotion path (supervisor-facts §3.2): RETFQ to CS 0x5B / SS 0x53, return through the 0x63
// call gate onto TSS.RSP0, IRETQ back to CPL3; software interrupts through DPL3 / DPL0 gates.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { CS, DS, ES, FS, GS, SS } from '../../src/cpu/registers';
import { EFER_SCE, type ExceptionFrame, L, type Outcome, PagedMachine, RFL, SEL, asm } from './fixtures';

function show(out: Outcome): string {
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

function frameOf(out: Outcome): ExceptionFrame {
  expect(out.kind, show(out)).to.equal('exception');
  return (out as { frame: ExceptionFrame }).frame;
}

/** Places code at an address outside `load` (e.g. the SYSCALL entry). */
function place(m: PagedMachine, at: number, text: string): Map<string, bigint> {
  const { bytes, labels } = asm(text, at);
  m.memory.write(at, bytes);
  return labels;
}

describe('cpu: SYSCALL / SYSRET with the supervisor STAR (x86-smm-facts §3.6)', () => {
  it('SYSCALL from CPL3: CS 0x38, SS 0x40, CPL0, RIP = LSTAR, RCX = next RIP, R11 = RFLAGS, FMASK applied, RSP kept', () => {
    const m = new PagedMachine();
    m.stopAt(L.syscallEntry, 'entry');
    m.load(3, 'std\nsys: syscall\nnext: nop', { rflags: 0x2 | RFL.IF | RFL.AC | RFL.CF, regs: { rcx: 0x1111n, r11: 0x2222n } });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    const c = m.cpu;
    expect(c.cpl).to.equal(0);
    expect(c.segSel[CS]).to.equal(0x38);
    expect(c.segSel[SS]).to.equal(0x40);
    expect(c.ripU64).to.equal(BigInt(L.syscallEntry));
    expect(m.reg('rcx')).to.equal(m.at('next'));
    expect(m.reg('r11')).to.equal(BigInt(0x2 | RFL.IF | RFL.AC | RFL.CF | RFL.DF));
    // FMASK 0x44700 clears TF IF DF NT AC; CF survives
    expect(c.getRflags()).to.equal(0x2 | RFL.CF);
    expect(m.reg('rsp')).to.equal(BigInt(L.userStackTop));
    expect(c.bits).to.equal(64);
  });

  it('SYSCALL → handler → SYSRETQ round trip: CS 0x5B, SS 0x53, CPL3, RIP = RCX, RFLAGS = R11', () => {
    const m = new PagedMachine();
    place(m, L.syscallEntry, 'add rax, 0x100\nsysretq');
    m.load(3, 'mov eax, 1\nsyscall\nback: mov rbx, rax', { rflags: 0x202 | RFL.CF });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('done');
    const c = m.cpu;
    expect(m.reg('rbx')).to.equal(0x101n);
    expect(c.cpl).to.equal(3);
    expect(c.segSel[CS]).to.equal(0x5b);
    expect(c.segSel[SS]).to.equal(0x53);
    expect(c.bits).to.equal(64);
    expect(m.reg('rcx')).to.equal(m.at('back'));
    // add rax cleared CF in the handler; SYSRET restored RFLAGS from R11 (CF=1, IF=1)
    expect(c.getRflags()).to.equal(0x202 | RFL.CF);
  });

  it('SYSRETQ loads RFLAGS from R11 (RF and VM cleared, bit 1 forced, IOPL taken): IOPL 3 then allows IN at CPL3', () => {
    const m = new PagedMachine();
    m.load(0, 'sysretq', { regs: { rcx: BigInt(L.userCode2), r11: BigInt(0x30ad5 | 0x3000) } });
    m.memory.write(L.userCode2, asm('in al, 0x60', L.userCode2).bytes);
    m.stopAt(L.userCode2 + 2, 'after in');
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    expect(m.cpu.cpl).to.equal(3);
    expect(m.cpu.getRflags()).to.equal(0x3ad7);
    expect(m.reg('rax') & 0xffn).to.equal(0xffn);
  });

  it('SYSRET without REX.W returns to compatibility mode: CS 0x4B (STAR[63:48] | 3), SS 0x53, RIP = ECX', () => {
    const m = new PagedMachine();
    m.load(0, 'sysret', { regs: { rcx: 0xffffffff00000000n | BigInt(L.userCode2), r11: 0x202n } });
    m.stopAt(L.userCode2, 'compat');
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    expect(m.cpu.segSel[CS]).to.equal(0x4b);
    expect(m.cpu.segSel[SS]).to.equal(0x53);
    expect(m.cpu.cpl).to.equal(3);
    expect(m.cpu.bits).to.equal(32);
    expect(m.cpu.ripU64).to.equal(BigInt(L.userCode2));
  });

  it('SYSRETQ with a non-canonical RCX: #GP(0) at CPL0 on the SYSRET (Intel behaviour)', () => {
    const m = new PagedMachine();
    m.load(0, 'fault: sysretq', { regs: { rcx: 0x0000800000000000n, r11: 0x202n } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cs, f.ss]).to.deep.equal([13, 0, m.at('fault'), SEL.CS0, SEL.DS0]);
    expect(m.cpu.cpl).to.equal(0);
  });

  it('SYSCALL and SYSRET with EFER.SCE=0: #UD', () => {
    for (const [cpl, text] of [[3, 'fault: syscall'], [0, 'fault: sysretq']] as const) {
      const m = new PagedMachine();
      m.load(cpl, text, { regs: { rcx: BigInt(L.userCode) } });
      m.cpu.efer &= ~EFER_SCE;
      const f = frameOf(m.go());
      expect([f.vector, f.errorCode, f.rip], text).to.deep.equal([6, undefined, m.at('fault')]);
    }
  });

  it('an exception in compatibility mode (after SYSRET) is delivered through the 64-bit IDT', () => {
    const m = new PagedMachine();
    m.memory.write(L.userCode2, new Uint8Array([0x0f, 0x0b])); // ud2
    m.load(0, 'sysret', { regs: { rcx: BigInt(L.userCode2), r11: 0x202n } });
    let out: Outcome;
    try {
      out = m.go();
    } catch (e) {
      throw new Error(`run threw instead of delivering #UD: ${(e as Error).message}`);
    }
    const f = frameOf(out);
    expect([f.vector, f.rip, f.cs, f.ss]).to.deep.equal([6, BigInt(L.userCode2), 0x4b, 0x53]);
    expect(m.cpu.bits).to.equal(64);
  });
});

describe('cpu: the supervisor demotion path (supervisor-facts §3.2)', () => {
  const R15_GATE = 0x63n << 32n;

  /** CPL0 stub: load user data selectors (optional), then far-return to CS 0x5B : rdx with SS 0x53 : rbx. */
  const demote = (loadDs: boolean): string => [
    ...(loadDs ? ['mov ax, 0x53', 'mov ds, ax', 'mov es, ax', 'mov fs, ax', 'mov gs, ax'] : []),
    'push 0x53', 'push rbx', 'push 0x5b', 'push rdx', 'retfq',
  ].join('\n');

  it('RETFQ from CPL0 to CS 0x5B / SS 0x53 lands at CPL3 with the popped RSP', () => {
    const m = new PagedMachine();
    m.stopAt(L.userCode2, 'user');
    m.load(0, demote(true), { regs: { rbx: BigInt(L.userStackTop - 0x40), rdx: BigInt(L.userCode2) } });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    const c = m.cpu;
    expect(c.cpl).to.equal(3);
    expect([c.segSel[CS], c.segSel[SS], c.segSel[DS], c.segSel[ES], c.segSel[FS], c.segSel[GS]]).to.deep.equal([0x5b, 0x53, 0x53, 0x53, 0x53, 0x53]);
    expect(m.reg('rsp')).to.equal(BigInt(L.userStackTop - 0x40));
    expect(c.ripU64).to.equal(BigInt(L.userCode2));
    expect(c.bits).to.equal(64);
  });

  it('RETFQ to CPL3 nulls DS/ES/FS/GS that still hold the DPL0 selector 0x40', () => {
    const m = new PagedMachine();
    m.stopAt(L.userCode2, 'user');
    m.load(0, demote(false), { regs: { rbx: BigInt(L.userStackTop), rdx: BigInt(L.userCode2) } });
    expect(m.go().kind).to.equal('trap');
    const c = m.cpu;
    expect([c.segSel[DS], c.segSel[ES], c.segSel[FS], c.segSel[GS]]).to.deep.equal([0, 0, 0, 0]);
    expect(c.segSel[SS]).to.equal(0x53);
  });

  it('same-privilege RETFQ to CS 0x38 (the supervisor reloads its GDT this way) stays at CPL0', () => {
    const m = new PagedMachine();
    m.load(0, 'lea rax, [rel next]\npush 0x38\npush rax\nretfq\nnext: mov ecx, 3', {});
    expect(m.go().kind).to.equal('done');
    expect(m.cpu.cpl).to.equal(0);
    expect(m.cpu.segSel[CS]).to.equal(0x38);
    expect(m.reg('rcx')).to.equal(3n);
    expect(m.reg('rsp')).to.equal(BigInt(L.supStackTop - 0x1000));
  });

  it('user code returns through the 0x63 call gate (push r15; call far [rsp]): CPL0 at the gate offset on TSS.RSP0 with SS:RSP and CS:RIP pushed', () => {
    const m = new PagedMachine();
    m.stopAt(L.gateTarget, 'gate');
    const user = place(m, L.userCode2, 'mov eax, 0x1234\npush r15\ncall far [rsp]\nafter: nop');
    m.load(0, demote(true), { regs: { rbx: BigInt(L.userStackTop - 0x100), rdx: BigInt(L.userCode2), r15: R15_GATE } });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    const c = m.cpu;
    expect(c.cpl).to.equal(0);
    expect(c.segSel[CS]).to.equal(0x38);
    expect(c.segSel[SS]).to.equal(0); // null SS with RPL = new CPL (64-bit mode)
    expect(c.ripU64).to.equal(BigInt(L.gateTarget));
    const sp = L.supStackTop - 32;
    expect(m.reg('rsp')).to.equal(BigInt(sp));
    expect(m.memory.readU64(sp)).to.equal(user.get('after'));
    expect(m.memory.readU64(sp + 8)).to.equal(0x5bn);
    expect(m.memory.readU64(sp + 16)).to.equal(BigInt(L.userStackTop - 0x108));
    expect(m.memory.readU64(sp + 24)).to.equal(0x53n);
    expect(m.reg('rax')).to.equal(0x1234n);
  });

  it('IRETQ from CPL0 back to CPL3 (after the gate): CS 0x5B, SS 0x53, RSP, RFLAGS (IOPL may be set at CPL0)', () => {
    const m = new PagedMachine();
    place(m, L.gateTarget, [
      'push 0x53', 'push rbx', 'push 0x3202', 'push 0x5b', 'push rdx', 'iretq',
    ].join('\n'));
    const resume = L.userCode2 + 0x100;
    // user code picks the resume address; the gate handler (CPL0) builds an IRETQ frame from rbx/rdx
    place(m, L.userCode2, `mov rdx, ${resume}\npush r15\ncall far [rsp]`);
    m.stopAt(resume, 'resumed');
    m.load(0, demote(true), { regs: { rbx: BigInt(L.userStackTop - 0x80), rdx: BigInt(L.userCode2), r15: R15_GATE } });
    const out = m.go();
    expect(out.kind, show(out)).to.equal('trap');
    const c = m.cpu;
    expect(c.cpl).to.equal(3);
    expect([c.segSel[CS], c.segSel[SS]]).to.deep.equal([0x5b, 0x53]);
    expect(m.reg('rsp')).to.equal(BigInt(L.userStackTop - 0x80));
    expect(c.getRflags()).to.equal(0x3202);
    expect(c.ripU64).to.equal(BigInt(resume));
  });

  it('RETFQ to the not-present placeholder 0x4B: #NP(0x48)', () => {
    const m = new PagedMachine();
    m.load(0, 'push 0x53\npush rbx\npush 0x4b\npush rdx\nfault: retfq', { regs: { rbx: BigInt(L.userStackTop), rdx: BigInt(L.userCode2) } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cs]).to.deep.equal([11, 0x48, m.at('fault'), 0x38]);
    expect(m.cpu.cpl).to.equal(0);
  });

  it('RETFQ to CPL3 with an SS of the wrong RPL (0x50): #GP(0x50)', () => {
    const m = new PagedMachine();
    m.load(0, 'push 0x50\npush rbx\npush 0x5b\npush rdx\nfault: retfq', { regs: { rbx: BigInt(L.userStackTop), rdx: BigInt(L.userCode2) } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip]).to.deep.equal([13, 0x50, m.at('fault')]);
    expect(f.rsp).to.equal(BigInt(L.supStackTop - 0x1000 - 32)); // RSP restored to before the RETF
  });

  it('CPL3 far call through a DPL0 call gate: #GP(0x60)', () => {
    const m = new PagedMachine();
    m.setCallGate(BigInt(L.gateTarget), 0);
    m.load(3, 'push r15\nfault: call far [rsp]', { regs: { r15: R15_GATE } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cs]).to.deep.equal([13, 0x60, m.at('fault'), 0x5b]);
  });

  it('CPL3 far return to CPL0 (RPL 0 < CPL): #GP(0x38)', () => {
    const m = new PagedMachine();
    m.load(3, 'push 0x38\npush rax\nfault: retfq', { regs: { rax: BigInt(L.supCode) } });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip]).to.deep.equal([13, 0x38, m.at('fault')]);
  });
});

describe('cpu: software interrupts and gate DPL (x86-smm-facts §3.3)', () => {
  it('int3 at CPL3 through a DPL3 gate: #BP with RIP after the int3, stack switch to RSP0', () => {
    const m = new PagedMachine();
    m.load(3, 'nop\nint3\nnext: nop', { rflags: 0x202 });
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip, f.cs, f.ss, f.rsp, f.rflags]).to.deep.equal([3, undefined, m.at('next'), 0x5b, 0x53, BigInt(L.userStackTop), 0x202]);
    expect(f.handlerRsp).to.equal(BigInt(L.supStackTop - 40));
  });
  it('int 0x80 at CPL3 through a DPL3 gate is delivered with RIP after the instruction', () => {
    const m = new PagedMachine();
    m.load(3, 'int 0x80\nnext: nop');
    const f = frameOf(m.go());
    expect([f.vector, f.rip]).to.deep.equal([0x80, m.at('next')]);
  });
  it('int 0x21 at CPL3 through a DPL0 gate: #GP with the IDT selector error code 0x10A', () => {
    const m = new PagedMachine();
    m.load(3, 'fault: int 0x21');
    const f = frameOf(m.go());
    expect([f.vector, f.errorCode, f.rip]).to.deep.equal([13, 0x21 * 8 + 2, m.at('fault')]);
  });
});
