import type { MemoryView } from '../../platform/memory-view';

/**
 * `MM_COMM_BUFFER_STATUS` (supervisor-facts §8.1, §11 item 12). Mu basecore (the default, which this supervisor is
 * built against): IsCommBufferValid u8 @0, TalkToSupervisor u8 @1, ReturnStatus u64 @8, ReturnBufferSize u64 @16
 * (24 bytes). Upstream edk2 (named option): packed IsCommBufferValid u8 @0, ReturnStatus u64 @1, ReturnBufferSize
 * u64 @9 (17 bytes). The supervisor never reads or writes TalkToSupervisor.
 */
export type MailboxLayout = 'mu' | 'edk2';

export interface MailboxStatus {
  valid: boolean;
  returnStatus: bigint;
  returnBufferSize: bigint;
}

const OFFSETS: Record<MailboxLayout, { status: number; size: number; length: number }> = {
  mu: { status: 8, size: 16, length: 24 },
  edk2: { status: 1, size: 9, length: 17 },
};

export function mailboxSize(layout: MailboxLayout = 'mu'): number {
  return OFFSETS[layout].length;
}

export function readMailbox(view: MemoryView, address: bigint, layout: MailboxLayout = 'mu'): MailboxStatus {
  const o = OFFSETS[layout];
  const a = Number(address);
  return { valid: view.u8(a) !== 0, returnStatus: view.u64(a + o.status), returnBufferSize: view.u64(a + o.size) };
}

export function writeMailbox(view: MemoryView, address: bigint, m: MailboxStatus, layout: MailboxLayout = 'mu'): void {
  const o = OFFSETS[layout];
  const a = Number(address);
  view.setU8(a, m.valid ? 1 : 0);
  view.setU64(a + o.status, m.returnStatus);
  view.setU64(a + o.size, m.returnBufferSize);
}
