import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../../src/asm';
import type { Cpu } from '../../../src/cpu/cpu';
import { runSnippet } from '../../../src/cpu/snippet';
import { MachineStop } from '../../../src/platform/machine-stop';
import { type Action, compileActions, parseActionList } from '../../../src/scenario/driver';
import { Syscall } from '../../../src/supervisor/privilege/syscall-dispatcher';
import { setupSupervisorCpu } from '../../supervisor/support/supervisor-cpu-harness';

const actions = (yaml: string): Action[] => parseActionList(yaml, { file: 'test.feature', line: 1 });

/** Compiles `yaml`, runs it at CPL3 under the supervisor's page tables and SyscallDispatcher, logs every syscall. */
function driver(yaml: string) {
  const t = setupSupervisorCpu(compileActions(actions(yaml)));
  const syscalls: { index: number; args: bigint[] }[] = [];
  const dispatch = t.dispatcher.dispatch.bind(t.dispatcher);
  t.dispatcher.dispatch = (cpu: Cpu) => {
    syscalls.push({ index: Number(cpu.getReg64(0)), args: [cpu.getReg64(2), cpu.getReg64(8), cpu.getReg64(9)] });
    return dispatch(cpu);
  };
  const ports: { port: number; size: number; value: number }[] = [];
  t.m.ports.attach(0x80, 1, { write: (port, size, value) => ports.push({ port, size, value }), read: () => 0x5a });
  return { ...t, syscalls, ports, policy: () => t.m.trace.ofType('policy').map((e) => e.data) };
}

const EVERY_ACTION = `
- rdmsr: 0x1B
- wrmsr: {msr: 0x277, value: 0x0007040600070406}
- io_read: {port: 0x80, width: 1}
- io_read: {port: 0xCFC, width: 2}
- io_read: {port: 0xCFC, width: 4}
- io_write: {port: 0x80, width: 1, value: 0x42}
- io_write: {port: 0x80, width: 2, value: 0x4242}
- io_write: {port: 0x80, width: 4, value: 0x42424242}
- instruction: cli
- instruction: wbinvd
- instruction: hlt
- read: 0x10000000
- read: {address: 0x10000000, width: 1}
- read: {address: 0x10000000, width: 2}
- read: {address: 0x10000000, width: 4}
- write: {address: 0x10000000, value: 0xFFFFFFFFFFFFFFFF}
- write: {address: 0x10000000, value: 1, width: 1}
- write: {address: 0x10000000, value: 1, width: 2}
- write: {address: 0x10000000, value: 1, width: 4}
- execute: 0x10001000
- install_protocol: gEfiMmEndOfDxeProtocolGuid
- save_state_read: {register: RAX, cpu: 0}
- save_state_read: {register: IO, cpu: current}
- allocate_pages: {pages: 1}
- asm: |
    nop
    .spin: jmp .done
    .done:
- return: EFI_ACCESS_DENIED
`;

describe('driver action language: compiling to x86-64 (supervisor-facts §3.5–§3.6)', () => {
  it('compiles every action, alone and together, to text the assembler accepts', () => {
    const all = actions(EVERY_ACTION);
    for (const a of all) {
      const text = compileActions([a]);
      expect(() => assemble(text), `${a.kind}\n${text}`).to.not.throw();
    }
    const text = compileActions(all);
    const program = assemble(text, { origin: 0x400000n });
    expect(program.labels.get('DriverActions')).to.equal(0x400000n); // the routine starts the program
    for (const r of ['SysCall', 'AsmReadMsr64', 'AsmWriteMsr64', 'IoRead8', 'IoRead16', 'IoRead32', 'IoWrite8', 'IoWrite16', 'IoWrite32', 'DisableInterrupts', 'AsmWbinvd', 'CpuSleep']) {
      expect(program.labels.has(r), r).to.equal(true);
    }
    expect(compileActions(all)).to.equal(text); // deterministic
  });

  it('links only the library routines an action list uses', () => {
    const text = compileActions(actions('- rdmsr: 0x1B'));
    expect(text).to.match(/^AsmReadMsr64:/m).and.match(/^SysCall:/m);
    expect(text).to.not.match(/^IoWrite8:/m);
    expect(compileActions(actions('- read: 0x10000000'))).to.not.match(/^SysCall:/m);
  });

  describe('at CPL3 under the supervisor (real page tables, SYSCALL, SyscallDispatcher, the example policy)', () => {
    it('rdmsr: 0x1B issues SMM_SC_RDMSR (RAX=0, RDX=MSR, R8=R9=0), gets the policy verdict, returns the value', () => {
      const t = driver('- rdmsr: 0x1B');
      expect(t.run()).to.equal(0xfee00900n);
      expect(t.syscalls).to.deep.equal([{ index: Syscall.RDMSR, args: [0x1bn, 0n, 0n] }]);
      expect(t.policy()[0]).to.deep.include({ syscall: 'SMM_SC_RDMSR', allowed: true });
    });

    it('rdmsr of an MSR the policy denies (EFER) is fatal: no return, warm reset', () => {
      const t = driver('- rdmsr: 0xC0000080\n- return: EFI_SUCCESS');
      expect(() => t.run()).to.throw(MachineStop);
      expect(t.m.state).to.deep.include({ kind: 'warm-reset' });
      expect(t.policy()[0]).to.deep.include({ allowed: false, status: 'EFI_ACCESS_DENIED' });
    });

    it('wrmsr issues SMM_SC_WRMSR (RDX=MSR, R8=value) and the MSR holds the value', () => {
      const t = driver('- wrmsr: {msr: 0x277, value: 0x0007040600070406}');
      expect(t.run()).to.equal(0n);
      expect(t.syscalls).to.deep.equal([{ index: Syscall.WRMSR, args: [0x277n, 0x0007040600070406n, 0n] }]);
      expect(t.cpu.msr.read(0x277)).to.equal(0x0007040600070406n);
    });

    it('io_write reaches the port through SMM_SC_IO_WRITE (RDX=port, R8=MM_IO_UINT8/16/32, R9=value)', () => {
      const t = driver('- io_write: {port: 0x80, width: 1, value: 0x42}\n- io_write: {port: 0x80, width: 4, value: 0x12345678}');
      expect(t.run()).to.equal(0n);
      expect(t.syscalls).to.deep.equal([
        { index: Syscall.IO_WRITE, args: [0x80n, 0n, 0x42n] },
        { index: Syscall.IO_WRITE, args: [0x80n, 2n, 0x12345678n] },
      ]);
      expect(t.ports).to.deep.equal([{ port: 0x80, size: 1, value: 0x42 }, { port: 0x80, size: 4, value: 0x12345678 }]);
    });

    it('io_write denied by the policy (a dword to 0xCF8, strict width) is fatal and never reaches the port', () => {
      const t = driver('- io_write: {port: 0xCF8, width: 4, value: 0x80000000}');
      const seen: number[] = [];
      t.m.ports.attach(0xcf8, 4, { write: (_p, _s, v) => seen.push(v) });
      expect(() => t.run()).to.throw(MachineStop);
      expect(seen).to.deep.equal([]);
      expect(t.policy()[0]).to.deep.include({ allowed: false });
    });

    it('io_read returns the zero-extended port value via SMM_SC_IO_READ (R8 = width code)', () => {
      expect(driver('- io_read: {port: 0x80, width: 1}').run()).to.equal(0x5an);
      const t = driver('- io_read: {port: 0xCFE, width: 2}');
      expect(t.run()).to.equal(0xffffn);
      expect(t.syscalls).to.deep.equal([{ index: Syscall.IO_READ, args: [0xcfen, 1n, 0n] }]);
    });

    it('instruction: cli, wbinvd and hlt issue SMM_SC_CLI, SMM_SC_WBINVD and SMM_SC_HLT (allowed by the example policy)', () => {
      const t = driver('- instruction: cli\n- instruction: wbinvd\n- instruction: hlt');
      expect(t.run()).to.equal(0n);
      expect(t.syscalls.map((s) => s.index)).to.deep.equal([Syscall.CLI, Syscall.WBINVD, Syscall.HLT]);
      expect(t.policy().map((p) => p.what)).to.deep.equal(['CLI', 'WBINVD', 'HLT']);
    });

    it('a raw `asm: rdmsr` at CPL3 is not wrapped: #GP, telemetry names exception 13, no syscall', () => {
      const t = driver('- asm: |\n    mov ecx, 0x1B\n    rdmsr');
      expect(() => t.run()).to.throw(MachineStop);
      expect(t.syscalls).to.deep.equal([]);
      expect(t.m.trace.ofType('telemetry')[0].data).to.deep.include({ exceptionType: '0xd' });
    });

    it('read and write are plain CPL3 accesses: a user RW page works, a supervisor page faults (#PF)', () => {
      const probe = setupSupervisorCpu('ret');
      const user = probe.scratch; // user RW NX page (the same address in every harness machine)
      const w = driver(`- write: {address: ${user + 8}, value: 0x1122334455667788}\n- read: {address: ${user + 8}, width: 4}`);
      expect(w.run()).to.equal(0x55667788n);
      expect(w.m.smm.u64(user + 8)).to.equal(0x1122334455667788n);
      expect(w.syscalls).to.deep.equal([]);
      const idt = Number(w.mgr.idt);
      const r = driver(`- read: ${idt}`);
      expect(() => r.run()).to.throw(MachineStop);
      expect(r.m.trace.ofType('telemetry')[0].data).to.deep.include({ exceptionType: '0xe' });
    });

    it('execute calls the address: a user no-execute page faults (#PF)', () => {
      const user = setupSupervisorCpu('ret').scratch;
      const t = driver(`- execute: ${user}`);
      expect(() => t.run()).to.throw(MachineStop);
      const fault = t.m.trace.ofType('fault')[0].data as { vector: number; errorCode: number; rip: string };
      expect(fault.vector).to.equal(14);
      expect(fault.errorCode & 0x10, 'instruction fetch').to.equal(0x10);
      expect(BigInt(fault.rip)).to.equal(BigInt(user));
    });

    it('returns the return: status, else the last read value (kept across later actions), else EFI_SUCCESS', () => {
      expect(driver('- return: EFI_ACCESS_DENIED').run()).to.equal(0x800000000000000fn);
      expect(driver('- rdmsr: 0x1B\n- io_write: {port: 0x80, width: 1, value: 1}').run()).to.equal(0xfee00900n);
      expect(driver('- io_read: {port: 0x80, width: 1}\n- rdmsr: 0x1B').run()).to.equal(0xfee00900n);
      expect(driver('- rdmsr: 0x1B\n- return: EFI_SUCCESS').run()).to.equal(0n);
      expect(driver('- io_write: {port: 0x80, width: 1, value: 1}').run()).to.equal(0n);
      expect(driver('').run()).to.equal(0n);
    });

    it('keeps the x64 convention: 16-byte aligned calls, non-volatile registers of the caller preserved', () => {
      const saved = ['rbx', 'rbp', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15'];
      const compiled = compileActions(actions(`
- asm: |
    lea rax, [rsp + 8]
    test al, 0xF
    jz .aligned
    ud2
    .aligned:
- rdmsr: 0x1B
- io_write: {port: 0x80, width: 1, value: 1}
- instruction: hlt
`));
      const t = setupSupervisorCpu(`
caller:
${saved.map((r) => `  push ${r}`).join('\n')}
  sub rsp, 8
${saved.map((r, i) => `  mov ${r}, ${0x1111 * (i + 1)}`).join('\n')}
  call DriverActions
${saved.map((r, i) => `  mov rcx, ${0x1111 * (i + 1)}\n  cmp ${r}, rcx\n  jne caller_bad`).join('\n')}
  jmp caller_done
caller_bad:
  mov rax, 0xBAD
caller_done:
  add rsp, 8
${[...saved].reverse().map((r) => `  pop ${r}`).join('\n')}
  ret
${compiled}`);
      expect(t.run()).to.equal(0xfee00900n);
    });
  });

  it('at CPL0 the library routines execute the instruction itself (NeedSysCall is FALSE), as BaseLib does', () => {
    const text = `call DriverActions\njmp program_end\n${compileActions(actions('- rdmsr: 0x1B\n- instruction: cli\n- wrmsr: {msr: 0x277, value: 0x0606060606060606}'))}\nprogram_end:`;
    const out = runSnippet(assemble(text, { origin: 0x400000n }).bytes, { cpl: 0 });
    const raw = runSnippet(assemble('mov ecx, 0x1B\nrdmsr\nshl rdx, 32\nor rax, rdx').bytes, { cpl: 0 });
    expect(out.kind, JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).to.equal('completed');
    if (out.kind === 'completed' && raw.kind === 'completed') {
      expect(out.regs.rax).to.equal(raw.regs.rax); // the value of a real RDMSR (no SYSCALL: there is no LSTAR here)
      expect(out.rflags & 0x200n).to.equal(0n); // CLI executed
    }
  });
});
