import type { EfiStatus } from '../../../firmware/efi-status';
import type { Guid } from '../../../firmware/guid/guid';
import { EFI_ACCESS_DENIED, EFI_SUCCESS } from '../mm-communicator';
import { g } from '../mm-comm-layout';
import type { PeiContext } from './pei-context';

/**
 * The PEI `MmUnblockMemoryRequest` library (supervisor-facts §7.3): before the supervisor PPI exists it builds one
 * gMmSupvUnblockRegionHob per call (Type 0, VirtualStart 0, Attribute 0 = user, GUID = the caller's FILE_GUID),
 * without validation — the core checks it during init. Afterwards EFI_ACCESS_DENIED (and an assert).
 */
export function peiUnblockMemoryRequest(ctx: PeiContext, address: bigint, pages: bigint, caller: Guid): EfiStatus {
  if (ctx.services.ppi('gPeiMmSupervisorCommunicationPpiGuid') !== undefined) {
    ctx.machine.trace.record('assert', { module: 'MmSupervisorUnblockMemoryLibPei', reason: 'unblock request after the supervisor PPI was installed' });
    ctx.machine.trace.record('pei-unblock', { address, pages, caller, status: 'EFI_ACCESS_DENIED' });
    return EFI_ACCESS_DENIED;
  }
  ctx.hobs.add({
    kind: 'guidExtension', name: g('gMmSupvUnblockRegionHobGuid'),
    payload: { kind: 'unblockParams', memoryType: 0, physicalStart: address, virtualStart: 0n, numberOfPages: pages, attribute: 0n, identifierGuid: caller },
  });
  ctx.machine.trace.record('pei-unblock', { address, pages, caller, status: 'EFI_SUCCESS' });
  return EFI_SUCCESS;
}
