import { EFI } from './efi-codes';
import type { CommRegion } from './hob-checks';
import { EFI_MEMORY_SP, EFI_MEMORY_XP, pagesToBytes } from './memory-attributes';
import type { MmramPageAllocator } from './mmram-page-allocator';

/** EfiRuntimeServicesData: how both external buffers are recorded (supervisor-facts §8.4). */
export const COMM_BUFFER_MEMORY_TYPE = 6;
/** XP|SP: external buffers and mailboxes are supervisor RW NX pages (§8.4). */
export const COMM_BUFFER_ATTRIBUTE = EFI_MEMORY_XP | EFI_MEMORY_SP;

export type Channel = 'supervisor' | 'user';

/** One channel: the external buffer and mailbox (outside MMRAM) and the MMRAM internal copy. */
export interface ChannelBuffers {
  /** External buffer start (changes with COMM_UPDATE, §6.5). */
  address: bigint;
  pages: bigint;
  /** Status mailbox (changes with COMM_UPDATE). */
  mailbox: bigint;
  /** MMRAM internal copy (never moves): supervisor pages for the supervisor channel, user pages for the user one. */
  internalCopy: bigint;
}

/** Allocates MMRAM pages with an owner (the lead's MmramAllocator behind an adapter). */
export type CommBufferPageAllocator = MmramPageAllocator;

/**
 * The core's record of the communication buffers (`PrepareCommonBuffers`, supervisor-facts §1.5 step 10, §8.4):
 * both channels plus the user-owned "supervisor-to-user" scratch page (the user handler's size variable at offset 0,
 * the telemetry record at offset 8).
 */
export class CommBufferRegistry {
  constructor(readonly supervisor: ChannelBuffers, readonly user: ChannelBuffers, readonly scratchPage: bigint) {}

  channel(which: Channel): ChannelBuffers {
    return which === 'supervisor' ? this.supervisor : this.user;
  }

  /** Address of the size variable handed to user handlers (§8.3 step 2d). */
  get userSizeVariable(): bigint {
    return this.scratchPage;
  }

  /** Address of the telemetry record (§9.3 step 2). */
  get telemetryRecord(): bigint {
    return this.scratchPage + 8n;
  }

  /** `VerifyRequestSupvCommBuffer`: [address, +length) lies inside the supervisor internal copy (§8.3, §6.2 step 2). */
  insideSupervisorCopy(address: bigint, length: bigint): boolean {
    return inside(this.supervisor.internalCopy, pagesToBytes(this.supervisor.pages), address, length);
  }

  /** [address, +length) lies inside the user internal copy (syscall SMM_MM_IS_COMM_BUFF, §7.4). */
  insideUserCopy(address: bigint, length: bigint): boolean {
    return inside(this.user.internalCopy, pagesToBytes(this.user.pages), address, length);
  }
}

function inside(base: bigint, size: bigint, address: bigint, length: bigint): boolean {
  return address >= base && address + length <= base + size && address + length >= address;
}

/**
 * `PrepareCommonBuffers` (§1.5 step 10, §8.4) on regions that passed `checkCoreHobs`: allocates the MMRAM internal
 * copies (supervisor copy = supervisor pages, user copy = user pages) and one user scratch page. An allocation
 * failure → its status (core entry fails, nothing kept).
 */
export function prepareCommonBuffers(
  supervisor: CommRegion,
  user: CommRegion,
  allocator: CommBufferPageAllocator,
): CommBufferRegistry | { error: bigint } {
  const sup = allocator.allocatePages(supervisor.pages, 'supervisor', 'supervisor comm buffer internal copy');
  if (typeof sup !== 'bigint') return sup;
  const usr = allocator.allocatePages(user.pages, 'user', 'user comm buffer internal copy');
  if (typeof usr !== 'bigint') return usr;
  const scratch = allocator.allocatePages(1n, 'user', 'supervisor-to-user scratch page');
  if (typeof scratch !== 'bigint') return scratch;
  if (sup === 0n || usr === 0n || scratch === 0n) return { error: EFI.OUT_OF_RESOURCES };
  return new CommBufferRegistry(
    { address: supervisor.address, pages: supervisor.pages, mailbox: supervisor.mailbox, internalCopy: sup },
    { address: user.address, pages: user.pages, mailbox: user.mailbox, internalCopy: usr },
    scratch,
  );
}
