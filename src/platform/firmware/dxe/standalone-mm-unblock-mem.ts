import { efiStatusName, type EfiStatus } from '../../../firmware/efi-status';
import type { Guid } from '../../../firmware/guid/guid';
import { EfiMemoryType, encodeUnblockParams } from '../mm-comm-layout';
import { EFI_ACCESS_DENIED, EFI_INVALID_PARAMETER, EFI_NOT_FOUND, EFI_NOT_READY, EFI_SUCCESS } from '../mm-communicator';
import type { SupervisorCommunication } from '../pei/mm-ipl-pei';
import { TPL_CALLBACK } from '../platform-services';
import type { DxeContext } from './dxe-context';

const MODULE = 'StandaloneMmUnblockMem';

/** MM_SUPERVISOR_UNBLOCK_MEMORY_PROTOCOL (Version 1) as platform state. */
export interface UnblockMemoryProtocol {
  version: 1;
  /** fn(address, pages, identifier GUID pointer: null = NULL) → EFI_STATUS. */
  unblockMemory(address: bigint, pages: bigint, identifier: Guid | null): EfiStatus;
}

/**
 * StandaloneMmUnblockMem (supervisor-facts §7.3): the DXE unblock protocol. Local checks in order — NULL GUID,
 * zero or unaligned address → EFI_INVALID_PARAMETER; 0 pages → EFI_SUCCESS without sending; after its own
 * ready-to-lock notification → EFI_ACCESS_DENIED; no supervisor communication protocol → EFI_NOT_READY; every page
 * in Reserved / RuntimeServicesCode/Data (not RO) / ACPI NVS memory, else EFI_ACCESS_DENIED — then MSUP
 * UNBLOCK_MEM with Type 6, VirtualStart 0, Attribute 0 (user), returning the supervisor's Result.
 */
export class StandaloneMmUnblockMem implements UnblockMemoryProtocol {
  readonly version = 1 as const;
  readyToLockSeen = false;

  constructor(private readonly ctx: DxeContext) {}

  start(): EfiStatus {
    this.ctx.services.installProtocol('gMmSupervisorUnblockMemoryProtocolGuid', this, MODULE);
    this.ctx.services.register('DxeMmReadyToLock', MODULE, () => {
      this.readyToLockSeen = true;
    }, TPL_CALLBACK);
    this.ctx.machine.trace.record('module', { name: MODULE, status: EFI_SUCCESS });
    return EFI_SUCCESS;
  }

  unblockMemory(address: bigint, pages: bigint, identifier: Guid | null): EfiStatus {
    const r = this.check(address, pages, identifier);
    this.ctx.machine.trace.record('unblock-request', {
      by: MODULE, address, pages, identifier, status: efiStatusName(r.status), decidedBy: r.decidedBy,
    });
    return r.status;
  }

  private check(address: bigint, pages: bigint, identifier: Guid | null): { status: EfiStatus; decidedBy: string } {
    const local = (status: EfiStatus, why: string) => ({ status, decidedBy: `local: ${why}` });
    if (identifier === null) return local(EFI_INVALID_PARAMETER, 'identifier GUID is NULL');
    if (address === 0n || (address & 0xfffn) !== 0n) return local(EFI_INVALID_PARAMETER, 'address is 0 or not 4 KiB aligned');
    if (pages === 0n) return local(EFI_SUCCESS, 'zero pages, nothing sent');
    if (this.readyToLockSeen) return local(EFI_ACCESS_DENIED, 'after ready-to-lock');
    const sup = this.ctx.services.protocol<SupervisorCommunication>('gMmSupervisorCommunicationProtocolGuid');
    if (!sup) return local(EFI_NOT_READY, 'no supervisor communication protocol');
    if (!this.ctx.memoryMap.acceptsUnblock(address, pages)) return local(EFI_ACCESS_DENIED, 'DXE memory map type not Reserved/Runtime/ACPI NVS');
    const reply = sup.communicator.supervisorRequest('UNBLOCK_MEM', encodeUnblockParams({
      memoryType: EfiMemoryType.RuntimeServicesData, physicalStart: address, virtualStart: 0n, numberOfPages: pages, attribute: 0n, identifierGuid: identifier,
    }), { sender: MODULE });
    if (reply.status !== EFI_SUCCESS) return { status: reply.status, decidedBy: 'transport' };
    return { status: reply.result ?? EFI_NOT_FOUND, decidedBy: 'supervisor' };
  }
}
