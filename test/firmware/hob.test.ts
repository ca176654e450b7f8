import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { FormatError } from '../../src/firmware/binary/format-error';
import { wellKnownGuid } from '../../src/firmware/guid';
import { GuidHobPayload, Hob, hobListLength, parseHobList, parseHobListDetailed, writeHobList } from '../../src/firmware/hob';
import { bytes8Arb, expectParsesOrFormatError, guidArb, mutate, mutationArb, u16Arb, u32Arb, u64Arb, u8Arb } from './format-fuzz';

const G = (n: string) => wellKnownGuid(n)!;
const MODULE = G('gEfiHobMemoryAllocModuleGuid');
const PAYLOAD_GUIDS = new Set([
  'gEfiMmPeiMmramMemoryReserveGuid', 'gEfiSmmSmramMemoryGuid', 'gMmCommonRegionHobGuid', 'gMmCommBufferHobGuid',
  'gMmSupvUnblockRegionHobGuid', 'gMmProtectedRegionHobGuid', 'gMpInformation2HobGuid', 'gSmmBaseHobGuid',
].map(G));

const mpEntry = (extra: number) => fc.record({
  processorId: u64Arb, statusFlag: u32Arb,
  location: fc.record({ package: u32Arb, core: u32Arb, thread: u32Arb }),
  location2: fc.record({ package: u32Arb, module: u32Arb, tile: u32Arb, die: u32Arb, core: u32Arb, thread: u32Arb }),
  coreType: u8Arb, extra: fc.uint8Array({ minLength: extra, maxLength: extra }),
});

const payloadArb: fc.Arbitrary<{ name: string; payload: GuidHobPayload }> = fc.oneof(
  fc.record({
    name: fc.constantFrom(G('gEfiMmPeiMmramMemoryReserveGuid'), G('gEfiSmmSmramMemoryGuid')),
    payload: fc.record({ kind: fc.constant('mmramRanges' as const), descriptors: fc.array(fc.record({ physicalStart: u64Arb, cpuStart: u64Arb, physicalSize: u64Arb, regionState: u64Arb }), { maxLength: 4 }) }),
  }),
  fc.record({ name: fc.constant(G('gMmCommonRegionHobGuid')), payload: fc.record({ kind: fc.constant('mmCommonRegion' as const), regionType: u64Arb, address: u64Arb, pages: u64Arb, statusRegionAddress: u64Arb }) }),
  fc.record({ name: fc.constant(G('gMmCommBufferHobGuid')), payload: fc.record({ kind: fc.constant('mmCommBuffer' as const), physicalStart: u64Arb, numberOfPages: u64Arb, status: u64Arb }) }),
  fc.record({
    name: fc.constant(G('gMmSupvUnblockRegionHobGuid')),
    payload: fc.record({ kind: fc.constant('unblockParams' as const), memoryType: u32Arb, physicalStart: u64Arb, virtualStart: u64Arb, numberOfPages: u64Arb, attribute: u64Arb, identifierGuid: guidArb }),
  }),
  fc.record({ name: fc.constant(G('gMmProtectedRegionHobGuid')), payload: fc.record({ kind: fc.constant('protectedRegion' as const), regionType: u64Arb, address: u64Arb, pages: u64Arb }) }),
  fc.record({
    name: fc.constant(G('gMpInformation2HobGuid')),
    payload: fc.integer({ min: 0, max: 2 }).chain((x) => fc.record({
      kind: fc.constant('mpInformation2' as const), entrySize: fc.constant(56 + 8 * x), version: u8Arb, processorIndex: u64Arb,
      entries: fc.array(mpEntry(8 * x), { maxLength: 3 }),
    })),
  }),
  fc.record({ name: fc.constant(G('gSmmBaseHobGuid')), payload: fc.record({ kind: fc.constant('smmBase' as const), processorIndex: u32Arb, smBase: fc.array(u64Arb, { maxLength: 4 }) }) }),
  fc.record({ name: guidArb.filter((g) => !PAYLOAD_GUIDS.has(g)), payload: fc.record({ kind: fc.constant('raw' as const), data: bytes8Arb(6) }) }),
);

const hobArb: fc.Arbitrary<Hob> = fc.oneof(
  fc.record({ kind: fc.constant('handoff' as const), version: u32Arb, bootMode: u32Arb, memoryTop: u64Arb, memoryBottom: u64Arb, freeMemoryTop: u64Arb, freeMemoryBottom: u64Arb, endOfHobList: u64Arb }),
  fc.record({ kind: fc.constant('memoryAllocation' as const), name: guidArb.filter((g) => g !== MODULE), memoryBaseAddress: u64Arb, memoryLength: u64Arb, memoryType: u32Arb, extra: bytes8Arb(4) }),
  fc.record({ kind: fc.constant('memoryAllocationModule' as const), memoryBaseAddress: u64Arb, memoryLength: u64Arb, memoryType: u32Arb, moduleName: guidArb, entryPoint: u64Arb }),
  fc.record({ kind: fc.constant('resourceDescriptor' as const), owner: guidArb, resourceType: u32Arb, resourceAttribute: u32Arb, physicalStart: u64Arb, resourceLength: u64Arb }),
  fc.record({ kind: fc.constant('resourceDescriptor2' as const), owner: guidArb, resourceType: u32Arb, resourceAttribute: u32Arb, physicalStart: u64Arb, resourceLength: u64Arb, attributes: u64Arb }),
  payloadArb.map(({ name, payload }) => ({ kind: 'guidExtension' as const, name, payload })),
  fc.record({ kind: fc.constant('fv' as const), baseAddress: u64Arb, length: u64Arb }),
  fc.record({ kind: fc.constant('fv2' as const), baseAddress: u64Arb, length: u64Arb, fvName: guidArb, fileName: guidArb }),
  fc.record({ kind: fc.constant('fv3' as const), baseAddress: u64Arb, length: u64Arb, authenticationStatus: u32Arb, extractedFv: fc.boolean(), fvName: guidArb, fileName: guidArb }),
  fc.record({ kind: fc.constant('cpu' as const), sizeOfMemorySpace: u8Arb, sizeOfIoSpace: u8Arb }),
  fc.record({ kind: fc.constant('memoryPool' as const), data: bytes8Arb(4) }),
  fc.record({ kind: fc.constant('capsule' as const), baseAddress: u64Arb, length: u64Arb }),
  fc.record({ kind: fc.constant('other' as const), hobType: fc.constantFrom(0x0008, 0x000a, 0x0100, 0xfffe), data: bytes8Arb(3) }),
);
const listArb = fc.array(hobArb, { maxLength: 8 });

describe('HOB list (x86-smm-facts §4.2, supervisor-facts §1.4)', () => {
  it('parse(write(v)) equals v and write(parse(bytes)) equals bytes', () => {
    fc.assert(fc.property(listArb, (hobs) => {
      const bytes = writeHobList(hobs);
      expect(bytes.length).to.equal(hobListLength(hobs));
      const back = parseHobList(bytes);
      expect(back).to.deep.equal(hobs);
      expect(Buffer.from(writeHobList(back)).equals(Buffer.from(bytes))).to.equal(true);
    }), { numRuns: 4000 });
  });
  it('mutated and truncated lists parse or throw FormatError naming offset and field', () => {
    fc.assert(fc.property(listArb, mutationArb, (hobs, m) => {
      expectParsesOrFormatError(() => parseHobList(mutate(writeHobList(hobs), m)));
    }), { numRuns: 5000 });
  });
  it('arbitrary bytes parse or throw FormatError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => { expectParsesOrFormatError(() => parseHobList(b)); }), { numRuns: 1500 });
  });
  it('rounds HobLength up to 8 and lays out the supervisor payloads as §1.4 / §7.1 say', () => {
    const bytes = writeHobList([
      { kind: 'guidExtension', name: G('gSmmBaseHobGuid'), payload: { kind: 'smmBase', processorIndex: 0, smBase: [0x7f000000n] } },
      { kind: 'guidExtension', name: G('gMmSupvUnblockRegionHobGuid'), payload: { kind: 'unblockParams', memoryType: 6, physicalStart: 0x10000000n, virtualStart: 0n, numberOfPages: 1n, attribute: 0n, identifierGuid: G('MmIplPei') } },
      { kind: 'memoryPool', data: Uint8Array.of(1, 2, 3) },
    ]);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint16(0, true)).to.equal(4);
    expect(dv.getUint16(2, true)).to.equal(24 + 16); // packed SMBASE: 8 + 8
    expect(dv.getUint16(40 + 2, true)).to.equal(24 + 56);
    expect(dv.getUint16(120 + 2, true)).to.equal(16); // 8 + 3 → 16
    expect(dv.getUint16(136, true)).to.equal(0xffff);
    const located = parseHobListDetailed(bytes);
    expect(located.map((l) => l.offset)).to.deep.equal([0, 40, 120]);
  });
  it('names the offset and field of a short HobLength or one that runs past the buffer', () => {
    const ok = writeHobList([{ kind: 'fv', baseAddress: 0x1000n, length: 0x2000n }]);
    const short = ok.slice(); short[2] = 4;
    expect(() => parseHobList(short, { source: 'h.bin' })).to.throw(FormatError, /h\.bin: HOB list at offset 0x2: field HOB\[0\]\.HobLength: 4 is smaller/);
    const long = ok.slice(); long[2] = 0xf0;
    expect(() => parseHobList(long)).to.throw(FormatError, /offset 0x2: field HOB\[0\]\.HobLength: 240 runs past/);
    const tooShortForType = writeHobList([{ kind: 'other', hobType: 5, data: new Uint8Array(8) }]);
    expect(() => parseHobList(tooShortForType)).to.throw(FormatError, /too short for EFI_HOB_FIRMWARE_VOLUME/);
    expect(() => parseHobList(ok.subarray(0, 24))).to.throw(FormatError, /HOB\[1\]\.HobType/);
  });
  it('reports a typed payload that is too short', () => {
    const bytes = writeHobList([{ kind: 'guidExtension', name: G('gEfiMmPeiMmramMemoryReserveGuid'), payload: { kind: 'raw', data: Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0) } }]);
    expect(() => parseHobList(bytes)).to.throw(FormatError, /GUID HOB 0703f912-.* at offset 0x20: field Descriptor/);
    expect(parseHobList(bytes, { decodePayloads: false })[0]).to.have.nested.property('payload.kind', 'raw');
  });
});
