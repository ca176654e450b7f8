import { MmspecError } from '../common/errors';
import { hex } from '../common/hex';
import { didYouMean, suggestNames } from './text/suggest';

/** An EFI_STATUS as the X64 UINTN value (x86-smm-facts §4.8): errors have bit 63 set. */
export type EfiStatus = bigint;

const ERR = 0x8000000000000000n;
const PI_ERR = 0xa000000000000000n;
const PI_WARN = 0x2000000000000000n;

/** Every status name of x86-smm-facts §4.8 (and supervisor-facts §0.1) with its X64 value. */
export const EFI_STATUS_VALUES: ReadonlyMap<string, EfiStatus> = new Map<string, EfiStatus>([
  ['EFI_SUCCESS', 0n],
  ['EFI_LOAD_ERROR', ERR | 1n],
  ['EFI_INVALID_PARAMETER', ERR | 2n],
  ['EFI_UNSUPPORTED', ERR | 3n],
  ['EFI_BAD_BUFFER_SIZE', ERR | 4n],
  ['EFI_BUFFER_TOO_SMALL', ERR | 5n],
  ['EFI_NOT_READY', ERR | 6n],
  ['EFI_DEVICE_ERROR', ERR | 7n],
  ['EFI_WRITE_PROTECTED', ERR | 8n],
  ['EFI_OUT_OF_RESOURCES', ERR | 9n],
  ['EFI_VOLUME_CORRUPTED', ERR | 10n],
  ['EFI_VOLUME_FULL', ERR | 11n],
  ['EFI_NO_MEDIA', ERR | 12n],
  ['EFI_MEDIA_CHANGED', ERR | 13n],
  ['EFI_NOT_FOUND', ERR | 14n],
  ['EFI_ACCESS_DENIED', ERR | 15n],
  ['EFI_NO_RESPONSE', ERR | 16n],
  ['EFI_NO_MAPPING', ERR | 17n],
  ['EFI_TIMEOUT', ERR | 18n],
  ['EFI_NOT_STARTED', ERR | 19n],
  ['EFI_ALREADY_STARTED', ERR | 20n],
  ['EFI_ABORTED', ERR | 21n],
  ['EFI_ICMP_ERROR', ERR | 22n],
  ['EFI_TFTP_ERROR', ERR | 23n],
  ['EFI_PROTOCOL_ERROR', ERR | 24n],
  ['EFI_INCOMPATIBLE_VERSION', ERR | 25n],
  ['EFI_SECURITY_VIOLATION', ERR | 26n],
  ['EFI_CRC_ERROR', ERR | 27n],
  ['EFI_END_OF_MEDIA', ERR | 28n],
  ['EFI_END_OF_FILE', ERR | 31n],
  ['EFI_INVALID_LANGUAGE', ERR | 32n],
  ['EFI_COMPROMISED_DATA', ERR | 33n],
  ['EFI_IP_ADDRESS_CONFLICT', ERR | 34n],
  ['EFI_HTTP_ERROR', ERR | 35n],
  ['EFI_WARN_UNKNOWN_GLYPH', 1n],
  ['EFI_WARN_DELETE_FAILURE', 2n],
  ['EFI_WARN_WRITE_FAILURE', 3n],
  ['EFI_WARN_BUFFER_TOO_SMALL', 4n],
  ['EFI_WARN_STALE_DATA', 5n],
  ['EFI_WARN_FILE_SYSTEM', 6n],
  ['EFI_WARN_RESET_REQUIRED', 7n],
  // PI (PiMultiPhase.h)
  ['EFI_INTERRUPT_PENDING', PI_ERR | 0n],
  ['EFI_REQUEST_UNLOAD_IMAGE', PI_ERR | 1n],
  ['EFI_NOT_AVAILABLE_YET', PI_ERR | 2n],
  ['EFI_WARN_INTERRUPT_SOURCE_PENDING', PI_WARN | 0n],
  ['EFI_WARN_INTERRUPT_SOURCE_QUIESCED', PI_WARN | 1n],
]);

const NAMES_BY_VALUE: ReadonlyMap<EfiStatus, string> = new Map([...EFI_STATUS_VALUES].map(([n, v]) => [v, n]));

/** A status name that is not in the table. */
export class UnknownEfiStatusError extends MmspecError {
  constructor(readonly statusName: string, readonly suggestions: string[]) {
    super('EFI_STATUS_UNKNOWN', `unknown EFI_STATUS ${JSON.stringify(statusName)}${suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : ''}`);
  }
}

/**
 * Name → value. Accepts the exact name, the name without the `EFI_` prefix, any letter case, or a number
 * (`0x8000000000000002`, decimal). Throws UnknownEfiStatusError with suggestions.
 */
export function efiStatusFromName(name: string): EfiStatus {
  const t = name.trim();
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) {
    const v = BigInt(t);
    if (v < 1n << 64n) return v;
  }
  const up = t.toUpperCase();
  const v = EFI_STATUS_VALUES.get(up) ?? EFI_STATUS_VALUES.get('EFI_' + up);
  if (v === undefined) throw new UnknownEfiStatusError(name, suggestEfiStatus(name));
  return v;
}

/** Value → name; an unknown value is shown as 0x-prefixed hex (16 digits for error values). */
export function efiStatusName(value: EfiStatus): string {
  const n = NAMES_BY_VALUE.get(value);
  if (n !== undefined) return n;
  return isEfiError(value) ? hex(value, 16) : hex(value);
}

/** True if the name is in the table (exact spelling). */
export function isEfiStatusName(name: string): boolean {
  return EFI_STATUS_VALUES.has(name);
}

/** Errors have the top bit set (x86-smm-facts §4.8). */
export function isEfiError(value: EfiStatus): boolean {
  return (value & ERR) !== 0n;
}

/** Warnings: non-zero values without the top bit. */
export function isEfiWarning(value: EfiStatus): boolean {
  return value !== 0n && !isEfiError(value);
}

/** Near-miss names, best first. */
export function suggestEfiStatus(name: string, limit = 3): string[] {
  return suggestNames(name, EFI_STATUS_VALUES.keys(), limit);
}

/** " (did you mean …?)" or "". */
export function efiStatusDidYouMean(name: string): string {
  return didYouMean(name, EFI_STATUS_VALUES.keys());
}
