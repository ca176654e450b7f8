import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { FormatError } from '../../src/firmware/binary/format-error';
import {
  DATA_CHARACTERISTICS, loadPeImage, parsePeImage, PeImageSpec, peLayout, PeSpecError, peVersionWords, readPeImageSpec,
  TEXT_CHARACTERISTICS, writePeImage,
} from '../../src/firmware/pe';
import { expectParsesOrFormatError, mutate, mutationArb, u16Arb, u64Arb } from './format-fuzz';

const specArb: fc.Arbitrary<Required<PeImageSpec>> = fc.record({
  code: fc.uint8Array({ minLength: 1, maxLength: 96 }),
  data: fc.uint8Array({ maxLength: 64 }),
  sa: fc.constantFrom(0x1000, 0x200),
  fa: fc.constantFrom(0x20, 0x200),
  imageBase: u64Arb.map((b) => b & ~0xfffn),
  subsystem: fc.constantFrom(10, 11, 12),
  subsystemVersion: fc.record({ major: u16Arb, minor: u16Arb }),
  imageVersion: fc.record({ major: u16Arb, minor: u16Arb }),
  entry: fc.nat(),
  tr: fc.uniqueArray(fc.nat(), { maxLength: 4 }),
  dr: fc.uniqueArray(fc.nat(), { maxLength: 3 }),
}).map((s) => {
  const fix = (offs: number[], size: number) => size >= 8 ? [...new Set(offs.map((o) => o % (size - 7)))].sort((a, b) => a - b) : [];
  return {
    code: s.code, data: s.data, entryOffset: s.entry % s.code.length, imageBase: s.imageBase,
    sectionAlignment: s.sa, fileAlignment: Math.min(s.fa, s.sa), subsystem: s.subsystem,
    subsystemVersion: s.subsystemVersion, imageVersion: s.imageVersion,
    relocations: [
      ...fix(s.tr, s.code.length).map((offset) => ({ section: 'text' as const, offset })),
      ...fix(s.dr, s.data.length).map((offset) => ({ section: 'data' as const, offset })),
    ],
  };
});

describe('PE32+ images for MM drivers', () => {
  it('readPeImageSpec(write(spec)) equals spec and write(read(bytes)) equals bytes', () => {
    fc.assert(fc.property(specArb, (spec) => {
      const bytes = writePeImage(spec);
      const back = readPeImageSpec(bytes);
      expect(back).to.deep.equal(spec);
      expect(Buffer.from(writePeImage(back)).equals(Buffer.from(bytes))).to.equal(true);
    }), { numRuns: 3000 });
  });
  it('mutated and truncated images parse/load or throw FormatError naming offset and field', () => {
    fc.assert(fc.property(specArb, mutationArb, (spec, m) => {
      const b = mutate(writePeImage(spec), m);
      expectParsesOrFormatError(() => loadPeImage(b, 0x7f000000n));
    }), { numRuns: 5000 });
  });
  it('mutations of header fields are caught', () => {
    fc.assert(fc.property(specArb, fc.integer({ min: 0, max: 0x1ff }), fc.integer({ min: 1, max: 255 }), (spec, at, x) => {
      const b = writePeImage(spec);
      const c = b.slice(); c[at] ^= x;
      expectParsesOrFormatError(() => loadPeImage(c, 0x200000n));
    }), { numRuns: 2000 });
  });
  it('lays out headers, sections and version fields as a real image', () => {
    const spec: PeImageSpec = {
      code: Uint8Array.from([0x48, 0xb8, 0x08, 0x20, 0, 0, 0, 0, 0, 0, 0xc3]), data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0]),
      entryOffset: 0, subsystemVersion: { major: 0x17, minor: 0x27 }, imageVersion: { major: 1, minor: 1 },
      relocations: [{ section: 'text', offset: 2 }, { section: 'data', offset: 8 }],
    };
    const b = writePeImage(spec);
    const dv = new DataView(b.buffer);
    expect(Buffer.from(b.subarray(0, 2)).toString('latin1')).to.equal('MZ');
    const nt = dv.getUint32(0x3c, true);
    expect(Buffer.from(b.subarray(nt, nt + 4)).toString('latin1')).to.equal('PE\0\0');
    expect(dv.getUint16(nt + 4, true)).to.equal(0x8664);
    expect(dv.getUint16(nt + 24, true)).to.equal(0x20b);
    const info = parsePeImage(b);
    expect(info.sections.map((s) => [s.name, s.characteristics >>> 0])).to.deep.equal([
      ['.text', TEXT_CHARACTERISTICS], ['.data', DATA_CHARACTERISTICS], ['.reloc', 0x42000040],
    ]);
    expect(info.sections[0]).to.include({ executable: true, writable: false, readable: true });
    expect(info.sections[1]).to.include({ executable: false, writable: true });
    expect(info.subsystem).to.equal(11);
    expect(peVersionWords(info)).to.deep.equal({ version: 0x00170027, patchLevel: 0x00010001 });
    const L = peLayout(spec);
    expect(info.relocations).to.deep.equal([L.textRva + 2, L.dataRva + 8]);
    expect(info.entryPointRva).to.equal(L.textRva);
    expect(info.sizeOfImage).to.equal(L.sizeOfImage);
  });
  it('maps sections at their RVAs and applies DIR64 relocations', () => {
    const code = Uint8Array.from([0x48, 0xb8, 0x08, 0x20, 0, 0, 0, 0, 0, 0, 0xc3]); // mov rax, imageBase+0x2008
    const img = writePeImage({ code, data: new Uint8Array(16), entryOffset: 10, relocations: [{ section: 'text', offset: 2 }] });
    const l = loadPeImage(img, 0x7f400000n);
    const view = new DataView(l.image.buffer);
    expect(view.getBigUint64(0x1002, true)).to.equal(0x7f402008n);
    expect(l.entryPoint).to.equal(0x7f40100an);
    expect(l.image.length).to.equal(l.info.sizeOfImage);
    const same = loadPeImage(img, 0n);
    expect(new DataView(same.image.buffer).getBigUint64(0x1002, true)).to.equal(0x2008n);
  });
  it('rejects bad specs and malformed images with named fields', () => {
    expect(() => writePeImage({ code: new Uint8Array(4), relocations: [{ section: 'text', offset: 0 }] })).to.throw(PeSpecError);
    expect(() => writePeImage({ code: new Uint8Array(4), entryOffset: 4 })).to.throw(PeSpecError);
    const b = writePeImage({ code: new Uint8Array(4) });
    const mz = b.slice(); mz[0] = 0;
    expect(() => parsePeImage(mz)).to.throw(FormatError, /offset 0x0: field e_magic/);
    const m = b.slice(); m[0x84] = 0x4c; m[0x85] = 0x01;
    expect(() => parsePeImage(m)).to.throw(FormatError, /field FileHeader\.Machine: 0x14c is not x64/);
    const magic = b.slice(); magic[0x98] = 0x0b; magic[0x99] = 0x01;
    expect(() => parsePeImage(magic)).to.throw(FormatError, /OptionalHeader\.Magic/);
  });
});
