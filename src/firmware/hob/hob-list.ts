import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';
import { FormatError } from '../binary/format-error';
import { readGuid, writeGuid } from '../guid/guid';
import { wellKnownGuid } from '../guid/guid-registry';
import { decodeGuidHobPayload, encodeGuidHobPayload } from './guid-hob-payloads';
import { Hob, HobType } from './hob-types';

const FORMAT = 'HOB list';
/** Largest HobLength that is a multiple of 8 and fits the u16 field. */
export const MAX_HOB_LENGTH = 0xfff8;
const MODULE_GUID = wellKnownGuid('gEfiHobMemoryAllocModuleGuid')!;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** One HOB's type and body (everything after the 8-byte header, not yet padded). */
function encodeBody(h: Hob): { type: number; body: Uint8Array } {
  const w = new ByteWriter();
  switch (h.kind) {
    case 'handoff':
      w.u32(h.version).u32(h.bootMode).u64(h.memoryTop).u64(h.memoryBottom).u64(h.freeMemoryTop).u64(h.freeMemoryBottom).u64(h.endOfHobList);
      return { type: HobType.HANDOFF, body: w.finish() };
    case 'memoryAllocation':
      writeGuid(w, h.name).u64(h.memoryBaseAddress).u64(h.memoryLength).u32(h.memoryType).zeros(4).bytes(h.extra);
      return { type: HobType.MEMORY_ALLOCATION, body: w.finish() };
    case 'memoryAllocationModule':
      writeGuid(w, MODULE_GUID).u64(h.memoryBaseAddress).u64(h.memoryLength).u32(h.memoryType).zeros(4);
      writeGuid(w, h.moduleName).u64(h.entryPoint);
      return { type: HobType.MEMORY_ALLOCATION, body: w.finish() };
    case 'resourceDescriptor':
    case 'resourceDescriptor2':
      writeGuid(w, h.owner).u32(h.resourceType).u32(h.resourceAttribute).u64(h.physicalStart).u64(h.resourceLength);
      if (h.kind === 'resourceDescriptor2') w.u64(h.attributes);
      return { type: h.kind === 'resourceDescriptor' ? HobType.RESOURCE_DESCRIPTOR : HobType.RESOURCE_DESCRIPTOR2, body: w.finish() };
    case 'guidExtension':
      writeGuid(w, h.name).bytes(encodeGuidHobPayload(h.payload));
      return { type: HobType.GUID_EXTENSION, body: w.finish() };
    case 'fv':
      return { type: HobType.FV, body: w.u64(h.baseAddress).u64(h.length).finish() };
    case 'fv2':
      w.u64(h.baseAddress).u64(h.length);
      writeGuid(w, h.fvName);
      writeGuid(w, h.fileName);
      return { type: HobType.FV2, body: w.finish() };
    case 'fv3':
      w.u64(h.baseAddress).u64(h.length).u32(h.authenticationStatus).u8(h.extractedFv ? 1 : 0).zeros(3);
      writeGuid(w, h.fvName);
      writeGuid(w, h.fileName);
      return { type: HobType.FV3, body: w.finish() };
    case 'cpu':
      return { type: HobType.CPU, body: w.u8(h.sizeOfMemorySpace).u8(h.sizeOfIoSpace).zeros(6).finish() };
    case 'memoryPool':
      return { type: HobType.MEMORY_POOL, body: h.data.slice() };
    case 'capsule':
      return { type: HobType.UEFI_CAPSULE, body: w.u64(h.baseAddress).u64(h.length).finish() };
    case 'other':
      if (h.hobType === HobType.END_OF_HOB_LIST) throw new RangeError('END_OF_HOB_LIST is written by writeHobList itself');
      return { type: h.hobType, body: h.data.slice() };
  }
}

/**
 * Writes a HOB list: each HOB with its generic header (HobLength rounded up to 8 as edk2 HobLib does,
 * x86-smm-facts §4.2, padding zero), then END_OF_HOB_LIST. Fields are written exactly as given (the PHIT's
 * EfiEndOfHobList is not recomputed; see `hobListLength`). Throws FormatError when a HOB exceeds 0xFFF8 bytes.
 */
export function writeHobList(hobs: readonly Hob[]): Uint8Array {
  const w = new ByteWriter();
  hobs.forEach((h, i) => {
    const { type, body } = encodeBody(h);
    const len = align8(8 + body.length);
    if (len > MAX_HOB_LENGTH) throw new FormatError(FORMAT, w.length, `HOB[${i}].HobLength`, `${len} bytes do not fit the 16-bit HobLength`);
    w.u16(type).u16(len).u32(0).bytes(body).align(8);
  });
  w.u16(HobType.END_OF_HOB_LIST).u16(8).u32(0);
  return w.finish();
}

/** Byte length of the list `writeHobList(hobs)` produces (for a PHIT EfiEndOfHobList). */
export function hobListLength(hobs: readonly Hob[]): number {
  return hobs.reduce((n, h) => n + align8(8 + encodeBody(h).body.length), 8);
}

/** A HOB with where it was found. */
export interface LocatedHob {
  offset: number;
  hobType: number;
  hobLength: number;
  hob: Hob;
}

export interface HobParseOptions {
  /** Named in error messages. */
  source?: string;
  /** Decode GUID HOB payloads with the supervisor codecs (default true); false keeps them raw. */
  decodePayloads?: boolean;
}

/**
 * Parses a HOB list until END_OF_HOB_LIST. Errors are FormatErrors naming the offset and field: a HobLength
 * below 8 or past the buffer, a HOB too short for its type, a list without an end. Bytes after the end HOB
 * are ignored. Always terminates: every step advances by at least 8 bytes.
 */
export function parseHobListDetailed(bytes: Uint8Array, options: HobParseOptions = {}): LocatedHob[] {
  const r = new ByteReader(bytes, FORMAT, 0, options.source);
  const out: LocatedHob[] = [];
  let off = 0;
  for (;;) {
    const i = out.length;
    const type = r.u16(off, `HOB[${i}].HobType`);
    const len = r.u16(off + 2, `HOB[${i}].HobLength`);
    r.u32(off + 4, `HOB[${i}].Reserved`);
    if (type === HobType.END_OF_HOB_LIST) return out;
    if (len < 8) r.fail(off + 2, `HOB[${i}].HobLength`, `${len} is smaller than the 8-byte generic header`);
    if (off + len > bytes.length) r.fail(off + 2, `HOB[${i}].HobLength`, `${len} runs past the end of the input (${bytes.length - off} byte(s) left)`);
    const hr = r.sub(off, len, `HOB[${i}]`);
    out.push({ offset: off, hobType: type, hobLength: len, hob: decodeHob(hr, type, len, i, options.decodePayloads !== false) });
    off += len;
  }
}

/** Parses a HOB list (see parseHobListDetailed) and returns just the HOBs. */
export function parseHobList(bytes: Uint8Array, options: HobParseOptions = {}): Hob[] {
  return parseHobListDetailed(bytes, options).map((l) => l.hob);
}

function decodeHob(r: ByteReader, type: number, len: number, i: number, decodePayloads: boolean): Hob {
  const p = `HOB[${i}].`;
  const atLeast = (n: number, what: string) => {
    if (len < n) r.fail(2, `${p}HobLength`, `${len} is too short for ${what} (${n} bytes)`);
  };
  switch (type) {
    case HobType.HANDOFF:
      atLeast(56, 'EFI_HOB_HANDOFF_INFO_TABLE');
      return {
        kind: 'handoff', version: r.u32(8, `${p}Version`), bootMode: r.u32(12, `${p}BootMode`),
        memoryTop: r.u64(16, `${p}EfiMemoryTop`), memoryBottom: r.u64(24, `${p}EfiMemoryBottom`),
        freeMemoryTop: r.u64(32, `${p}EfiFreeMemoryTop`), freeMemoryBottom: r.u64(40, `${p}EfiFreeMemoryBottom`),
        endOfHobList: r.u64(48, `${p}EfiEndOfHobList`),
      };
    case HobType.MEMORY_ALLOCATION: {
      atLeast(48, 'EFI_HOB_MEMORY_ALLOCATION');
      const name = readGuid(r, 8, `${p}AllocDescriptor.Name`);
      const memoryBaseAddress = r.u64(24, `${p}AllocDescriptor.MemoryBaseAddress`);
      const memoryLength = r.u64(32, `${p}AllocDescriptor.MemoryLength`);
      const memoryType = r.u32(40, `${p}AllocDescriptor.MemoryType`);
      if (name === MODULE_GUID && len === 72) {
        return {
          kind: 'memoryAllocationModule', memoryBaseAddress, memoryLength, memoryType,
          moduleName: readGuid(r, 48, `${p}ModuleName`), entryPoint: r.u64(64, `${p}EntryPoint`),
        };
      }
      return { kind: 'memoryAllocation', name, memoryBaseAddress, memoryLength, memoryType, extra: r.bytesAt(48, len - 48, `${p}Data`).slice() };
    }
    case HobType.RESOURCE_DESCRIPTOR:
    case HobType.RESOURCE_DESCRIPTOR2: {
      const v2 = type === HobType.RESOURCE_DESCRIPTOR2;
      atLeast(v2 ? 56 : 48, v2 ? 'EFI_HOB_RESOURCE_DESCRIPTOR_V2' : 'EFI_HOB_RESOURCE_DESCRIPTOR');
      const base = {
        owner: readGuid(r, 8, `${p}Owner`), resourceType: r.u32(24, `${p}ResourceType`),
        resourceAttribute: r.u32(28, `${p}ResourceAttribute`), physicalStart: r.u64(32, `${p}PhysicalStart`),
        resourceLength: r.u64(40, `${p}ResourceLength`),
      };
      return v2 ? { kind: 'resourceDescriptor2', ...base, attributes: r.u64(48, `${p}Attributes`) } : { kind: 'resourceDescriptor', ...base };
    }
    case HobType.GUID_EXTENSION: {
      atLeast(24, 'EFI_HOB_GUID_TYPE');
      const name = readGuid(r, 8, `${p}Name`);
      const data = r.sub(24, len - 24, `${p}Data`, `${FORMAT} GUID HOB ${name}`);
      const payload = decodePayloads ? decodeGuidHobPayload(name, data) : { kind: 'raw' as const, data: data.bytes.slice() };
      return { kind: 'guidExtension', name, payload };
    }
    case HobType.FV:
      atLeast(24, 'EFI_HOB_FIRMWARE_VOLUME');
      return { kind: 'fv', baseAddress: r.u64(8, `${p}BaseAddress`), length: r.u64(16, `${p}Length`) };
    case HobType.FV2:
      atLeast(56, 'EFI_HOB_FIRMWARE_VOLUME2');
      return {
        kind: 'fv2', baseAddress: r.u64(8, `${p}BaseAddress`), length: r.u64(16, `${p}Length`),
        fvName: readGuid(r, 24, `${p}FvName`), fileName: readGuid(r, 40, `${p}FileName`),
      };
    case HobType.FV3:
      atLeast(64, 'EFI_HOB_FIRMWARE_VOLUME3');
      return {
        kind: 'fv3', baseAddress: r.u64(8, `${p}BaseAddress`), length: r.u64(16, `${p}Length`),
        authenticationStatus: r.u32(24, `${p}AuthenticationStatus`), extractedFv: r.u8(28, `${p}ExtractedFv`) !== 0,
        fvName: readGuid(r, 32, `${p}FvName`), fileName: readGuid(r, 48, `${p}FileName`),
      };
    case HobType.CPU:
      atLeast(16, 'EFI_HOB_CPU');
      return { kind: 'cpu', sizeOfMemorySpace: r.u8(8, `${p}SizeOfMemorySpace`), sizeOfIoSpace: r.u8(9, `${p}SizeOfIoSpace`) };
    case HobType.MEMORY_POOL:
      return { kind: 'memoryPool', data: r.bytesAt(8, len - 8, `${p}Data`).slice() };
    case HobType.UEFI_CAPSULE:
      atLeast(24, 'EFI_HOB_UEFI_CAPSULE');
      return { kind: 'capsule', baseAddress: r.u64(8, `${p}BaseAddress`), length: r.u64(16, `${p}Length`) };
    default:
      return { kind: 'other', hobType: type, data: r.bytesAt(8, len - 8, `${p}Data`).slice() };
  }
}
