import { MmspecError } from '../../common/errors';
import { PAGE } from '../config/platform-config';

/** One page allocation made by PEI or DXE firmware. */
export interface FirmwareAllocation {
  base: bigint;
  pages: bigint;
  /** EFI_MEMORY_TYPE of the pages. */
  type: number;
  /** Who asked (module name and purpose), for the trace and the DXE memory map. */
  owner: string;
  phase: 'PEI' | 'DXE';
}

export class OutOfFirmwareMemoryError extends MmspecError {
  constructor(window: string, pages: bigint, owner: string) {
    super('PLATFORM_OUT_OF_MEMORY', `${owner}: no ${pages} free page(s) left in the ${window} allocation window`);
  }
}

/**
 * The page allocator of the boot firmware: PEI allocates top-down from the PEI window, DXE runtime allocations
 * top-down from the DXE runtime window (both configured DRAM outside TSEG). Every allocation is remembered so
 * the DXE memory map can type it.
 */
export class FirmwareMemory {
  readonly allocations: FirmwareAllocation[] = [];
  private peiTop: bigint;
  private dxeTop: bigint;

  constructor(readonly pei: { base: bigint; size: bigint }, readonly dxeRuntime: { base: bigint; size: bigint }) {
    this.peiTop = pei.base + pei.size;
    this.dxeTop = dxeRuntime.base + dxeRuntime.size;
  }

  allocatePages(phase: 'PEI' | 'DXE', pages: bigint, type: number, owner: string): bigint {
    if (pages <= 0n) throw new RangeError(`${owner}: page count must be positive`);
    const bytes = pages * PAGE;
    if (phase === 'PEI') {
      if (this.peiTop - bytes < this.pei.base) throw new OutOfFirmwareMemoryError('PEI', pages, owner);
      this.peiTop -= bytes;
      this.allocations.push({ base: this.peiTop, pages, type, owner, phase });
      return this.peiTop;
    }
    if (this.dxeTop - bytes < this.dxeRuntime.base) throw new OutOfFirmwareMemoryError('DXE runtime', pages, owner);
    this.dxeTop -= bytes;
    this.allocations.push({ base: this.dxeTop, pages, type, owner, phase });
    return this.dxeTop;
  }

  /** Lowest address PEI has handed out so far (the PHIT's EfiFreeMemoryTop). */
  get peiFreeTop(): bigint {
    return this.peiTop;
  }
}
