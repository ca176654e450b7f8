import { Guid, wellKnownGuid } from '../../firmware/guid';

function wk(name: string): Guid {
  const g = wellKnownGuid(name);
  if (g === undefined) throw new Error(`internal: ${name} missing from the well-known GUID table`);
  return g;
}

/** GUIDs the core's logic keys on (supervisor-facts §0.4, §0.5). */
export const SupervisorGuids = Object.freeze({
  /** gMmSupervisorCoreGuid = the core's FFS FILE_GUID. */
  core: wk('gMmSupervisorCoreGuid'),
  policyFile: wk('gMmSupervisorPolicyFileGuid'),
  driverDispatch: wk('gMmSupervisorDriverDispatchGuid'),
  requestHandler: wk('gMmSupervisorRequestHandlerGuid'),
  dxeMmReadyToLock: wk('gEfiDxeMmReadyToLockProtocolGuid'),
  exitBootServices: wk('gEfiEventExitBootServicesGuid'),
  mmPeiMmramMemoryReserve: wk('gEfiMmPeiMmramMemoryReserveGuid'),
  smmSmramMemory: wk('gEfiSmmSmramMemoryGuid'),
  mmCommonRegionHob: wk('gMmCommonRegionHobGuid'),
  mmCommBufferHob: wk('gMmCommBufferHobGuid'),
  unblockRegionHob: wk('gMmSupvUnblockRegionHobGuid'),
  protectedRegionHob: wk('gMmProtectedRegionHobGuid'),
  mpInformation2Hob: wk('gMpInformation2HobGuid'),
  smmBaseHob: wk('gSmmBaseHobGuid'),
  communicateHeaderV3: wk('gEfiMmCommunicateHeaderV3Guid'),
  ring3HandlerReady: wk('gMmRing3HandlerReadyProtocol'),
  /**
   * gEfiMemoryTypeInformationGuid (edk2 MdeModulePkg): resource HOBs owned by it are ignored when the non-MMRAM
   * map is built (supervisor-facts §1.4 "Resource descriptors").
   */
  memoryTypeInformation: '4c19049f-4137-4dd3-9c10-8b97a83ffdfa' as Guid,
  /** EFI_LOADED_IMAGE_PROTOCOL_GUID (UEFI spec): installed for every loaded driver (supervisor-facts §2.5). */
  loadedImageProtocol: '5b1b31a1-9562-11d2-8e3f-00a0c969723b' as Guid,
});
