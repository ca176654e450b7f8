import { appendMemoryPolicy, validatePolicy } from '../../firmware/policy';
import type { MemoryView } from '../../platform/memory-view';
import type { CommBufferRegistry } from '../core/comm-buffers';
import { EFI } from '../core/efi-codes';
import type { SupervisorState } from '../core/supervisor-state';
import type { CommSize } from '../handler/comm-size';
import type { FirmwarePolicy } from '../policy/firmware-policy-loader';
import type { MemoryPolicySnapshot } from '../policy/memory-policy-snapshot';
import type { MemoryPolicyGenerator, ReadyToLockTrigger } from './request-interfaces';
import { REQUEST_HEADER_SIZE } from './request-layout';

export interface FetchPolicyDeps {
  smm: MemoryView;
  buffers: CommBufferRegistry;
  state: SupervisorState;
  readyToLock: ReadyToLockTrigger;
  /** The firmware policy in force, undefined when none was loaded (policy pointer NULL, §4.5). */
  firmwarePolicy: () => FirmwarePolicy | undefined;
  generator: MemoryPolicyGenerator;
  snapshot: MemoryPolicySnapshot;
}

/**
 * FETCH_POLICY (Core/Request/FetchPolicy.c; supervisor-facts §6.4, §4.10): triggers ready-to-lock when not yet
 * locked (§11 item 11: it is never denied), copies the firmware policy into the caller's space, regenerates the MEM
 * descriptors from the live page table, compares them with the ready-to-lock snapshot and re-validates.
 */
export class FetchPolicyRequest {
  constructor(private readonly deps: FetchPolicyDeps) {}

  /** `data` = payload + 24 (after the MSUP header); `capacity` = payload size − 24; `size` = the handler's size. */
  handle(data: bigint, capacity: bigint, size: CommSize): bigint {
    const { smm, buffers, state } = this.deps;
    // 1.
    if (!state.locked) {
      const s = this.deps.readyToLock.runReadyToLock();
      if (s !== EFI.SUCCESS) return s;
    }
    // 2.
    if (!buffers.insideSupervisorCopy(data, capacity)) return EFI.SECURITY_VIOLATION;
    const fw = this.deps.firmwarePolicy();
    if (fw === undefined) return EFI.SECURITY_VIOLATION;
    // 3. C < 24 + Size → BUFFER_TOO_SMALL (payload must be ≥ 48 + policy size)
    const policySize = BigInt(fw.blob.length);
    if (capacity < REQUEST_HEADER_SIZE + policySize) return EFI.BUFFER_TOO_SMALL;
    // 4. zero the capacity, copy the firmware policy, fill the MEM root from the page table
    smm.fill(Number(data), Number(capacity), 0);
    smm.write(Number(data), fw.blob);
    const generated = this.deps.generator.generateMemoryPolicy();
    if (!Array.isArray(generated)) return generated.error;
    const appended = appendMemoryPolicy(fw.blob, generated, Number(capacity));
    if (appended.policy === undefined) return appended.value;
    smm.write(Number(data), appended.policy);
    if (!this.deps.snapshot.matches(appended.policy)) return EFI.SECURITY_VIOLATION;
    const check = validatePolicy(appended.policy);
    if (!check.ok) return check.statusValue;
    // 5. ReturnBufferSize = 24 + 24 + policy.Size: the handler's size covers the MSUP header and the policy
    size.write(REQUEST_HEADER_SIZE + BigInt(appended.policy.length));
    return EFI.SUCCESS;
  }
}
