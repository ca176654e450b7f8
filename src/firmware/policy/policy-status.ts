/**
 * The EFI_STATUS values the policy gates and helpers return (supervisor-facts §0.1). A local table: the
 * shared src/firmware/efi-status.ts did not exist when this module was written; switch to it when it does.
 */
export const POLICY_STATUS = {
  EFI_SUCCESS: 0x0n,
  EFI_INVALID_PARAMETER: 0x8000000000000002n,
  EFI_UNSUPPORTED: 0x8000000000000003n,
  EFI_NOT_FOUND: 0x800000000000000en,
  EFI_ACCESS_DENIED: 0x800000000000000fn,
  EFI_OUT_OF_RESOURCES: 0x8000000000000009n,
  EFI_ALREADY_STARTED: 0x8000000000000014n,
  EFI_SECURITY_VIOLATION: 0x800000000000001an,
} as const;

export type PolicyStatusName = keyof typeof POLICY_STATUS;

/** The 64-bit value of a status name used by the policy code. */
export function policyStatusValue(name: PolicyStatusName): bigint {
  return POLICY_STATUS[name];
}
