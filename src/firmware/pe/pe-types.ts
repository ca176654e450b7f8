/** PE/COFF constants used for MM driver images (Microsoft PE format; EFI subsystems). */
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const PE32_PLUS_MAGIC = 0x20b;
export const IMAGE_DOS_SIGNATURE = 0x5a4d; // 'MZ'
export const IMAGE_NT_SIGNATURE = 0x00004550; // 'PE\0\0'

export const Subsystem = {
  EFI_APPLICATION: 10,
  EFI_BOOT_SERVICE_DRIVER: 11,
  EFI_RUNTIME_DRIVER: 12,
  EFI_ROM: 13,
} as const;

export const SectionFlags = {
  CNT_CODE: 0x00000020,
  CNT_INITIALIZED_DATA: 0x00000040,
  MEM_DISCARDABLE: 0x02000000,
  MEM_EXECUTE: 0x20000000,
  MEM_READ: 0x40000000,
  MEM_WRITE: 0x80000000,
} as const;

/** `.text`: code, read + execute. */
export const TEXT_CHARACTERISTICS = SectionFlags.CNT_CODE | SectionFlags.MEM_EXECUTE | SectionFlags.MEM_READ;
/** `.data`: initialised data, read + write. */
export const DATA_CHARACTERISTICS = (SectionFlags.CNT_INITIALIZED_DATA | SectionFlags.MEM_READ | SectionFlags.MEM_WRITE) >>> 0;
/** `.reloc`: initialised data, discardable, read-only. */
export const RELOC_CHARACTERISTICS = SectionFlags.CNT_INITIALIZED_DATA | SectionFlags.MEM_DISCARDABLE | SectionFlags.MEM_READ;

export const IMAGE_REL_BASED_ABSOLUTE = 0;
export const IMAGE_REL_BASED_DIR64 = 10;
export const IMAGE_DIRECTORY_ENTRY_BASERELOC = 5;

/** A major.minor pair as the optional header stores it (two u16). */
export interface PeVersion {
  major: number;
  minor: number;
}

/** What the writer builds an MM driver image from. */
export interface PeImageSpec {
  /** Machine code of `.text`. */
  code: Uint8Array;
  /** Initialised data of `.data`; omitted or empty → no `.data` section. */
  data?: Uint8Array;
  /** Entry point as an offset into `code` (default 0). */
  entryOffset?: number;
  /** Preferred load address (default 0); absolute fixups in code/data are written for this base. */
  imageBase?: bigint;
  /** Default 0x1000 (page granularity, so code and data can be mapped RX / RW+NX). */
  sectionAlignment?: number;
  /** Default 0x200. */
  fileAlignment?: number;
  /** Default EFI_BOOT_SERVICE_DRIVER (11). */
  subsystem?: number;
  /** MajorSubsystemVersion/MinorSubsystemVersion — the supervisor's Version (supervisor-facts §6.3, §10). */
  subsystemVersion?: PeVersion;
  /** MajorImageVersion/MinorImageVersion — the supervisor's PatchLevel. */
  imageVersion?: PeVersion;
  /** Offsets of 64-bit absolute addresses to fix up (IMAGE_REL_BASED_DIR64). */
  relocations?: { section: 'text' | 'data'; offset: number }[];
}

/** Where the writer puts things, computable before the code exists (so an assembler can use RVAs). */
export interface PeLayout {
  sizeOfHeaders: number;
  textRva: number;
  dataRva: number;
  relocRva: number;
  sizeOfImage: number;
}

export interface PeSectionInfo {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  pointerToRawData: number;
  sizeOfRawData: number;
  characteristics: number;
  readable: boolean;
  writable: boolean;
  executable: boolean;
}

/** A parsed PE32+ image. */
export interface PeImageInfo {
  machine: number;
  characteristics: number;
  entryPointRva: number;
  imageBase: bigint;
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  subsystem: number;
  subsystemVersion: PeVersion;
  imageVersion: PeVersion;
  sections: PeSectionInfo[];
  /** RVAs of the DIR64 fixups. */
  relocations: number[];
}

/** An image mapped at a base with relocations applied. */
export interface LoadedPeImage {
  info: PeImageInfo;
  base: bigint;
  /** SizeOfImage bytes as they lie in memory at `base`. */
  image: Uint8Array;
  entryPoint: bigint;
}
