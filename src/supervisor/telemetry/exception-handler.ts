import type { Cpu } from '../../cpu/cpu';
import { VECTOR_NAMES } from '../../cpu/cpu-fault';
import { PfError } from '../../cpu/cpu-fault';
import { toU64 } from '../../cpu/address';
import type { Machine } from '../../platform/machine';
import type { Demotion } from '../privilege/demotion';
import type { FatalSyscall, UserRegistrations } from '../privilege/syscall-dispatcher';
import type { ExceptionFrame } from '../relocate/smm-cpu-manager';
import { TELEMETRY_SCRATCH_OFFSET, encodeTelemetry, type TelemetryRecord } from './telemetry-record';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** Finds the loaded image (a user driver or the core itself) containing an address. */
export interface LoadedImageLookup {
  imageAt(address: bigint): { guid: string; base: bigint; name: string } | undefined;
}

export interface ExceptionHandlerOptions {
  /**
   * mSmmRebootOnException (§9.4): TRUE → warm reset after telemetry; FALSE → the CPU spins forever (hang).
   * The platform's "a fatal violation resets/hangs the system".
   */
  rebootOnException: boolean;
}

/**
 * The supervisor's generic exception handler (Core/Telemetry, Core/Mem/PageTbl.c; supervisor-facts §9.1–§9.4):
 * every CPU exception in MM, at CPL0 or CPL3, is fatal. It classifies page faults, builds the MSVT telemetry
 * record in the user-owned scratch page, hands it to the error-report driver at CPL3 when one registered its
 * routine (SMM_ERR_RPT_JMP), and then resets or hangs the machine.
 */
export class SupervisorExceptionHandler {
  private readonly handling = new Set<number>();

  constructor(
    private readonly machine: Machine,
    private readonly demotion: Demotion,
    private readonly registrations: UserRegistrations,
    /** The supervisor-to-user scratch page (user-owned): telemetry record at offset 8. */
    private readonly scratchPage: number,
    private readonly images: LoadedImageLookup,
    private readonly mmram: readonly { base: number; size: number }[],
    private readonly options: ExceptionHandlerOptions,
  ) {}

  private inMmram(a: bigint): boolean {
    return this.mmram.some((r) => a >= BigInt(r.base) && a < BigInt(r.base + r.size));
  }

  /** §9.2: what kind of page fault this is (all are fatal in the supervisor's configuration). */
  classifyPageFault(address: bigint, errorCode: number): string {
    const fetch = (errorCode & PfError.ID) !== 0, user = (errorCode & PfError.U) !== 0;
    if (this.inMmram(address)) {
      if (user) return 'CPL3 access to a supervisor or unmapped MMRAM page';
      return fetch ? 'instruction fetch fault inside MMRAM' : 'data access fault inside MMRAM';
    }
    if (fetch) return 'code executed outside SMM';
    if (address < 0x1000n) return 'NULL pointer access';
    if (user && (errorCode & PfError.P) !== 0) return 'CPL3 access to a supervisor page outside MMRAM';
    return 'access to a forbidden address outside MMRAM';
  }

  /** Handles an exception delivered through the supervisor IDT. Never returns. */
  onException(cpu: Cpu, frame: ExceptionFrame): never {
    const cpl = frame.cs & 3;
    let detail = VECTOR_NAMES[frame.vector] ?? `vector ${frame.vector}`;
    if (frame.vector === 14) detail = `#PF at 0x${toU64(cpu.cr2).toString(16)}: ${this.classifyPageFault(toU64(cpu.cr2), frame.errorCode ?? 0)}`;
    this.machine.trace.record('fault', { cpu: cpu.index, vector: frame.vector, errorCode: frame.errorCode, rip: frame.rip, cpl, detail });
    return this.fatal(cpu, BigInt(frame.vector), frame.rip, `${detail} at RIP 0x${frame.rip.toString(16)} (CPL${cpl})`);
  }

  /**
   * The fatal syscall path (§3.8): in reboot mode the supervisor raises INT3 at CPL0, whose telemetry is
   * attributed to the supervisor core image, then warm-resets; in halt mode it spins without telemetry.
   */
  onFatalSyscall(cpu: Cpu, err: FatalSyscall, coreRip: bigint): never {
    this.machine.trace.record('syscall-fatal', { cpu: cpu.index, syscall: err.message, status: err.status });
    if (!this.options.rebootOnException) return this.machine.stop('hang', `fatal syscall: ${err.message}`);
    return this.fatal(cpu, 3n, coreRip, `fatal syscall: ${err.message}`);
  }

  private fatal(cpu: Cpu, exceptionType: bigint, rip: bigint, reason: string): never {
    if (!this.handling.has(cpu.index)) {
      this.handling.add(cpu.index);
      try {
        this.report(cpu, exceptionType, rip);
      } finally {
        this.handling.delete(cpu.index);
      }
    }
    return this.machine.stop(this.options.rebootOnException ? 'warm-reset' : 'hang', reason);
  }

  /** PrepareNReportError (§9.3). */
  private report(cpu: Cpu, exceptionType: bigint, rip: bigint): void {
    let record: TelemetryRecord;
    if (this.inMmram(rip)) {
      const image = this.images.imageAt(rip);
      if (image === undefined) {
        this.machine.trace.record('telemetry', { delivered: false, why: 'the faulting image could not be identified', rip });
        return;
      }
      record = { exceptionType, driverId: image.guid, exceptionRip: rip, driverLoadAddress: image.base };
    } else {
      record = { exceptionType, driverId: ZERO_GUID, exceptionRip: rip, driverLoadAddress: rip };
    }
    const reporter = this.registrations.errorReporter;
    // §9.3 step 1: without a registered trampoline PrepareNReportError returns EFI_NOT_READY before it places any
    // record (item 119); the trace still says what would have been reported.
    if (reporter === null) {
      this.machine.trace.record('telemetry', { ...record, delivered: false, record: null });
      return;
    }
    const recordAddress = this.scratchPage + TELEMETRY_SCRATCH_OFFSET;
    this.machine.smm.write(recordAddress, encodeTelemetry(record));
    this.machine.trace.record('telemetry', { ...record, delivered: true, record: recordAddress });
    this.demotion.invokeDemoted(cpu, reporter, [BigInt(cpu.index), BigInt(recordAddress)]);
  }
}
