import type { Guid } from '../../firmware/guid';
import { ZERO_GUID } from '../../firmware/guid';
import { EFI, efiStatusName } from '../core/efi-codes';
import type { UnblockRequest } from '../core/hob-checks';
import {
  EFI_MEMORY_RO, EFI_MEMORY_RP, EFI_MEMORY_SP, EFI_MEMORY_XP, type MmramRange, insideMmram, isAttributeError, overlapsMmram, pagesToBytes,
} from '../core/memory-attributes';
import type { SupervisorState } from '../core/supervisor-state';
import type { TraceSink } from '../handler/mmi-handler-interfaces';
import type { PageAttributeEditor, PageAttributeSource } from './request-interfaces';

export interface UnblockDatabaseDeps {
  mmram: readonly MmramRange[];
  state: SupervisorState;
  attributes: PageAttributeSource;
  editor: PageAttributeEditor;
  /** Physical address width for MmIsBufferOutsideMmValid (§7.4); default 46. */
  physicalAddressBits?: number;
  trace?: TraceSink;
}

/**
 * The unblocked-memory list and `ProcessUnblockPages` (Core/Request/UnblockMemory.c; supervisor-facts §7.2 steps
 * 1–7): entries are {descriptor, GUID}; an exact byte-identical duplicate is idempotent SUCCESS (§11 item 7).
 */
export class UnblockDatabase {
  private readonly list: UnblockRequest[] = [];

  constructor(private readonly deps: UnblockDatabaseDeps) {}

  /** The unblocked entries in insertion order. */
  entries(): readonly UnblockRequest[] {
    return this.list;
  }

  /** `ProcessUnblockPages` (§7.2). */
  processUnblockPages(req: UnblockRequest | null): bigint {
    const status = this.process(req);
    this.deps.trace?.record('unblock', {
      action: 'unblock', start: req?.physicalStart ?? null, pages: req?.numberOfPages ?? null, attribute: req?.attribute ?? null,
      guid: req?.identifierGuid ?? null, status: efiStatusName(status),
    });
    return status;
  }

  private process(req: UnblockRequest | null): bigint {
    // 1. locked → ACCESS_DENIED, before any parameter validation (§12 item 88)
    if (this.deps.state.locked) return EFI.ACCESS_DENIED;
    // 2.
    if (req === null || req.identifierGuid === ZERO_GUID) return EFI.INVALID_PARAMETER;
    const start = req.physicalStart;
    const length = pagesToBytes(req.numberOfPages);
    const end = start + length;
    // 3. entirely inside MMRAM (a partial overlap passes here and fails at step 5)
    if (insideMmram(this.deps.mmram, start, length)) return EFI.SECURITY_VIOLATION;
    // 4. against every existing entry
    for (const e of this.list) {
      const eStart = e.physicalStart;
      const eEnd = eStart + pagesToBytes(e.numberOfPages);
      if (start === eStart && end === eEnd) {
        // the whole 40-byte descriptor, padding included, must be byte-identical → "already done" (GUID may differ)
        return Buffer.from(e.descriptorBytes).equals(Buffer.from(req.descriptorBytes)) ? EFI.SUCCESS : EFI.SECURITY_VIOLATION;
      }
      // §11 item 7: a request strictly enclosing an entry is not caught here (it fails step 5)
      if ((start >= eStart && start < eEnd) || (end > eStart && end <= eEnd)) return EFI.SECURITY_VIOLATION;
    }
    // 5. uniform, not present and not read-only (no explicit alignment check, §11 item 7)
    const a = this.deps.attributes.attributesOf(start, length);
    if (isAttributeError(a)) return a.error;
    if ((a.attributes & EFI_MEMORY_RP) === 0n || (a.attributes & EFI_MEMORY_RO) !== 0n) return EFI.SECURITY_VIOLATION;
    // 6. clear RP, RO, SP; set XP (+SP if requested): present, RW, NX, user unless SP
    const wantSp = (req.attribute & EFI_MEMORY_SP) !== 0n;
    let s = this.deps.editor.clearAttributes(start, length, EFI_MEMORY_RP | EFI_MEMORY_RO | EFI_MEMORY_SP);
    if (s !== EFI.SUCCESS) return s;
    s = this.deps.editor.setAttributes(start, length, EFI_MEMORY_XP | (wantSp ? EFI_MEMORY_SP : 0n));
    if (s !== EFI.SUCCESS) return s;
    // 7.
    this.list.push({ ...req, descriptorBytes: req.descriptorBytes.slice() });
    return EFI.SUCCESS;
  }

  /**
   * Re-blocks a range for COMM_UPDATE (§6.5 step 2): it must be an exact start+pages entry (else EFI_NOT_FOUND);
   * it is made not-present and its entry removed.
   */
  reblock(start: bigint, pages: bigint): bigint {
    const i = this.list.findIndex((e) => e.physicalStart === start && e.numberOfPages === pages);
    if (i < 0) return EFI.NOT_FOUND;
    const s = this.deps.editor.setAttributes(start, pagesToBytes(pages), EFI_MEMORY_RP);
    if (s !== EFI.SUCCESS) return s;
    this.list.splice(i, 1);
    this.deps.trace?.record('unblock', { action: 'reblock', start, pages, status: 'EFI_SUCCESS' });
    return EFI.SUCCESS;
  }

  /**
   * Core `MmIsBufferOutsideMmValid` (§7.4): within the address width, not overlapping MMRAM, and — after core init —
   * inside a single unblocked entry (adjacent entries are not merged; zero length → false).
   */
  isBufferOutsideMmValid(address: bigint, length: bigint): boolean {
    if (length === 0n) return false;
    const limit = 1n << BigInt(this.deps.physicalAddressBits ?? 46);
    if (address >= limit || address + length > limit) return false;
    if (overlapsMmram(this.deps.mmram, address, length)) return false;
    if (!this.deps.state.coreInitComplete) return true;
    return this.list.some((e) => address >= e.physicalStart && address + length <= e.physicalStart + pagesToBytes(e.numberOfPages));
  }

  /** The GUID that unblocked the entry containing `address`, if any. */
  ownerOf(address: bigint): Guid | undefined {
    return this.list.find((e) => address >= e.physicalStart && address < e.physicalStart + pagesToBytes(e.numberOfPages))?.identifierGuid;
  }
}
