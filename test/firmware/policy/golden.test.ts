import { describe, it } from 'node:test';
import { expect } from 'chai';
import { exampleBlob } from './helpers';
import { parsePolicy, writePolicy } from '../../../src/firmware/policy/policy-binary';
import { validatePolicy } from '../../../src/firmware/policy/policy-validate';

// supervisor-facts §4.8 worked example; §12 item 81.
describe('policy golden: the published example XML', () => {
  const b = exampleBlob();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => v.getUint16(o, true);
  const u32 = (o: number) => v.getUint32(o, true);

  it('encodes to exactly 0x150 bytes with the v1.0 header of §4.1 / §4.8 rule 3', () => {
    expect(b.length).to.equal(0x150);
    expect(u32(0)).to.equal(0x00010000);
    expect(u16(0)).to.equal(0); // VersionMinor
    expect(u16(2)).to.equal(1); // VersionMajor
    expect(u32(4)).to.equal(0x150); // Size
    expect(u32(8)).to.equal(0); // MemoryPolicyOffset
    expect(u32(0xc)).to.equal(0); // MemoryPolicyCount
    expect(u32(0x10)).to.equal(0); // Flags
    expect(u32(0x14)).to.equal(0); // Capabilities
    expect(v.getBigUint64(0x18, true)).to.equal(0n); // Reserved
    expect(u32(0x20)).to.equal(0x28); // PolicyRootOffset
    expect(u32(0x24)).to.equal(5); // PolicyRootCount
  });

  it('has the five roots of the worked-example table', () => {
    const table: [number, number, number, number, number][] = [
      // [at, Type, Offset, Count, AccessAttr]
      [0x28, 2, 0xa0, 2, 1],
      [0x40, 3, 0xb0, 13, 1],
      [0x58, 4, 0x118, 3, 0],
      [0x70, 5, 0x130, 2, 0],
      [0x88, 1, 0x150, 0, 1],
    ];
    for (const [at, type, offset, count, access] of table) {
      expect(u32(at), `root @${at.toString(16)} Version`).to.equal(1);
      expect(u32(at + 4), 'PolicyRootSize').to.equal(0x18);
      expect(u32(at + 8), 'Type').to.equal(type);
      expect(u32(at + 0xc), 'Offset').to.equal(offset);
      expect(u32(at + 0x10), 'Count').to.equal(count);
      expect(b[at + 0x14], 'AccessAttr').to.equal(access);
      expect([b[at + 0x15], b[at + 0x16], b[at + 0x17]], 'Reserved').to.deep.equal([0, 0, 0]);
    }
  });

  it('has the IO, MSR, instruction and save-state entries of §4.8', () => {
    expect([u16(0xa0), u16(0xa2), u16(0xa4), u16(0xa6)]).to.deep.equal([0xcf8, 4, 0x0a, 0]);
    expect([u16(0xa8), u16(0xaa), u16(0xac), u16(0xae)]).to.deep.equal([0xcfc, 4, 0x02, 0]);
    const msrs: [number, number][] = [[0xc0000080, 1], [0xc0000081, 4], [0xc0010010, 1], [0xc0010111, 1], [0x1d9, 1], [0xda0, 1],
      [0x6a0, 1], [0x6a2, 1], [0x6a4, 5], [0xc0011010, 1], [0xc0011024, 1], [0xc0011018, 1], [0xc0000101, 2]];
    msrs.forEach(([addr, len], i) => {
      const o = 0xb0 + 8 * i;
      expect([u32(o), u16(o + 4), u16(o + 6)], `MSR entry ${i}`).to.deep.equal([addr, len, 0x07]);
    });
    [0, 1, 2].forEach((idx, i) => {
      const o = 0x118 + 8 * i;
      expect([u16(o), u16(o + 2), u32(o + 4)], `instruction entry ${i}`).to.deep.equal([idx, 0x04, 0]);
    });
    expect([u32(0x130), u32(0x134), u32(0x138), u32(0x13c)]).to.deep.equal([0, 0x10, 2, 0]); // RAX COND_READ IoWrite
    expect([u32(0x140), u32(0x144), u32(0x148), u32(0x14c)]).to.deep.equal([1, 0x01, 0, 0]); // IO_TRAP READ
  });

  it('round-trips and passes SecurityPolicyCheck', () => {
    const p = parsePolicy(b);
    expect(Buffer.from(writePolicy(p)).equals(Buffer.from(b))).to.equal(true);
    expect(p.uncovered).to.deep.equal([]);
    expect(validatePolicy(b)).to.include({ ok: true, status: 'EFI_SUCCESS' });
  });
});
