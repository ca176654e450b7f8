import type { MemoryRange } from './chipset/q35-chipset';
import type { MachineSpec } from './machine';

export interface Q35Options {
  cpus?: number;
  /** DRAM below 4 GiB in bytes (default 1 GiB); TSEG sits at its top. */
  lowMemoryBytes?: number;
  /** TSEG size (default 8 MiB). */
  tsegBytes?: number;
  saveStateMap?: 'intel' | 'amd';
}

/** MMIO windows of a Q35-like machine: PCIe ECAM, IOAPIC, HPET, local APIC, and the firmware flash. */
export const Q35_MMIO: readonly MemoryRange[] = [
  { kind: 'mmio', base: 0xe0000000, size: 0x10000000, name: 'PCIe ECAM' },
  { kind: 'mmio', base: 0xfec00000, size: 0x1000, name: 'IOAPIC' },
  { kind: 'mmio', base: 0xfed00000, size: 0x1000, name: 'HPET' },
  { kind: 'mmio', base: 0xfee00000, size: 0x100000, name: 'local APIC' },
  { kind: 'mmio', base: 0xffc00000, size: 0x400000, name: 'firmware flash' },
];

/**
 * SMBASE of CPU i: staggered by 0x2000 from the TSEG base so every CPU's entry point (SMBASE+0x8000) and
 * save-state map (SMBASE+0xFC00) lie in TSEG without overlapping each other (edk2's relocation scheme).
 */
export function staggeredSmbase(tsegBase: number, i: number): number {
  return tsegBase + i * 0x2000;
}

/** The hardware of a QEMU Q35-like machine. */
export function q35Spec(o: Q35Options = {}): MachineSpec {
  const cpus = o.cpus ?? 2;
  const low = o.lowMemoryBytes ?? 0x40000000;
  const tseg = o.tsegBytes ?? 0x800000;
  const tsegBase = low - tseg;
  return {
    cpus,
    memoryMap: [{ kind: 'dram', base: 0, size: low, name: 'low DRAM' }, ...Q35_MMIO],
    tsegBase,
    tsegSize: tseg,
    saveStateMap: o.saveStateMap ?? 'intel',
    smbase: Array.from({ length: cpus }, (_, i) => staggeredSmbase(tsegBase, i)),
  };
}
