import type { Cpu } from '../../cpu/cpu';
import type { IoBus } from '../../cpu/io-bus';

/** A device on the I/O port bus. Ports are absolute; `size` is 1, 2 or 4 bytes. */
export interface PortDevice {
  read?(port: number, size: number, cpu: Cpu | null): number;
  write?(port: number, size: number, value: number, cpu: Cpu | null): void;
}

/**
 * The port-I/O bus: devices claim port ranges; unclaimed ports float high on reads and ignore writes. Every
 * CPU uses it as its IoBus; firmware models call it directly with `cpu = null`.
 */
export class PortBus implements IoBus {
  private readonly devices = new Map<number, PortDevice>();

  attach(first: number, count: number, device: PortDevice): void {
    for (let p = first; p < first + count; p++) this.devices.set(p, device);
  }

  read(port: number, size: number, cpu: Cpu | null): number {
    const d = this.devices.get(port);
    if (d?.read) return d.read(port, size, cpu) >>> 0;
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  write(port: number, size: number, value: number, cpu: Cpu | null): void {
    this.devices.get(port)?.write?.(port, size, value, cpu);
  }
}
