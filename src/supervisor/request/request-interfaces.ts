import type { MemDescriptor } from '../../firmware/policy';
import type { AttributeLookupError, RangeAttributes } from '../core/memory-attributes';

/** Uniform page-table attributes of a range (the lead's PageTableManager; §7.2 step 5). */
export interface PageAttributeSource {
  attributesOf(base: bigint, length: bigint): RangeAttributes | AttributeLookupError;
}

/** Page-table edits (SmmSetMemoryAttributes / SmmClearMemoryAttributes, §7.2 step 6). Return an EFI_STATUS. */
export interface PageAttributeEditor {
  setAttributes(base: bigint, length: bigint, attributes: bigint): bigint;
  clearAttributes(base: bigint, length: bigint, attributes: bigint): bigint;
}

/** Regenerates the MEM descriptors from the live page table (§4.10); the policy component's generator. */
export interface MemoryPolicyGenerator {
  generateMemoryPolicy(): MemDescriptor[] | { error: bigint };
}

/** Runs the ready-to-lock actions (§1.8) when FETCH_POLICY arrives before lock (§6.4 step 1). */
export interface ReadyToLockTrigger {
  runReadyToLock(): bigint;
}
