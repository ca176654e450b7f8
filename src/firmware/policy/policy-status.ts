import { EFI_STATUS_VALUES } from '../efi-status';

/** The EFI_STATUS names the policy gates and helpers return (supervisor-facts §0.1). */
export type PolicyStatusName =
  | 'EFI_SUCCESS'
  | 'EFI_INVALID_PARAMETER'
  | 'EFI_UNSUPPORTED'
  | 'EFI_NOT_FOUND'
  | 'EFI_ACCESS_DENIED'
  | 'EFI_OUT_OF_RESOURCES'
  | 'EFI_ALREADY_STARTED'
  | 'EFI_SECURITY_VIOLATION';

/** The 64-bit value of a status name, from the shared table in src/firmware/efi-status.ts. */
export function policyStatusValue(name: PolicyStatusName): bigint {
  const v = EFI_STATUS_VALUES.get(name);
  if (v === undefined) throw new Error(`unreachable: ${name} missing from EFI_STATUS_VALUES`);
  return v;
}
