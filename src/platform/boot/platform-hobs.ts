import { ZERO_GUID } from '../../firmware/guid/guid';
import type { Hob } from '../../firmware/hob';
import { MP_INFORMATION2_ENTRY_SIZE } from '../../firmware/hob';
import type { PlatformConfig } from '../config/platform-config';
import { smbaseList } from '../config/platform-config-loader';
import { g } from '../firmware/mm-comm-layout';
import type { MmAccess } from '../firmware/mm-access';

/** Resource types and attributes (x86-smm-facts §4.2). */
const RESOURCE = { SYSTEM_MEMORY: 0, MEMORY_MAPPED_IO: 1, MEMORY_RESERVED: 5 } as const;
const ATTR_DRAM = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 | 0x1000 | 0x2000; // PRESENT|INITIALIZED|TESTED + cacheabilities
const ATTR_MMIO = 0x1 | 0x2 | 0x400; // PRESENT|INITIALIZED|UNCACHEABLE

/**
 * The platform HOBs PEI hands to the MM IPL (supervisor-facts §1.4): the CPU HOB, one resource descriptor per
 * memory-map range (TSEG lies inside the DRAM descriptor, as §1.6 requires), the FV HOB of the MM firmware volume,
 * the gEfiSmmSmramMemoryGuid MMRAM description (from the MM Access capabilities), MP information 2, and the SMBASE
 * HOB. The comm-buffer HOBs come from MmCommunicationBufferPei.
 */
export function platformHobs(cfg: PlatformConfig, mmAccess: MmAccess, fv: { base: bigint; length: bigint }): Hob[] {
  const hobs: Hob[] = [{ kind: 'cpu', sizeOfMemorySpace: cfg.physicalAddressBits, sizeOfIoSpace: 16 }];
  for (const r of cfg.memoryMap) {
    hobs.push({
      kind: 'resourceDescriptor', owner: ZERO_GUID,
      resourceType: r.kind === 'dram' ? RESOURCE.SYSTEM_MEMORY : r.kind === 'mmio' ? RESOURCE.MEMORY_MAPPED_IO : RESOURCE.MEMORY_RESERVED,
      resourceAttribute: r.kind === 'dram' ? ATTR_DRAM : ATTR_MMIO, physicalStart: r.base, resourceLength: r.size,
    });
  }
  hobs.push({ kind: 'fv', baseAddress: fv.base, length: fv.length });
  hobs.push({ kind: 'guidExtension', name: g('gEfiSmmSmramMemoryGuid'), payload: { kind: 'mmramRanges', descriptors: mmAccess.capabilities() } });
  hobs.push({
    kind: 'guidExtension', name: g('gMpInformation2HobGuid'),
    payload: {
      kind: 'mpInformation2', entrySize: MP_INFORMATION2_ENTRY_SIZE, version: 0, processorIndex: 0n,
      entries: Array.from({ length: cfg.cpus }, (_, i) => ({
        processorId: BigInt(i),
        // PROCESSOR_AS_BSP_BIT 0x1 (CPU 0), PROCESSOR_ENABLED_BIT 0x2, PROCESSOR_HEALTH_STATUS_BIT 0x4
        statusFlag: (i === 0 ? 0x1 : 0) | 0x2 | 0x4,
        location: { package: 0, core: i, thread: 0 },
        location2: { package: 0, module: 0, tile: 0, die: 0, core: i, thread: 0 },
        coreType: 0,
        extra: new Uint8Array(0),
      })),
    },
  });
  hobs.push({ kind: 'guidExtension', name: g('gSmmBaseHobGuid'), payload: { kind: 'smmBase', processorIndex: 0, smBase: smbaseList(cfg.smbase, cfg.tseg.base, cfg.cpus) } });
  return hobs;
}
