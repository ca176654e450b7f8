/**
 * The EFI memory-attribute vocabulary the supervisor uses for page-table state (supervisor-facts §0.2):
 * RP = present bit clear, RO = R/W clear, XP = NX set, SP = U/S clear (supervisor page); SP absent = user page.
 */
export { EFI_MEMORY_RO, EFI_MEMORY_RP, EFI_MEMORY_SP, EFI_MEMORY_XP } from '../mem/page-attributes';

export const PAGE_SIZE = 0x1000n;

/** The uniform attributes of a page range, as EFI_MEMORY_* bits (RP|RO|XP|SP). */
export interface RangeAttributes {
  attributes: bigint;
}

/** A failed attribute lookup: the EFI_STATUS the page-table code returns (e.g. EFI_NO_MAPPING, EFI_UNSUPPORTED). */
export interface AttributeLookupError {
  error: bigint;
}

export function isAttributeError(r: RangeAttributes | AttributeLookupError): r is AttributeLookupError {
  return (r as AttributeLookupError).error !== undefined;
}

/** Page count → bytes. */
export function pagesToBytes(pages: bigint): bigint {
  return pages * PAGE_SIZE;
}

/** Bytes → pages, rounded up (EFI_SIZE_TO_PAGES). */
export function bytesToPages(bytes: bigint): bigint {
  return (bytes + PAGE_SIZE - 1n) / PAGE_SIZE;
}

/** An MMRAM range as the core keeps it (copied from the MMRAM HOB, supervisor-facts §1.4). */
export interface MmramRange {
  physicalStart: bigint;
  physicalSize: bigint;
}

/** True when [base, base+length) overlaps any MMRAM range (length 0 never overlaps). */
export function overlapsMmram(ranges: readonly MmramRange[], base: bigint, length: bigint): boolean {
  if (length <= 0n) return false;
  const end = base + length;
  return ranges.some((r) => base < r.physicalStart + r.physicalSize && r.physicalStart < end);
}

/** True when every byte of [base, base+length) lies in some MMRAM range (length > 0). */
export function insideMmram(ranges: readonly MmramRange[], base: bigint, length: bigint): boolean {
  if (length <= 0n) return false;
  let cursor = base;
  const end = base + length;
  const sorted = [...ranges].sort((a, b) => (a.physicalStart < b.physicalStart ? -1 : a.physicalStart > b.physicalStart ? 1 : 0));
  for (const r of sorted) {
    const rEnd = r.physicalStart + r.physicalSize;
    if (r.physicalStart <= cursor && cursor < rEnd) cursor = rEnd;
    if (cursor >= end) return true;
  }
  return cursor >= end;
}
