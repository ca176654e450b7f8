import { FormatError } from './format-error';

/**
 * Little-endian reads over a byte buffer with bounds checks. Every read names the field it reads, so a
 * truncated or malformed input yields a FormatError with the format, offset and field, never a RangeError.
 * Offsets are absolute within `bytes`; `base` is added to the offsets reported in errors (for nested
 * structures parsed out of a larger image).
 */
export class ByteReader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly format: string, readonly base = 0, readonly source?: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(offset: number, field: string, reason: string): never {
    throw new FormatError(this.format, this.base + offset, field, reason, this.source);
  }

  /** Throws unless [offset, offset+size) lies inside the buffer. */
  need(offset: number, size: number, field: string): void {
    if (!Number.isInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      this.fail(offset, field, `needs ${size} byte(s) but the input has ${Math.max(0, this.bytes.length - Math.max(0, offset))} left`);
    }
  }

  u8(offset: number, field: string): number {
    this.need(offset, 1, field);
    return this.view.getUint8(offset);
  }
  u16(offset: number, field: string): number {
    this.need(offset, 2, field);
    return this.view.getUint16(offset, true);
  }
  /** 24-bit little-endian (FFS file and section sizes). */
  u24(offset: number, field: string): number {
    this.need(offset, 3, field);
    return this.view.getUint16(offset, true) | (this.view.getUint8(offset + 2) << 16);
  }
  u32(offset: number, field: string): number {
    this.need(offset, 4, field);
    return this.view.getUint32(offset, true);
  }
  u64(offset: number, field: string): bigint {
    this.need(offset, 8, field);
    return this.view.getBigUint64(offset, true);
  }
  /** A u64 that must fit a JS number exactly (sizes, offsets inside an image). */
  u64Safe(offset: number, field: string): number {
    const v = this.u64(offset, field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(offset, field, `value 0x${v.toString(16)} is too large`);
    return Number(v);
  }
  bytesAt(offset: number, size: number, field: string): Uint8Array {
    this.need(offset, size, field);
    return this.bytes.subarray(offset, offset + size);
  }
  /** A sub-reader over [offset, offset+size) whose errors still report absolute offsets. */
  sub(offset: number, size: number, field: string, format = this.format): ByteReader {
    this.need(offset, size, field);
    return new ByteReader(this.bytes.subarray(offset, offset + size), format, this.base + offset, this.source);
  }
}
