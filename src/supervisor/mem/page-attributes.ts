/** EFI memory attributes as the supervisor uses them for page-table state (supervisor-facts §0.2). */
export const EFI_MEMORY_RP = 0x2000n;
export const EFI_MEMORY_XP = 0x4000n;
export const EFI_MEMORY_RO = 0x20000n;
export const EFI_MEMORY_SP = 0x40000n;

/** The four page-table facts the supervisor cares about, per page. */
export interface PageAttributes {
  present: boolean;
  writable: boolean;
  /** U/S = 1: CPL3 may access (EFI_MEMORY_SP absent). */
  user: boolean;
  executable: boolean;
}

/** RP/RO/XP/SP bits of a page's attributes (§0.2: RP = not present, RO = R/W clear, XP = NX, SP = supervisor). */
export function toEfiAttributes(a: PageAttributes): bigint {
  let v = 0n;
  if (!a.present) v |= EFI_MEMORY_RP;
  if (!a.writable) v |= EFI_MEMORY_RO;
  if (!a.executable) v |= EFI_MEMORY_XP;
  if (!a.user) v |= EFI_MEMORY_SP;
  return v;
}

export function fromEfiAttributes(v: bigint): PageAttributes {
  return {
    present: (v & EFI_MEMORY_RP) === 0n,
    writable: (v & EFI_MEMORY_RO) === 0n,
    executable: (v & EFI_MEMORY_XP) === 0n,
    user: (v & EFI_MEMORY_SP) === 0n,
  };
}

/** "user|supervisor read-only|read-write executable|no-execute", or "not present" (the scenario language). */
export function describeAttributes(a: PageAttributes): string {
  if (!a.present) return 'not present';
  return `${a.user ? 'user' : 'supervisor'} ${a.writable ? 'read-write' : 'read-only'} ${a.executable ? 'executable' : 'no-execute'}`;
}

/**
 * A not-present page as the supervisor's attribute query reports it: RP|XP|SP. §1.6 step 1 made all non-MMRAM space
 * NX and blocking only clears the present bit, so R/W stays set: a blocked page is never "read-only", which is what
 * the unblock check (§7.2 step 5: RP set and RO clear) relies on.
 */
export const NOT_PRESENT: PageAttributes = { present: false, writable: true, user: false, executable: false };
