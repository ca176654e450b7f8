/**
 * Little-endian writer that grows as needed. Values are range-checked so a writer bug cannot silently
 * truncate a field.
 */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private ensure(end: number): void {
    if (end <= this.buf.length) return;
    let n = this.buf.length;
    while (n < end) n *= 2;
    const next = new Uint8Array(n);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private at(offset: number | undefined, size: number): number {
    const o = offset ?? this.len;
    this.ensure(o + size);
    if (o + size > this.len) this.len = o + size;
    return o;
  }

  private static check(v: number, bits: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${field}: ${v} does not fit in ${bits} bits`);
  }

  u8(v: number, offset?: number, field = 'u8'): this {
    ByteWriter.check(v, 8, field);
    const o = this.at(offset, 1); // grow first: `this.view` may be replaced
    this.view.setUint8(o, v);
    return this;
  }
  u16(v: number, offset?: number, field = 'u16'): this {
    ByteWriter.check(v, 16, field);
    const o = this.at(offset, 2); // grow first: `this.view` may be replaced
    this.view.setUint16(o, v, true);
    return this;
  }
  u24(v: number, offset?: number, field = 'u24'): this {
    ByteWriter.check(v, 24, field);
    const o = this.at(offset, 3);
    this.view.setUint16(o, v & 0xffff, true);
    this.view.setUint8(o + 2, v >>> 16);
    return this;
  }
  u32(v: number, offset?: number, field = 'u32'): this {
    ByteWriter.check(v, 32, field);
    const o = this.at(offset, 4); // grow first: `this.view` may be replaced
    this.view.setUint32(o, v, true);
    return this;
  }
  u64(v: bigint | number, offset?: number, field = 'u64'): this {
    const b = typeof v === 'bigint' ? v : BigInt(v);
    if (b < 0n || b >= 1n << 64n) throw new RangeError(`${field}: ${b} does not fit in 64 bits`);
    const o = this.at(offset, 8); // grow first: `this.view` may be replaced
    this.view.setBigUint64(o, b, true);
    return this;
  }
  bytes(data: Uint8Array, offset?: number): this {
    const o = this.at(offset, data.length);
    this.buf.set(data, o);
    return this;
  }
  zeros(n: number, offset?: number): this {
    const o = this.at(offset, n);
    this.buf.fill(0, o, o + n);
    return this;
  }
  /** Pads with `fill` up to the next multiple of `alignment`. */
  align(alignment: number, fill = 0): this {
    const target = Math.ceil(this.len / alignment) * alignment;
    const o = this.at(undefined, target - this.len);
    this.buf.fill(fill, o, target);
    return this;
  }
  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
