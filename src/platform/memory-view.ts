import { PAGE_SIZE, type PhysicalBus } from '../cpu/physical-memory';

/**
 * Host-side access to physical memory as one side of the SMRAM boundary sees it: `outside` (firmware and OS
 * code outside SMM: closed TSEG reads all-ones and drops writes) or `smm`. Writes drop decoded instructions.
 */
export class MemoryView {
  constructor(private readonly bus: PhysicalBus, readonly inSmm: boolean) {}

  read(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const a = addr + done;
      const p = this.bus.page(Math.floor(a / PAGE_SIZE), this.inSmm);
      const off = a % PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - off);
      if (p.mmio) for (let k = 0; k < n; k++) out[done + k] = p.mmio.read(p.ppn * PAGE_SIZE + off + k, 1) & 0xff;
      else out.set(p.bytes.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  write(addr: number, data: Uint8Array): void {
    for (let done = 0; done < data.length;) {
      const a = addr + done;
      const p = this.bus.page(Math.floor(a / PAGE_SIZE), this.inSmm);
      const off = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      if (p.mmio) for (let k = 0; k < n; k++) p.mmio.write(p.ppn * PAGE_SIZE + off + k, 1, data[done + k]);
      else if (!p.dropWrites) {
        p.bytes.set(data.subarray(done, done + n), off);
        p.invalidateCode();
      }
      done += n;
    }
  }

  fill(addr: number, length: number, value: number): void {
    this.write(addr, new Uint8Array(length).fill(value));
  }

  /** The RAM bytes holding [addr, addr+n) when they lie in one non-MMIO page (the common case), else null. */
  private direct(addr: number, n: number): { bytes: Uint8Array; off: number; page: { dropWrites: boolean; invalidateCode(): void } } | null {
    const off = addr % PAGE_SIZE;
    if (off + n > PAGE_SIZE) return null;
    const p = this.bus.page(Math.floor(addr / PAGE_SIZE), this.inSmm);
    return p.mmio ? null : { bytes: p.bytes, off, page: p };
  }

  u8(addr: number): number {
    const d = this.direct(addr, 1);
    return d ? d.bytes[d.off] : this.read(addr, 1)[0];
  }
  u16(addr: number): number {
    const b = this.read(addr, 2);
    return b[0] | (b[1] << 8);
  }
  u32(addr: number): number {
    const d = this.direct(addr, 4);
    if (d) return (d.bytes[d.off] | (d.bytes[d.off + 1] << 8) | (d.bytes[d.off + 2] << 16) | (d.bytes[d.off + 3] << 24)) >>> 0;
    const b = this.read(addr, 4);
    return new DataView(b.buffer).getUint32(0, true);
  }
  u64(addr: number): bigint {
    const d = this.direct(addr, 8);
    if (d) {
      const b = d.bytes, o = d.off;
      const lo = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
      const hi = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    }
    const b = this.read(addr, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  setU8(addr: number, v: number): void {
    this.write(addr, Uint8Array.of(v & 0xff));
  }
  setU16(addr: number, v: number): void {
    this.write(addr, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }
  setU32(addr: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.write(addr, b);
  }
  setU64(addr: number, v: bigint): void {
    const d = this.direct(addr, 8);
    if (d) {
      if (d.page.dropWrites) return;
      const x = BigInt.asUintN(64, v);
      let lo = Number(x & 0xffffffffn), hi = Number(x >> 32n);
      for (let k = 0; k < 4; k++, lo >>>= 8) d.bytes[d.off + k] = lo & 0xff;
      for (let k = 4; k < 8; k++, hi >>>= 8) d.bytes[d.off + k] = hi & 0xff;
      d.page.invalidateCode();
      return;
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(addr, b);
  }
}
