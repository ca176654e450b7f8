import { DEFAULT_FV_ATTRIBUTES, blockMapFor, fvRequiredSize, writeFirmwareVolume } from '../../firmware/fv';
import { wellKnownGuid, type Guid } from '../../firmware/guid';
import { EfiMemoryType } from '../../platform/firmware/mm-comm-layout';
import { buildDriverFile } from '../driver';
import type { ScenarioPlatform } from './scenario-platform';

/**
 * A second firmware volume holding one MM driver (depex TRUE, linked like any driver against the broker's ready
 * protocol), written into DRAM and described by an FV HOB — what a platform that splits its MM drivers over two
 * FVs would produce (supervisor-facts §1.10, §2.1). `phase` says whose memory it is allocated from.
 */
export function publishExtraFv(p: ScenarioPlatform, driverName: string, phase: 'PEI' | 'DXE'): { base: bigint; length: bigint; driver: Guid } {
  const registry = p.scenarioDrivers.registry;
  const driver = registry.resolve(driverName);
  const file = buildDriverFile({ name: driverName, guid: driver, depex: 'TRUE', resolve: (n: string) => registry.resolve(n) });
  const volume = {
    fileSystemGuid: wellKnownGuid('gEfiFirmwareFileSystem2Guid')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: blockMapFor(0x1000), files: [file],
    extHeader: { fvName: registry.resolve(`${driverName} firmware volume`), entries: [] },
  };
  volume.blockMap = blockMapFor(fvRequiredSize(volume));
  const bytes = writeFirmwareVolume(volume);
  const boot = p.booted;
  const base = boot.memory.allocatePages(phase, BigInt(Math.ceil(bytes.length / 0x1000)), EfiMemoryType.BootServicesData, `scenario FV holding ${driverName}`);
  p.machine!.outside.write(Number(base), bytes);
  boot.hobs!.add({ kind: 'fv', baseAddress: base, length: BigInt(bytes.length) });
  p.machine!.trace.record('scenario-fv', { phase, base, length: bytes.length, driver, name: driverName });
  return { base, length: BigInt(bytes.length), driver };
}
