import { createHash } from 'node:crypto';
import { MmspecError } from '../../common/errors';
import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';

/**
 * An EFI_GUID in registry text form, always normalised to lowercase
 * `aabbccdd-eeff-gghh-iijj-kkllmmnnoopp`. Plain strings so values compare with === and deep-equal.
 */
export type Guid = string;

/** Text that is not a registry-format GUID. */
export class GuidSyntaxError extends MmspecError {
  constructor(readonly text: string) {
    super('GUID_SYNTAX', `${JSON.stringify(text)} is not a registry-format GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  }
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const ZERO_GUID: Guid = '00000000-0000-0000-0000-000000000000';

/** True when `text` is a registry-format GUID (either case). */
export function isGuidText(text: string): boolean {
  return GUID_RE.test(text.trim());
}

/** Validates and normalises registry text (lowercase). Throws GuidSyntaxError. */
export function parseGuid(text: string): Guid {
  const t = text.trim();
  if (!GUID_RE.test(t)) throw new GuidSyntaxError(text);
  return t.toLowerCase();
}

/**
 * Registry text → the 16 in-memory bytes. x86-smm-facts §4.1: Data1 u32 LE, Data2 u16 LE, Data3 u16 LE,
 * Data4[8] in order.
 */
export function guidToBytes(guid: Guid): Uint8Array {
  const g = parseGuid(guid).replace(/-/g, '');
  const be = new Uint8Array(16);
  for (let i = 0; i < 16; i++) be[i] = parseInt(g.slice(2 * i, 2 * i + 2), 16);
  return swapGuidEndianness(be);
}

/** The 16 in-memory bytes (at `offset`) → registry text. */
export function guidFromBytes(bytes: Uint8Array, offset = 0): Guid {
  if (offset < 0 || offset + 16 > bytes.length) throw new RangeError(`a GUID needs 16 bytes at offset ${offset}`);
  const be = swapGuidEndianness(bytes.subarray(offset, offset + 16));
  const h = Array.from(be, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Mixed-endian ↔ big-endian (the operation is its own inverse). */
function swapGuidEndianness(b: Uint8Array): Uint8Array {
  const o = new Uint8Array(16);
  o[0] = b[3]; o[1] = b[2]; o[2] = b[1]; o[3] = b[0];
  o[4] = b[5]; o[5] = b[4];
  o[6] = b[7]; o[7] = b[6];
  o.set(b.subarray(8, 16), 8);
  return o;
}

/** Reads a GUID through a bounds-checked reader (FormatError naming `field` when truncated). */
export function readGuid(r: ByteReader, offset: number, field: string): Guid {
  return guidFromBytes(r.bytesAt(offset, 16, field));
}

/** Appends (or writes at `offset`) a GUID's 16 bytes. */
export function writeGuid(w: ByteWriter, guid: Guid, offset?: number): ByteWriter {
  return w.bytes(guidToBytes(guid), offset);
}

/**
 * The namespace of mmspec's name-derived GUIDs (a fixed random value, RFC 4122 §4.3 style). Changing it
 * would change every derived GUID, so it is part of the public contract.
 */
export const MMSPEC_NAME_NAMESPACE: Guid = '6d6d7370-6563-4e61-8d65-2d4755494421';

/**
 * A deterministic GUID for any symbolic name: RFC 4122 version-5 construction (SHA-1 over the namespace's
 * big-endian bytes followed by the UTF-8 name; version nibble 5, variant 10). Same name → same GUID, always.
 */
export function guidFromName(name: string): Guid {
  const ns = Buffer.from(MMSPEC_NAME_NAMESPACE.replace(/-/g, ''), 'hex');
  const d = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = Uint8Array.from(d.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
