import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';
import { readGuid, writeGuid } from '../guid/guid';
import { decodeUcs2z, encodeUcs2z } from './ucs2';
import { Section, SectionType } from './fv-types';

const KIND_TYPES: Record<Exclude<Section['kind'], 'other'>, number> = {
  pe32: SectionType.PE32,
  te: SectionType.TE,
  mmDepex: SectionType.MM_DEPEX,
  dxeDepex: SectionType.DXE_DEPEX,
  peiDepex: SectionType.PEI_DEPEX,
  ui: SectionType.USER_INTERFACE,
  version: SectionType.VERSION,
  raw: SectionType.RAW,
  freeformSubtypeGuid: SectionType.FREEFORM_SUBTYPE_GUID,
};
const DATA_KINDS = new Map<number, 'pe32' | 'te' | 'mmDepex' | 'dxeDepex' | 'peiDepex' | 'raw'>([
  [SectionType.PE32, 'pe32'], [SectionType.TE, 'te'], [SectionType.MM_DEPEX, 'mmDepex'],
  [SectionType.DXE_DEPEX, 'dxeDepex'], [SectionType.PEI_DEPEX, 'peiDepex'], [SectionType.RAW, 'raw'],
]);

/** The section type byte of a section. */
export function sectionTypeOf(s: Section): number {
  return s.kind === 'other' ? s.sectionType : KIND_TYPES[s.kind];
}

function body(s: Section): Uint8Array {
  switch (s.kind) {
    case 'ui':
      return encodeUcs2z(s.name);
    case 'version': {
      const w = new ByteWriter().u16(s.buildNumber, undefined, 'BuildNumber');
      return w.bytes(encodeUcs2z(s.version)).finish();
    }
    case 'freeformSubtypeGuid':
      return writeGuid(new ByteWriter(), s.subtypeGuid).bytes(s.data).finish();
    default:
      return s.data;
  }
}

/**
 * A section stream (x86-smm-facts §4.5): each section at a 4-byte-aligned offset from the start of the
 * stream (file data starts 4-aligned), zero padding between sections; a section of 0xFFFFFF bytes or more
 * uses the 8-byte header with ExtendedSize.
 */
export function writeSections(sections: readonly Section[]): Uint8Array {
  const w = new ByteWriter();
  for (const s of sections) {
    w.align(4);
    const b = body(s);
    const type = sectionTypeOf(s);
    if (4 + b.length < 0xffffff) w.u24(4 + b.length).u8(type);
    else w.u24(0xffffff).u8(type).u32(8 + b.length, undefined, 'ExtendedSize');
    w.bytes(b);
  }
  return w.finish();
}

/**
 * Parses a section stream covering all of `r`. Throws FormatError naming offset and field (a Size smaller
 * than the header or running past the file, an unterminated UCS-2 string).
 */
export function parseSections(r: ByteReader, fieldPrefix = 'Section'): Section[] {
  const out: Section[] = [];
  let off = 0;
  while (true) {
    off = (off + 3) & ~3;
    if (off >= r.length) return out;
    const i = out.length;
    const f = `${fieldPrefix}[${i}]`;
    let size = r.u24(off, `${f}.Size`);
    const type = r.u8(off + 3, `${f}.Type`);
    let hdr = 4;
    if (size === 0xffffff) {
      size = r.u32(off + 4, `${f}.ExtendedSize`);
      hdr = 8;
    }
    if (size < hdr) r.fail(off, `${f}.Size`, `${size} is smaller than the ${hdr}-byte section header`);
    if (off + size > r.length) r.fail(off, `${f}.Size`, `${size} runs past the end of the file (${r.length - off} byte(s) left)`);
    const sr = r.sub(off, size, f);
    const b = hdr;
    const n = size - hdr;
    const dk = DATA_KINDS.get(type);
    if (dk) out.push({ kind: dk, data: sr.bytesAt(b, n, `${f}.Data`).slice() });
    else if (type === SectionType.USER_INTERFACE) out.push({ kind: 'ui', name: decodeUcs2z(sr, b, n, `${f}.FileNameString`) });
    else if (type === SectionType.VERSION) {
      out.push({ kind: 'version', buildNumber: sr.u16(b, `${f}.BuildNumber`), version: decodeUcs2z(sr, b + 2, Math.max(0, n - 2), `${f}.VersionString`) });
    } else if (type === SectionType.FREEFORM_SUBTYPE_GUID) {
      out.push({ kind: 'freeformSubtypeGuid', subtypeGuid: readGuid(sr, b, `${f}.SubTypeGuid`), data: sr.bytesAt(b + 16, Math.max(0, n - 16), `${f}.Data`).slice() });
    } else out.push({ kind: 'other', sectionType: type, data: sr.bytesAt(b, n, `${f}.Data`).slice() });
    off += size;
  }
}
