import { describe, it } from 'node:test';
import { expect } from 'chai';
import { exampleBlob } from './helpers';
import { appendMemoryPolicy, measurementOverlap, memoryRangesOverlap, mergeMemoryRanges } from '../../../src/firmware/policy/memory-policy';
import { parsePolicy } from '../../../src/firmware/policy/policy-binary';
import { validatePolicy } from '../../../src/firmware/policy/policy-validate';

const R = 1, W = 2, X = 4;

describe('memory policy helpers (supervisor-facts §4.10)', () => {
  it('merges contiguous ranges with identical attributes, in walk order', () => {
    const d = mergeMemoryRanges([
      { baseAddress: 0x1000n, size: 0x1000n, attributes: R | W },
      { baseAddress: 0x2000n, size: 0x1000n, attributes: R | W },
      { baseAddress: 0x3000n, size: 0x1000n, attributes: R },
      { baseAddress: 0x5000n, size: 0x1000n, attributes: R },
    ]);
    expect(d).to.deep.equal([
      { baseAddress: 0x1000n, size: 0x2000n, memAttributes: R | W, reserved: 0 },
      { baseAddress: 0x3000n, size: 0x1000n, memAttributes: R, reserved: 0 },
      { baseAddress: 0x5000n, size: 0x1000n, memAttributes: R, reserved: 0 },
    ]);
  });
  it('overlap helpers: inclusive validation test; half-open measurement test misses an enclosing descriptor [Q §5.5]', () => {
    expect(memoryRangesOverlap({ baseAddress: 0x1000n, size: 0x1000n }, { baseAddress: 0x1fffn, size: 1n })).to.equal(true);
    expect(memoryRangesOverlap({ baseAddress: 0x1000n, size: 0x1000n }, { baseAddress: 0x2000n, size: 1n })).to.equal(false);
    expect(memoryRangesOverlap({ baseAddress: 0x1000n, size: 0n }, { baseAddress: 0x2000n, size: 1n })).to.equal('invalid');
    const region = { base: 0x2000n, size: 0x1000n };
    expect(measurementOverlap(region, { baseAddress: 0x2800n, size: 0x100n })).to.equal(true);
    expect(measurementOverlap(region, { baseAddress: 0x1000n, size: 0x1800n })).to.equal(true);
    expect(measurementOverlap(region, { baseAddress: 0x1000n, size: 0x4000n })).to.equal(false);
  });
  it('appendMemoryPolicy: MEM root ALLOW, descriptors at root.Offset, Size updated (§4.10 step 4)', () => {
    const r = appendMemoryPolicy(exampleBlob(), mergeMemoryRanges([{ baseAddress: 0xfee00000n, size: 0x1000n, attributes: R | W }, { baseAddress: 0x10000000n, size: 0x2000n, attributes: R | W }]));
    expect(r.status).to.equal('EFI_SUCCESS');
    const p = parsePolicy(r.policy!);
    expect(r.policy!.length).to.equal(0x150 + 48);
    expect(p.size).to.equal(0x150 + 48);
    const m = p.roots[4];
    expect(m).to.include({ kind: 'mem', accessAttr: 0, offset: 0x150, version: 1, rootSize: 0x18 });
    expect(m.kind === 'mem' && m.descriptors.map((d) => d.baseAddress)).to.deep.equal([0xfee00000n, 0x10000000n]);
    expect(validatePolicy(p).ok).to.equal(true);
  });
  it('appendMemoryPolicy: no reportable page leaves one 0xDEADBEEF placeholder [Q §4.10.5]', () => {
    const r = appendMemoryPolicy(exampleBlob(), []);
    const p = parsePolicy(r.policy!);
    expect(p.size).to.equal(0x150 + 24);
    const m = p.roots[4];
    expect(m.kind === 'mem' && m.descriptors).to.deep.equal([{ baseAddress: 0xdeadbeefn, size: 0n, memAttributes: 0, reserved: 0 }]);
    expect(validatePolicy(p).ok).to.equal(true);
  });
  it('appendMemoryPolicy: capacity overflow is EFI_OUT_OF_RESOURCES; the 0x400 snapshot holds 40 descriptors at 0x40', () => {
    const snapshot = new Uint8Array(0x40);
    const dv = new DataView(snapshot.buffer);
    dv.setUint16(2, 1, true); dv.setUint32(4, 0x40, true); dv.setUint32(0x20, 0x28, true); dv.setUint32(0x24, 1, true);
    dv.setUint32(0x28 + 8, 1, true); // MEM root, Offset 0 → header Size
    const ranges = (n: number) => Array.from({ length: n }, (_, i) => ({ baseAddress: BigInt(i) * 0x2000n, size: 0x1000n, memAttributes: R, reserved: 0 }));
    expect(appendMemoryPolicy(snapshot, ranges(40), 0x400).status).to.equal('EFI_SUCCESS');
    expect(appendMemoryPolicy(snapshot, ranges(41), 0x400).status).to.equal('EFI_OUT_OF_RESOURCES');
    expect(appendMemoryPolicy(new Uint8Array(exampleBlob().slice(0, 0x150)).fill(0, 0x88, 0xa0), [], 0x400).status).to.equal('EFI_NOT_FOUND');
    expect(X).to.equal(4);
  });
});
