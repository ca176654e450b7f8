import type { MemoryKind } from '../chipset/q35-chipset';

/** What a fatal supervisor violation does (supervisor-facts §9.4: reboot or dead loop). */
export type FatalViolationMode = 'reset' | 'hang';

/** One range of the physical memory map (bigint at the API boundary; the machine uses numbers below 2^53). */
export interface ConfigMemoryRange {
  name: string;
  kind: MemoryKind;
  base: bigint;
  size: bigint;
}

/** A DXE memory-map typing rule: [base, base+size) has EFI memory type `type` (x86-smm-facts §4.2 numbering). */
export interface DxeMemoryTypeRange {
  base: bigint;
  size: bigint;
  /** EFI_MEMORY_TYPE value (0 EfiReservedMemoryType … 15). */
  type: number;
  /** EFI_MEMORY_RO on this range (the DXE unblock protocol refuses read-only runtime ranges, supervisor-facts §7.3). */
  readOnly: boolean;
}

/** How each CPU's SMBASE is chosen. `staggered`: TSEG base + index × stride (edk2's relocation layout). */
export type SmbaseScheme = { kind: 'staggered'; stride: bigint } | { kind: 'explicit'; bases: bigint[] };

/** What the platform expects of the supervisor image it carries (supervisor-facts §6.3, §10). */
export interface SupervisorExpectations {
  /** PE subsystem version word (MajorSubsystemVersion << 16 | Minor): the VERSION_INFO Version. */
  version: number;
  /** PE image version word: the VERSION_INFO PatchLevel. */
  patchLevel: number;
  maxSupervisorRequestLevel: bigint;
  /** GCC builds only warn on Version 0 (supervisor-facts §10.1); otherwise the IPL refuses it. */
  allowVersionZero: boolean;
}

/** The non-MM and MM firmware the platform's own FV carries, by module name (supervisor-facts §0.5). */
export interface PlatformFirmware {
  /** PEIMs run in order: the comm-buffer PEIM and the MM IPL. */
  pei: string[];
  /** DXE drivers started in order at the "DXE" milestone. */
  dxe: string[];
  /** MM files of the MM FV in FV order; the first is the MM core. */
  mm: string[];
}

/** A platform fixture (fixtures/platforms/<name>.yaml), validated. */
export interface PlatformConfig {
  name: string;
  /** Absolute path of the YAML file it came from ('<inline>' when parsed from text). */
  source: string;
  description: string;
  cpus: number;
  saveStateMap: 'intel' | 'amd';
  /** Physical address bits the CPUs report (CPU HOB SizeOfMemorySpace). */
  physicalAddressBits: number;
  memoryMap: ConfigMemoryRange[];
  tseg: { base: bigint; size: bigint };
  smbase: SmbaseScheme;
  /** PEI allocations (HOB list, FV copy, PEI comm buffers) come from this DRAM window, top down. */
  peiMemory: { base: bigint; size: bigint };
  /** DXE runtime allocations (comm buffers moved by COMM_UPDATE) come from this DRAM window, top down. */
  dxeRuntimeMemory: { base: bigint; size: bigint };
  /** Typing rules of the DXE memory map (later rules win); untyped DRAM is EfiConventionalMemory. */
  dxeMemoryMap: DxeMemoryTypeRange[];
  /** PcdSupervisorCommBufferPages / PcdUserCommBufferPages (supervisor-facts §0.6: 16 each). */
  commBuffers: { supervisorPages: bigint; userPages: bigint };
  /** PcdPeiMemoryBinsEnable: comm buffers are runtime pages from PEI on and DXE does not move them (§1.2, §1.7.3). */
  peiMemoryBinsEnable: boolean;
  /** The byte the MM Control trigger writes to APM_CNT (0xB2); the platform's choice (supervisor-facts §8.2 [Q]). */
  smiCommand: number;
  fatalViolation: FatalViolationMode;
  supervisor: SupervisorExpectations;
  firmware: PlatformFirmware;
  /** Absolute path of the default isolation policy (XML, YAML or binary). */
  policy: string;
}

/** Module names the platform knows how to run (and their aliases). */
export const PEI_MODULES = ['MmCommunicationBufferPei', 'MmIplPei'] as const;
export const DXE_MODULES = ['MmDxeSupport', 'StandaloneMmUnblockMem', 'MmCommunicationDxe'] as const;
/** DESIGN.md calls the IPL "PiSmmIpl/MmIplPei". */
export const MODULE_ALIASES: Readonly<Record<string, string>> = { PiSmmIpl: 'MmIplPei' };

export const PAGE = 0x1000n;
