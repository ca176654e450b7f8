import { ByteWriter } from '../binary/byte-writer';
import { FormatError } from '../binary/format-error';
import { writeGuid } from '../guid/guid';
import { sum16, sum8 } from './checksum-error';
import { writeSections } from './sections';
import { FfsAttribute, FfsFile, FirmwareVolume, FV_SIGNATURE, FVB_ERASE_POLARITY, FvBlockMapEntry } from './fv-types';

const FORMAT = 'firmware volume';
const align8 = (n: number) => (n + 7) & ~7;

/** The data bytes of a file (after its header). */
export function ffsFileData(f: FfsFile): Uint8Array {
  return 'raw' in f.content ? f.content.raw : writeSections(f.content.sections);
}

/**
 * One FFS file with header and data (x86-smm-facts §4.4): the 32-byte EFI_FFS_FILE_HEADER2 when the
 * LARGE_FILE attribute is set or the file does not fit 24 bits; IntegrityCheck.File is the data checksum when
 * the CHECKSUM attribute is set, else 0xAA; the header checksum makes the header's byte sum zero with State
 * and IntegrityCheck.File counted as 0; State is written through the erase polarity.
 */
export function writeFfsFile(f: FfsFile, erasePolarity: boolean): Uint8Array {
  const data = ffsFileData(f);
  const large = (f.attributes & FfsAttribute.LARGE_FILE) !== 0 || 24 + data.length > 0xffffff;
  const hdr = large ? 32 : 24;
  const attributes = f.attributes | (large ? FfsAttribute.LARGE_FILE : 0);
  const w = new ByteWriter();
  writeGuid(w, f.name);
  w.u8(0).u8(0).u8(f.type, undefined, 'Type').u8(attributes, undefined, 'Attributes');
  w.u24(large ? 0 : hdr + data.length).u8(0);
  if (large) w.u64(hdr + data.length);
  const header = w.finish();
  header[0x10] = (0x100 - sum8(header)) & 0xff;
  header[0x11] = attributes & FfsAttribute.CHECKSUM ? (0x100 - sum8(data)) & 0xff : 0xaa;
  header[0x17] = erasePolarity ? ~f.state & 0xff : f.state & 0xff;
  return new ByteWriter().bytes(header).bytes(data).finish();
}

/** Bytes of the header, block map and ext header, and where the first file goes. */
function headerLayout(v: FirmwareVolume): { headerLength: number; extSize: number; firstFile: number } {
  const headerLength = 0x38 + 8 * (v.blockMap.length + 1);
  const extSize = v.extHeader ? 20 + v.extHeader.entries.reduce((n, e) => n + 4 + e.data.length, 0) : 0;
  return { headerLength, extSize, firstFile: align8(headerLength + extSize) };
}

/** Bytes the volume's content needs (header, ext header, files); FvLength must be at least this. */
export function fvRequiredSize(v: FirmwareVolume): number {
  let off = headerLayout(v).firstFile;
  for (const f of v.files) off = align8(off) + writeFfsFile(f, true).length;
  return off;
}

/** A block map of `blockSize`-byte blocks that covers `size` bytes. */
export function blockMapFor(size: number, blockSize = 0x1000): FvBlockMapEntry[] {
  return [{ numBlocks: Math.max(1, Math.ceil(size / blockSize)), length: blockSize }];
}

/**
 * Writes a firmware volume (x86-smm-facts §4.3): header with block map and checksum, the optional extended
 * header right after it, then the files at 8-byte-aligned offsets; gaps and free space hold the erase byte
 * (0xFF with ERASE_POLARITY). FvLength = Σ block sizes; throws FormatError if the content does not fit.
 */
export function writeFirmwareVolume(v: FirmwareVolume): Uint8Array {
  const polarity = (v.attributes & FVB_ERASE_POLARITY) !== 0;
  const erase = polarity ? 0xff : 0x00;
  const { headerLength, extSize, firstFile } = headerLayout(v);
  const fvLength = v.blockMap.reduce((n, b) => n + b.numBlocks * b.length, 0);
  if (headerLength > 0xffff) throw new FormatError(FORMAT, 0x30, 'HeaderLength', `block map of ${v.blockMap.length} entries is too long`);
  const w = new ByteWriter();
  w.zeros(16);
  writeGuid(w, v.fileSystemGuid);
  w.u64(fvLength).u32(FV_SIGNATURE).u32(v.attributes, undefined, 'Attributes').u16(headerLength).u16(0);
  w.u16(v.extHeader ? headerLength : 0).u8(0).u8(2);
  for (const b of v.blockMap) w.u32(b.numBlocks, undefined, 'NumBlocks').u32(b.length, undefined, 'Length');
  w.u32(0).u32(0);
  const header = w.finish();
  const ck = (0x10000 - sum16(header)) & 0xffff;
  header[0x32] = ck & 0xff;
  header[0x33] = ck >> 8;
  const out = new ByteWriter().bytes(header);
  if (v.extHeader) {
    writeGuid(out, v.extHeader.fvName);
    out.u32(extSize);
    for (const e of v.extHeader.entries) out.u16(4 + e.data.length, undefined, 'ExtEntrySize').u16(e.type).bytes(e.data);
  }
  out.align(8, erase);
  if (out.length !== firstFile) throw new Error('internal: FV layout mismatch');
  for (const f of v.files) {
    out.align(8, erase);
    out.bytes(writeFfsFile(f, polarity));
  }
  if (out.length > fvLength) {
    throw new FormatError(FORMAT, 0x20, 'FvLength', `content needs ${out.length} bytes but the block map gives ${fvLength}`);
  }
  const bytes = out.finish();
  const fv = new Uint8Array(fvLength).fill(erase);
  fv.set(bytes);
  return fv;
}
