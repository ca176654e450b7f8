import { ByteReader } from '../binary/byte-reader';
import { FormatError } from '../binary/format-error';
import { readGuid } from '../guid/guid';
import { ChecksumError, sum16, sum8 } from './checksum-error';
import { parseSections } from './sections';
import {
  FfsAttribute, FfsFile, fileStateName, FirmwareVolume, FV_SIGNATURE, FVB_ERASE_POLARITY, FvBlockMapEntry, FvExtEntry,
  isRawFileType,
} from './fv-types';

const FORMAT = 'firmware volume';
const align8 = (n: number) => (n + 7) & ~7;

/** Something wrong that a lenient parse recorded instead of throwing. */
export interface FvProblem {
  kind: 'checksum' | 'format';
  offset: number;
  field: string;
  reason: string;
}

/** Where a file was found and whether its checksums verify. */
export interface FfsFileInfo {
  offset: number;
  headerSize: number;
  /** Whole file size including header. */
  size: number;
  headerChecksumOk: boolean;
  dataChecksumOk: boolean;
  /** Meaning of the state byte (highest set bit after polarity). */
  stateName: string;
}

export interface FvParseResult {
  volume: FirmwareVolume;
  fvLength: number;
  headerLength: number;
  headerChecksumOk: boolean;
  /** Parallel to volume.files. */
  files: FfsFileInfo[];
  /** Empty unless `lenient`. */
  problems: FvProblem[];
}

export interface FvParseOptions {
  source?: string;
  /**
   * Record checksum mismatches, a block map that disagrees with FvLength and malformed section streams in
   * `problems` (keeping such a file's data raw) instead of throwing. Truncation and a bad signature still throw.
   */
  lenient?: boolean;
}

/**
 * Parses a firmware volume (x86-smm-facts §4.3–§4.5). Strict by default: every defect is a FormatError naming
 * offset and field; checksum mismatches are ChecksumErrors. Files are read until free space (a header of erase
 * bytes) or the end of the volume. Always terminates: each file advances by at least its header size.
 */
export function parseFirmwareVolume(bytes: Uint8Array, options: FvParseOptions = {}): FvParseResult {
  const r = new ByteReader(bytes, FORMAT, 0, options.source);
  const problems: FvProblem[] = [];
  const report = (e: FormatError): void => {
    if (!options.lenient) throw e;
    problems.push({ kind: e instanceof ChecksumError ? 'checksum' : 'format', offset: e.offset, field: e.field, reason: e.reason });
  };

  const fileSystemGuid = readGuid(r, 0x10, 'FileSystemGuid');
  const fvLength = r.u64Safe(0x20, 'FvLength');
  if (r.u32(0x28, 'Signature') !== FV_SIGNATURE) r.fail(0x28, 'Signature', `expected _FVH (0x${FV_SIGNATURE.toString(16)})`);
  const attributes = r.u32(0x2c, 'Attributes');
  const headerLength = r.u16(0x30, 'HeaderLength');
  r.u16(0x32, 'Checksum');
  const extOffset = r.u16(0x34, 'ExtHeaderOffset');
  if (fvLength > bytes.length) r.fail(0x20, 'FvLength', `0x${fvLength.toString(16)} is larger than the input (0x${bytes.length.toString(16)} bytes)`);
  if (headerLength < 0x40 || headerLength % 2 !== 0 || headerLength > fvLength) {
    r.fail(0x30, 'HeaderLength', `0x${headerLength.toString(16)} is not an even length between 0x40 and FvLength`);
  }
  const fv = r.sub(0, fvLength, 'FvLength');
  const headerChecksumOk = sum16(fv.bytesAt(0, headerLength, 'Header')) === 0;
  if (!headerChecksumOk) report(new ChecksumError(FORMAT, 0x32, 'Checksum', 'the 16-bit words of the header do not sum to 0', options.source));

  // Block map, terminated by {0, 0} inside the header (x86-smm-facts §4.3).
  const blockMap: FvBlockMapEntry[] = [];
  for (let o = 0x38; ; o += 8) {
    if (o + 8 > headerLength) r.fail(o, `BlockMap[${blockMap.length}]`, 'the block map has no {0,0} terminator inside HeaderLength');
    const numBlocks = fv.u32(o, `BlockMap[${blockMap.length}].NumBlocks`);
    const length = fv.u32(o + 4, `BlockMap[${blockMap.length}].Length`);
    if (numBlocks === 0 && length === 0) break;
    blockMap.push({ numBlocks, length });
  }
  const covered = blockMap.reduce((n, b) => n + b.numBlocks * b.length, 0);
  if (covered !== fvLength) report(new FormatError(FORMAT, 0x38, 'BlockMap', `blocks cover 0x${covered.toString(16)} bytes but FvLength is 0x${fvLength.toString(16)}`, options.source));

  let firstFile = headerLength;
  let extHeader: FirmwareVolume['extHeader'];
  if (extOffset !== 0) {
    const fvName = readGuid(fv, extOffset, 'ExtHeader.FvName');
    const extSize = fv.u32(extOffset + 16, 'ExtHeader.ExtHeaderSize');
    if (extSize < 20) fv.fail(extOffset + 16, 'ExtHeader.ExtHeaderSize', `${extSize} is smaller than the 20-byte extended header`);
    const er = fv.sub(extOffset, extSize, 'ExtHeader.ExtHeaderSize');
    const entries: FvExtEntry[] = [];
    for (let o = 20; o < extSize; ) {
      const f = `ExtHeader.Entry[${entries.length}]`;
      const size = er.u16(o, `${f}.ExtEntrySize`);
      const type = er.u16(o + 2, `${f}.ExtEntryType`);
      if (size < 4) er.fail(o, `${f}.ExtEntrySize`, `${size} is smaller than the 4-byte entry header`);
      entries.push({ type, data: er.bytesAt(o + 4, size - 4, `${f}.ExtEntrySize`).slice() });
      o += size;
    }
    extHeader = { fvName, entries };
    firstFile = extOffset + extSize;
  }

  const polarity = (attributes & FVB_ERASE_POLARITY) !== 0;
  const erase = polarity ? 0xff : 0x00;
  const files: FfsFile[] = [];
  const infos: FfsFileInfo[] = [];
  for (let off = align8(firstFile); off + 24 <= fvLength; ) {
    const head = fv.bytesAt(off, 24, 'File');
    if (head.every((b) => b === erase)) break; // free space
    const i = files.length;
    const p = `File[${i}].`;
    const name = readGuid(fv, off, `${p}Name`);
    const integrityFile = fv.u8(off + 0x11, `${p}IntegrityCheck.File`);
    const type = fv.u8(off + 0x12, `${p}Type`);
    const fattr = fv.u8(off + 0x13, `${p}Attributes`);
    const rawState = fv.u8(off + 0x17, `${p}State`);
    const large = (fattr & FfsAttribute.LARGE_FILE) !== 0;
    const headerSize = large ? 32 : 24;
    const size = large ? fv.u64Safe(off + 0x18, `${p}ExtendedSize`) : fv.u24(off + 0x14, `${p}Size`);
    const sizeField = large ? `${p}ExtendedSize` : `${p}Size`;
    if (size < headerSize) fv.fail(off + (large ? 0x18 : 0x14), sizeField, `${size} is smaller than the ${headerSize}-byte file header`);
    if (off + size > fvLength) fv.fail(off + (large ? 0x18 : 0x14), sizeField, `${size} runs past the end of the volume (${fvLength - off} byte(s) left)`);
    const header = fv.bytesAt(off, headerSize, `${p}Header`);
    const headerChecksumOk = (sum8(header) - header[0x11] - header[0x17]) % 256 === 0;
    if (!headerChecksumOk) report(new ChecksumError(FORMAT, off + 0x10, `${p}IntegrityCheck.Header`, 'the header bytes (State and IntegrityCheck.File as 0) do not sum to 0', options.source));
    const dr = fv.sub(off + headerSize, size - headerSize, `${p}Data`);
    let dataChecksumOk: boolean;
    if (fattr & FfsAttribute.CHECKSUM) {
      dataChecksumOk = (sum8(dr.bytes) + integrityFile) % 256 === 0;
      if (!dataChecksumOk) report(new ChecksumError(FORMAT, off + 0x11, `${p}IntegrityCheck.File`, 'the file data and IntegrityCheck.File do not sum to 0', options.source));
    } else {
      dataChecksumOk = integrityFile === 0xaa;
      if (!dataChecksumOk) report(new ChecksumError(FORMAT, off + 0x11, `${p}IntegrityCheck.File`, `0x${integrityFile.toString(16)} is not the fixed value 0xAA of a file without the CHECKSUM attribute`, options.source));
    }
    let content: FfsFile['content'];
    if (isRawFileType(type)) content = { raw: dr.bytes.slice() };
    else {
      try {
        content = { sections: parseSections(dr, `${p}Section`) };
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        report(e);
        content = { raw: dr.bytes.slice() };
      }
    }
    const state = polarity ? ~rawState & 0xff : rawState;
    files.push({ name, type, attributes: fattr, state, content });
    infos.push({ offset: off, headerSize, size, headerChecksumOk, dataChecksumOk, stateName: fileStateName(state) });
    off = align8(off + size);
  }
  return {
    volume: { fileSystemGuid, attributes, blockMap, ...(extHeader ? { extHeader } : {}), files },
    fvLength, headerLength, headerChecksumOk, files: infos, problems,
  };
}

/** The volume alone (strict parse). */
export function readFirmwareVolume(bytes: Uint8Array, source?: string): FirmwareVolume {
  return parseFirmwareVolume(bytes, { source }).volume;
}
