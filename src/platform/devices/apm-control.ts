import type { Cpu } from '../../cpu/cpu';
import type { PortDevice } from './port-bus';

export const APM_CNT = 0xb2;
export const APM_STS = 0xb3;

/**
 * APM control (x86-smm-facts §2.5): a write to APM_CNT (0xB2) is a software SMI delivered to every CPU (the
 * broadcast behaviour QEMU negotiates); APM_STS (0xB3) is a scratch byte with no side effect. A 16-bit write
 * to 0xB2 sets both (chipsec's smm_ptr writes data<<8 | code).
 */
export class ApmControl implements PortDevice {
  command = 0;
  status = 0;
  constructor(private readonly raiseSmi: (source: { port: number; command: number; data: number; cpu: number | null }) => void) {}

  read(port: number): number {
    return port === APM_CNT ? this.command : this.status;
  }

  write(port: number, size: number, value: number, cpu: Cpu | null): void {
    if (port === APM_STS) {
      this.status = value & 0xff;
      return;
    }
    this.command = value & 0xff;
    if (size >= 2) this.status = (value >>> 8) & 0xff;
    this.raiseSmi({ port, command: this.command, data: this.status, cpu: cpu ? cpu.index : null });
  }
}
