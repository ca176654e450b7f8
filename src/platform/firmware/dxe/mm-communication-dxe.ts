import type { EfiStatus } from '../../../firmware/efi-status';
import type { Guid } from '../../../firmware/guid/guid';
import { EFI_NOT_READY, EFI_SUCCESS, type MmiReply } from '../mm-communicator';
import type { SupervisorCommunication } from '../pei/mm-ipl-pei';
import type { DxeContext } from './dxe-context';

const MODULE = 'MmCommunicationDxe';

/** EFI_MM_COMMUNICATION2_PROTOCOL for DXE code (user channel) as platform state. */
export interface MmCommunication2 {
  /** Communicate(CommBuffer, CommSize?): the §8.2 worker on the user channel. */
  communicate(commBuffer: bigint | null, commSize: bigint | null): { status: EfiStatus; commSize: bigint | null };
  /** Convenience: header + data written into the user buffer, reply read back. */
  send(guid: Guid, data: Uint8Array, opts?: { messageLength?: bigint; commSize?: bigint | null }): MmiReply;
}

/**
 * The platform's MM communication DXE driver (the user channel for DXE code; supervisor-facts §1.7 notes that the
 * supervisor package leaves this to the platform). It shares the DXE support driver's communicate worker, so it
 * follows a COMM_UPDATE move.
 */
export class MmCommunicationDxe implements MmCommunication2 {
  constructor(private readonly ctx: DxeContext) {}

  private get worker() {
    return this.ctx.services.protocol<SupervisorCommunication>('gMmSupervisorCommunicationProtocolGuid')?.communicator;
  }

  start(): EfiStatus {
    if (!this.worker) {
      this.ctx.machine.trace.record('firmware-error', { module: MODULE, status: EFI_NOT_READY, reason: 'no supervisor communication protocol' });
      return EFI_NOT_READY;
    }
    this.ctx.services.installProtocol('gEfiMmCommunication2ProtocolGuid', this, MODULE);
    this.ctx.machine.trace.record('module', { name: MODULE, status: EFI_SUCCESS });
    return EFI_SUCCESS;
  }

  communicate(commBuffer: bigint | null, commSize: bigint | null): { status: EfiStatus; commSize: bigint | null } {
    return this.worker!.communicate('user', commBuffer, commSize, { sender: MODULE });
  }

  send(guid: Guid, data: Uint8Array, opts: { messageLength?: bigint; commSize?: bigint | null } = {}): MmiReply {
    return this.worker!.send('user', guid, data, { ...opts, sender: MODULE });
  }
}
