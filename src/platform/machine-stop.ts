import { MmspecError } from '../common/errors';

/** How the machine stopped running firmware. */
export type MachineStopKind = 'warm-reset' | 'cold-reset' | 'hang' | 'shutdown';

/**
 * Thrown by firmware models (the supervisor's fatal path, a reset request, a CPU shutdown) to unwind every
 * nested CPU run up to whoever drives the machine; the machine records the stop as its observable state.
 */
export class MachineStop extends MmspecError {
  constructor(readonly kind: MachineStopKind, readonly reason: string) {
    super('MACHINE_STOP', `machine ${kind}: ${reason}`);
  }
}
