import type { PlatformConfig } from '../../config/platform-config';
import type { Machine } from '../../machine';
import type { FirmwareMemory } from '../firmware-memory';
import type { HobListBuilder } from '../hob-list-builder';
import type { MmControl } from '../mm-control';
import type { PlatformServices } from '../platform-services';
import type { DxeMemoryMap } from './dxe-memory-map';

/** What a DXE driver model works with. */
export interface DxeContext {
  machine: Machine;
  config: PlatformConfig;
  memory: FirmwareMemory;
  /** The HOB list (DXE sees the same bytes PEI built). */
  hobs: HobListBuilder;
  services: PlatformServices;
  /** SmmControl2 of the platform. */
  mmControl: MmControl;
  memoryMap: DxeMemoryMap;
}
