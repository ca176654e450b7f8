import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { ByteReader } from '../../src/firmware/binary/byte-reader';
import { ByteWriter } from '../../src/firmware/binary/byte-writer';
import { FormatError } from '../../src/firmware/binary/format-error';

describe('ByteReader / ByteWriter', () => {
  it('round-trips every width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (a, b, c, d, e) => {
          const bytes = new ByteWriter().u8(a).u16(b).u24(c).u32(d).u64(e).finish();
          const r = new ByteReader(bytes, 'test');
          expect([r.u8(0, 'a'), r.u16(1, 'b'), r.u24(3, 'c'), r.u32(6, 'd'), r.u64(10, 'e')]).to.deep.equal([a, b, c, d, e]);
        }),
      { numRuns: 2000 },
    );
  });
  it('reports truncation as a FormatError naming offset and field', () => {
    const r = new ByteReader(new Uint8Array(5), 'HOB', 0x100, 'hobs.bin');
    expect(() => r.u64(2, 'HobLength')).to.throw(FormatError, /hobs\.bin: HOB at offset 0x102: field HobLength/);
  });
  it('grows past its initial capacity with every width (regression: the view was read before growing)', () => {
    const w = new ByteWriter();
    for (let k = 0; k < 300; k++) w.u8(k & 0xff).u16(k).u32(k).u64(BigInt(k));
    const r = new ByteReader(w.finish(), 'test');
    expect(r.length).to.equal(300 * 15);
    expect(r.u64(299 * 15 + 7, 'last')).to.equal(299n);
  });
  it('refuses values that do not fit', () => {
    expect(() => new ByteWriter().u16(0x10000)).to.throw(RangeError);
    expect(() => new ByteWriter().u64(-1n)).to.throw(RangeError);
  });
});
