import type { MemoryView } from '../../platform/memory-view';
import { decodeUnblockParams } from '../core/hob-checks';
import type { UnblockDatabase } from './unblock-database';

/** UNBLOCK_MEM (§6.6): the 56-byte parameter block from the payload through `ProcessUnblockPages` (§7.2). */
export class UnblockMemoryRequest {
  constructor(private readonly smm: MemoryView, private readonly unblock: UnblockDatabase) {}

  handle(data: bigint): bigint {
    return this.unblock.processUnblockPages(decodeUnblockParams(this.smm.read(Number(data), 56)));
  }
}
