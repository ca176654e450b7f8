import { describe, it } from 'node:test';
import { expect } from 'chai';
import { exampleBlob, io, mem, msr, policyOf, svst } from './helpers';
import { measurePolicy } from '../../../src/firmware/policy/measurement';

const R = 1, W = 2, X = 4, CR = 0x10;

describe('Secured-core measurement (supervisor-facts §5)', () => {
  it('the example policy on Intel: level 10 — IO 30, save state 30, memory 30, but MSR 10 (its deny list names AMD MSRs only)', () => {
    // Derivation (§5.2–§5.6): IO (0xCF8,4) is covered by the strict WRITE entry and (0xCFC,4) by the WRITE entry
    // of a DENY root → IO 30. None of the 23 Intel level-20 MSRs is listed in the MSR deny list → MSR 10. Save
    // state holds exactly {RAX COND_READ IoWrite} and {IO_TRAP READ} under ALLOW → 30. FETCH_POLICY reports the
    // MEM root ALLOW with only the 0xDEADBEEF placeholder, which touches no MAT, IOMMU or TXT region → 30.
    // Final = min(30, 30, 10, 30) = 10.
    const m = measurePolicy(exampleBlob());
    expect(m.levels).to.deep.equal({ io: 30, msr: 10, saveState: 30, memory: 30 });
    expect(m.level).to.equal(10);
    expect(m.aborted).to.equal(undefined);
    const byId = new Map(m.rules.map((r) => [r.id, r]));
    expect(byId.get('IO-20 0xCF8/4')).to.include({ pass: true, entry: 0, level: 20 });
    expect(byId.get('IO-20 0xCFC/4')).to.include({ pass: true, entry: 1 });
    expect(byId.get('MSR-20 0xE4')).to.include({ pass: false });
    expect(byId.get('MSR-30 0x570')).to.include({ pass: false });
    expect(m.rules.filter((r) => r.category === 'msr' && !r.pass)).to.have.length(24);
    expect(byId.get('SVST-30 entry 0')!.pass).to.equal(true);
    expect(byId.get('SVST-30 entry 1')!.pass).to.equal(true);
    expect(byId.get('MEM-10 W+X')!.pass).to.equal(true);
    expect(byId.get('FETCH')!.why).to.match(/0xDEADBEEF/);
  });
  it('the example policy on AMD: level 30 (every AMD level-20 and level-30 MSR is denied with READ|WRITE)', () => {
    const m = measurePolicy(exampleBlob(), { vendor: 'amd' });
    expect(m.levels).to.deep.equal({ io: 30, msr: 30, saveState: 30, memory: 30 });
    expect(m.level).to.equal(30);
    expect(m.rules.filter((r) => !r.pass)).to.deep.equal([]);
    expect(m.rules.find((r) => r.id === 'MSR-20 0x6A8')).to.include({ pass: true, entry: 8 });
  });
  it('IO: an allow list covering the ports fails; a deny entry lacking WRITE fails', () => {
    expect(measurePolicy(policyOf(io(0, [0xcf8, 8, R | W]), msr(1), mem(0))).levels.io).to.equal(10);
    expect(measurePolicy(policyOf(io(1, [0xcf8, 4, 8 | W], [0xcfc, 4, R]), msr(1), mem(0))).levels.io).to.equal(10);
    expect(measurePolicy(policyOf(io(0, [0x80, 1, R]), msr(0), mem(0))).levels.io).to.equal(30);
  });
  it('MSR: deny entries need READ and WRITE; an allow list must not cover the listed MSRs', () => {
    const amd20 = [[0x1d9, 1], [0xc0000080, 5], [0xc0010010, 1], [0xc0010111, 1], [0xda0, 1], [0x6a0, 1], [0x6a2, 1], [0x6a4, 5]] as const;
    const deny = (attrs: number) => msr(1, ...amd20.map(([a, n]) => [a, n, attrs] as [number, number, number]));
    expect(measurePolicy(policyOf(io(0), deny(R | W), mem(0)), { vendor: 'amd' }).levels.msr).to.equal(20);
    expect(measurePolicy(policyOf(io(0), deny(R), mem(0)), { vendor: 'amd' }).levels.msr).to.equal(10);
    expect(measurePolicy(policyOf(io(0), msr(0, [0x10, 1, R]), mem(0)), { vendor: 'intel' }).levels.msr).to.equal(30);
  });
  it('save state: a DENY root makes the test fail; other entries cap at 20', () => {
    const d = measurePolicy(policyOf(io(0), msr(0), svst(1, [0, CR, 2]), mem(0)));
    expect(d.aborted).to.match(/SAVE_STATE/);
    expect(d.level).to.equal(0);
    expect(measurePolicy(policyOf(io(0), msr(0), svst(0, [1, R, 0], [0, R, 0]), mem(0))).levels.saveState).to.equal(20);
  });
  it('memory: W+X → 0; MAT conventional memory without XP → 0; IOMMU page → 10; TXT region → 20; a missing IOMMU table → 10', () => {
    const base = [io(0), msr(0), svst(0)];
    expect(measurePolicy(policyOf(...base, mem(0, [0x1000n, 0x1000n, R | W | X]))).levels.memory).to.equal(0);
    const mat = [{ type: 7, physicalStart: 0x100000n, numberOfPages: 16n, attribute: 0n }];
    expect(measurePolicy(policyOf(...base, mem(0, [0x101000n, 0x1000n, R | W])), { mat }).levels.memory).to.equal(0);
    expect(measurePolicy(policyOf(...base, mem(0, [0x101000n, 0x1000n, R | W])), { mat: [{ ...mat[0], attribute: 0x4000n }] }).levels.memory).to.equal(30);
    expect(measurePolicy(policyOf(...base, mem(0, [0xfed90000n, 0x1000n, R | W])), { iommuBases: [0xfed90000n] }).levels.memory).to.equal(10);
    expect(measurePolicy(policyOf(...base, mem(0, [0xfed90000n, 0x1000n, R])), { iommuBases: [0xfed90000n] }).levels.memory).to.equal(30);
    expect(measurePolicy(policyOf(...base, mem(0, [0xfed20000n, 0x1000n, R | W]))).levels.memory).to.equal(20);
    expect(measurePolicy(policyOf(...base, mem(0, [0xfed20000n, 0x1000n, R | W])), { vendor: 'amd' }).levels.memory).to.equal(30);
    expect(measurePolicy(policyOf(...base, mem(0)), { iommuBases: undefined }).levels.memory).to.equal(10);
    // DPR: size (reg & 0xFF0) << 16, base (reg & 0xFFF00000) − size.
    expect(measurePolicy(policyOf(...base, mem(0, [0x7fd00000n, 0x1000n, R | W])), { txtDpr: 0x80000030n }).levels.memory).to.equal(20);
  });
  it('aggregation (§5.6): no MEM root → 0; no IO or MSR root → at most 10; no SAVE_STATE root → at most 20', () => {
    expect(measurePolicy(policyOf(io(0), msr(0), svst(0)), {}, { simulateFetch: false }).level).to.equal(0);
    expect(measurePolicy(policyOf(msr(0), svst(0), mem(0))).level).to.equal(10);
    expect(measurePolicy(policyOf(io(0), msr(0), mem(0))).level).to.equal(20);
    expect(measurePolicy(policyOf(io(0), msr(0), svst(0), mem(0))).level).to.equal(30);
  });
});
