/**
 * MMRAM page allocation with an owner, as the logic-side components need it (the lead's MmramAllocator behind an
 * adapter). Returns the base address, or the EFI_STATUS of the failure.
 */
export interface MmramPageAllocator {
  allocatePages(pages: bigint, owner: 'supervisor' | 'user', purpose: string): bigint | { error: bigint };
  freePages?(base: bigint, pages: bigint): void;
}
