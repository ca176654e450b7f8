import { describe, it } from 'node:test';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../../../src/asm';
import type { Cpu } from '../../../src/cpu/cpu';
import { compileXml } from '../../../src/firmware/policy/policy-xml';
import { parsePolicy } from '../../../src/firmware/policy/policy-binary';
import type { SecurePolicy } from '../../../src/firmware/policy/policy-types';
import { Machine } from '../../../src/platform/machine';
import { MachineStop } from '../../../src/platform/machine-stop';
import { q35Spec } from '../../../src/platform/q35-spec';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import { Demotion } from '../../../src/supervisor/privilege/demotion';
import { FatalSyscall, SyscallDispatcher, type SyscallServices } from '../../../src/supervisor/privilege/syscall-dispatcher';
import { SmmCpuManager } from '../../../src/supervisor/relocate/smm-cpu-manager';
import { SupervisorExceptionHandler } from '../../../src/supervisor/telemetry/exception-handler';
import { decodeTelemetry, TELEMETRY_SIZE } from '../../../src/supervisor/telemetry/telemetry-record';

const EXAMPLE = join(__dirname, '..', '..', '..', '..', 'shared', 'external', 'MmIsolationPoliciesExample.xml');
const CORE_GUID = '4e4c89dc-a452-4b6b-b183-f16a2a223733';
const DRIVER_GUID = '11111111-2222-3333-4444-555555555555';

function setup(code: string, options: { reboot?: boolean; policy?: SecurePolicy | null } = {}) {
  const m = new Machine(q35Spec({ cpus: 1 }));
  const reserved = m.cpus.map((c) => ({ base: c.smm.smbase + 0x8000, size: 0x8000 }));
  const mmram = [{ base: m.chipset.tsegBase, size: m.chipset.tsegSize }];
  const alloc = new MmramAllocator(mmram, reserved);
  const ptm = new PageTableManager(m.smm, alloc, () => m.cpus.forEach((c) => c.flushTlb()));
  const policy = options.policy === undefined ? parsePolicy(compileXml(readFileSync(EXAMPLE, 'utf8'), EXAMPLE)) : options.policy;
  const scratch = alloc.allocatePages(1, 'user', 'data', 'supervisor-to-user scratch');
  ptm.setAttributes(scratch, 0x1000, { present: true, writable: true, user: true, executable: false });
  const services: SyscallServices = {
    policy: () => policy,
    installConfigurationTable: () => 0n,
    allocateUserPages: (n) => {
      const a = alloc.allocatePages(n, 'user', 'data', 'user pages');
      ptm.setAttributes(a, n * 0x1000, { present: true, writable: true, user: true, executable: false });
      return BigInt(a);
    },
    freeUserPages: () => 0n,
    startupThisAp: () => 0n,
    registerUserHandler: () => 0x1234n,
    unregisterUserHandler: () => 0n,
    installProtocol: () => 0n,
    hobListCopy: () => 0xabc000n,
    isUnblockedBuffer: () => false,
    userCommBufferCopy: () => ({ base: 0x3f900000n, size: 0x10000n }),
    saveStateRead: () => undefined,
    saveStateRead2: () => 0n,
    numberOfCpus: () => 1,
    handlerProfileEnabled: () => false,
  };
  let dispatcher!: SyscallDispatcher;
  let handler!: SupervisorExceptionHandler;
  const mgr = new SmmCpuManager(m, alloc, ptm, {
    onSmi: () => undefined,
    onException: (cpu, f) => handler.onException(cpu, f),
    onSyscall: (cpu: Cpu) => {
      try {
        return dispatcher.dispatch(cpu);
      } catch (e) {
        if (e instanceof FatalSyscall) handler.onFatalSyscall(cpu, e, BigInt(mgr.stubs.syscallEntry));
        throw e;
      }
    },
  });
  for (const x of mgr.mappings()) ptm.setAttributes(x.base, x.size, x.attributes);
  dispatcher = new SyscallDispatcher(m, ptm, services);
  const demotion = new Demotion(m, mgr);
  const routine = alloc.allocatePages(1, 'user', 'code', 'test driver');
  m.smm.write(routine, assemble(code, { origin: BigInt(routine) }).bytes);
  ptm.setAttributes(routine, 0x1000, { present: true, writable: false, user: true, executable: true });
  const images = {
    imageAt: (a: bigint) => (a >= BigInt(routine) && a < BigInt(routine + 0x1000) ? { guid: DRIVER_GUID, base: BigInt(routine), name: 'TestDriver' }
      : a >= BigInt(mgr.stubs.page) && a < BigInt(mgr.stubs.page + 0x1000) ? { guid: CORE_GUID, base: BigInt(mgr.stubs.page), name: 'MmSupervisorCore' } : undefined),
  };
  handler = new SupervisorExceptionHandler(m, demotion, dispatcher.registrations, scratch, images, mmram, { rebootOnException: options.reboot ?? true });
  const cpu = m.cpus[0];
  cpu.smm.inSmm = true;
  mgr.enterLongMode(cpu);
  return { m, cpu, demotion, dispatcher, routine: BigInt(routine), scratch, mgr, run: () => demotion.invokeDemoted(cpu, BigInt(routine), []) };
}

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
