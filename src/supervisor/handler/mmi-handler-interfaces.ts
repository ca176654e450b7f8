import type { AttributeLookupError, RangeAttributes } from '../core/memory-attributes';
import type { CommSize } from './comm-size';

/** Who registered a handler (supervisor-facts §8.5 step 7). */
export type HandlerOwner = 'user' | 'supervisor';

/**
 * A supervisor MMI handler: TypeScript running at CPL0 with the C signature
 * (DispatchHandle, Context, CommBuffer, *CommBufferSize) → EFI_STATUS (§8.5). CommBuffer is a physical address in
 * the MMRAM internal copy, or null.
 */
export type SupervisorMmiHandler = (dispatchHandle: bigint, context: bigint, commBuffer: bigint | null, commBufferSize: CommSize | null) => bigint;

/** Page-table attribute lookups for path selection (§8.5 step 2); the lead's PageTableManager walks the real tables. */
export interface PageAttributeSource {
  /** Uniform EFI_MEMORY_* attributes of [base, base+length), or the lookup error (length 0, mixed attributes …). */
  attributesOf(base: bigint, length: bigint): RangeAttributes | AttributeLookupError;
}

/** Runs CPL3 code: `Privilege.invokeDemoted` (README contract; §3.2). Returns RAX. */
export interface UserCodeInvoker {
  invokeDemoted(cpuIndex: number, routine: bigint, args: readonly bigint[]): bigint;
}

/** The broker's user MMI trampoline `CentralRing3JumpPointer`, registered by syscall SMM_REG_HDL_JMP (§3.2, §3.7). */
export interface BrokerTrampolineSource {
  /** The trampoline address, or undefined while the broker has not registered it. */
  mmiHandlerTrampoline(): bigint | undefined;
}

/** Trace sink (MachineTrace satisfies it). */
export interface TraceSink {
  record(type: string, data: Record<string, unknown>): void;
}
