import { PAGE_SIZE, PhysPage, SparseMemory, type HostTrap, type MmioHandler, type PhysicalBus } from '../../cpu/physical-memory';

/** SMRAM control register bits (host bridge config 0x9D on Q35; x86-smm-facts §2.2). */
export const SMRAMC = { G_SMRAME: 1 << 3, D_LCK: 1 << 4, D_CLS: 1 << 5, D_OPEN: 1 << 6 } as const;
/** Extended SMRAM control bits (config 0x9E). */
export const ESMRAMC = { T_EN: 1 << 0, TSEG_SZ_MASK: 3 << 1, SM_L2: 1 << 3, SM_L1: 1 << 4, SM_CACHE: 1 << 5, E_SMERR: 1 << 6, H_SMRAME: 1 << 7 } as const;

/** Host-bridge config offsets (QEMU q35.h). */
export const MCH_SMRAM = 0x9d, MCH_ESMRAMC = 0x9e, MCH_EXT_TSEG_MBYTES = 0x50;

export type MemoryKind = 'dram' | 'mmio' | 'reserved';

/** One range of the platform's physical memory map. */
export interface MemoryRange {
  kind: MemoryKind;
  base: number;
  size: number;
  name: string;
}

export type SmramState = 'open' | 'closed' | 'locked';

/**
 * A Q35-like chipset as the CPUs' physical bus. DRAM is sparse RAM; TSEG is the top of low DRAM; non-SMM
 * accesses to TSEG hit a black hole (reads all-ones, writes dropped) while ESMRAMC.T_EN and SMRAMC.G_SMRAME are
 * set, exactly as QEMU's mch_update_smram does; D_LCK is sticky until reset, clears D_OPEN, leaves only D_CLS
 * writable in SMRAMC and makes ESMRAMC read-only, so a locked TSEG cannot be reopened. Outside DRAM and
 * MMIO the bus floats (reads 0xFF, writes ignored).
 */
export class Q35Chipset implements PhysicalBus {
  smramc = 0x02; // reset value; C_BASE_SEG hard-wired 010b
  esmramc = 0x38; // SM_CACHE | SM_L1 | SM_L2
  private readonly blackHole = new Map<number, PhysPage>();
  private readonly openBus = new Map<number, PhysPage>();
  private readonly mmioPages = new Map<number, PhysPage>();
  private readonly ones = new Uint8Array(PAGE_SIZE).fill(0xff);
  /** Called after any change of what an address decodes to (CPUs flush their TLBs). */
  onMapChange: () => void = () => undefined;

  constructor(readonly ram: SparseMemory, readonly memoryMap: readonly MemoryRange[], readonly tsegBase: number, readonly tsegSize: number) {}

  get tsegEnd(): number {
    return this.tsegBase + this.tsegSize;
  }

  /** Whether non-SMM accesses to TSEG are black-holed right now. */
  get tsegClosed(): boolean {
    return (this.esmramc & ESMRAMC.T_EN) !== 0 && (this.smramc & SMRAMC.G_SMRAME) !== 0;
  }

  get locked(): boolean {
    return (this.smramc & SMRAMC.D_LCK) !== 0;
  }

  smramState(): SmramState {
    if (this.locked && this.tsegClosed) return 'locked';
    return this.tsegClosed ? 'closed' : 'open';
  }

  inTseg(addr: number): boolean {
    return addr >= this.tsegBase && addr < this.tsegEnd;
  }

  rangeAt(addr: number): MemoryRange | undefined {
    return this.memoryMap.find((r) => addr >= r.base && addr < r.base + r.size);
  }

  /** Attaches a device to every page of an MMIO range. */
  attachMmio(base: number, size: number, handler: MmioHandler): void {
    for (let a = base; a < base + size; a += PAGE_SIZE) {
      const ppn = Math.floor(a / PAGE_SIZE);
      this.mmioPages.set(ppn, new PhysPage(ppn, this.ones, false, handler, false));
    }
    this.onMapChange();
  }

  page(ppn: number, inSmm: boolean): PhysPage {
    const addr = ppn * PAGE_SIZE;
    if (!inSmm && this.inTseg(addr) && this.tsegClosed) return this.cached(this.blackHole, ppn);
    const mmio = this.mmioPages.get(ppn);
    if (mmio !== undefined) return mmio;
    const r = this.rangeAt(addr);
    if (r !== undefined && r.kind === 'dram') return this.ram.ram(ppn);
    return this.cached(this.openBus, ppn);
  }

  private cached(map: Map<number, PhysPage>, ppn: number): PhysPage {
    let p = map.get(ppn);
    if (p === undefined) {
      p = new PhysPage(ppn, this.ones, true, null, false);
      map.set(ppn, p);
    }
    return p;
  }

  hostTrap(physAddr: number): HostTrap | undefined {
    return this.ram.hostTrap(physAddr);
  }

  // ---- host-bridge configuration registers ----

  readConfig8(offset: number): number {
    switch (offset) {
      case MCH_SMRAM: return this.smramc;
      case MCH_ESMRAMC: return this.esmramc;
      case MCH_EXT_TSEG_MBYTES: return (this.tsegSize >>> 20) & 0xff;
      case MCH_EXT_TSEG_MBYTES + 1: return (this.tsegSize >>> 28) & 0xff;
      case 0: return 0x86; case 1: return 0x80; case 2: return 0xc0; case 3: return 0x29; // 8086:29C0
      default: return 0;
    }
  }

  writeConfig8(offset: number, value: number): void {
    const before = this.smramc << 8 | this.esmramc;
    if (offset === MCH_SMRAM) {
      if (this.locked) {
        this.smramc = (this.smramc & ~SMRAMC.D_CLS) | (value & SMRAMC.D_CLS); // only D_CLS stays writable
      } else {
        const writable = SMRAMC.D_OPEN | SMRAMC.D_CLS | SMRAMC.D_LCK | SMRAMC.G_SMRAME;
        this.smramc = (this.smramc & ~writable) | (value & writable);
        if (this.smramc & SMRAMC.D_LCK) this.smramc &= ~SMRAMC.D_OPEN;
      }
    } else if (offset === MCH_ESMRAMC && !this.locked) {
      const writable = ESMRAMC.T_EN | ESMRAMC.TSEG_SZ_MASK | ESMRAMC.H_SMRAME;
      this.esmramc = (this.esmramc & ~writable) | (value & writable);
    }
    if ((this.smramc << 8 | this.esmramc) !== before) this.onMapChange();
  }

  /** Reset: the lock and the SMRAM configuration go back to their power-on values. */
  reset(): void {
    this.smramc = 0x02;
    this.esmramc = 0x38;
    this.onMapChange();
  }
}
