import type { Cpu } from '../../cpu/cpu';
import type { Q35Chipset } from '../chipset/q35-chipset';
import type { PortDevice } from './port-bus';

export const PCI_CONFIG_ADDRESS = 0xcf8, PCI_CONFIG_DATA = 0xcfc;

/**
 * PCI configuration mechanism #1 (ports 0xCF8/0xCFC–0xCFF) with the Q35 host bridge at 00:00.0; other
 * functions are absent (all-ones). This is the path firmware uses to open, close and lock SMRAM.
 */
export class PciConfigPorts implements PortDevice {
  address = 0;
  constructor(private readonly chipset: Q35Chipset) {}

  private hostBridgeOffset(port: number): number | null {
    if ((this.address & 0x80000000) === 0) return null;
    const bus = (this.address >>> 16) & 0xff, dev = (this.address >>> 11) & 0x1f, fn = (this.address >>> 8) & 7;
    if (bus !== 0 || dev !== 0 || fn !== 0) return null;
    return (this.address & 0xfc) + (port - PCI_CONFIG_DATA);
  }

  read(port: number, size: number): number {
    if (port === PCI_CONFIG_ADDRESS) return this.address;
    const off = this.hostBridgeOffset(port);
    if (off === null) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.chipset.readConfig8(off + k);
    return v >>> 0;
  }

  write(port: number, size: number, value: number, _cpu: Cpu | null): void {
    if (port === PCI_CONFIG_ADDRESS) {
      if (size === 4) this.address = value >>> 0;
      return;
    }
    const off = this.hostBridgeOffset(port);
    if (off === null) return;
    for (let k = 0; k < size; k++) this.chipset.writeConfig8(off + k, (value >>> (8 * k)) & 0xff);
  }

  /** Host-side helpers used by firmware models (the MmAccess PPI/protocol). */
  static address(offset: number): number {
    return (0x80000000 | (offset & 0xfc)) >>> 0;
  }
}
