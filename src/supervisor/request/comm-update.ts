import type { MemoryView } from '../../platform/memory-view';
import { COMM_BUFFER_ATTRIBUTE, COMM_BUFFER_MEMORY_TYPE, type CommBufferRegistry } from '../core/comm-buffers';
import { EFI } from '../core/efi-codes';
import { decodeUnblockParams, type UnblockRequest } from '../core/hob-checks';
import type { SupervisorState } from '../core/supervisor-state';
import type { UnblockDatabase } from './unblock-database';

/** MM_SUPERVISOR_COMM_UPDATE_BUFFER (packed, 224 bytes, §6.5). */
export const COMM_UPDATE_SIZE = 224n;
const OFF = { supervisorMailbox: 0, userMailbox: 56, supervisorBuffer: 112, userBuffer: 168 } as const;

export interface CommUpdateDeps {
  smm: MemoryView;
  buffers: CommBufferRegistry;
  state: SupervisorState;
  unblock: UnblockDatabase;
}

/**
 * COMM_UPDATE (Core/Request/UpdateCommBuffer.c; supervisor-facts §6.5): one-shot and only before ready-to-lock;
 * for the supervisor then the user buffer, and then the user then the supervisor mailbox, the new descriptor must
 * match the current one in pages, attribute (XP|SP) and type (6); the new range is unblocked (§7 rules) and the
 * old one re-blocked. Mailbox pointers switch and the one-shot flag is set only on full success; §6.5 step 4 quirk:
 * a partial failure leaves the buffers already moved where they are.
 */
export class CommUpdateRequest {
  private done = false;

  constructor(private readonly deps: CommUpdateDeps) {}

  get completed(): boolean {
    return this.done;
  }

  handle(data: bigint): bigint {
    const { smm, buffers, state, unblock } = this.deps;
    if (state.locked || this.done) return EFI.ACCESS_DENIED;
    const read = (off: number): UnblockRequest => decodeUnblockParams(smm.read(Number(data) + off, 56));
    const matches = (n: UnblockRequest, pages: bigint) =>
      n.numberOfPages === pages && n.attribute === COMM_BUFFER_ATTRIBUTE && n.memoryType === COMM_BUFFER_MEMORY_TYPE;

    // comm buffer index 0 (supervisor) then 1 (user)
    for (const [which, off] of [['supervisor', OFF.supervisorBuffer], ['user', OFF.userBuffer]] as const) {
      const ch = buffers.channel(which);
      const n = read(off);
      if (!matches(n, ch.pages)) return EFI.SECURITY_VIOLATION;
      let s = unblock.processUnblockPages(n);
      if (s !== EFI.SUCCESS) return s;
      s = unblock.reblock(ch.address, ch.pages);
      if (s !== EFI.SUCCESS) return s;
      ch.address = n.physicalStart; // the MMRAM internal copy does not move
    }
    // user mailbox then supervisor mailbox: old = (mailbox, 1 page, XP|SP, type 6)
    const newMailboxes: Partial<Record<'user' | 'supervisor', bigint>> = {};
    for (const [which, off] of [['user', OFF.userMailbox], ['supervisor', OFF.supervisorMailbox]] as const) {
      const n = read(off);
      if (!matches(n, 1n)) return EFI.SECURITY_VIOLATION;
      let s = unblock.processUnblockPages(n);
      if (s !== EFI.SUCCESS) return s;
      s = unblock.reblock(buffers.channel(which).mailbox, 1n);
      if (s !== EFI.SUCCESS) return s;
      newMailboxes[which] = n.physicalStart;
    }
    buffers.user.mailbox = newMailboxes.user!;
    buffers.supervisor.mailbox = newMailboxes.supervisor!;
    this.done = true;
    return EFI.SUCCESS;
  }
}
