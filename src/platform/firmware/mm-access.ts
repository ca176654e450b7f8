import type { MmramDescriptor } from '../../firmware/hob/hob-types';
import { ESMRAMC, MCH_ESMRAMC, MCH_SMRAM, SMRAMC } from '../chipset/q35-chipset';
import { PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PciConfigPorts } from '../devices/pci-config';
import type { Machine } from '../machine';

/** MMRAM RegionState bits (supervisor-facts §0.2). */
export const MmramState = { OPEN: 0x1n, CLOSED: 0x2n, LOCKED: 0x4n, CACHEABLE: 0x8n, ALLOCATED: 0x10n, NEEDS_TESTING: 0x20n, NEEDS_ECC_INITIALIZATION: 0x40n } as const;

/**
 * The MM Access PPI/protocol of a Q35 platform, driving the host bridge through PCI configuration cycles on ports
 * 0xCF8/0xCFC (OVMF SmramInternal semantics; x86-smm-facts §2.2): open clears ESMRAMC.T_EN, close sets T_EN with
 * SMRAMC.G_SMRAME, lock sets SMRAMC.D_LCK. TSEG is described as two MMRAM ranges: the SMBASE/save-state area of
 * the CPUs at its bottom (already ALLOCATED by the platform's SMBASE relocation) and the free rest.
 */
export class MmAccess {
  constructor(private readonly machine: Machine, private readonly smbaseAreaEnd: bigint) {}

  private cfgRead(offset: number): number {
    this.machine.ports.write(PCI_CONFIG_ADDRESS, 4, PciConfigPorts.address(offset), null);
    return this.machine.ports.read(PCI_CONFIG_DATA + (offset & 3), 1, null);
  }

  private cfgWrite(offset: number, value: number): void {
    this.machine.ports.write(PCI_CONFIG_ADDRESS, 4, PciConfigPorts.address(offset), null);
    this.machine.ports.write(PCI_CONFIG_DATA + (offset & 3), 1, value, null);
  }

  /** Platform init of the TSEG decode (OVMF SmmAccessPei): TSEG enabled and closed, not locked. */
  initialize(): void {
    this.cfgWrite(MCH_SMRAM, (this.cfgRead(MCH_SMRAM) & ~SMRAMC.D_OPEN) | SMRAMC.G_SMRAME);
    this.cfgWrite(MCH_ESMRAMC, this.cfgRead(MCH_ESMRAMC) | ESMRAMC.T_EN);
  }

  open(): boolean {
    if (this.locked) return false;
    this.cfgWrite(MCH_ESMRAMC, this.cfgRead(MCH_ESMRAMC) & ~ESMRAMC.T_EN);
    return !this.closed;
  }

  close(): boolean {
    this.cfgWrite(MCH_SMRAM, (this.cfgRead(MCH_SMRAM) & ~SMRAMC.D_OPEN) | SMRAMC.G_SMRAME);
    this.cfgWrite(MCH_ESMRAMC, this.cfgRead(MCH_ESMRAMC) | ESMRAMC.T_EN);
    return this.closed;
  }

  lock(): boolean {
    this.cfgWrite(MCH_SMRAM, this.cfgRead(MCH_SMRAM) | SMRAMC.D_LCK);
    return this.locked;
  }

  get closed(): boolean {
    return (this.cfgRead(MCH_ESMRAMC) & ESMRAMC.T_EN) !== 0 && (this.cfgRead(MCH_SMRAM) & SMRAMC.G_SMRAME) !== 0;
  }

  get locked(): boolean {
    return (this.cfgRead(MCH_SMRAM) & SMRAMC.D_LCK) !== 0;
  }

  /** GetCapabilities: the MMRAM ranges with their current state. */
  capabilities(): MmramDescriptor[] {
    const base = BigInt(this.machine.chipset.tsegBase), end = BigInt(this.machine.chipset.tsegEnd);
    const state = (this.closed ? MmramState.CLOSED : MmramState.OPEN) | (this.locked ? MmramState.LOCKED : 0n) | MmramState.CACHEABLE;
    const split = this.smbaseAreaEnd > base && this.smbaseAreaEnd < end ? this.smbaseAreaEnd : base;
    const out: MmramDescriptor[] = [];
    if (split > base) out.push({ physicalStart: base, cpuStart: base, physicalSize: split - base, regionState: state | MmramState.ALLOCATED });
    out.push({ physicalStart: split, cpuStart: split, physicalSize: end - split, regionState: state });
    return out;
  }
}

/** End of the CPUs' SMBASE areas (SMBASE + 0x10000 of the highest SMBASE), page-aligned. */
export function smbaseAreaEnd(smbases: readonly bigint[]): bigint {
  const top = smbases.reduce((m, b) => (b + 0x10000n > m ? b + 0x10000n : m), 0n);
  return (top + 0xfffn) & ~0xfffn;
}
