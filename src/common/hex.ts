import { MmspecError } from './errors';

/** A value that could not be read as a number: names the text and what was expected. */
export class NumberSyntaxError extends MmspecError {
  constructor(readonly text: string, readonly expected: string) {
    super('NUMBER_SYNTAX', `cannot read ${JSON.stringify(text)} as ${expected}`);
  }
}

const HEX_RE = /^0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*$/;
const DEC_RE = /^[0-9]+(?:_[0-9]+)*$/;

/**
 * Reads `0x…` hexadecimal or plain decimal text as an exact unsigned bigint (no precision is ever lost).
 * Underscores between digit groups are allowed. Throws NumberSyntaxError otherwise.
 */
export function parseUnsigned(text: string, bits = 64): bigint {
  const t = text.trim();
  let v: bigint;
  if (HEX_RE.test(t)) v = BigInt(t.replace(/_/g, ''));
  else if (DEC_RE.test(t)) v = BigInt(t.replace(/_/g, ''));
  else throw new NumberSyntaxError(text, `a ${bits}-bit unsigned number (0x… or decimal)`);
  if (v >= 1n << BigInt(bits)) throw new NumberSyntaxError(text, `a value that fits in ${bits} bits`);
  return v;
}

/** Formats an unsigned value as 0x-prefixed lowercase hex, optionally zero-padded to `digits`. */
export function hex(v: bigint | number, digits = 0): string {
  const s = (typeof v === 'bigint' ? v : BigInt(v)).toString(16);
  return '0x' + s.padStart(digits, '0');
}

/** Parses a string of hex byte pairs (whitespace allowed between pairs) into bytes. */
export function parseHexBytes(text: string): Uint8Array {
  const t = text.replace(/\s+/g, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) {
    throw new MmspecError('HEX_BYTES_SYNTAX', `malformed hex byte string ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text)}: expected an even number of hex digits`);
  }
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}
