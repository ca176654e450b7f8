import { runOutsideMm } from '../firmware-context';
import type { Machine } from '../machine';

/**
 * The MM Control PPI/protocol (Trigger) of a Q35 platform: a real `mov al, cmd; out 0xB2, al` executed by the
 * BSP outside SMM, so every CPU takes the SMI and the BSP's save state carries the I/O-trap information of that
 * OUT (docs/execution-model.md); `runOutsideMm` settles the SMI before returning.
 */
export class MmControl {
  constructor(private readonly machine: Machine, private readonly command: number, private readonly cpuIndex = 0) {}

  trigger(): void {
    runOutsideMm(this.machine, this.cpuIndex, Uint8Array.of(0xb0, this.command & 0xff, 0xe6, 0xb2));
    if (this.machine.smiInProgress) this.machine.settleSmi();
  }
}
