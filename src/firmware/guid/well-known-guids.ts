import { Guid } from './guid';

/** One well-known GUID: its primary symbolic name, the value, and other names that mean the same GUID. */
export interface WellKnownGuid {
  readonly name: string;
  readonly guid: Guid;
  readonly aliases: readonly string[];
}

function g(name: string, guid: string, ...aliases: string[]): WellKnownGuid {
  return Object.freeze({ name, guid: guid.toLowerCase(), aliases: Object.freeze(aliases) });
}

/**
 * PI/UEFI GUIDs (x86-smm-facts §4.9, plus the HOB memory-allocation names of PiHob/MemoryAllocationHob) and
 * every supervisor GUID and module FILE_GUID (supervisor-facts §0.4, §0.5). The first name is the one
 * reverse lookups return. Read-only data: callers extend a GuidRegistry instance, never this table.
 */
export const WELL_KNOWN_GUIDS: readonly WellKnownGuid[] = Object.freeze([
  // x86-smm-facts §4.9
  g('gEfiMmBaseProtocolGuid', 'f4ccbfb7-f6e0-47fd-9dd4-10a8f150c191', 'gEfiSmmBase2ProtocolGuid'),
  g('gEfiDxeMmReadyToLockProtocolGuid', '60ff8964-e906-41d0-afed-f241e974e08e', 'gEfiDxeSmmReadyToLockProtocolGuid'),
  g('gEfiMmReadyToLockProtocolGuid', '47b7fa8c-f4bd-4af6-8200-333086f0d2c8', 'gEfiSmmReadyToLockProtocolGuid'),
  g('gEfiMmEndOfDxeProtocolGuid', '24e70042-d5c5-4260-8c39-0ad3aa32e93d', 'gEfiSmmEndOfDxeProtocolGuid'),
  g('gEfiEventExitBootServicesGuid', '27abf055-b1b8-4c26-8048-748f37baa2df'),
  g('gEfiEventReadyToBootGuid', '7ce88fb3-4bd7-4679-87a8-a8d8dee50d2b'),
  g('gEfiEndOfDxeEventGroupGuid', '02ce967a-dd7e-4ffc-9ee7-810cf0470880'),
  g('gEfiEventDxeDispatchGuid', '7081e22f-cac6-4053-9468-675782cf88e5'),
  g('gEfiEventVirtualAddressChangeGuid', '13fa7698-c831-49c7-87ea-8f43fcc25196'),
  g('gEfiMmCommunicationProtocolGuid', 'c68ed8e2-9dc6-4cbd-9d94-db65acc5c332', 'gEfiSmmCommunicationProtocolGuid'),
  g('gEfiMmCommunication2ProtocolGuid', '378daedc-f06b-4446-8314-40ab933c87a3'),
  g('gEfiMmCommunicateHeaderV3Guid', '68e8c853-2ba9-4dd7-9ac0-91e16155c935', 'EFI_MM_COMMUNICATE_HEADER_V3_GUID'),
  g('gEfiHobListGuid', '7739f24c-93d7-11d4-9a3a-0090273fc14d'),
  g('gEfiMmPeiMmramMemoryReserveGuid', '0703f912-bf8d-4e2a-be07-ab272525c592'),
  g('gEfiSmmSmramMemoryGuid', '6dadf1d1-d4cc-4910-bb6e-82b1fd80ff3d', 'EFI_SMM_PEI_SMRAM_MEMORY_RESERVE'),
  // x86-smm-facts §4.7/§4.9 call it gEdkiiCommunicationBufferGuid; supervisor-facts §0.4 gMmCommBufferHobGuid.
  g('gMmCommBufferHobGuid', '6c2a2520-0131-4aee-a750-cc384aace8c6', 'gEdkiiCommunicationBufferGuid', 'MM_COMM_BUFFER_HOB_GUID'),
  g('gEfiMmCpuProtocolGuid', 'eb346b97-975f-4a9f-8b22-f8e92bb3d569', 'gEfiSmmCpuProtocolGuid'),
  g('gEfiSmmAccess2ProtocolGuid', 'c2702b74-800c-4131-8746-8fb5b89ce4ac', 'gEfiMmAccessProtocolGuid'),
  g('gEfiSmmControl2ProtocolGuid', '843dc720-ab1e-42cb-9357-8a0078f3561b', 'gEfiMmControlProtocolGuid'),
  g('gEfiSmmSwDispatch2ProtocolGuid', '18a3c6dc-5eea-48c8-a1c1-b53389f98999', 'gEfiMmSwDispatchProtocolGuid'),
  g('gEfiFirmwareFileSystem2Guid', '8c8ce578-8a3d-4f1c-9935-896185c32dd3', 'EFI_FIRMWARE_FILE_SYSTEM2_GUID', 'FFS2'),
  g('gEfiFirmwareFileSystem3Guid', '5473c07a-3dcb-4dca-bd6f-1e9689e7349a', 'EFI_FIRMWARE_FILE_SYSTEM3_GUID', 'FFS3'),
  g('gEfiFirmwareFileSystemGuid', '7a9354d9-0468-444a-81ce-0bf617d890df', 'EFI_FIRMWARE_FILE_SYSTEM_GUID'),
  g('gEfiFirmwareVolumeTopFileGuid', '1ba0062e-c779-4582-8566-336ae8f78f09', 'EFI_FFS_VOLUME_TOP_FILE_GUID'),
  // Memory-allocation HOB names (MemoryAllocationHob.h) — the module form is recognised by this name.
  g('gEfiHobMemoryAllocModuleGuid', 'f8e21975-0899-4f58-a4be-5525a9c6d77a', 'EFI_HOB_MEMORY_ALLOC_MODULE_GUID'),
  g('gEfiHobMemoryAllocStackGuid', '4ed4bf27-4092-42e9-807d-527b1d00c9bd', 'EFI_HOB_MEMORY_ALLOC_STACK_GUID'),
  g('gEfiHobMemoryAllocBspStoreGuid', '564b33cd-c92a-4593-90bf-2473e43c6322', 'EFI_HOB_MEMORY_ALLOC_BSP_STORE_GUID'),
  // supervisor-facts §0.4
  g('gMmSupervisorCoreGuid', '4e4c89dc-a452-4b6b-b183-f16a2a223733', 'MmSupervisorCore'),
  g('gMmSupervisorPolicyFileGuid', '81ff0793-3e18-489b-9a08-a1eb71b23d20', 'MmSupervisorPolicyFile'),
  g('gMmSupervisorAuxFileGuid', '581a5b2d-3acb-465d-a99d-c4aa2c75e250'),
  g('gMmSupervisorDriverDispatchGuid', '2e135da6-ade0-4b96-9b40-b2f367e9f7f7'),
  g('gMmSupervisorRequestHandlerGuid', '8c633b23-1260-4ea6-830f-7ddc97382111'),
  g('gMmPagingAuditMmiHandlerGuid', '0059b149-1117-47dc-80bb-1125e98b418c'),
  g('gMmCommonRegionHobGuid', 'd4ffc718-fb82-4274-9afc-aa8b1eef5293'),
  g('gMmSupvUnblockRegionHobGuid', '3def51c5-228f-481d-821b-32ec4df7d9c7'),
  g('gMmProtectedRegionHobGuid', '6c0792ac-13d7-431b-a489-032f4af97380'),
  g('gMmSupervisorVerVendorGuid', 'd4adfc6f-2f58-4bcf-a887-05efb47d4299'),
  g('gMmSupervisorPkgTokenSpaceGuid', 'da46bbdf-dae8-4351-acc5-4afcfc8bc7ee'),
  g('gMmCoreMmProfileGuid', 'f34014c5-bcec-4f36-ada7-49fff5dd179f'),
  g('gMmCommunicationBufferReadyPpiGuid', '36991c6c-d139-48a5-97c8-58b816071c9f'),
  g('gPeiMmSupervisorCommunicationPpiGuid', '610d9e7d-fb2c-4e67-93c1-11a46cdd5d7f'),
  g('gMmSupervisorCommunicationProtocolGuid', '495b267c-fc7f-4f03-ad1f-d86769e325b5', 'MM_SUPERVISOR_COMMUNICATION_PROTOCOL_GUID'),
  g('gMmSupervisorUnblockMemoryProtocolGuid', '10b5eea9-be0d-4f11-8636-1cb70aa3ba6d'),
  g('gMmScratchPageAllocationProtocolGuid', '3a5446ad-2023-45f9-addf-ba48f3a6e2bc'),
  g('gMmRing3HandlerReadyProtocol', 'd5920e08-1cab-4aad-b47c-8f83290b31cb', 'gMmRing3HandlerReadyProtocolGuid'),
  g('gEfiMmEndOfPeiProtocol', 'f33e1bf3-980b-4bfb-a29a-b29c86453732', 'gEfiMmEndOfPeiProtocolGuid'),
  g('gEfiMmConfigurationProtocolGuid', '26eeb3de-b689-492e-80f0-be8bd7da4ba7', 'gEfiSmmConfigurationProtocolGuid'),
  g('gMpInformation2HobGuid', '417a7f64-f4e9-4b32-846a-5cc4d8621879'),
  g('gSmmBaseHobGuid', 'c2217ba7-03bb-4f63-a647-7c25c5fc9d73'),
  // supervisor-facts §0.5 module FILE_GUIDs (the core's is gMmSupervisorCoreGuid above)
  g('MmSupervisorRing3Broker', 'bb3d60c4-210b-4076-b596-3dd298afea49'),
  g('MmSupervisorErrorReport', '930a5e37-9771-4261-9c54-86f821e25b72'),
  g('MmSupervisorRing3Performance', '8b479eac-c3c8-4a1c-bf58-2bedae9e1cfb'),
  g('MmIplPei', 'e6d1f588-f107-41de-9832-cea334b33c1f'),
  g('MmIplX64Relay', '2907cb61-cdd4-423c-857a-13a79e246a1d'),
  g('MmCommunicationBufferPei', 'a7290dbe-f769-40f2-8cc0-d4a6b37e8126'),
  g('MmDxeSupport', 'f0825f4f-d6a2-4f61-a6c0-5f01a86c80ff'),
  g('StandaloneMmUnblockMem', 'e9badbb6-0228-43fb-a367-5f3677cdc9e0'),
  g('MmSupvRequestUnitTestApp', '723fbd99-9d52-4ea0-9c04-4220d7d29ae8'),
  g('MmPagingAuditApp', 'c22c63ad-fedf-4e64-9137-4a8336dd6c35'),
]);
