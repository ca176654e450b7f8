import { MmspecError } from '../common/errors';

/** Architectural exception vectors (x86-smm-facts §3.3). */
export const Vector = {
  DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8, TS: 10, NP: 11, SS: 12, GP: 13, PF: 14, MF: 16, AC: 17,
  MC: 18, XM: 19, VE: 20, CP: 21,
} as const;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE divide error', 1: '#DB debug', 2: 'NMI', 3: '#BP breakpoint', 4: '#OF overflow', 5: '#BR bound', 6: '#UD invalid opcode',
  7: '#NM device not available', 8: '#DF double fault', 10: '#TS invalid TSS', 11: '#NP segment not present',
  12: '#SS stack fault', 13: '#GP general protection', 14: '#PF page fault', 16: '#MF x87', 17: '#AC alignment check',
  18: '#MC machine check', 19: '#XM SIMD', 20: '#VE virtualization', 21: '#CP control protection',
};

/** Vectors that push an error code in 64-bit mode (x86-smm-facts §3.3). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

/**
 * An architectural exception raised while executing an instruction. Thrown inside the CPU and caught by its
 * run loop, which rolls RIP back to the faulting instruction (faults) or leaves it after it (traps such as
 * INT3/INT n) and delivers the exception.
 */
export class CpuFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined,
    /** Human-readable cause for the trace, e.g. "RDMSR at CPL3". */
    readonly reason: string,
    /** Traps complete the instruction (RIP after it); faults restart it. */
    readonly isTrap = false,
    /** Software interrupt (INT n / INT3): gate DPL is checked against CPL. */
    readonly isSoftware = false,
  ) {}
}

export function gp(reason: string, errorCode = 0): CpuFault {
  return new CpuFault(Vector.GP, errorCode, reason);
}
export function ud(reason: string): CpuFault {
  return new CpuFault(Vector.UD, undefined, reason);
}

/** #PF error-code bits (x86-smm-facts §3.2). */
export const PfError = { P: 1, W: 2, U: 4, RSVD: 8, ID: 16 } as const;

/** Errors of the emulator itself (not architectural exceptions). */
export class CpuError extends MmspecError {}

/** The run exceeded its instruction budget: a runaway loop ends as this typed error, never as a hang. */
export class InstructionBudgetExceeded extends CpuError {
  constructor(readonly budget: number, readonly rip: bigint) {
    super('CPU_BUDGET_EXCEEDED', `instruction budget of ${budget} exhausted at RIP 0x${rip.toString(16)}`);
  }
}
