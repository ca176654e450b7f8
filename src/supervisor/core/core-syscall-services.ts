import type { Cpu } from '../../cpu/cpu';
import { guidFromBytes } from '../../firmware/guid';
import type { SecurePolicy } from '../../firmware/policy';
import type { Machine } from '../../platform/machine';
import type { SupervisorProtocolDatabase } from '../dispatcher/protocol-database';
import type { MmiHandlerDatabase } from '../handler/mmi-handler-database';
import { MmramExhausted, PAGE, type MmramAllocator } from '../mem/mmram-allocator';
import type { PageTableManager } from '../mem/page-table-manager';
import { NOT_PRESENT } from '../mem/page-attributes';
import type { Demotion } from '../privilege/demotion';
import type { SyscallServices, UserRegistrations } from '../privilege/syscall-dispatcher';
import type { MmSaveStateReader } from '../relocate/smram-save-state';
import type { UnblockDatabase } from '../request/unblock-database';
import type { CommBufferRegistry } from './comm-buffers';
import { EFI } from './efi-codes';

/** The purpose recorded on SMM_ALOC_PAGE allocations: SMM_FREE_PAGE frees only those. */
const USER_PAGES_PURPOSE = 'user pages (SMM_ALOC_PAGE)';
const USER_RW_NX = { present: true, writable: true, user: true, executable: false } as const;

export interface CoreServiceParts {
  machine: Machine;
  allocator: MmramAllocator;
  ptm: PageTableManager;
  policy: () => SecurePolicy | null;
  handlers: MmiHandlerDatabase;
  protocols: SupervisorProtocolDatabase;
  registrations: () => UserRegistrations;
  demotion: () => Demotion;
  buffers: () => CommBufferRegistry;
  unblock: () => UnblockDatabase;
  saveState: MmSaveStateReader;
  hobListCopy: bigint;
  /** The supervisor configuration table (GUID → table address), SMM_INST_CONF_T. */
  configurationTable: Map<string, { table: bigint; size: bigint }>;
  handlerProfile: boolean;
}

/**
 * The core services behind the syscall dispatcher (supervisor-facts §3.7), over the real allocator, page tables,
 * handler and protocol databases: what each syscall does once its checks have passed.
 */
export function coreSyscallServices(p: CoreServiceParts): SyscallServices {
  return {
    policy: p.policy,
    installConfigurationTable: (guid, table, size) => {
      p.configurationTable.set(guidFromBytes(guid), { table, size });
      return EFI.SUCCESS;
    },
    allocateUserPages: (pages) => {
      if (pages <= 0) return null;
      try {
        const a = p.allocator.allocatePages(pages, 'user', 'data', USER_PAGES_PURPOSE);
        p.ptm.setAttributes(a, pages * PAGE, USER_RW_NX);
        p.machine.trace.record('page-table', { action: 'allocate-user-pages', base: BigInt(a), pages, result: 'user read-write no-execute' });
        return BigInt(a);
      } catch (e) {
        if (e instanceof MmramExhausted) return null;
        throw e;
      }
    },
    freeUserPages: (address, pages) => {
      const a = p.allocator.allocationAt(Number(address));
      if (a === undefined || a.owner !== 'user' || a.base !== Number(address) || a.pages !== pages || a.purpose !== USER_PAGES_PURPOSE) return EFI.NOT_FOUND;
      p.allocator.freePages(a.base, a.pages);
      p.ptm.setAttributes(a.base, a.pages * PAGE, NOT_PRESENT);
      return EFI.SUCCESS;
    },
    startupThisAp: (cpu, procedure, cpuIndex, argument) => startupThisAp(p, cpu, procedure, cpuIndex, argument),
    registerUserHandler: (handler, guid) => p.handlers.registerUser(handler, guid === null ? null : guidFromBytes(guid)),
    unregisterUserHandler: (handle) => p.handlers.unregister(handle, 'user'),
    installProtocol: (guid) => {
      p.protocols.installProtocolOnNewHandle(guidFromBytes(guid));
      return EFI.SUCCESS;
    },
    hobListCopy: () => p.hobListCopy,
    isUnblockedBuffer: (address, length) => p.unblock().isBufferOutsideMmValid(address, length),
    userCommBufferCopy: () => {
      const u = p.buffers().user;
      return { base: u.internalCopy, size: u.pages * 0x1000n };
    },
    saveStateRead: (_cpu, protocol, register, cpuIndex) => p.saveState.read(protocol, register, cpuIndex),
    saveStateRead2: (_cpu, protocol, width, buffer) => p.saveState.read2(protocol, width, buffer),
    numberOfCpus: () => p.machine.cpus.length,
    handlerProfileEnabled: () => p.handlerProfile,
  };
}

/**
 * SMM_START_AP_PROC (§3.3): runs the user procedure demoted on the target AP through the broker's AP trampoline.
 * The calling CPU cannot be the target; a NULL argument is refused by the demotion helper, so the procedure is
 * silently never run while the syscall still returns 0 (§3.3 [Q]).
 */
function startupThisAp(p: CoreServiceParts, cpu: Cpu, procedure: bigint, cpuIndex: number, argument: bigint): bigint {
  const target = p.machine.cpus[cpuIndex];
  if (target === undefined || cpuIndex === cpu.index) return EFI.INVALID_PARAMETER;
  const trampoline = p.registrations().apTrampoline;
  if (trampoline === null) return EFI.NOT_READY;
  p.machine.trace.record('ap-procedure', { from: cpu.index, cpu: cpuIndex, procedure, argument, ran: argument !== 0n });
  if (argument === 0n) return EFI.SUCCESS;
  p.demotion().invokeDemoted(target, trampoline, [procedure, argument]);
  return EFI.SUCCESS;
}
