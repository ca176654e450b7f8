import { Guid } from '../guid/guid';

/** HobType values (x86-smm-facts §4.2; RESOURCE_DESCRIPTOR2 = 0x000D from Mu basecore PiHob.h). */
export const HobType = {
  HANDOFF: 0x0001,
  MEMORY_ALLOCATION: 0x0002,
  RESOURCE_DESCRIPTOR: 0x0003,
  GUID_EXTENSION: 0x0004,
  FV: 0x0005,
  CPU: 0x0006,
  MEMORY_POOL: 0x0007,
  FV2: 0x0009,
  LOAD_PEIM_UNUSED: 0x000a,
  UEFI_CAPSULE: 0x000b,
  FV3: 0x000c,
  RESOURCE_DESCRIPTOR2: 0x000d,
  UNUSED: 0xfffe,
  END_OF_HOB_LIST: 0xffff,
} as const;

/** EFI_HOB_HANDOFF_TABLE_VERSION (x86-smm-facts §4.2). */
export const HANDOFF_TABLE_VERSION = 0x0009;

/** Resource types (x86-smm-facts §4.2). */
export const RESOURCE_TYPE_NAMES: readonly string[] = [
  'SYSTEM_MEMORY', 'MEMORY_MAPPED_IO', 'IO', 'FIRMWARE_DEVICE', 'MEMORY_MAPPED_IO_PORT', 'MEMORY_RESERVED',
  'IO_RESERVED', 'MEMORY_UNACCEPTED',
];

/** Resource attribute bits (x86-smm-facts §4.2). */
export const RESOURCE_ATTRIBUTE_BITS: readonly [number, string][] = [
  [0x1, 'PRESENT'], [0x2, 'INITIALIZED'], [0x4, 'TESTED'], [0x8, 'SINGLE_BIT_ECC'], [0x10, 'MULTIPLE_BIT_ECC'],
  [0x80, 'READ_PROTECTED'], [0x100, 'WRITE_PROTECTED'], [0x200, 'EXECUTION_PROTECTED'], [0x400, 'UNCACHEABLE'],
  [0x800, 'WRITE_COMBINEABLE'], [0x1000, 'WRITE_THROUGH_CACHEABLE'], [0x2000, 'WRITE_BACK_CACHEABLE'],
  [0x4000, '16_BIT_IO'], [0x8000, '32_BIT_IO'], [0x10000, '64_BIT_IO'], [0x20000, 'UNCACHED_EXPORTED'],
  [0x40000, 'READ_ONLY_PROTECTED'], [0x80000, 'READ_ONLY_PROTECTABLE'], [0x100000, 'READ_PROTECTABLE'],
  [0x200000, 'WRITE_PROTECTABLE'], [0x400000, 'EXECUTION_PROTECTABLE'], [0x800000, 'PERSISTENT'],
  [0x1000000, 'PERSISTABLE'], [0x2000000, 'MORE_RELIABLE'], [0x4000000, 'ENCRYPTED'], [0x8000000, 'SPECIAL_PURPOSE'],
  [0x10000000, 'HOT_PLUGGABLE'],
];

/** EFI_MEMORY_TYPE names (x86-smm-facts §4.2). */
export const MEMORY_TYPE_NAMES: readonly string[] = [
  'EfiReservedMemoryType', 'EfiLoaderCode', 'EfiLoaderData', 'EfiBootServicesCode', 'EfiBootServicesData',
  'EfiRuntimeServicesCode', 'EfiRuntimeServicesData', 'EfiConventionalMemory', 'EfiUnusableMemory',
  'EfiACPIReclaimMemory', 'EfiACPIMemoryNVS', 'EfiMemoryMappedIO', 'EfiMemoryMappedIOPortSpace', 'EfiPalCode',
  'EfiPersistentMemory', 'EfiUnacceptedMemoryType',
];

/** Boot modes (x86-smm-facts §4.2). */
export const BOOT_MODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'FULL_CONFIGURATION'], [0x01, 'MINIMAL_CONFIGURATION'], [0x02, 'ASSUMING_NO_CONFIGURATION_CHANGES'],
  [0x03, 'FULL_CONFIGURATION_PLUS_DIAGNOSTICS'], [0x04, 'DEFAULT_SETTINGS'], [0x05, 'S4_RESUME'], [0x06, 'S5_RESUME'],
  [0x07, 'MFG_MODE'], [0x10, 'S2_RESUME'], [0x11, 'S3_RESUME'], [0x12, 'FLASH_UPDATE'], [0x20, 'RECOVERY'],
]);

/** MMRAM RegionState bits (x86-smm-facts §4.2, supervisor-facts §0.2). */
export const MMRAM_STATE_BITS: readonly [bigint, string][] = [
  [0x1n, 'OPEN'], [0x2n, 'CLOSED'], [0x4n, 'LOCKED'], [0x8n, 'CACHEABLE'], [0x10n, 'ALLOCATED'],
  [0x20n, 'NEEDS_TESTING'], [0x40n, 'NEEDS_ECC_INITIALIZATION'],
];

export interface HandoffHob {
  kind: 'handoff';
  version: number;
  bootMode: number;
  memoryTop: bigint;
  memoryBottom: bigint;
  freeMemoryTop: bigint;
  freeMemoryBottom: bigint;
  endOfHobList: bigint;
}

export interface MemoryAllocationHob {
  kind: 'memoryAllocation';
  name: Guid;
  memoryBaseAddress: bigint;
  memoryLength: bigint;
  memoryType: number;
  /** Bytes after the 48-byte descriptor (name-specific additional data), kept as is. */
  extra: Uint8Array;
}

/** EFI_HOB_MEMORY_ALLOCATION_MODULE: Name = gEfiHobMemoryAllocModuleGuid, 72 bytes. */
export interface MemoryAllocationModuleHob {
  kind: 'memoryAllocationModule';
  memoryBaseAddress: bigint;
  memoryLength: bigint;
  memoryType: number;
  moduleName: Guid;
  entryPoint: bigint;
}

export interface ResourceDescriptorHob {
  kind: 'resourceDescriptor';
  owner: Guid;
  resourceType: number;
  resourceAttribute: number;
  physicalStart: bigint;
  resourceLength: bigint;
}

/** Mu's EFI_HOB_RESOURCE_DESCRIPTOR_V2: the v1 descriptor then Attributes u64 @48 (56 bytes). */
export interface ResourceDescriptor2Hob extends Omit<ResourceDescriptorHob, 'kind'> {
  kind: 'resourceDescriptor2';
  attributes: bigint;
}

export interface GuidExtensionHob {
  kind: 'guidExtension';
  name: Guid;
  payload: GuidHobPayload;
}

export interface FvHob { kind: 'fv'; baseAddress: bigint; length: bigint }
export interface Fv2Hob { kind: 'fv2'; baseAddress: bigint; length: bigint; fvName: Guid; fileName: Guid }
export interface Fv3Hob {
  kind: 'fv3';
  baseAddress: bigint;
  length: bigint;
  authenticationStatus: number;
  extractedFv: boolean;
  fvName: Guid;
  fileName: Guid;
}
export interface CpuHob { kind: 'cpu'; sizeOfMemorySpace: number; sizeOfIoSpace: number }
export interface MemoryPoolHob { kind: 'memoryPool'; data: Uint8Array }
export interface CapsuleHob { kind: 'capsule'; baseAddress: bigint; length: bigint }
/** Any other HobType (including UNUSED 0xFFFE): the bytes after the 8-byte header. */
export interface OtherHob { kind: 'other'; hobType: number; data: Uint8Array }

export type Hob =
  | HandoffHob | MemoryAllocationHob | MemoryAllocationModuleHob | ResourceDescriptorHob | ResourceDescriptor2Hob
  | GuidExtensionHob | FvHob | Fv2Hob | Fv3Hob | CpuHob | MemoryPoolHob | CapsuleHob | OtherHob;

// ---- GUID HOB payloads (supervisor-facts §1.4) ----

export interface MmramDescriptor {
  physicalStart: bigint;
  cpuStart: bigint;
  physicalSize: bigint;
  regionState: bigint;
}
/** EFI_MMRAM_HOB_DESCRIPTOR_BLOCK (gEfiMmPeiMmramMemoryReserveGuid / gEfiSmmSmramMemoryGuid). */
export interface MmramRangesPayload { kind: 'mmramRanges'; descriptors: MmramDescriptor[] }
/** MM_COMM_REGION_HOB (gMmCommonRegionHobGuid), 32 bytes. */
export interface MmCommonRegionPayload {
  kind: 'mmCommonRegion';
  regionType: bigint;
  address: bigint;
  pages: bigint;
  statusRegionAddress: bigint;
}
/** MM_COMM_BUFFER as the supervisor reads it (gMmCommBufferHobGuid), 24 bytes. */
export interface MmCommBufferPayload { kind: 'mmCommBuffer'; physicalStart: bigint; numberOfPages: bigint; status: bigint }
/** MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS (gMmSupvUnblockRegionHobGuid), 56 bytes (supervisor-facts §7.1). */
export interface UnblockParamsPayload {
  kind: 'unblockParams';
  memoryType: number;
  physicalStart: bigint;
  virtualStart: bigint;
  numberOfPages: bigint;
  attribute: bigint;
  identifierGuid: Guid;
}
/** MM_PROT_REGION_HOB (gMmProtectedRegionHobGuid), 24 bytes. */
export interface ProtectedRegionPayload { kind: 'protectedRegion'; regionType: bigint; address: bigint; pages: bigint }
/** EFI_PROCESSOR_INFORMATION + CoreType (MP_INFORMATION2_ENTRY, 56 bytes when EntrySize = 56). */
export interface MpInformation2Entry {
  processorId: bigint;
  statusFlag: number;
  location: { package: number; core: number; thread: number };
  location2: { package: number; module: number; tile: number; die: number; core: number; thread: number };
  coreType: number;
  /** Bytes past the 56 known ones when EntrySize > 56. */
  extra: Uint8Array;
}
/** MP_INFORMATION2_HOB_DATA (gMpInformation2HobGuid). */
export interface MpInformation2Payload {
  kind: 'mpInformation2';
  entrySize: number;
  version: number;
  processorIndex: bigint;
  entries: MpInformation2Entry[];
}
/** SMM_BASE_HOB_DATA (gSmmBaseHobGuid), packed: ProcessorIndex u32, NumberOfProcessors u32, SmBase u64[]. */
export interface SmmBasePayload { kind: 'smmBase'; processorIndex: number; smBase: bigint[] }
/** A GUID HOB whose name has no codec here: its data bytes (HobLength − 24, padding included). */
export interface RawPayload { kind: 'raw'; data: Uint8Array }

export type GuidHobPayload =
  | MmramRangesPayload | MmCommonRegionPayload | MmCommBufferPayload | UnblockParamsPayload | ProtectedRegionPayload
  | MpInformation2Payload | SmmBasePayload | RawPayload;
