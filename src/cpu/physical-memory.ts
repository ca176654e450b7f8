import type { Cpu } from './cpu';
import type { Insn } from './insn';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** A device that answers accesses to a 4 KiB physical page (MMIO). Offsets are within the page. */
export interface MmioHandler {
  read(physAddr: number, size: number): number;
  write(physAddr: number, size: number, value: number): void;
}

/**
 * One 4 KiB page of the physical address space as one access context sees it. RAM pages own their bytes and
 * the decoded-instruction cache of their code; black-hole pages (closed SMRAM seen from outside SMM) read
 * all-ones and drop writes; MMIO pages hand accesses to a device.
 */
export class PhysPage {
  readonly view: DataView;
  /** Decoded 64-bit instructions by page offset; dropped on any write to the page (self-modifying code). */
  code: (Insn | undefined)[] | null = null;
  constructor(
    readonly ppn: number,
    readonly bytes: Uint8Array,
    /** Writes are silently dropped (ROM, black hole). */
    readonly dropWrites = false,
    readonly mmio: MmioHandler | null = null,
    /** Whether decoded instructions may be cached for this page (RAM only). */
    readonly cacheable = true,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  invalidateCode(): void {
    this.code = null;
  }
}

/** A host routine reached when a CPU is about to execute the instruction at a registered physical address. */
export type HostTrap = (cpu: Cpu) => void;

/** What a CPU sees of the physical address space. */
export interface PhysicalBus {
  /** The page a CPU sees at physical page number `ppn`, inside or outside SMM. */
  page(ppn: number, inSmm: boolean): PhysPage;
  /** Host routine registered at a physical address, if any. */
  hostTrap(physAddr: number): HostTrap | undefined;
}

/**
 * Sparse RAM: pages are allocated on first touch and read as zero until written. Also the registry of host
 * traps. Used directly as the bus in flat snippet mode; the platform's chipset wraps it with SMRAM and MMIO rules.
 */
export class SparseMemory implements PhysicalBus {
  private readonly pages = new Map<number, PhysPage>();
  private readonly traps = new Map<number, HostTrap>();
  /** Highest physical address + 1 (accesses above it are bugs in the caller). */
  constructor(readonly limit = 2 ** 46) {}

  ram(ppn: number): PhysPage {
    let p = this.pages.get(ppn);
    if (p === undefined) {
      p = new PhysPage(ppn, new Uint8Array(PAGE_SIZE));
      this.pages.set(ppn, p);
    }
    return p;
  }

  page(ppn: number, _inSmm: boolean): PhysPage {
    return this.ram(ppn);
  }

  /** Number of pages touched so far. */
  get allocatedPages(): number {
    return this.pages.size;
  }

  hostTrap(physAddr: number): HostTrap | undefined {
    return this.traps.size === 0 ? undefined : this.traps.get(physAddr);
  }

  /**
   * Registers a host routine at a physical address; the decoded instruction there (if cached) is dropped. Replacing
   * an existing trap keeps the decoded page (a decoded trap looks its routine up when it runs).
   */
  setHostTrap(physAddr: number, trap: HostTrap): void {
    const replacing = this.traps.has(physAddr);
    this.traps.set(physAddr, trap);
    if (!replacing) this.ram(Math.floor(physAddr / PAGE_SIZE)).invalidateCode();
  }

  removeHostTrap(physAddr: number): void {
    this.traps.delete(physAddr);
    this.ram(Math.floor(physAddr / PAGE_SIZE)).invalidateCode();
  }

  // ---- host-side access (firmware loaders, the supervisor model). Writes drop decoded code. ----

  read(physAddr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = physAddr + done;
      const p = this.ram(Math.floor(a / PAGE_SIZE));
      const off = a % PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - off);
      out.set(p.bytes.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  write(physAddr: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = physAddr + done;
      const p = this.ram(Math.floor(a / PAGE_SIZE));
      const off = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      p.bytes.set(data.subarray(done, done + n), off);
      p.invalidateCode();
      done += n;
    }
  }

  fill(physAddr: number, length: number, value: number): void {
    this.write(physAddr, new Uint8Array(length).fill(value));
  }

  readU32(physAddr: number): number {
    const b = this.read(physAddr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }
  readU64(physAddr: number): bigint {
    const b = this.read(physAddr, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  writeU32(physAddr: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.write(physAddr, b);
  }
  writeU64(physAddr: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(physAddr, b);
  }
}
