import type { EfiStatus } from '../../../firmware/efi-status';
import { PAGE } from '../../config/platform-config';
import {
  type ChannelBuffers, COMM_UPDATE_SIZE, EFI_MEMORY_SP, EFI_MEMORY_XP, EfiMemoryType, encodeUnblockParams, g, VERSION_INFO_SIZE,
} from '../mm-comm-layout';
import { EFI_NOT_FOUND, EFI_SUCCESS, MmCommunicator } from '../mm-communicator';
import { recordModuleError } from '../pei/pei-context';
import { commBuffersFromHobs, type SupervisorCommunication } from '../pei/mm-ipl-pei';
import { TPL_CALLBACK } from '../platform-services';
import type { DxeContext } from './dxe-context';

const MODULE = 'MmDxeSupport';
const EFI_ALREADY_STARTED = 0x8000000000000014n;
const EFI_NOT_READY = 0x8000000000000006n;

/** gMmCommBufferUpdateProtocolGuid's content (supervisor-facts §10.8): the new user buffer. */
export interface CommBufferUpdate {
  version: 1;
  physicalStart: bigint;
  numberOfPages: bigint;
  status: bigint;
}

/**
 * MmDxeSupport (supervisor-facts §1.7): VERSION_INFO; unless PcdPeiMemoryBinsEnable, moves both comm buffers and
 * mailboxes into new runtime pages with COMM_UPDATE (§6.5; the reply lands in the new supervisor mailbox),
 * re-queries VERSION_INFO through the new buffer, rewrites gMmCommBufferHob in place and installs
 * gMmCommBufferUpdateProtocolGuid; installs the supervisor communication protocol; and registers the lifecycle
 * notifications of its table: EndOfDxe (flag), DxeSmmReadyToLock (60FF8964-… on the supervisor channel, once),
 * ReadyToBoot (7CE88FB3-… if not locked yet, quirk §11.10), ExitBootServices (27ABF055-…).
 */
export class MmDxeSupport {
  communicator: MmCommunicator | null = null;
  versions: { version: number; patchLevel: number; maxSupervisorRequestLevel: bigint }[] = [];
  commUpdate: { status: EfiStatus; result: EfiStatus | null } | null = null;
  endOfDxeSeen = false;
  lockSent = false;
  status: EfiStatus | null = null;

  constructor(private readonly ctx: DxeContext) {}

  start(): EfiStatus {
    this.status = this.entry();
    this.ctx.machine.trace.record('module', { name: MODULE, status: this.status });
    return this.status;
  }

  private fail(status: EfiStatus, reason: string): EfiStatus {
    return recordModuleError(this.ctx, MODULE, status, reason);
  }

  private versionInfo(comm: MmCommunicator): EfiStatus {
    const v = comm.supervisorRequest('VERSION_INFO', new Uint8Array(VERSION_INFO_SIZE));
    if (v.status !== EFI_SUCCESS) return v.status;
    if (v.result !== EFI_SUCCESS) return v.result ?? EFI_NOT_FOUND;
    const dv = new DataView(v.payload.buffer, v.payload.byteOffset);
    if (v.payload.length >= VERSION_INFO_SIZE) this.versions.push({ version: dv.getUint32(0, true), patchLevel: dv.getUint32(4, true), maxSupervisorRequestLevel: dv.getBigUint64(8, true) });
    return EFI_SUCCESS;
  }

  private entry(): EfiStatus {
    const { ctx } = this;
    // 1. comm-buffer HOBs, SmmControl2, not started twice
    const channels = commBuffersFromHobs(ctx.hobs.read());
    if (typeof channels === 'string') return this.fail(EFI_NOT_FOUND, channels);
    if (ctx.services.protocol('gMmCommBufferUpdateProtocolGuid') !== undefined) return this.fail(EFI_ALREADY_STARTED, 'gMmCommBufferUpdateProtocolGuid already installed');
    // Model choice: without the PEI supervisor PPI the MM foundation was never loaded, so there is no SMI handler
    // to talk to; the driver stops instead of sending an SMI into empty SMRAM.
    if (ctx.services.ppi('gPeiMmSupervisorCommunicationPpiGuid') === undefined) return this.fail(EFI_NOT_READY, 'the MM foundation was not loaded in PEI');
    const comm = new MmCommunicator(ctx.machine, ctx.mmControl, { ...channels }, MODULE);
    // 2. VERSION_INFO must succeed
    const s = this.versionInfo(comm);
    if (s !== EFI_SUCCESS) return this.fail(s, 'VERSION_INFO failed');
    // 3. COMM_UPDATE into runtime pages
    if (!ctx.config.peiMemoryBinsEnable) this.moveCommBuffers(comm);
    this.communicator = comm;
    // 4. the supervisor communication protocol
    const sup = comm.channels.supervisor;
    const protocol: SupervisorCommunication = {
      signature: 'MSCP', version: 1, communicator: comm,
      communicationRegion: { type: EfiMemoryType.RuntimeServicesData, physicalStart: sup.buffer, virtualStart: sup.buffer, numberOfPages: sup.pages, attribute: 0n },
    };
    ctx.services.installProtocol('gMmSupervisorCommunicationProtocolGuid', protocol, MODULE);
    // 5. notifications
    ctx.services.register('EndOfDxe', MODULE, () => {
      this.endOfDxeSeen = true;
    });
    ctx.services.register('DxeMmReadyToLock', MODULE, () => this.readyToLock('DxeMmReadyToLock'), TPL_CALLBACK - 1);
    ctx.services.register('ReadyToBoot', MODULE, () => this.readyToLock('ReadyToBoot'));
    ctx.services.register('ExitBootServices', MODULE, () => {
      comm.send('supervisor', g('gEfiEventExitBootServicesGuid'), Uint8Array.of(0));
    });
    return EFI_SUCCESS;
  }

  /** The lock notification: ready-to-lock sends 60FF8964-…; the ReadyToBoot fallback sends 7CE88FB3-… (§11.10). Once. */
  private readyToLock(via: 'DxeMmReadyToLock' | 'ReadyToBoot'): void {
    const { ctx } = this;
    if (this.lockSent || !this.communicator) return;
    this.lockSent = true;
    if (!this.endOfDxeSeen) {
      ctx.machine.trace.record('status-code', { module: MODULE, severity: 'error', reason: `${via} before EndOfDxe` });
      ctx.machine.trace.record('assert', { module: MODULE, reason: `${via} before EndOfDxe` });
    }
    ctx.services.unregister('DxeMmReadyToLock', MODULE);
    ctx.services.unregister('ReadyToBoot', MODULE);
    const guid = via === 'DxeMmReadyToLock' ? g('gEfiDxeMmReadyToLockProtocolGuid') : g('gEfiEventReadyToBootGuid');
    this.communicator.send('supervisor', guid, Uint8Array.of(0));
  }

  /** Step 3: new runtime pages, COMM_UPDATE, re-query, HOB rewrite, update protocol (supervisor-facts §1.7.3, §6.5). */
  private moveCommBuffers(comm: MmCommunicator): void {
    const { ctx } = this;
    const alloc = (pages: bigint, what: string) => ctx.memory.allocatePages('DXE', pages, EfiMemoryType.RuntimeServicesData, `${MODULE} ${what}`);
    const old = comm.channels;
    const next: Record<'supervisor' | 'user', ChannelBuffers> = {
      supervisor: { buffer: alloc(old.supervisor.pages, 'supervisor buffer'), pages: old.supervisor.pages, mailbox: alloc(1n, 'supervisor mailbox') },
      user: { buffer: alloc(old.user.pages, 'user buffer'), pages: old.user.pages, mailbox: alloc(1n, 'user mailbox') },
    };
    for (const c of [next.supervisor, next.user]) ctx.machine.outside.fill(Number(c.mailbox), Number(PAGE), 0);
    const id = g('MmDxeSupport');
    const param = (start: bigint, pages: bigint) => encodeUnblockParams({
      memoryType: EfiMemoryType.RuntimeServicesData, physicalStart: start, virtualStart: 0n, numberOfPages: pages, attribute: EFI_MEMORY_XP | EFI_MEMORY_SP, identifierGuid: id,
    });
    const payload = new Uint8Array(COMM_UPDATE_SIZE);
    payload.set(param(next.supervisor.mailbox, 1n), 0);
    payload.set(param(next.user.mailbox, 1n), 56);
    payload.set(param(next.supervisor.buffer, next.supervisor.pages), 112);
    payload.set(param(next.user.buffer, next.user.pages), 168);
    const r = comm.supervisorRequest('COMM_UPDATE', payload, { alternateReply: next.supervisor });
    this.commUpdate = { status: r.status, result: r.result };
    if (r.status !== EFI_SUCCESS || r.result !== EFI_SUCCESS) {
      recordModuleError(ctx, MODULE, r.status !== EFI_SUCCESS ? r.status : (r.result ?? EFI_NOT_FOUND), 'COMM_UPDATE failed; keeping the PEI buffers');
      return;
    }
    comm.channels.supervisor = next.supervisor;
    comm.channels.user = next.user;
    const s = this.versionInfo(comm);
    if (s !== EFI_SUCCESS) recordModuleError(ctx, MODULE, s, 'VERSION_INFO through the new buffer failed');
    ctx.hobs.replaceGuidHobPayload(g('gMmCommBufferHobGuid'), { kind: 'mmCommBuffer', physicalStart: next.user.buffer, numberOfPages: next.user.pages, status: next.user.mailbox });
    const update: CommBufferUpdate = { version: 1, physicalStart: next.user.buffer, numberOfPages: next.user.pages, status: next.user.mailbox };
    ctx.services.installProtocol('gMmCommBufferUpdateProtocolGuid', update, MODULE);
  }
}
