import { describe, it } from 'node:test';
import { expect } from 'chai';
import { MachineStop } from '../../../src/platform/machine-stop';
import { decodeTelemetry, TELEMETRY_SIZE } from '../../../src/supervisor/telemetry/telemetry-record';
import { CORE_GUID, DRIVER_GUID, setupSupervisorCpu as setup } from '../support/supervisor-cpu-harness';

const sc = (index: number, a1 = 0, a2 = 0, a3 = 0) => `mov eax, ${index}\nmov rdx, ${a1}\nmov r8, ${a2}\nmov r9, ${a3}\nsyscall\n`;

describe('supervisor syscalls from real CPL3 code under the example policy (§3.7, §4.7)', () => {
  it('item 37: a permitted RDMSR returns the MSR value in RAX', () => {
    const t = setup(sc(0x0, 0x1b) + 'ret');
    expect(t.run()).to.equal(0xfee00900n);
  });

  it('item 38: RDMSR of an MSR on the DENY list (EFER) is fatal: INT3 telemetry for the core, warm reset, no return', () => {
    const t = setup(sc(0x0, 0xc0000080) + 'mov eax, 7\nret');
    expect(() => t.run()).to.throw(MachineStop);
    expect(t.m.state).to.deep.include({ kind: 'warm-reset' });
    const tele = t.m.trace.ofType('telemetry')[0].data;
    expect(tele).to.deep.include({ exceptionType: '0x3', driverId: CORE_GUID, delivered: false });
    const pol = t.m.trace.ofType('policy')[0].data;
    expect(pol).to.deep.include({ allowed: false, status: 'EFI_ACCESS_DENIED', root: 1, entry: 0 });
  });

  it('item 45: a dword write to 0xCF8 is fatal, a byte write to 0xCF8 succeeds', () => {
    expect(setup(sc(0x4, 0xcf8, 0, 0x12) + 'ret').run()).to.equal(0n);
    const t = setup(sc(0x4, 0xcf8, 2, 0x80000000) + 'ret');
    expect(() => t.run()).to.throw(MachineStop);
  });

  it('item 46: writes touching 0xCFC–0xCFF are fatal, reads succeed', () => {
    expect(setup(sc(0x3, 0xcfe, 1) + 'ret').run()).to.equal(0xffffn);
    expect(() => setup(sc(0x4, 0xcfe, 0, 1) + 'ret').run()).to.throw(MachineStop);
  });

  it('item 43: an I/O width code outside {0,1,2} is fatal', () => {
    expect(() => setup(sc(0x3, 0x80, 3) + 'ret').run()).to.throw(MachineStop);
  });

  it('item 48: CLI, WBINVD and HLT are allowed by the example INSTRUCTION allow list; with no policy they are fatal', () => {
    expect(setup(sc(0x2) + sc(0x5) + sc(0x6) + 'ret').run()).to.equal(0n);
    expect(() => setup(sc(0x2) + 'ret', { policy: null }).run()).to.throw(MachineStop);
  });

  it('item 49: PROC_READ, PROC_WRITE, the pool syscalls and an undefined index are fatal', () => {
    for (const idx of [0x8, 0x9, 0x10002, 0x10003, 0x10030, 0xffff]) {
      const t = setup(sc(idx) + 'ret');
      expect(() => t.run(), `index 0x${idx.toString(16)}`).to.throw(MachineStop);
    }
  });

  it('items 54–55: SMM_REG_HDL_JMP, SMM_ERR_RPT_JMP and SMM_SET_CPL3_TBL succeed once; a second call is fatal', () => {
    const t = setup(`
      lea rdx, [rel tramp]
      lea r8, [rel tramp]
      mov eax, 0x10000
      syscall
      lea rdx, [rel tramp]
      mov eax, 0x1001c
      syscall
      mov eax, 0x10000
      syscall
      ret
    tramp: ret`);
    expect(() => t.run()).to.throw(MachineStop);
    expect(t.dispatcher.registrations.mmiTrampoline).to.not.equal(null);
    expect(t.m.trace.ofType('syscall-fatal')[0].data.syscall).to.match(/SMM_REG_HDL_JMP: trampolines already registered/);
  });

  it('item 56: a user-pointer argument in a supervisor page, an unmapped page or below 4 KiB is fatal', () => {
    const t0 = setup(sc(0x1001a, 0x800) + 'ret'); // INST_PROT with a GUID pointer below 4 KiB
    expect(() => t0.run()).to.throw(MachineStop);
    const t1 = setup('ret');
    const sup = t1.mgr.idt;
    const t2 = setup(sc(0x1001a, sup) + 'ret');
    expect(() => t2.run()).to.throw(MachineStop);
    const t3 = setup(sc(0x1001a, 0x10000000) + 'ret');
    expect(() => t3.run()).to.throw(MachineStop);
  });

  it('item 51: SMM_ALOC_PAGE type 6 returns user RW NX pages; type 5 is fatal (item 52)', () => {
    const t = setup(sc(0x10004, 0, 6, 2) + 'mov rbx, rax\nmov qword [rbx], 5\nmov rax, rbx\nret');
    const a = t.run();
    expect(a > 0n).to.equal(true);
    expect(t.m.smm.u64(Number(a))).to.equal(5n);
    expect(() => setup(sc(0x10004, 0, 5, 1) + 'ret').run()).to.throw(MachineStop);
  });

  it('item 61: SMM_MM_IS_COMM_BUFF returns 0 inside the user comm-buffer copy and EFI_SECURITY_VIOLATION elsewhere, without halting', () => {
    expect(setup(sc(0x10023, 0x3f900010, 0x10) + 'ret').run()).to.equal(0n);
    expect(setup(sc(0x10023, 0x10000000, 0x10) + 'ret').run()).to.equal(0x800000000000001an);
  });

  it('items 114 and 117–118: a direct RDMSR at CPL3 ends in telemetry delivered to the registered reporter at CPL3, then warm reset', () => {
    const t = setup(`
      lea rdx, [rel reporter]
      mov eax, 0x1001c
      syscall
      mov ecx, 0x1b
    fault:
      rdmsr
      ret
    reporter:
      mov [rel seen_cpu], rcx
      mov rax, [rdx]
      mov [rel seen_sig], rax
      ret
    align 8
    seen_cpu: dq 0
    seen_sig: dq 0`);
    // (the reporter's writes to its own read-only code page fault again; the handler does not report twice)
    expect(() => t.run()).to.throw(MachineStop);
    const tele = t.m.trace.ofType('telemetry')[0].data;
    expect(tele).to.deep.include({ exceptionType: '0xd', driverId: DRIVER_GUID, delivered: true, driverLoadAddress: `0x${t.routine.toString(16)}` });
    const rec = decodeTelemetry(t.m.smm.read(t.scratch + 8, TELEMETRY_SIZE));
    expect(rec.signature).to.equal(0x5456534d);
    expect(rec.size).to.equal(0x388);
    expect(rec.exceptionRip > t.routine).to.equal(true);
    expect(t.m.state.kind).to.equal('warm-reset');
  });

  it('item 119 and §9.4: without a reporter the fault still ends the run; in halt mode it hangs', () => {
    const t = setup('rdmsr\nret', { reboot: false });
    expect(() => t.run()).to.throw(MachineStop);
    expect(t.m.state.kind).to.equal('hang');
    expect(t.m.trace.ofType('telemetry')[0].data.delivered).to.equal(false);
  });
});
