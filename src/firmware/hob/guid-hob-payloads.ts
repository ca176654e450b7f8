import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';
import { Guid, readGuid, writeGuid } from '../guid/guid';
import { wellKnownGuid } from '../guid/guid-registry';
import { GuidHobPayload, MpInformation2Entry } from './hob-types';
import { readUnblockParams, writeUnblockParams } from './unblock-params';

/** MP_INFORMATION2_ENTRY size: EFI_PROCESSOR_INFORMATION (48) + CoreType + Reserved[7]. */
export const MP_INFORMATION2_ENTRY_SIZE = 56;

function wk(name: string): Guid {
  const v = wellKnownGuid(name);
  if (v === undefined) throw new Error(`internal: ${name} missing from the well-known GUID table`);
  return v;
}

/** Which payload codec a GUID HOB name selects (supervisor-facts §1.4). */
export const GUID_HOB_PAYLOAD_KINDS: ReadonlyMap<Guid, GuidHobPayload['kind']> = new Map<Guid, GuidHobPayload['kind']>([
  [wk('gEfiMmPeiMmramMemoryReserveGuid'), 'mmramRanges'],
  [wk('gEfiSmmSmramMemoryGuid'), 'mmramRanges'],
  [wk('gMmCommonRegionHobGuid'), 'mmCommonRegion'],
  [wk('gMmCommBufferHobGuid'), 'mmCommBuffer'],
  [wk('gMmSupvUnblockRegionHobGuid'), 'unblockParams'],
  [wk('gMmProtectedRegionHobGuid'), 'protectedRegion'],
  [wk('gMpInformation2HobGuid'), 'mpInformation2'],
  [wk('gSmmBaseHobGuid'), 'smmBase'],
]);

/** The GUID a payload kind is normally published under (first match). */
export function guidForPayloadKind(kind: GuidHobPayload['kind']): Guid | undefined {
  for (const [g, k] of GUID_HOB_PAYLOAD_KINDS) if (k === kind) return g;
  return undefined;
}

/**
 * Decodes the data of a GUID HOB named `name`; `r` covers exactly the data bytes (HobLength − 24). Unknown
 * names give a raw payload. Throws FormatError (offset + field) when the data is too short for its codec.
 */
export function decodeGuidHobPayload(name: Guid, r: ByteReader): GuidHobPayload {
  const kind = GUID_HOB_PAYLOAD_KINDS.get(name);
  switch (kind) {
    case 'mmramRanges': {
      // supervisor-facts §1.4: NumberOfMmReservedRegions u32 @0, descriptors @8, 32 bytes each
      const n = r.u32(0, 'NumberOfMmReservedRegions');
      r.need(8, n * 32, 'Descriptor');
      const descriptors = [];
      for (let i = 0; i < n; i++) {
        const o = 8 + 32 * i;
        descriptors.push({
          physicalStart: r.u64(o, `Descriptor[${i}].PhysicalStart`),
          cpuStart: r.u64(o + 8, `Descriptor[${i}].CpuStart`),
          physicalSize: r.u64(o + 16, `Descriptor[${i}].PhysicalSize`),
          regionState: r.u64(o + 24, `Descriptor[${i}].RegionState`),
        });
      }
      return { kind, descriptors };
    }
    case 'mmCommonRegion':
      return {
        kind,
        regionType: r.u64(0, 'MmCommonRegionType'),
        address: r.u64(8, 'MmCommonRegionAddr'),
        pages: r.u64(16, 'MmCommonRegionPages'),
        statusRegionAddress: r.u64(24, 'MmStatusRegionAddr'),
      };
    case 'mmCommBuffer':
      return { kind, physicalStart: r.u64(0, 'PhysicalStart'), numberOfPages: r.u64(8, 'NumberOfPages'), status: r.u64(16, 'Status') };
    case 'unblockParams':
      // supervisor-facts §7.1
      {
        const { padding: _padding, ...params } = readUnblockParams(r);
        return { kind, ...params };
      }
    case 'protectedRegion':
      return { kind, regionType: r.u64(0, 'Type'), address: r.u64(8, 'Addr'), pages: r.u64(16, 'Pages') };
    case 'mpInformation2': {
      const n = r.u16(0, 'NumberOfProcessors');
      const entrySize = r.u16(2, 'EntrySize');
      const version = r.u8(4, 'Version');
      const processorIndex = r.u64(8, 'ProcessorIndex');
      if (n > 0 && entrySize < MP_INFORMATION2_ENTRY_SIZE) r.fail(2, 'EntrySize', `${entrySize} is smaller than MP_INFORMATION2_ENTRY (${MP_INFORMATION2_ENTRY_SIZE})`);
      r.need(16, n * entrySize, 'Entry');
      const entries: MpInformation2Entry[] = [];
      for (let i = 0; i < n; i++) {
        const o = 16 + i * entrySize;
        const f = (d: number, name: string) => r.u32(o + d, `Entry[${i}].${name}`);
        entries.push({
          processorId: r.u64(o, `Entry[${i}].ProcessorId`),
          statusFlag: f(8, 'StatusFlag'),
          location: { package: f(12, 'Location.Package'), core: f(16, 'Location.Core'), thread: f(20, 'Location.Thread') },
          location2: {
            package: f(24, 'Location2.Package'), module: f(28, 'Location2.Module'), tile: f(32, 'Location2.Tile'),
            die: f(36, 'Location2.Die'), core: f(40, 'Location2.Core'), thread: f(44, 'Location2.Thread'),
          },
          coreType: r.u8(o + 48, `Entry[${i}].CoreType`),
          extra: r.bytesAt(o + MP_INFORMATION2_ENTRY_SIZE, entrySize - MP_INFORMATION2_ENTRY_SIZE, `Entry[${i}]`).slice(),
        });
      }
      return { kind, entrySize, version, processorIndex, entries };
    }
    case 'smmBase': {
      const processorIndex = r.u32(0, 'ProcessorIndex');
      const n = r.u32(4, 'NumberOfProcessors');
      r.need(8, n * 8, 'SmBase');
      const smBase: bigint[] = [];
      for (let i = 0; i < n; i++) smBase.push(r.u64(8 + 8 * i, `SmBase[${i}]`));
      return { kind, processorIndex, smBase };
    }
    default:
      return { kind: 'raw', data: r.bytes.slice() };
  }
}

/** Encodes a payload's data bytes (not yet padded to 8). */
export function encodeGuidHobPayload(p: GuidHobPayload): Uint8Array {
  const w = new ByteWriter();
  switch (p.kind) {
    case 'mmramRanges':
      w.u32(p.descriptors.length, undefined, 'NumberOfMmReservedRegions').zeros(4);
      for (const d of p.descriptors) w.u64(d.physicalStart).u64(d.cpuStart).u64(d.physicalSize).u64(d.regionState);
      break;
    case 'mmCommonRegion':
      w.u64(p.regionType).u64(p.address).u64(p.pages).u64(p.statusRegionAddress);
      break;
    case 'mmCommBuffer':
      w.u64(p.physicalStart).u64(p.numberOfPages).u64(p.status);
      break;
    case 'unblockParams':
      writeUnblockParams(w, { ...p, padding: 0 });
      break;
    case 'protectedRegion':
      w.u64(p.regionType).u64(p.address).u64(p.pages);
      break;
    case 'mpInformation2': {
      w.u16(p.entries.length, undefined, 'NumberOfProcessors').u16(p.entrySize, undefined, 'EntrySize').u8(p.version).zeros(3).u64(p.processorIndex);
      for (const e of p.entries) {
        if (MP_INFORMATION2_ENTRY_SIZE + e.extra.length !== p.entrySize) {
          throw new RangeError(`MP_INFORMATION2 entry of ${MP_INFORMATION2_ENTRY_SIZE + e.extra.length} bytes does not match EntrySize ${p.entrySize}`);
        }
        w.u64(e.processorId).u32(e.statusFlag).u32(e.location.package).u32(e.location.core).u32(e.location.thread);
        const l2 = e.location2;
        w.u32(l2.package).u32(l2.module).u32(l2.tile).u32(l2.die).u32(l2.core).u32(l2.thread);
        w.u8(e.coreType).zeros(7).bytes(e.extra);
      }
      break;
    }
    case 'smmBase':
      w.u32(p.processorIndex).u32(p.smBase.length);
      for (const b of p.smBase) w.u64(b);
      break;
    case 'raw':
      w.bytes(p.data);
      break;
  }
  return w.finish();
}
