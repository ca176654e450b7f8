import { FormatError } from '../binary/format-error';

/**
 * A checksum that does not verify (FV header, FFS header or FFS data). A FormatError — parsers still throw
 * only FormatErrors — but with its own code so a corrupted checksum is reported as such.
 */
export class ChecksumError extends FormatError {
  override readonly code = 'FORMAT_CHECKSUM';
  constructor(format: string, offset: number, field: string, reason: string, source?: string) {
    super(format, offset, field, `checksum mismatch: ${reason}`, source);
  }
}

/** 8-bit sum of `bytes`. */
export function sum8(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i++) s = (s + bytes[i]) & 0xff;
  return s;
}

/** 16-bit sum of the little-endian words of `bytes` (even length). */
export function sum16(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) s = (s + (bytes[i] | (bytes[i + 1] << 8))) & 0xffff;
  return s;
}
