import type { PortDevice } from './port-bus';

export const RESET_CONTROL = 0xcf9;

/** The reset control register (0xCF9): 0x06 requests a warm (hard) reset, 0x0E a cold (full) reset. */
export class ResetControl implements PortDevice {
  value = 0;
  constructor(private readonly requestReset: (kind: 'warm-reset' | 'cold-reset') => void) {}
  read(): number {
    return this.value;
  }
  write(_port: number, _size: number, value: number): void {
    this.value = value & 0xff;
    if ((value & 0x04) !== 0) this.requestReset((value & 0x08) !== 0 ? 'cold-reset' : 'warm-reset');
  }
}
