import { ByteReader } from '../binary/byte-reader';

/** UCS-2 LE code units of `s` followed by a NUL (x86-smm-facts §4.5 USER_INTERFACE / VERSION). */
export function encodeUcs2z(s: string): Uint8Array {
  const out = new Uint8Array(2 * (s.length + 1));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >> 8;
  }
  return out;
}

/** Decodes a NUL-terminated UCS-2 string in [offset, offset+length) of `r`; FormatError when unterminated. */
export function decodeUcs2z(r: ByteReader, offset: number, length: number, field: string): string {
  r.need(offset, length, field);
  let s = '';
  for (let o = offset; o + 1 < offset + length; o += 2) {
    const c = r.u16(o, field);
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return r.fail(offset, field, 'UCS-2 string has no NUL terminator');
}
