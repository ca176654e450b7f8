import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { FormatError } from '../../src/firmware/binary/format-error';
import {
  blockMapFor, ChecksumError, DEFAULT_FV_ATTRIBUTES, FfsFile, FfsFileType, FirmwareVolume, fvRequiredSize, parseFirmwareVolume,
  readFirmwareVolume, Section, writeFirmwareVolume,
} from '../../src/firmware/fv';
import { wellKnownGuid } from '../../src/firmware/guid';
import { expectParsesOrFormatError, guidArb, mutate, mutationArb, u8Arb } from './format-fuzz';

const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
const ucs2Arb = fc.array(fc.integer({ min: 1, max: 0xffff }), { maxLength: 12 }).map((a) => String.fromCharCode(...a));

const sectionArb: fc.Arbitrary<Section> = fc.oneof(
  fc.record({ kind: fc.constantFrom('pe32' as const, 'te' as const, 'mmDepex' as const, 'dxeDepex' as const, 'peiDepex' as const, 'raw' as const), data: bytesArb(40) }),
  fc.record({ kind: fc.constant('ui' as const), name: ucs2Arb }),
  fc.record({ kind: fc.constant('version' as const), buildNumber: fc.integer({ min: 0, max: 0xffff }), version: ucs2Arb }),
  fc.record({ kind: fc.constant('freeformSubtypeGuid' as const), subtypeGuid: guidArb, data: bytesArb(24) }),
  fc.record({ kind: fc.constant('other' as const), sectionType: fc.constantFrom(0x01, 0x02, 0x03, 0x11, 0x16, 0x17, 0x1a, 0x1d, 0xf0), data: bytesArb(24) }),
);

const fileArb: fc.Arbitrary<FfsFile> = fc.oneof(
  fc.record({
    name: guidArb,
    type: fc.constantFrom(0x02, 0x03, 0x05, 0x07, 0x0a, 0x0d, 0x0e, 0x0f, 0xc0),
    attributes: fc.constantFrom(0x00, 0x40, 0x01, 0x41, 0x08),
    state: fc.constantFrom(0x07, 0x03, 0x0f, 0x17),
    content: fc.record({ sections: fc.array(sectionArb, { maxLength: 4 }) }),
  }),
  fc.record({
    name: guidArb,
    type: fc.constantFrom(0x01, 0xf0),
    attributes: fc.constantFrom(0x00, 0x40),
    state: fc.constant(0x07),
    content: fc.record({ raw: bytesArb(48) }),
  }),
);

const volumeArb: fc.Arbitrary<FirmwareVolume> = fc.record({
  fileSystemGuid: fc.constantFrom(wellKnownGuid('FFS2')!, wellKnownGuid('FFS3')!),
  attributes: fc.constantFrom(DEFAULT_FV_ATTRIBUTES, 0x0004f6ff, 0x00000400),
  ext: fc.option(fc.record({ fvName: guidArb, entries: fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: bytesArb(12) }), { maxLength: 2 }) }), { nil: undefined }),
  files: fc.array(fileArb, { maxLength: 5 }),
  blockSize: fc.constantFrom(0x40, 0x100, 0x1000),
  spare: fc.integer({ min: 0, max: 2 }),
}).map(({ fileSystemGuid, attributes, ext, files, blockSize, spare }) => {
  const v: FirmwareVolume = { fileSystemGuid, attributes, blockMap: [], ...(ext ? { extHeader: ext } : {}), files };
  const need = fvRequiredSize({ ...v, blockMap: [{ numBlocks: 1, length: 1 }] });
  v.blockMap = [{ numBlocks: Math.ceil(need / blockSize) + spare, length: blockSize }];
  return v;
});

const drv = (name: string, sections: Section[], type: number = FfsFileType.MM_STANDALONE): FfsFile => ({ name, type, attributes: 0, state: 7, content: { sections } });

describe('firmware volumes (x86-smm-facts §4.3–§4.5)', () => {
  it('parse(write(v)) equals v and write(parse(bytes)) equals bytes', () => {
    fc.assert(fc.property(volumeArb, (v) => {
      const bytes = writeFirmwareVolume(v);
      const parsed = parseFirmwareVolume(bytes);
      expect(parsed.volume).to.deep.equal(v);
      expect(parsed.headerChecksumOk).to.equal(true);
      expect(parsed.files.every((f) => f.headerChecksumOk && f.dataChecksumOk)).to.equal(true);
      expect(Buffer.from(writeFirmwareVolume(parsed.volume)).equals(Buffer.from(bytes))).to.equal(true);
    }), { numRuns: 3000 });
  });
  it('mutated and truncated volumes parse or throw FormatError naming offset and field (strict and lenient)', () => {
    fc.assert(fc.property(volumeArb, mutationArb, fc.boolean(), (v, m, lenient) => {
      const b = mutate(writeFirmwareVolume(v), m);
      expectParsesOrFormatError(() => parseFirmwareVolume(b, { lenient }));
    }), { numRuns: 5000 });
  });
  it('mutations inside the file area give ChecksumErrors or FormatErrors', () => {
    fc.assert(fc.property(volumeArb.filter((v) => v.files.length > 0), fc.nat(), u8Arb, (v, at, value) => {
      const b = writeFirmwareVolume(v);
      const first = parseFirmwareVolume(b).files[0].offset;
      const c = b.slice();
      c[first + (at % (b.length - first))] ^= value | 1;
      expectParsesOrFormatError(() => parseFirmwareVolume(c));
    }), { numRuns: 2000 });
  });

  const sample: FirmwareVolume = {
    fileSystemGuid: wellKnownGuid('FFS2')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: blockMapFor(0x400, 0x100),
    files: [drv('bb3d60c4-210b-4076-b596-3dd298afea49', [{ kind: 'mmDepex', data: Uint8Array.of(6, 8) }, { kind: 'ui', name: 'MmSupervisorRing3Broker' }])],
  };
  it('writes the header fields, block map and a verifying checksum', () => {
    const b = writeFirmwareVolume(sample);
    const dv = new DataView(b.buffer);
    expect(b.length).to.equal(0x400);
    expect(Buffer.from(b.subarray(0x28, 0x2c)).toString('latin1')).to.equal('_FVH');
    expect(dv.getBigUint64(0x20, true)).to.equal(0x400n);
    expect(dv.getUint16(0x30, true)).to.equal(0x48);
    expect(b[0x37]).to.equal(2);
    let s = 0;
    for (let i = 0; i < 0x48; i += 2) s = (s + dv.getUint16(i, true)) & 0xffff;
    expect(s).to.equal(0);
    // file at 0x48: committed state 0xF8 under erase polarity 1, fixed data checksum 0xAA
    expect(b[0x48 + 0x17]).to.equal(0xf8);
    expect(b[0x48 + 0x11]).to.equal(0xaa);
    let h = 0;
    for (let i = 0; i < 24; i++) if (i !== 0x11 && i !== 0x17) h = (h + b[0x48 + i]) & 0xff;
    expect(h).to.equal(0);
    expect(b[b.length - 1]).to.equal(0xff);
  });
  it('reports a corrupted checksum as such (strict: ChecksumError; lenient: a checksum problem)', () => {
    const b = writeFirmwareVolume(sample);
    const hdr = b.slice(); hdr[0x32] ^= 1;
    expect(() => parseFirmwareVolume(hdr, { source: 'x.fv' })).to.throw(ChecksumError, /x\.fv: firmware volume at offset 0x32: field Checksum: checksum mismatch/);
    const fh = b.slice(); fh[0x48 + 0x10] ^= 0x55;
    try { parseFirmwareVolume(fh); expect.fail('no error'); } catch (e) {
      expect(e).to.be.instanceOf(ChecksumError);
      expect((e as ChecksumError).code).to.equal('FORMAT_CHECKSUM');
      expect((e as ChecksumError).field).to.equal('File[0].IntegrityCheck.Header');
      expect((e as ChecksumError).offset).to.equal(0x58);
    }
    const fd = b.slice(); fd[0x48 + 0x11] = 0x12;
    expect(() => parseFirmwareVolume(fd)).to.throw(ChecksumError, /IntegrityCheck\.File/);
    const lenient = parseFirmwareVolume(fh, { lenient: true });
    expect(lenient.problems).to.deep.equal([{ kind: 'checksum', offset: 0x58, field: 'File[0].IntegrityCheck.Header', reason: 'checksum mismatch: the header bytes (State and IntegrityCheck.File as 0) do not sum to 0' }]);
    expect(lenient.files[0].headerChecksumOk).to.equal(false);
    expect(lenient.volume.files[0].name).to.equal('bb3d60c4-210b-4076-b596-3dd298afea49');
  });
  it('verifies a real data checksum when the CHECKSUM attribute is set', () => {
    const v = { ...sample, files: [{ ...sample.files[0], attributes: 0x40 }] };
    const b = writeFirmwareVolume(v);
    expect(parseFirmwareVolume(b).files[0].dataChecksumOk).to.equal(true);
    const c = b.slice(); c[0x48 + 24 + 4] ^= 0xff;
    expect(() => parseFirmwareVolume(c)).to.throw(ChecksumError, /File\[0\]\.IntegrityCheck\.File/);
  });
  it('uses the 32-byte header for large files and handles erase polarity 0', () => {
    const v: FirmwareVolume = { ...sample, attributes: 0x400, files: [{ ...sample.files[0], attributes: 0x01 }] };
    const b = writeFirmwareVolume(v);
    expect(b[0x48 + 0x13] & 1).to.equal(1);
    expect(b[0x48 + 0x17]).to.equal(0x07);
    expect(parseFirmwareVolume(b).files[0].headerSize).to.equal(32);
    expect(readFirmwareVolume(b)).to.deep.equal(v);
  });
  it('names the offset and field of structural errors', () => {
    const b = writeFirmwareVolume(sample);
    const sig = b.slice(); sig[0x28] = 0;
    expect(() => parseFirmwareVolume(sig)).to.throw(FormatError, /offset 0x28: field Signature/);
    expect(() => parseFirmwareVolume(b.subarray(0, 0x100))).to.throw(FormatError, /field FvLength/);
    const size = b.slice(); size[0x48 + 0x14] = 4; size[0x48 + 0x15] = 0; size[0x48 + 0x16] = 0;
    expect(() => parseFirmwareVolume(size, { lenient: true })).to.throw(FormatError, /File\[0\]\.Size: 4 is smaller/);
  });
});
