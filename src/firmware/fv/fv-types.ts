import { Guid } from '../guid/guid';

/** FFS file types (x86-smm-facts §4.4). */
export const FfsFileType = {
  ALL: 0x00,
  RAW: 0x01,
  FREEFORM: 0x02,
  SECURITY_CORE: 0x03,
  PEI_CORE: 0x04,
  DXE_CORE: 0x05,
  PEIM: 0x06,
  DRIVER: 0x07,
  COMBINED_PEIM_DRIVER: 0x08,
  APPLICATION: 0x09,
  MM: 0x0a,
  FIRMWARE_VOLUME_IMAGE: 0x0b,
  COMBINED_MM_DXE: 0x0c,
  MM_CORE: 0x0d,
  MM_STANDALONE: 0x0e,
  MM_CORE_STANDALONE: 0x0f,
  FFS_PAD: 0xf0,
} as const;

/** Aliases accepted by `fileTypeFromName` besides the names above. */
const FILE_TYPE_ALIASES: Record<string, number> = { SMM: 0x0a, SMM_CORE: 0x0d, PAD: 0xf0, COMBINED_SMM_DXE: 0x0c };

export function fileTypeName(t: number): string {
  for (const [k, v] of Object.entries(FfsFileType)) if (v === t) return k;
  if (t >= 0xc0 && t <= 0xdf) return `OEM_0x${t.toString(16)}`;
  if (t >= 0xe0 && t <= 0xef) return `DEBUG_0x${t.toString(16)}`;
  return `0x${t.toString(16).padStart(2, '0')}`;
}

/** A file type name (any case, with or without EFI_FV_FILETYPE_) or a number → the type byte. */
export function fileTypeFromName(name: string): number | undefined {
  const t = name.trim().toUpperCase().replace(/^EFI_FV_FILETYPE_/, '');
  if (/^(0X[0-9A-F]+|[0-9]+)$/.test(t)) {
    const v = Number(t);
    return v <= 0xff ? v : undefined;
  }
  return (FfsFileType as Record<string, number>)[t] ?? FILE_TYPE_ALIASES[t];
}

export const FILE_TYPE_NAMES: readonly string[] = [...Object.keys(FfsFileType), ...Object.keys(FILE_TYPE_ALIASES)];

/** File attribute bits (x86-smm-facts §4.4). */
export const FfsAttribute = { LARGE_FILE: 0x01, DATA_ALIGNMENT_2: 0x02, FIXED: 0x04, DATA_ALIGNMENT: 0x38, CHECKSUM: 0x40 } as const;

/** File state bits (x86-smm-facts §4.4), as seen after undoing the erase polarity. */
export const FfsState = {
  HEADER_CONSTRUCTION: 0x01,
  HEADER_VALID: 0x02,
  DATA_VALID: 0x04,
  MARKED_FOR_UPDATE: 0x08,
  DELETED: 0x10,
  HEADER_INVALID: 0x20,
} as const;

/** A committed file: HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID. */
export const FFS_STATE_COMMITTED = 0x07;

/** The state's meaning: the highest set bit (FvLib GetFileState, x86-smm-facts §4.4). */
export function fileStateName(state: number): string {
  for (let bit = 7; bit >= 0; bit--) {
    if (state & (1 << bit)) {
      for (const [k, v] of Object.entries(FfsState)) if (v === 1 << bit) return k;
      return `BIT${bit}`;
    }
  }
  return 'NONE';
}

/** Section types (x86-smm-facts §4.5). */
export const SectionType = {
  COMPRESSION: 0x01,
  GUID_DEFINED: 0x02,
  DISPOSABLE: 0x03,
  PE32: 0x10,
  PIC: 0x11,
  TE: 0x12,
  DXE_DEPEX: 0x13,
  VERSION: 0x14,
  USER_INTERFACE: 0x15,
  COMPATIBILITY16: 0x16,
  FIRMWARE_VOLUME_IMAGE: 0x17,
  FREEFORM_SUBTYPE_GUID: 0x18,
  RAW: 0x19,
  PEI_DEPEX: 0x1b,
  MM_DEPEX: 0x1c,
} as const;

export function sectionTypeName(t: number): string {
  for (const [k, v] of Object.entries(SectionType)) if (v === t) return k;
  return `0x${t.toString(16).padStart(2, '0')}`;
}

/** FV attribute ERASE_POLARITY (x86-smm-facts §4.3). */
export const FVB_ERASE_POLARITY = 0x800;
/** A typical attribute word for a memory-mapped, erase-polarity-1 volume as edk2 builds emit (0x0004FEFF). */
export const DEFAULT_FV_ATTRIBUTES = 0x0004feff;
/** `_FVH` (x86-smm-facts §4.3). */
export const FV_SIGNATURE = 0x4856465f;

export type Section =
  | { kind: 'pe32'; data: Uint8Array }
  | { kind: 'te'; data: Uint8Array }
  | { kind: 'mmDepex'; data: Uint8Array }
  | { kind: 'dxeDepex'; data: Uint8Array }
  | { kind: 'peiDepex'; data: Uint8Array }
  | { kind: 'ui'; name: string }
  | { kind: 'version'; buildNumber: number; version: string }
  | { kind: 'raw'; data: Uint8Array }
  | { kind: 'freeformSubtypeGuid'; subtypeGuid: Guid; data: Uint8Array }
  /** Any other section type (compression, GUID-defined, nested FV …): the body after the common header. */
  | { kind: 'other'; sectionType: number; data: Uint8Array };

export interface FfsFile {
  name: Guid;
  type: number;
  /** Attribute byte; LARGE_FILE (0x01) selects the 32-byte header, CHECKSUM (0x40) a real data checksum. */
  attributes: number;
  /** Logical state bits (before erase polarity is applied); normally FFS_STATE_COMMITTED. */
  state: number;
  /** Sections (every type but RAW and FFS_PAD), or the raw file data (RAW, FFS_PAD). */
  content: { sections: Section[] } | { raw: Uint8Array };
}

export interface FvBlockMapEntry {
  numBlocks: number;
  length: number;
}

export interface FvExtEntry {
  type: number;
  data: Uint8Array;
}

export interface FirmwareVolume {
  fileSystemGuid: Guid;
  attributes: number;
  /** The block map without its {0,0} terminator; FvLength = Σ numBlocks·length. */
  blockMap: FvBlockMapEntry[];
  /** The optional extended header. */
  extHeader?: { fvName: Guid; entries: FvExtEntry[] };
  files: FfsFile[];
}

/** True for file types whose data is not a section stream. */
export function isRawFileType(type: number): boolean {
  return type === FfsFileType.RAW || type === FfsFileType.FFS_PAD;
}
