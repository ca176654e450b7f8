/**
 * A bit-by-bit model of the SDM pseudocode of SAL/SAR/SHL/SHR, ROL/ROR/RCL/RCR and SHLD/SHRD, used only to
 * check the flag rules of flags.ts against the host (every flag flags.ts calls defined must match it there).
 */
import { CF, OF, PF, SF, ZF, countMask, type ShiftKind } from './flags';

export type Width = 8 | 16 | 32 | 64;

function evenParity(v: bigint): boolean {
  let ones = 0;
  for (let i = 0n; i < 8n; i++) ones += Number((v >> i) & 1n);
  return ones % 2 === 0;
}

/** Result and flag bits (CF/OF/SF/ZF/PF) of `kind dest, [src,] count`; flags are meaningful where defined. */
export function shiftReference(kind: ShiftKind, size: Width, dest: bigint, src: bigint, cfIn: number, count: number): { result: bigint; flags: number } {
  const w = BigInt(size);
  const mask = (1n << w) - 1n;
  const msb = (x: bigint): number => Number((x >> (w - 1n)) & 1n);
  const masked = count & countMask(size);
  let r = dest & mask;
  let cf = cfIn;
  let of = 0;
  let resultFlags = false;
  switch (kind) {
    case 'rol':
      for (let t = masked % size; t > 0; t--) r = ((r << 1n) | BigInt(msb(r))) & mask;
      cf = Number(r & 1n);
      of = msb(r) ^ cf;
      break;
    case 'ror':
      for (let t = masked % size; t > 0; t--) r = (r >> 1n) | ((r & 1n) << (w - 1n));
      cf = msb(r);
      of = msb(r) ^ Number((r >> (w - 2n)) & 1n);
      break;
    case 'rcl':
      for (let t = size === 8 ? masked % 9 : size === 16 ? masked % 17 : masked; t > 0; t--) {
        const out = msb(r);
        r = ((r << 1n) | BigInt(cf)) & mask;
        cf = out;
      }
      of = msb(r) ^ cf;
      break;
    case 'rcr':
      of = msb(r) ^ cf; // SDM RCR: OF computed before the rotate
      for (let t = size === 8 ? masked % 9 : size === 16 ? masked % 17 : masked; t > 0; t--) {
        const out = Number(r & 1n);
        r = (r >> 1n) | (BigInt(cf) << (w - 1n));
        cf = out;
      }
      break;
    case 'shl':
      for (let t = masked; t > 0; t--) { cf = msb(r); r = (r << 1n) & mask; }
      of = msb(r) ^ cf;
      resultFlags = true;
      break;
    case 'shr':
      of = msb(r);
      for (let t = masked; t > 0; t--) { cf = Number(r & 1n); r >>= 1n; }
      resultFlags = true;
      break;
    case 'sar':
      for (let t = masked; t > 0; t--) { cf = Number(r & 1n); r = (r >> 1n) | (BigInt(msb(r)) << (w - 1n)); }
      of = 0;
      resultFlags = true;
      break;
    case 'shld': case 'shrd': {
      if (masked === 0) break;
      const c = BigInt(masked);
      const before = msb(r);
      if (kind === 'shld') {
        cf = Number((r >> (w - c)) & 1n);
        r = (((r << w) | (src & mask)) >> (w - c)) & mask;
      } else {
        cf = Number((r >> (c - 1n)) & 1n);
        r = ((((src & mask) << w) | r) >> c) & mask;
      }
      of = before ^ msb(r);
      resultFlags = true;
      break;
    }
  }
  let flags = (cf ? CF : 0) | (of ? OF : 0);
  if (resultFlags) flags |= (r === 0n ? ZF : 0) | (msb(r) ? SF : 0) | (evenParity(r) ? PF : 0);
  return { result: r, flags };
}
