import type { Guid } from '../../firmware/guid';
import type { MemoryView } from '../../platform/memory-view';
import { LocalCommSize, MemoryCommSize, type CommSize } from '../handler/comm-size';
import type { TraceSink } from '../handler/mmi-handler-interfaces';
import type { CommBufferRegistry } from './comm-buffers';
import { type MailboxLayout, type MailboxStatus, readMailbox, writeMailbox } from './comm-mailbox';
import { addU64, COMM_HEADER_SIZE, readCommHeader } from './communicate-header';
import { EFI, efiStatusName } from './efi-codes';
import { pagesToBytes } from './memory-attributes';
import type { SupervisorState } from './supervisor-state';

/** What MmEntryPoint needs of the handler component. */
export interface MmiDispatcher {
  mmiManage(handlerType: Guid | null, context: bigint, commBuffer: bigint | null, commBufferSize: CommSize | null): bigint;
}

/** §8.3 step 1 / §3.9: copies EFI_MM_ENTRY_CONTEXT into the user MMST (the broker/privilege side implements it). */
export interface EntryContextSync {
  syncEntryContext(): void;
}

export interface MmEntryPointOptions {
  /** §11 item 12: mailbox layout, default 'mu' (24 bytes). */
  mailboxLayout?: MailboxLayout;
  /**
   * Deliberate deviation from §8.3 step 3a / §11 item 8: after ExitBootServices, write the ACCESS_DENIED reply into
   * the supervisor mailbox (valid 0, size 0). Default false: the real code writes the user snapshot back instead and
   * leaves the supervisor mailbox untouched.
   */
  replyToRefusedSupervisorCall?: boolean;
}

export interface MmEntryPointDeps {
  /** The SMM view of physical memory (external buffers, mailboxes, internal copies). */
  smm: MemoryView;
  buffers: CommBufferRegistry;
  mmi: MmiDispatcher;
  state: SupervisorState;
  entryContext?: EntryContextSync;
  trace?: TraceSink;
  options?: MmEntryPointOptions;
}

/** Which path one MMI took (for traces and tests). */
export type MmEntryPath = 'user' | 'supervisor' | 'supervisor-refused' | 'none';

export interface MmEntryReport {
  path: MmEntryPath;
  /** GUID dispatched on the channel path (undefined when the header was rejected or no channel was used). */
  dispatchGuid?: Guid;
  /** Whether root handlers ran (MmiManage(NULL, NULL, NULL, NULL)). */
  rootHandlers: boolean;
  /** The mailbox written at the end, and what was written. */
  mailboxWritten: 'user' | 'supervisor';
  reply: MailboxStatus;
}

/**
 * `MmEntryPoint` (Core/MmSupervisorCore.c; supervisor-facts §8.3), run by the BSP on every MMI, on real bytes:
 * user channel first (whole-buffer copy into the MMRAM user copy, V3 headers accepted, size variable in the user
 * scratch page), else the supervisor channel (refused after ExitBootServices with the §11 item 8 quirk; V3 →
 * EFI_UNSUPPORTED), root handlers except on the supervisor path, and the mailbox write-back (§8.3 step 4).
 */
export class MmEntryPoint {
  private readonly layout: MailboxLayout;

  constructor(private readonly deps: MmEntryPointDeps) {
    this.layout = deps.options?.mailboxLayout ?? 'mu';
  }

  run(): MmEntryReport {
    const { smm, buffers, state } = this.deps;
    // §8.3 step 1: entry context into the user MMST; snapshot both mailboxes into locals.
    this.deps.entryContext?.syncEntryContext();
    const userSnapshot = readMailbox(smm, buffers.user.mailbox, this.layout);
    const supSnapshot = readMailbox(smm, buffers.supervisor.mailbox, this.layout);

    let userReply: MailboxStatus = { ...userSnapshot };
    let supReply: MailboxStatus = { ...supSnapshot };
    let talkToSupervisor = false;
    let runRoot: boolean;
    let path: MmEntryPath = 'none';
    let dispatchGuid: Guid | undefined;

    if (userSnapshot.valid) {
      // §8.3 step 2: the user channel is serviced first; the supervisor mailbox is not touched (§12 item 110).
      path = 'user';
      const r = this.serviceChannel('user');
      userReply = r.reply;
      dispatchGuid = r.guid;
      runRoot = true; // step 2g: falls through to root handlers
    } else if (supSnapshot.valid) {
      runRoot = false; // step 3e: no root handlers on the supervisor path
      if (state.runtime) {
        // §8.3 step 3a, §11 item 8: ACCESS_DENIED only in a local; the user snapshot is written back instead.
        path = 'supervisor-refused';
        if (this.deps.options?.replyToRefusedSupervisorCall) {
          talkToSupervisor = true;
          supReply = { valid: false, returnStatus: EFI.ACCESS_DENIED, returnBufferSize: 0n };
        }
      } else {
        path = 'supervisor';
        talkToSupervisor = true;
        const r = this.serviceChannel('supervisor');
        supReply = r.reply;
        dispatchGuid = r.guid;
      }
    } else {
      runRoot = true;
    }

    // §8.3 step 3c: root handlers — MmiManage(NULL, NULL, NULL, NULL) reaches user root handlers only.
    if (runRoot) this.deps.mmi.mmiManage(null, 0n, null, null);

    // §8.3 step 4: write-back. The mailbox addresses are read now, so a COMM_UPDATE during this MMI answers in the
    // new supervisor mailbox (§6.5 step 5).
    const reply = talkToSupervisor ? supReply : userReply;
    const which = talkToSupervisor ? 'supervisor' : 'user';
    writeMailbox(smm, talkToSupervisor ? buffers.supervisor.mailbox : buffers.user.mailbox, reply, this.layout);
    this.deps.trace?.record('mmi', {
      action: 'entry', path, dispatchGuid: dispatchGuid ?? null, rootHandlers: runRoot, mailbox: which,
      returnStatus: efiStatusName(reply.returnStatus), returnBufferSize: reply.returnBufferSize,
    });
    return { path, dispatchGuid, rootHandlers: runRoot, mailboxWritten: which, reply };
  }

  /** §8.3 steps 2a–2f (user) and 3b–3d (supervisor). */
  private serviceChannel(which: 'user' | 'supervisor'): { reply: MailboxStatus; guid?: Guid } {
    const { smm, buffers } = this.deps;
    const ch = buffers.channel(which);
    const bufferBytes = pagesToBytes(ch.pages);
    const bad = (status: bigint): { reply: MailboxStatus } => ({ reply: { valid: false, returnStatus: status, returnBufferSize: 0n } });

    // 2a / 3b: zero the internal copy and copy the WHOLE external buffer into it (equal page counts, so the copy
    // covers the zeroing).
    const image = smm.read(Number(ch.address), Number(bufferBytes));
    smm.write(Number(ch.internalCopy), image);

    const hdr = readCommHeader(image);
    if (which === 'supervisor' && hdr.kind === 'v3') return bad(EFI.UNSUPPORTED); // 3c: V3 refused on this channel
    // 2b/2c, 3c: overflow, larger than the buffer, or smaller than the header → BAD_BUFFER_SIZE, size 0.
    if (hdr.total === undefined || hdr.total > bufferBytes || hdr.total < hdr.headerSize) return bad(EFI.BAD_BUFFER_SIZE);

    // 2d: the user size variable lives in the user-owned scratch page; the supervisor one is a CPL0 local.
    const size: CommSize = which === 'user'
      ? new MemoryCommSize(smm, buffers.userSizeVariable)
      : new LocalCommSize(0n);
    size.write(hdr.total - hdr.headerSize);
    const status = this.deps.mmi.mmiManage(hdr.dispatchGuid, 0n, ch.internalCopy + hdr.headerSize, size);

    // 2e / 3d: new total = size + header; copied back only when it fits (else nothing is copied, but the oversized
    // total is still reported — §8.3 step 2e quirk).
    const newTotal = addU64(size.read(), which === 'user' ? hdr.headerSize : COMM_HEADER_SIZE);
    if (newTotal === undefined) return bad(EFI.BAD_BUFFER_SIZE);
    if (newTotal <= bufferBytes) smm.write(Number(ch.address), smm.read(Number(ch.internalCopy), Number(newTotal)));
    // 2f / 3d
    return {
      guid: hdr.dispatchGuid,
      reply: { valid: false, returnBufferSize: newTotal, returnStatus: status === EFI.SUCCESS ? EFI.SUCCESS : EFI.NOT_FOUND },
    };
  }
}
