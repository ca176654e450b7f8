import type { PlatformConfig } from '../../config/platform-config';
import type { Machine } from '../../machine';
import type { FirmwareMemory } from '../firmware-memory';
import type { HobListBuilder } from '../hob-list-builder';
import type { MmAccess } from '../mm-access';
import type { MmControl } from '../mm-control';
import type { PlatformServices } from '../platform-services';

/** What a PEIM model works with: the machine, the platform fixture, PEI memory, the HOB list and the PPI database. */
export interface PeiContext {
  machine: Machine;
  config: PlatformConfig;
  memory: FirmwareMemory;
  hobs: HobListBuilder;
  services: PlatformServices;
  mmAccess: MmAccess;
  mmControl: MmControl;
}

/** A firmware module's failure, recorded in the trace (the boot continues, as PEI/DXE do when a module fails). */
export function recordModuleError(ctx: { machine: Machine }, module: string, status: bigint, reason: string): bigint {
  ctx.machine.trace.record('firmware-error', { module, status, reason });
  return status;
}
