import { EFI_STATUS_VALUES, EfiStatus } from '../../firmware/efi-status';

function v(name: string): EfiStatus {
  const x = EFI_STATUS_VALUES.get(name);
  if (x === undefined) throw new Error(`internal: ${name} missing from EFI_STATUS_VALUES`);
  return x;
}

/** The EFI_STATUS values the supervisor core returns (supervisor-facts §0.1), as 64-bit bigints. */
export const EFI = Object.freeze({
  SUCCESS: v('EFI_SUCCESS'),
  INVALID_PARAMETER: v('EFI_INVALID_PARAMETER'),
  UNSUPPORTED: v('EFI_UNSUPPORTED'),
  BAD_BUFFER_SIZE: v('EFI_BAD_BUFFER_SIZE'),
  BUFFER_TOO_SMALL: v('EFI_BUFFER_TOO_SMALL'),
  NOT_READY: v('EFI_NOT_READY'),
  DEVICE_ERROR: v('EFI_DEVICE_ERROR'),
  OUT_OF_RESOURCES: v('EFI_OUT_OF_RESOURCES'),
  NOT_FOUND: v('EFI_NOT_FOUND'),
  ACCESS_DENIED: v('EFI_ACCESS_DENIED'),
  NO_MAPPING: v('EFI_NO_MAPPING'),
  NOT_STARTED: v('EFI_NOT_STARTED'),
  ALREADY_STARTED: v('EFI_ALREADY_STARTED'),
  ABORTED: v('EFI_ABORTED'),
  SECURITY_VIOLATION: v('EFI_SECURITY_VIOLATION'),
  COMPROMISED_DATA: v('EFI_COMPROMISED_DATA'),
  INTERRUPT_PENDING: v('EFI_INTERRUPT_PENDING'),
  WARN_INTERRUPT_SOURCE_PENDING: v('EFI_WARN_INTERRUPT_SOURCE_PENDING'),
  WARN_INTERRUPT_SOURCE_QUIESCED: v('EFI_WARN_INTERRUPT_SOURCE_QUIESCED'),
});

export { efiStatusName, isEfiError } from '../../firmware/efi-status';
export type { EfiStatus } from '../../firmware/efi-status';
