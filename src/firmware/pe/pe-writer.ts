import { MmspecError } from '../../common/errors';
import { ByteWriter } from '../binary/byte-writer';
import {
  DATA_CHARACTERISTICS, IMAGE_DIRECTORY_ENTRY_BASERELOC, IMAGE_DOS_SIGNATURE, IMAGE_FILE_MACHINE_AMD64, IMAGE_NT_SIGNATURE,
  IMAGE_REL_BASED_ABSOLUTE, IMAGE_REL_BASED_DIR64, PE32_PLUS_MAGIC, PeImageSpec, PeLayout, RELOC_CHARACTERISTICS, Subsystem,
  TEXT_CHARACTERISTICS,
} from './pe-types';

/** A PeImageSpec the writer cannot build. */
export class PeSpecError extends MmspecError {
  constructor(message: string) {
    super('PE_SPEC_INVALID', message);
  }
}

const E_LFANEW = 0x80;
const OPTIONAL_HEADER_SIZE = 240; // PE32+ with 16 data directories
const SECTION_TABLE = E_LFANEW + 4 + 20 + OPTIONAL_HEADER_SIZE;
// The conventional real-mode stub: print the message with INT 21h/AH=09h, exit with INT 21h/AX=4C01h.
const DOS_STUB = Uint8Array.from([0x0e, 0x1f, 0xba, 0x0e, 0x00, 0xb4, 0x09, 0xcd, 0x21, 0xb8, 0x01, 0x4c, 0xcd, 0x21,
  ...Buffer.from('This program cannot be run in DOS mode.\r\r\n$', 'latin1')]);

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

function checkAlignment(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0x20 || (v & (v - 1)) !== 0) throw new PeSpecError(`${what} 0x${v.toString(16)} must be a power of two of at least 0x20`);
}

/** Sorted, de-duplicated fixup RVAs. */
function fixupRvas(spec: PeImageSpec, textRva: number, dataRva: number): number[] {
  const data = spec.data ?? new Uint8Array(0);
  const rvas = (spec.relocations ?? []).map((r) => {
    const size = r.section === 'text' ? spec.code.length : data.length;
    if (!Number.isInteger(r.offset) || r.offset < 0 || r.offset + 8 > size) {
      throw new PeSpecError(`relocation at ${r.section}+0x${r.offset.toString(16)} does not lie inside the ${r.section} section (0x${size.toString(16)} bytes)`);
    }
    return (r.section === 'text' ? textRva : dataRva) + r.offset;
  });
  return [...new Set(rvas)].sort((a, b) => a - b);
}

/** The base relocation table: one block per 4 KiB page, DIR64 entries, padded to 4 bytes with ABSOLUTE. */
function relocTable(rvas: number[]): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < rvas.length; ) {
    const page = rvas[i] & ~0xfff;
    const entries: number[] = [];
    while (i < rvas.length && (rvas[i] & ~0xfff) === page) entries.push((IMAGE_REL_BASED_DIR64 << 12) | (rvas[i++] & 0xfff));
    if (entries.length % 2) entries.push(IMAGE_REL_BASED_ABSOLUTE << 12);
    w.u32(page).u32(8 + 2 * entries.length);
    for (const e of entries) w.u16(e);
  }
  return w.finish();
}

/** Where `writePeImage(spec)` places headers and sections. */
export function peLayout(spec: PeImageSpec): PeLayout {
  const sa = spec.sectionAlignment ?? 0x1000;
  const fa = spec.fileAlignment ?? 0x200;
  const hasData = (spec.data?.length ?? 0) > 0;
  const nSections = 1 + (hasData ? 1 : 0) + ((spec.relocations?.length ?? 0) > 0 ? 1 : 0);
  const sizeOfHeaders = alignUp(SECTION_TABLE + 40 * nSections, fa);
  const textRva = alignUp(sizeOfHeaders, sa);
  const dataRva = textRva + alignUp(Math.max(1, spec.code.length), sa);
  const relocRva = dataRva + (hasData ? alignUp(spec.data!.length, sa) : 0);
  const relocSize = (spec.relocations?.length ?? 0) > 0 ? relocTable(fixupRvas(spec, textRva, dataRva)).length : 0;
  return { sizeOfHeaders, textRva, dataRva, relocRva, sizeOfImage: relocRva + (relocSize ? alignUp(relocSize, sa) : 0) };
}

/**
 * Builds a PE32+ image for an MM driver: DOS header and stub, `PE\0\0`, COFF header (machine 0x8664), the
 * PE32+ optional header (entry point, image base, alignments, subsystem, image and subsystem versions — the
 * supervisor reads its Version/PatchLevel from these, supervisor-facts §6.3/§10), `.text` (code, RX), `.data`
 * (RW) and `.reloc` (DIR64 base relocations) sections. Deterministic: TimeDateStamp and CheckSum are 0.
 */
export function writePeImage(spec: PeImageSpec): Uint8Array {
  const sa = spec.sectionAlignment ?? 0x1000;
  const fa = spec.fileAlignment ?? 0x200;
  checkAlignment(sa, 'SectionAlignment');
  checkAlignment(fa, 'FileAlignment');
  if (fa > sa) throw new PeSpecError(`FileAlignment 0x${fa.toString(16)} exceeds SectionAlignment 0x${sa.toString(16)}`);
  const data = spec.data ?? new Uint8Array(0);
  const entry = spec.entryOffset ?? 0;
  if (!Number.isInteger(entry) || entry < 0 || (entry >= spec.code.length && !(entry === 0 && spec.code.length === 0))) {
    throw new PeSpecError(`entry offset 0x${entry.toString(16)} is outside the code (0x${spec.code.length.toString(16)} bytes)`);
  }
  const L = peLayout(spec);
  const rvas = fixupRvas(spec, L.textRva, L.dataRva);
  const reloc = rvas.length ? relocTable(rvas) : new Uint8Array(0);
  const sections: { name: string; rva: number; bytes: Uint8Array; ch: number }[] = [{ name: '.text', rva: L.textRva, bytes: spec.code, ch: TEXT_CHARACTERISTICS }];
  if (data.length) sections.push({ name: '.data', rva: L.dataRva, bytes: data, ch: DATA_CHARACTERISTICS });
  if (reloc.length) sections.push({ name: '.reloc', rva: L.relocRva, bytes: reloc, ch: RELOC_CHARACTERISTICS });
  let raw = L.sizeOfHeaders;
  const placed = sections.map((s) => {
    const p = { ...s, ptr: s.bytes.length ? raw : 0, rawSize: alignUp(s.bytes.length, fa) };
    raw += p.rawSize;
    return p;
  });
  const rawOf = (n: string) => placed.find((p) => p.name === n)?.rawSize ?? 0;

  const w = new ByteWriter();
  w.u16(IMAGE_DOS_SIGNATURE).zeros(0x3c - 2).u32(E_LFANEW, 0x3c).bytes(DOS_STUB, 0x40).zeros(E_LFANEW - w.length);
  w.u32(IMAGE_NT_SIGNATURE);
  // COFF file header
  w.u16(IMAGE_FILE_MACHINE_AMD64).u16(sections.length).u32(0).u32(0).u32(0).u16(OPTIONAL_HEADER_SIZE).u16(0x0022);
  // PE32+ optional header
  w.u16(PE32_PLUS_MAGIC).u8(0).u8(0).u32(rawOf('.text')).u32(rawOf('.data') + rawOf('.reloc')).u32(0);
  w.u32(L.textRva + entry).u32(L.textRva);
  w.u64(spec.imageBase ?? 0n, undefined, 'ImageBase').u32(sa).u32(fa);
  w.u16(0).u16(0); // OperatingSystemVersion
  w.u16(spec.imageVersion?.major ?? 0, undefined, 'MajorImageVersion').u16(spec.imageVersion?.minor ?? 0, undefined, 'MinorImageVersion');
  w.u16(spec.subsystemVersion?.major ?? 0, undefined, 'MajorSubsystemVersion').u16(spec.subsystemVersion?.minor ?? 0, undefined, 'MinorSubsystemVersion');
  w.u32(0).u32(L.sizeOfImage).u32(L.sizeOfHeaders).u32(0);
  w.u16(spec.subsystem ?? Subsystem.EFI_BOOT_SERVICE_DRIVER, undefined, 'Subsystem').u16(0);
  w.u64(0).u64(0).u64(0).u64(0).u32(0).u32(16);
  for (let d = 0; d < 16; d++) {
    if (d === IMAGE_DIRECTORY_ENTRY_BASERELOC && reloc.length) w.u32(L.relocRva).u32(reloc.length);
    else w.u32(0).u32(0);
  }
  for (const p of placed) {
    const name = new Uint8Array(8);
    name.set(Buffer.from(p.name, 'latin1'));
    w.bytes(name).u32(p.bytes.length).u32(p.rva).u32(p.rawSize).u32(p.ptr).u32(0).u32(0).u16(0).u16(0).u32(p.ch >>> 0);
  }
  w.zeros(L.sizeOfHeaders - w.length);
  for (const p of placed) {
    if (!p.bytes.length) continue;
    w.bytes(p.bytes).zeros(p.rawSize - p.bytes.length);
  }
  return w.finish();
}
