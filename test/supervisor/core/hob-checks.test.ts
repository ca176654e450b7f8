import { describe, it } from 'node:test';
import { expect } from 'chai';
import { writeHobList } from '../../../src/firmware/hob';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { checkCoreHobs, encodeUnblockParams } from '../../../src/supervisor/core/hob-checks';
import { SupervisorGuids as G } from '../../../src/supervisor/core/supervisor-guids';
import { MMRAM_BASE, SUP_BUF, USER_BUF, USER_MAILBOX, hobBytes, standardHobs } from '../hob-fixtures';

const failure = (bytes: Uint8Array, opts = {}) => {
  const r = checkCoreHobs(bytes, opts);
  return r.ok ? 'ok' : r.status;
};

describe('supervisor core: HOB checks (supervisor-facts §1.4, §8.4)', () => {
  it('item 1: no MMRAM-range HOB → EFI_UNSUPPORTED', () => {
    expect(failure(hobBytes({ mmram: 'none' }))).to.equal(EFI.UNSUPPORTED);
  });
  it('item 2: an MMRAM-range HOB with zero regions → EFI_NOT_FOUND', () => {
    expect(failure(hobBytes({ mmram: 'empty' }))).to.equal(EFI.NOT_FOUND);
  });
  it('item 1: 0703F912-… is preferred; 6DADF1D1-… is the fallback', () => {
    const r = checkCoreHobs(hobBytes({ mmram: 'smram' }));
    expect(r.ok && r.inputs.mmramHobGuid).to.equal(G.smmSmramMemory);
    const both = writeHobList([
      { kind: 'guidExtension', name: G.smmSmramMemory, payload: { kind: 'mmramRanges', descriptors: [] } },
      ...standardHobs(),
    ]);
    const r2 = checkCoreHobs(both);
    expect(r2.ok && r2.inputs.mmramHobGuid).to.equal(G.mmPeiMmramMemoryReserve);
    expect(r2.ok && r2.inputs.mmramRanges[0].physicalStart).to.equal(MMRAM_BASE);
  });
  it('item 3: the first comm-region HOB with type ≠ 0 → EFI_UNSUPPORTED; a later type-0 HOB is never seen', () => {
    expect(failure(hobBytes({ supType: 1n }))).to.equal(EFI.UNSUPPORTED);
    const later = writeHobList(standardHobs({
      supType: 1n,
      extra: [{ kind: 'guidExtension', name: G.mmCommonRegionHob, payload: { kind: 'mmCommonRegion', regionType: 0n, address: SUP_BUF, pages: 16n, statusRegionAddress: 0x1000n } }],
    }));
    expect(failure(later)).to.equal(EFI.UNSUPPORTED);
  });
  it('item 4: the user comm-buffer HOB absent, zero address or zero pages → failure', () => {
    expect(failure(hobBytes({ userBuf: null }))).to.equal(EFI.NOT_FOUND);
    expect(failure(hobBytes({ userBuf: { start: 0n, pages: 16n, status: USER_MAILBOX } }))).to.equal(EFI.INVALID_PARAMETER);
    expect(failure(hobBytes({ userBuf: { start: USER_BUF, pages: 0n, status: USER_MAILBOX } }))).to.equal(EFI.INVALID_PARAMETER);
  });
  it('item 5: user buffer or either mailbox overlapping MMRAM → failure; a NULL mailbox → failure', () => {
    expect(failure(hobBytes({ userBuf: { start: MMRAM_BASE - 0x1000n, pages: 2n, status: USER_MAILBOX } }))).to.equal(EFI.SECURITY_VIOLATION);
    expect(failure(hobBytes({ userBuf: { start: USER_BUF, pages: 1n, status: MMRAM_BASE + 0x100n } }))).to.equal(EFI.SECURITY_VIOLATION);
    expect(failure(hobBytes({ supMailbox: MMRAM_BASE - 8n }))).to.equal(EFI.SECURITY_VIOLATION);
    expect(failure(hobBytes({ supMailbox: 0n }))).to.equal(EFI.INVALID_PARAMETER);
  });
  it('§11 item 9: the supervisor comm buffer address is not checked against MMRAM unless validateSupervisorCommBuffer', () => {
    const bytes = writeHobList(standardHobs({ noSup: true, extra: [{ kind: 'guidExtension', name: G.mmCommonRegionHob, payload: { kind: 'mmCommonRegion', regionType: 0n, address: MMRAM_BASE, pages: 1n, statusRegionAddress: 0x5000_0000n } }] }));
    expect(failure(bytes)).to.equal('ok');
    expect(failure(bytes, { validateSupervisorCommBuffer: true })).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('derives unblock requests (raw descriptor bytes), protected regions with the type rules, MP info, SMBASE, FVs, resources, core image', () => {
    const unblock = encodeUnblockParams({ memoryType: 0, physicalStart: 0x5000_0000n, virtualStart: 0n, numberOfPages: 2n, attribute: 0n, identifierGuid: G.core, padding: 0xaabbccdd });
    const entry = (i: number) => ({
      processorId: BigInt(i), statusFlag: 7, location: { package: 0, core: i, thread: 0 },
      location2: { package: 0, module: 0, tile: 0, die: 0, core: i, thread: 0 }, coreType: 0, extra: new Uint8Array(0),
    });
    const bytes = writeHobList(standardHobs({
      extra: [
        { kind: 'guidExtension', name: G.unblockRegionHob, payload: { kind: 'raw', data: unblock } },
        { kind: 'guidExtension', name: G.protectedRegionHob, payload: { kind: 'protectedRegion', regionType: 0n, address: 0xfed9_0000n, pages: 1n } },
        { kind: 'guidExtension', name: G.protectedRegionHob, payload: { kind: 'protectedRegion', regionType: 1n, address: 0xfed8_0000n, pages: 1n } },
        { kind: 'guidExtension', name: G.protectedRegionHob, payload: { kind: 'protectedRegion', regionType: 0n, address: 0xfed7_0000n, pages: 1n } },
        { kind: 'guidExtension', name: G.mpInformation2Hob, payload: { kind: 'mpInformation2', entrySize: 56, version: 1, processorIndex: 2n, entries: [entry(2)] } },
        { kind: 'guidExtension', name: G.mpInformation2Hob, payload: { kind: 'mpInformation2', entrySize: 56, version: 1, processorIndex: 0n, entries: [entry(0), entry(1)] } },
        { kind: 'guidExtension', name: G.smmBaseHob, payload: { kind: 'smmBase', processorIndex: 0, smBase: [0x7f10_0000n, 0x7f10_2000n] } },
        { kind: 'fv', baseAddress: 0xffc0_0000n, length: 0x10_0000n },
        { kind: 'resourceDescriptor', owner: '00000000-0000-0000-0000-000000000000', resourceType: 1, resourceAttribute: 0, physicalStart: 0xfe00_0000n, resourceLength: 0x1000n },
        { kind: 'resourceDescriptor', owner: '00000000-0000-0000-0000-000000000000', resourceType: 2, resourceAttribute: 0, physicalStart: 0n, resourceLength: 0x1000n },
        { kind: 'resourceDescriptor', owner: G.memoryTypeInformation, resourceType: 0, resourceAttribute: 0, physicalStart: 0n, resourceLength: 0x1000n },
        { kind: 'memoryAllocationModule', memoryBaseAddress: 0x7f80_0000n, memoryLength: 0x20000n, memoryType: 5, moduleName: G.core, entryPoint: 0x7f80_1000n },
      ],
    }));
    const r = checkCoreHobs(bytes);
    if (!r.ok) throw new Error(r.reason);
    const i = r.inputs;
    expect(i.unblockRequests).to.have.length(1);
    expect(Array.from(i.unblockRequests[0].descriptorBytes.subarray(4, 8))).to.deep.equal([0xdd, 0xcc, 0xbb, 0xaa]);
    expect(i.unblockRequests[0].numberOfPages).to.equal(2n);
    expect(i.protectedRegions.iommu.map((p) => p.address)).to.deep.equal([0xfed9_0000n]);
    expect(i.protectedRegions.stopped).to.deep.equal({ index: 1, type: 1n, status: EFI.UNSUPPORTED });
    expect(i.processors.map((p) => p.processorId)).to.deep.equal([0n, 1n, 2n]);
    expect(i.smbase).to.deep.equal({ present: true, ok: false, described: 2, expected: 3, reason: 'SMBASE HOBs describe 2 processor(s), MaxNumberOfCpus is 3' });
    expect(checkCoreHobs(bytes, { maxNumberOfCpus: 2 }).ok && (checkCoreHobs(bytes, { maxNumberOfCpus: 2 }) as { inputs: { smbase: unknown } }).inputs.smbase).to.deep.equal({ present: true, ok: true, bases: [0x7f10_0000n, 0x7f10_2000n] });
    expect(i.firmwareVolumes).to.deep.equal([{ baseAddress: 0xffc0_0000n, length: 0x10_0000n }]);
    expect(i.resourceDescriptors.map((d) => d.physicalStart)).to.deep.equal([0xfe00_0000n]);
    expect(i.coreImage).to.deep.equal({ base: 0x7f80_0000n, length: 0x20000n, entryPoint: 0x7f80_1000n });
  });
  it('an unknown protected-region type stops processing with EFI_INVALID_PARAMETER', () => {
    const bytes = writeHobList(standardHobs({ extra: [{ kind: 'guidExtension', name: G.protectedRegionHob, payload: { kind: 'protectedRegion', regionType: 7n, address: 0x1000n, pages: 1n } }] }));
    const r = checkCoreHobs(bytes);
    expect(r.ok && r.inputs.protectedRegions.stopped?.status).to.equal(EFI.INVALID_PARAMETER);
  });
  it('a HOB list that cannot be walked → EFI_INVALID_PARAMETER, never a throw', () => {
    expect(failure(new Uint8Array([1, 0, 4, 0]))).to.equal(EFI.INVALID_PARAMETER);
  });
});
