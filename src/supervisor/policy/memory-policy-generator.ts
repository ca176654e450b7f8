import { MemDescriptor, MemoryRange, PolicyAttr, mergeMemoryRanges } from '../../firmware/policy';
import type { MemoryView } from '../../platform/memory-view';
import { EFI } from '../core/efi-codes';
import { MmramRange, insideMmram } from '../core/memory-attributes';

/** The CPU state the generator requires (§4.10: long mode, paging and CR0.WP, else EFI_UNSUPPORTED). */
export interface PagingState {
  cr3: bigint;
  longMode: boolean;
  paging: boolean;
  writeProtect: boolean;
}

export interface PagingStateSource {
  pagingState(): PagingState;
}

const P = 1n;
const RW = 2n;
const PS = 0x80n;
const NX = 1n << 63n;

export interface PageTableWalkOptions {
  /** Physical-address width used to mask table and page addresses (default 52). */
  physicalAddressBits?: number;
}

/**
 * Memory-policy generation from the live page tables (`Library/SecurePolicyLib/MemPolicy.c`, supervisor-facts
 * §4.10): a 4-level walk from CR3 over page-table bytes in memory; non-present entries skipped; leaves entirely
 * inside MMRAM skipped (straddling leaves reported); R always, W iff R/W at every level, X iff NX clear at every
 * level, U/S ignored; contiguous leaves with identical attributes merged in ascending walk order.
 */
export class PageTableMemoryPolicyGenerator {
  private readonly addrMask: bigint;

  constructor(
    private readonly view: MemoryView,
    private readonly paging: PagingStateSource,
    private readonly mmram: readonly MmramRange[],
    options: PageTableWalkOptions = {},
  ) {
    const bits = BigInt(options.physicalAddressBits ?? 52);
    this.addrMask = ((1n << bits) - 1n) & ~0xfffn;
  }

  /** Reportable leaves in walk order (before merging). */
  walk(): MemoryRange[] | { error: bigint } {
    const s = this.paging.pagingState();
    if (!s.longMode || !s.paging || !s.writeProtect) return { error: EFI.UNSUPPORTED };
    const out: MemoryRange[] = [];
    const visit = (table: bigint, level: number, linearBase: bigint, writable: boolean, executable: boolean): void => {
      const bytes = this.view.read(Number(table & this.addrMask), 4096);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, 4096);
      const span = 1n << BigInt(12 + 9 * (level - 1)); // bytes mapped per entry at this level
      for (let i = 0; i < 512; i++) {
        const e = dv.getBigUint64(i * 8, true);
        if ((e & P) === 0n) continue;
        const base = linearBase + BigInt(i) * span;
        const w = writable && (e & RW) !== 0n;
        const x = executable && (e & NX) === 0n;
        const leaf = level === 1 || ((level === 2 || level === 3) && (e & PS) !== 0n);
        if (!leaf) {
          visit(e & this.addrMask, level - 1, base, w, x);
          continue;
        }
        if (insideMmram(this.mmram, base, span)) continue;
        out.push({ baseAddress: base, size: span, attributes: PolicyAttr.READ | (w ? PolicyAttr.WRITE : 0) | (x ? PolicyAttr.EXECUTE : 0) });
      }
    };
    visit(s.cr3, 4, 0n, true, true);
    return out;
  }

  /** The merged MEM descriptors, or the error (EFI_UNSUPPORTED for a non-paging CPU state). */
  generateMemoryPolicy(): MemDescriptor[] | { error: bigint } {
    const leaves = this.walk();
    return Array.isArray(leaves) ? mergeMemoryRanges(leaves) : leaves;
  }
}
