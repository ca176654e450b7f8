/** A supervisor CPU layer (page tables, SMM CPU structures, demotion, syscalls, exceptions) on a q35 machine. */
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

export const EXAMPLE = join(__dirname, '..', '..', '..', '..', 'shared', 'external', 'MmIsolationPoliciesExample.xml');
export const CORE_GUID = '4e4c89dc-a452-4b6b-b183-f16a2a223733';
export const DRIVER_GUID = '11111111-2222-3333-4444-555555555555';

export function setupSupervisorCpu(code: string, options: { reboot?: boolean; policy?: SecurePolicy | null; services?: Partial<SyscallServices> } = {}) {
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
    ...options.services,
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
  return { m, cpu, demotion, dispatcher, routine: BigInt(routine), scratch, mgr, alloc, ptm, services, run: () => demotion.invokeDemoted(cpu, BigInt(routine), []) };
}

