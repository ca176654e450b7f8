import { ByteReader } from '../binary/byte-reader';
import {
  IMAGE_DIRECTORY_ENTRY_BASERELOC, IMAGE_DOS_SIGNATURE, IMAGE_FILE_MACHINE_AMD64, IMAGE_NT_SIGNATURE, IMAGE_REL_BASED_ABSOLUTE,
  IMAGE_REL_BASED_DIR64, LoadedPeImage, PE32_PLUS_MAGIC, PeImageInfo, PeImageSpec, PeSectionInfo, SectionFlags,
} from './pe-types';

const FORMAT = 'PE32+ image';
/** Largest SizeOfImage the loader maps (a malformed header must not make it allocate gigabytes). */
export const MAX_IMAGE_SIZE = 64 * 1024 * 1024;
const MAX_SECTIONS = 96;

/**
 * Parses the headers, section table and base relocations of a PE32+ image. Throws FormatError (offset +
 * field) for anything malformed: missing MZ / PE signatures, a machine other than x64, a PE32 (not PE32+)
 * optional header, sections or relocations outside the image or the file, unsupported relocation types.
 */
export function parsePeImage(bytes: Uint8Array, source?: string): PeImageInfo {
  const r = new ByteReader(bytes, FORMAT, 0, source);
  if (r.u16(0, 'e_magic') !== IMAGE_DOS_SIGNATURE) r.fail(0, 'e_magic', "expected 'MZ'");
  const nt = r.u32(0x3c, 'e_lfanew');
  if (r.u32(nt, 'Signature') !== IMAGE_NT_SIGNATURE) r.fail(nt, 'Signature', "expected 'PE\\0\\0'");
  const coff = nt + 4;
  const machine = r.u16(coff, 'FileHeader.Machine');
  if (machine !== IMAGE_FILE_MACHINE_AMD64) r.fail(coff, 'FileHeader.Machine', `0x${machine.toString(16)} is not x64 (0x8664)`);
  const nSections = r.u16(coff + 2, 'FileHeader.NumberOfSections');
  if (nSections > MAX_SECTIONS) r.fail(coff + 2, 'FileHeader.NumberOfSections', `${nSections} exceeds ${MAX_SECTIONS}`);
  const optSize = r.u16(coff + 16, 'FileHeader.SizeOfOptionalHeader');
  const characteristics = r.u16(coff + 18, 'FileHeader.Characteristics');
  const opt = coff + 20;
  if (optSize < 112) r.fail(coff + 16, 'FileHeader.SizeOfOptionalHeader', `${optSize} is too small for a PE32+ optional header`);
  const o = r.sub(opt, optSize, 'OptionalHeader');
  const magic = o.u16(0, 'OptionalHeader.Magic');
  if (magic !== PE32_PLUS_MAGIC) o.fail(0, 'OptionalHeader.Magic', `0x${magic.toString(16)} is not PE32+ (0x20b)`);
  const entryPointRva = o.u32(16, 'OptionalHeader.AddressOfEntryPoint');
  const imageBase = o.u64(24, 'OptionalHeader.ImageBase');
  const sectionAlignment = o.u32(32, 'OptionalHeader.SectionAlignment');
  const fileAlignment = o.u32(36, 'OptionalHeader.FileAlignment');
  const imageVersion = { major: o.u16(44, 'OptionalHeader.MajorImageVersion'), minor: o.u16(46, 'OptionalHeader.MinorImageVersion') };
  const subsystemVersion = { major: o.u16(48, 'OptionalHeader.MajorSubsystemVersion'), minor: o.u16(50, 'OptionalHeader.MinorSubsystemVersion') };
  const sizeOfImage = o.u32(56, 'OptionalHeader.SizeOfImage');
  const sizeOfHeaders = o.u32(60, 'OptionalHeader.SizeOfHeaders');
  const subsystem = o.u16(68, 'OptionalHeader.Subsystem');
  const nDirs = o.u32(108, 'OptionalHeader.NumberOfRvaAndSizes');
  if (sizeOfImage > MAX_IMAGE_SIZE) o.fail(56, 'OptionalHeader.SizeOfImage', `0x${sizeOfImage.toString(16)} exceeds the loader's limit`);
  if (sizeOfHeaders > sizeOfImage) o.fail(60, 'OptionalHeader.SizeOfHeaders', 'larger than SizeOfImage');
  if (entryPointRva >= sizeOfImage && !(entryPointRva === 0)) o.fail(16, 'OptionalHeader.AddressOfEntryPoint', 'outside the image');

  const sections: PeSectionInfo[] = [];
  const table = opt + optSize;
  for (let i = 0; i < nSections; i++) {
    const s = table + 40 * i;
    const f = `Section[${i}]`;
    const nameBytes = r.bytesAt(s, 8, `${f}.Name`);
    const end = nameBytes.indexOf(0);
    const name = Buffer.from(nameBytes.subarray(0, end < 0 ? 8 : end)).toString('latin1');
    const virtualSize = r.u32(s + 8, `${f}.VirtualSize`);
    const virtualAddress = r.u32(s + 12, `${f}.VirtualAddress`);
    const sizeOfRawData = r.u32(s + 16, `${f}.SizeOfRawData`);
    const pointerToRawData = r.u32(s + 20, `${f}.PointerToRawData`);
    const ch = r.u32(s + 36, `${f}.Characteristics`);
    const span = Math.max(virtualSize, virtualSize === 0 ? sizeOfRawData : 0);
    if (virtualAddress + span > sizeOfImage) r.fail(s + 12, `${f}.VirtualAddress`, `section [0x${virtualAddress.toString(16)}, +0x${span.toString(16)}) lies outside SizeOfImage 0x${sizeOfImage.toString(16)}`);
    if (sizeOfRawData > 0) r.need(pointerToRawData, Math.min(sizeOfRawData, span), `${f}.PointerToRawData`);
    sections.push({
      name, virtualAddress, virtualSize, pointerToRawData, sizeOfRawData, characteristics: ch,
      readable: (ch & SectionFlags.MEM_READ) !== 0, writable: (ch & SectionFlags.MEM_WRITE) !== 0, executable: (ch & SectionFlags.MEM_EXECUTE) !== 0,
    });
  }

  const relocations: number[] = [];
  if (nDirs > IMAGE_DIRECTORY_ENTRY_BASERELOC && 112 + 8 * (IMAGE_DIRECTORY_ENTRY_BASERELOC + 1) <= optSize) {
    const d = 112 + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC;
    const rva = o.u32(d, 'DataDirectory[BASERELOC].VirtualAddress');
    const size = o.u32(d + 4, 'DataDirectory[BASERELOC].Size');
    if (size > 0) {
      const sec = sections.find((s) => rva >= s.virtualAddress && rva + size <= s.virtualAddress + Math.min(s.sizeOfRawData, Math.max(s.virtualSize, s.sizeOfRawData)));
      if (!sec) return o.fail(d, 'DataDirectory[BASERELOC]', `[0x${rva.toString(16)}, +0x${size.toString(16)}) is not inside a section's file data`);
      const rr = r.sub(sec.pointerToRawData + (rva - sec.virtualAddress), size, 'BaseRelocation');
      for (let b = 0; b + 8 <= size; ) {
        const page = rr.u32(b, 'BaseRelocation.VirtualAddress');
        const blockSize = rr.u32(b + 4, 'BaseRelocation.SizeOfBlock');
        if (blockSize < 8 || b + blockSize > size) rr.fail(b + 4, 'BaseRelocation.SizeOfBlock', `${blockSize} is not between 8 and the ${size - b} byte(s) left`);
        for (let e = b + 8; e + 2 <= b + blockSize; e += 2) {
          const v = rr.u16(e, 'BaseRelocation.TypeOffset');
          const type = v >> 12;
          if (type === IMAGE_REL_BASED_ABSOLUTE) continue;
          if (type !== IMAGE_REL_BASED_DIR64) rr.fail(e, 'BaseRelocation.TypeOffset', `relocation type ${type} is not supported (only DIR64)`);
          const at = page + (v & 0xfff);
          if (at + 8 > sizeOfImage) rr.fail(e, 'BaseRelocation.TypeOffset', `fixup at RVA 0x${at.toString(16)} lies outside the image`);
          relocations.push(at);
        }
        b += blockSize;
      }
    }
  }
  return {
    machine, characteristics, entryPointRva, imageBase, sectionAlignment, fileAlignment, sizeOfImage, sizeOfHeaders, subsystem,
    subsystemVersion, imageVersion, sections, relocations,
  };
}

/**
 * Maps an image at `base`: headers and each section's file data copied to their RVAs (the rest zero), then
 * every DIR64 fixup adjusted by base − ImageBase (mod 2^64). The supervisor maps code sections RX and the
 * others RW/NX from `info.sections` (supervisor-facts §2.5).
 */
export function loadPeImage(bytes: Uint8Array, base: bigint, source?: string): LoadedPeImage {
  const info = parsePeImage(bytes, source);
  const image = new Uint8Array(info.sizeOfImage);
  image.set(bytes.subarray(0, Math.min(info.sizeOfHeaders, bytes.length)));
  for (const s of info.sections) {
    const n = Math.min(s.sizeOfRawData, s.virtualSize || s.sizeOfRawData);
    if (n > 0) image.set(bytes.subarray(s.pointerToRawData, s.pointerToRawData + n), s.virtualAddress);
  }
  const delta = (base - info.imageBase) & 0xffffffffffffffffn;
  if (delta !== 0n) {
    const view = new DataView(image.buffer);
    for (const rva of info.relocations) view.setBigUint64(rva, (view.getBigUint64(rva, true) + delta) & 0xffffffffffffffffn, true);
  }
  return { info, base, image, entryPoint: (base + BigInt(info.entryPointRva)) & 0xffffffffffffffffn };
}

/** Recovers the writer's spec from an image it wrote (`.text`, `.data`, fixups as section offsets). */
export function readPeImageSpec(bytes: Uint8Array, source?: string): Required<PeImageSpec> {
  const info = parsePeImage(bytes, source);
  const sectionBytes = (name: string): { rva: number; data: Uint8Array } | undefined => {
    const s = info.sections.find((x) => x.name === name);
    if (!s) return undefined;
    return { rva: s.virtualAddress, data: bytes.slice(s.pointerToRawData, s.pointerToRawData + Math.min(s.virtualSize, s.sizeOfRawData)) };
  };
  const text = sectionBytes('.text');
  if (!text) return new ByteReader(bytes, FORMAT, 0, source).fail(0, 'SectionTable', 'no .text section');
  const data = sectionBytes('.data');
  const dataRva = data?.rva ?? -1;
  const relocations = info.relocations.map((rva) => {
    if (rva >= text.rva && rva + 8 <= text.rva + text.data.length) return { section: 'text' as const, offset: rva - text.rva };
    if (data && rva >= dataRva && rva + 8 <= dataRva + data.data.length) return { section: 'data' as const, offset: rva - dataRva };
    return new ByteReader(bytes, FORMAT, 0, source).fail(0, 'BaseRelocation', `fixup at RVA 0x${rva.toString(16)} is in neither .text nor .data`);
  });
  return {
    code: text.data,
    data: data?.data ?? new Uint8Array(0),
    entryOffset: info.entryPointRva - text.rva,
    imageBase: info.imageBase,
    sectionAlignment: info.sectionAlignment,
    fileAlignment: info.fileAlignment,
    subsystem: info.subsystem,
    subsystemVersion: info.subsystemVersion,
    imageVersion: info.imageVersion,
    relocations,
  };
}

/** The supervisor's view of its version (supervisor-facts §6.3): Version and PatchLevel words. */
export function peVersionWords(info: PeImageInfo): { version: number; patchLevel: number } {
  return {
    version: ((info.subsystemVersion.major << 16) | info.subsystemVersion.minor) >>> 0,
    patchLevel: ((info.imageVersion.major << 16) | info.imageVersion.minor) >>> 0,
  };
}
