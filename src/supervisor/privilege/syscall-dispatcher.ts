import type { Cpu } from '../../cpu/cpu';
import { CpuFault } from '../../cpu/cpu-fault';
import { IF } from '../../cpu/flags';
import { efiStatusName } from '../../firmware/efi-status';
import { EFI } from '../core/efi-codes';
import { isInstructionExecutionAllowed, isIoReadWriteAllowed, isMsrReadWriteAllowed, type GateDecision } from '../../firmware/policy/policy-gates';
import type { SecurePolicy } from '../../firmware/policy/policy-types';
import type { Machine } from '../../platform/machine';
import type { PageTableManager } from '../mem/page-table-manager';

/** Syscall indices (Include/Library/SysCallLib.h, supervisor-facts §3.6). */
export const Syscall = {
  RDMSR: 0x0000, WRMSR: 0x0001, CLI: 0x0002, IO_READ: 0x0003, IO_WRITE: 0x0004, WBINVD: 0x0005, HLT: 0x0006,
  SVST_READ: 0x0007, PROC_READ: 0x0008, PROC_WRITE: 0x0009,
  REG_HDL_JMP: 0x10000, INST_CONF_T: 0x10001, ALOC_POOL: 0x10002, FREE_POOL: 0x10003, ALOC_PAGE: 0x10004, FREE_PAGE: 0x10005,
  START_AP_PROC: 0x10006, REG_HNDL: 0x10007, UNREG_HNDL: 0x10018, SET_CPL3_TBL: 0x10019, INST_PROT: 0x1001a, QRY_HOB: 0x1001b,
  ERR_RPT_JMP: 0x1001c, MM_HDL_REG_1: 0x1001d, MM_HDL_REG_2: 0x1001e, MM_HDL_UNREG_1: 0x1001f, MM_HDL_UNREG_2: 0x10020,
  SVST_READ_2: 0x10021, MM_UNBLOCKED: 0x10022, MM_IS_COMM_BUFF: 0x10023,
} as const;

export const SYSCALL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Syscall).map(([k, v]) => [v, `SMM_${k.startsWith('SVST') || ['RDMSR', 'WRMSR', 'CLI', 'IO_READ', 'IO_WRITE', 'WBINVD', 'HLT', 'PROC_READ', 'PROC_WRITE'].includes(k) ? 'SC_' : ''}${k}`]));


/** A syscall that must not return to the caller (§3.8): the status the dispatcher ended with and why. */
export class FatalSyscall extends Error {
  constructor(readonly index: number, readonly status: bigint, readonly why: string) {
    super(`${SYSCALL_NAMES[index] ?? `syscall 0x${index.toString(16)}`}: ${why} (${efiStatusName(status)})`);
  }
}

/**
 * sizeof (EFI_MM_SYSTEM_TABLE) on X64 (PI PiMmCis.h: 24-byte header, vendor, revision, configuration-table
 * install, the 32-byte MmIo, pool/page services, StartupThisAp, CPU fields, configuration table, six protocol
 * services, MmiManage, MmiHandlerRegister/UnRegister: 0xF0). SET_CPL3_TBL checks that many bytes (§3.7).
 */
export const MMST_SIZE = 0xf0;

/**
 * What the syscall dispatcher needs from the rest of the supervisor (core services). Each returns an
 * EFI status (0n = success) or a value; a non-success status from these makes the syscall fatal, as the
 * real dispatcher's "internal status is an error when it finishes" rule says (§3.7).
 */
export interface SyscallServices {
  policy(): SecurePolicy | null;
  installConfigurationTable(guid: Uint8Array, table: bigint, size: bigint): bigint;
  /** Allocates user RW NX MMRAM pages; null when MMRAM is exhausted. */
  allocateUserPages(pages: number): bigint | null;
  /** Frees an MM-allocated user range; EFI_NOT_FOUND if it is not one. */
  freeUserPages(address: bigint, pages: number): bigint;
  startupThisAp(cpu: Cpu, procedure: bigint, cpuIndex: number, argument: bigint): bigint;
  registerUserHandler(handler: bigint, guid: Uint8Array | null): bigint;
  unregisterUserHandler(handle: bigint): bigint;
  installProtocol(guid: Uint8Array): bigint;
  hobListCopy(): bigint;
  /** MmIsBufferOutsideMmValid for user code (§7.4): outside MMRAM, inside one unblocked entry. */
  isUnblockedBuffer(address: bigint, length: bigint): boolean;
  /** The MMRAM internal copy of the user comm buffer. */
  userCommBufferCopy(): { base: bigint; size: bigint };
  /** Save-state read protocol (§3.7 SVST_READ / SVST_READ_2); returns the status to hand back. */
  saveStateRead(cpu: Cpu, protocol: bigint, register: number, cpuIndex: number): void;
  saveStateRead2(cpu: Cpu, protocol: bigint, width: bigint, buffer: bigint): bigint;
  numberOfCpus(): number;
  /** Handler-profile support (PcdSmiHandlerProfilePropertyMask bit 0). */
  handlerProfileEnabled(): boolean;
}

/** Registrations user code makes once (§3.7: each "already set → fatal"). */
export interface UserRegistrations {
  mmiTrampoline: bigint | null;
  apTrampoline: bigint | null;
  cpl3Table: bigint | null;
  errorReporter: bigint | null;
}

/**
 * SyscallDispatcher (Core/PrivilegeMgmt/SyscallDispatcher.c, supervisor-facts §3.5–§3.8): every index with its
 * checks in the documented order. Arguments arrive as the user-side ABI puts them: RAX = index, RDX = Arg1,
 * R8 = Arg2, R9 = Arg3. A failing check throws FatalSyscall (the caller turns it into the fatal path);
 * only SVST_READ_2 and MM_IS_COMM_BUFF return an error code to the caller.
 */
export class SyscallDispatcher {
  readonly registrations: UserRegistrations = { mmiTrampoline: null, apTrampoline: null, cpl3Table: null, errorReporter: null };
  private profileSequence: 'none' | 'reg' | 'unreg' = 'none';

  constructor(private readonly machine: Machine, private readonly ptm: PageTableManager, private readonly services: SyscallServices) {}

  /**
   * InspectTargetRangeOwnership (§3.7 "user range"): p ≥ 4 KiB, n ≠ 0, and the page-rounded range has
   * uniform page-table attributes with SP clear (a present user page).
   */
  isUserRange(p: bigint, n: bigint): boolean {
    if (p < 0x1000n || n === 0n) return false;
    if (p + n > 1n << BigInt(this.ptm.physBits)) return false;
    const a = this.ptm.uniformAttributes(Number(p), Number(n));
    return a !== null && a.present && a.user;
  }

  private readGuid(p: bigint): Uint8Array {
    return this.machine.smm.read(Number(p), 16);
  }

  /** Runs one syscall for `cpu` (at the syscall entry, CPL0) and returns the value for RAX. */
  dispatch(cpu: Cpu): bigint {
    const index = Number(cpu.getReg64(0) & 0xffffffffffffn);
    const a1 = cpu.getReg64(2), a2 = cpu.getReg64(8), a3 = cpu.getReg64(9);
    const fatal = (status: bigint, why: string): never => {
      throw new FatalSyscall(index, status, why);
    };
    const gate = (d: GateDecision, what: string): void => {
      this.machine.trace.record('policy', { syscall: SYSCALL_NAMES[index], what, allowed: d.allowed, status: d.status, root: d.root, entry: d.entry, reason: d.reason });
      if (!d.allowed) fatal(d.value, `${what} denied by policy: ${d.reason}`);
    };
    this.machine.trace.record('syscall', { cpu: cpu.index, name: SYSCALL_NAMES[index] ?? `0x${index.toString(16)}`, arg1: a1, arg2: a2, arg3: a3 });
    const policy = (): SecurePolicy => this.services.policy() ?? fatal(EFI.SECURITY_VIOLATION, 'no firmware policy is loaded (the gates would dereference NULL, §4.5)');
    const userRange = (p: bigint, n: bigint, what: string): void => {
      if (!this.isUserRange(p, n)) fatal(EFI.SECURITY_VIOLATION, `${what} 0x${p.toString(16)} (+0x${n.toString(16)}) is not a user-owned range`);
    };
    const ok = (status: bigint, what: string): void => {
      if (status !== 0n) fatal(status, what);
    };
    switch (index) {
      case Syscall.RDMSR: {
        gate(isMsrReadWriteAllowed(policy(), Number(a1 & 0xffffffffn), 1), `RDMSR 0x${a1.toString(16)}`);
        return this.privileged(cpu, () => cpu.msr.read(Number(a1 & 0xffffffffn)));
      }
      case Syscall.WRMSR: {
        gate(isMsrReadWriteAllowed(policy(), Number(a1 & 0xffffffffn), 2), `WRMSR 0x${a1.toString(16)}`);
        this.privileged(cpu, () => {
          cpu.msr.write(Number(a1 & 0xffffffffn), a2);
          return 0n;
        });
        return 0n;
      }
      case Syscall.CLI:
        gate(isInstructionExecutionAllowed(policy(), 0), 'CLI');
        cpu.rflagsRest = (cpu.rflagsRest & ~IF) >>> 0;
        return 0n;
      case Syscall.WBINVD:
        gate(isInstructionExecutionAllowed(policy(), 1), 'WBINVD');
        return 0n;
      case Syscall.HLT:
        // CpuSleep in SMM: the CPU would stop until the next event; with IF = 0 in SMM this returns at once
        // in the model (documented simplification).
        gate(isInstructionExecutionAllowed(policy(), 2), 'HLT');
        return 0n;
      case Syscall.IO_READ:
      case Syscall.IO_WRITE: {
        const width = Number(a2);
        if (a2 > 2n) fatal(EFI.INVALID_PARAMETER, `I/O width code ${a2} is not 0, 1 or 2`);
        const write = index === Syscall.IO_WRITE;
        gate(isIoReadWriteAllowed(policy(), a1, width, write ? 2 : 1), `${write ? 'OUT' : 'IN'} port 0x${a1.toString(16)} width ${[1, 2, 4][width]}`);
        const bytes = [1, 2, 4][width];
        if (write) {
          this.machine.ports.write(Number(a1), bytes, Number(a3 & 0xffffffffn), cpu);
          this.machine.trace.record('port-write', { cpu: cpu.index, port: Number(a1), width: bytes, value: a3 & ((1n << BigInt(8 * bytes)) - 1n) });
          return 0n;
        }
        return BigInt(this.machine.ports.read(Number(a1), bytes, cpu) >>> 0);
      }
      case Syscall.SVST_READ: {
        if (a1 === 0n) fatal(EFI.INVALID_PARAMETER, 'NULL MM CPU protocol pointer');
        if (a2 > 514n) fatal(EFI.INVALID_PARAMETER, `save-state register ${a2} > 514 (PROCESSOR_ID)`);
        if (a3 >= BigInt(this.services.numberOfCpus())) fatal(EFI.INVALID_PARAMETER, `CPU index ${a3} ≥ NumberOfCpus`);
        this.services.saveStateRead(cpu, a1, Number(a2), Number(a3));
        return 0n;
      }
      case Syscall.SVST_READ_2: {
        if (a1 === 0n) fatal(EFI.INVALID_PARAMETER, 'NULL MM CPU protocol pointer');
        userRange(a3, a2, 'save-state destination');
        return this.services.saveStateRead2(cpu, a1, a2, a3); // returned, non-fatal (§3.7)
      }
      case Syscall.PROC_READ:
      case Syscall.PROC_WRITE:
        return fatal(EFI.INVALID_PARAMETER, 'not implemented by the supervisor');
      case Syscall.REG_HDL_JMP:
        if (this.registrations.mmiTrampoline !== null || this.registrations.apTrampoline !== null) fatal(EFI.ALREADY_STARTED, 'trampolines already registered');
        userRange(a1, 8n, 'MMI trampoline');
        userRange(a2, 8n, 'AP trampoline');
        this.registrations.mmiTrampoline = a1;
        this.registrations.apTrampoline = a2;
        return 0n;
      case Syscall.INST_CONF_T:
        userRange(a1, 16n, 'configuration-table GUID');
        userRange(a2, a3, 'configuration table');
        ok(this.services.installConfigurationTable(this.readGuid(a1), a2, a3), 'configuration-table install failed');
        return 0n;
      case Syscall.ALOC_POOL:
      case Syscall.FREE_POOL:
        return fatal(EFI.UNSUPPORTED, 'pool syscalls are deprecated');
      case Syscall.ALOC_PAGE: {
        if (cpu.index !== 0) fatal(EFI.ACCESS_DENIED, 'page allocation on an AP');
        if (a2 === 5n) fatal(EFI.UNSUPPORTED, 'memory type 5 (runtime code) is not supported');
        if (a2 !== 6n) fatal(EFI.INVALID_PARAMETER, `memory type ${a2} is not EfiRuntimeServicesData`);
        // only AllocateAnyPages can succeed: the limit/target passed to the allocator is 0 (§3.7)
        if (a1 !== 0n) fatal(EFI.NOT_FOUND, `allocation type ${a1} with address 0 cannot be satisfied`);
        const addr = this.services.allocateUserPages(Number(a3));
        if (addr === null) return fatal(EFI.OUT_OF_RESOURCES, `${a3} page(s) not available`);
        return addr;
      }
      case Syscall.FREE_PAGE: {
        if (a2 > 0xfffffffffffffn) fatal(EFI.INVALID_PARAMETER, 'page count too large');
        userRange(a1, a2 * 0x1000n, 'pages to free');
        ok(this.services.freeUserPages(a1, Number(a2)), 'not an MM-allocated range');
        return 0n;
      }
      case Syscall.START_AP_PROC: {
        userRange(a1, 1n, 'AP procedure');
        if (a2 >= BigInt(this.services.numberOfCpus())) fatal(EFI.INVALID_PARAMETER, `CPU index ${a2} ≥ NumberOfCpus`);
        if (a3 !== 0n) userRange(a3, 1n, 'AP procedure argument');
        ok(this.services.startupThisAp(cpu, a1, Number(a2), a3), 'the AP procedure could not be scheduled');
        return 0n;
      }
      case Syscall.REG_HNDL: {
        userRange(a1, 1n, 'MMI handler');
        if (a2 !== 0n) userRange(a2, 16n, 'MMI handler GUID');
        return this.services.registerUserHandler(a1, a2 === 0n ? null : this.readGuid(a2));
      }
      case Syscall.UNREG_HNDL:
        ok(this.services.unregisterUserHandler(a1), `handle 0x${a1.toString(16)} is unknown or a supervisor handle`);
        return 0n;
      case Syscall.SET_CPL3_TBL:
        userRange(a1, BigInt(MMST_SIZE), 'user MMST');
        if (this.registrations.cpl3Table !== null) fatal(EFI.ALREADY_STARTED, 'the CPL3 services table is already set');
        this.registrations.cpl3Table = a1;
        return 0n;
      case Syscall.INST_PROT:
        userRange(a1, 16n, 'protocol GUID');
        ok(this.services.installProtocol(this.readGuid(a1)), 'protocol install failed');
        return 0n;
      case Syscall.QRY_HOB:
        return this.services.hobListCopy();
      case Syscall.ERR_RPT_JMP:
        userRange(a1, 1n, 'error-report routine');
        if (this.registrations.errorReporter !== null) fatal(EFI.ALREADY_STARTED, 'the error reporter is already registered');
        this.registrations.errorReporter = a1;
        return 0n;
      case Syscall.MM_HDL_REG_1:
      case Syscall.MM_HDL_REG_2:
      case Syscall.MM_HDL_UNREG_1:
      case Syscall.MM_HDL_UNREG_2: {
        userRange(a1, 16n, 'handler-profile GUID');
        if (!this.services.handlerProfileEnabled()) fatal(EFI.UNSUPPORTED, 'handler profiling is disabled');
        const second = index === Syscall.MM_HDL_REG_2 || index === Syscall.MM_HDL_UNREG_2;
        const kind = index === Syscall.MM_HDL_REG_1 || index === Syscall.MM_HDL_REG_2 ? 'reg' : 'unreg';
        if (second && this.profileSequence !== kind) fatal(EFI.NOT_STARTED, 'the second half of a handler-profile call without the first');
        if (a2 !== 0n) userRange(a2, 1n, 'handler-profile context');
        this.profileSequence = second ? 'none' : kind;
        return 0n;
      }
      case Syscall.MM_UNBLOCKED:
        // §7.4: the user-mode flavour also requires the pages of the first 16 bytes to be user-owned, so supervisor-owned
        // unblocked regions (comm buffers, mailboxes) answer 0 (§12 item 60).
        return this.services.isUnblockedBuffer(a1, a2) && this.isUserRange(a1, 16n) ? 1n : 0n;
      case Syscall.MM_IS_COMM_BUFF: {
        const c = this.services.userCommBufferCopy();
        const inside = a2 !== 0n && a1 >= c.base && a1 + a2 <= c.base + c.size;
        return inside ? 0n : EFI.SECURITY_VIOLATION; // returned, non-fatal (item 61)
      }
      default:
        return fatal(EFI.INVALID_PARAMETER, `unknown syscall index 0x${index.toString(16)}`);
    }
  }

  /**
   * The privileged instruction the supervisor executes on the caller's behalf (RDMSR/WRMSR at CPL0). An
   * architectural fault there (an unimplemented MSR) is a CPU exception in the supervisor: fatal.
   */
  private privileged(cpu: Cpu, op: () => bigint): bigint {
    try {
      return op();
    } catch (e) {
      if (e instanceof CpuFault) throw new FatalSyscall(Number(cpu.getReg64(0) & 0xffffffffffffn), EFI.DEVICE_ERROR, `#GP in the supervisor: ${e.reason}`);
      throw e;
    }
  }
}
