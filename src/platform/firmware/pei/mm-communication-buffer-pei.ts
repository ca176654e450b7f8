import { PAGE } from '../../config/platform-config';
import { EfiMemoryType, g } from '../mm-comm-layout';
import type { PeiContext } from './pei-context';

/** Where MmCommunicationBufferPei put the buffers (also readable from the HOBs). */
export interface PeiCommBuffers {
  supervisor: { buffer: bigint; pages: bigint; mailbox: bigint };
  user: { buffer: bigint; pages: bigint; mailbox: bigint };
}

/**
 * MmCommunicationBufferPei (supervisor-facts §1.2): allocates the supervisor comm buffer
 * (PcdSupervisorCommBufferPages) and the user comm buffer (PcdUserCommBufferPages), each with a one-page status
 * mailbox, from DRAM outside TSEG (boot-services pages, or runtime pages with PcdPeiMemoryBinsEnable); zeroes
 * the mailboxes (Mu 24-byte MM_COMM_BUFFER_STATUS, §8.1); publishes gMmCommonRegionHob (type 0, supervisor) and
 * gMmCommBufferHob (user); installs gMmCommunicationBufferReadyPpiGuid.
 */
export function runMmCommunicationBufferPei(ctx: PeiContext): PeiCommBuffers {
  const type = ctx.config.peiMemoryBinsEnable ? EfiMemoryType.RuntimeServicesData : EfiMemoryType.BootServicesData;
  const alloc = (pages: bigint, what: string) => ctx.memory.allocatePages('PEI', pages, type, `MmCommunicationBufferPei ${what}`);
  const supPages = ctx.config.commBuffers.supervisorPages;
  const userPages = ctx.config.commBuffers.userPages;
  const supervisor = { buffer: alloc(supPages, 'supervisor buffer'), pages: supPages, mailbox: alloc(1n, 'supervisor mailbox') };
  const user = { buffer: alloc(userPages, 'user buffer'), pages: userPages, mailbox: alloc(1n, 'user mailbox') };
  for (const mb of [supervisor.mailbox, user.mailbox]) ctx.machine.outside.fill(Number(mb), Number(PAGE), 0);
  ctx.hobs.add({
    kind: 'guidExtension', name: g('gMmCommonRegionHobGuid'),
    payload: { kind: 'mmCommonRegion', regionType: 0n, address: supervisor.buffer, pages: supPages, statusRegionAddress: supervisor.mailbox },
  });
  ctx.hobs.add({
    kind: 'guidExtension', name: g('gMmCommBufferHobGuid'),
    payload: { kind: 'mmCommBuffer', physicalStart: user.buffer, numberOfPages: userPages, status: user.mailbox },
  });
  ctx.hobs.updatePhit({ freeMemoryTop: ctx.memory.peiFreeTop });
  ctx.services.installPpi('gMmCommunicationBufferReadyPpiGuid', { supervisor, user }, 'MmCommunicationBufferPei');
  return { supervisor, user };
}
