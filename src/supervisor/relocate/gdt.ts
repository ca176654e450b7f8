/**
 * The supervisor's per-CPU GDT (supervisor-facts §3.1), as bytes. Selectors: 0x08/0x10 32-bit code, 0x18
 * 32-bit stack, 0x20 32-bit data, 0x28/0x30 16-bit code/data, 0x38 64-bit code DPL0 (LONG_CS_R0), 0x40 data
 * DPL0 (LONG_DS_R0), 0x48 not-present compatibility placeholder DPL3 (LONG_CS_R3_PH, STAR[63:48] base), 0x50
 * data DPL3 (used as 0x53), 0x58 64-bit code DPL3 (used as 0x5B), 0x60 64-bit call gate DPL3 → 0x38, 0x70
 * 64-bit TSS whose body follows the GDT at +0x80.
 */
export const Selector = {
  LONG_CS_R0: 0x38, LONG_DS_R0: 0x40, LONG_CS_R3_PH: 0x4b, LONG_DS_R3: 0x53, LONG_CS_R3: 0x5b, CALL_GATE: 0x63, TSS: 0x70,
} as const;

export const GDT_LIMIT = 0x7f;
export const TSS_OFFSET = 0x80;
/** TSS limit as the supervisor's template has it (0x68 bytes → limit 0x67, §3.1 quirk). */
export const TSS_LIMIT = 0x67;

const DESCRIPTORS: readonly [number, bigint][] = [
  [0x00, 0n],
  [0x08, 0x00cf9b000000ffffn],
  [0x10, 0x00cf9b000000ffffn],
  [0x18, 0x00cf93000000ffffn],
  [0x20, 0x00cf93000000ffffn],
  [0x28, 0x00009b000000ffffn],
  [0x30, 0x000093000000ffffn],
  [0x38, 0x00af9b000000ffffn],
  [0x40, 0x00cf93000000ffffn],
  [0x48, 0x00cf7b000000ffffn], // code, DPL3, not present
  [0x50, 0x00cff3000000ffffn],
  [0x58, 0x00affb000000ffffn],
];

/** A 64-bit call gate (16 bytes): DPL3, present, target selector, 64-bit offset. */
export function callGate(targetSelector: number, offset: bigint): [bigint, bigint] {
  const lo = (offset & 0xffffn) | (BigInt(targetSelector) << 16n) | (0xecn << 40n) | (((offset >> 16n) & 0xffffn) << 48n);
  return [lo, (offset >> 32n) & 0xffffffffn];
}

/** A 64-bit TSS descriptor (16 bytes), available (type 9) or busy (type 0xB). */
export function tssDescriptor(base: bigint, limit: number, busy: boolean): [bigint, bigint] {
  const type = busy ? 0x8bn : 0x89n;
  const lo = BigInt(limit & 0xffff) | ((base & 0xffffffn) << 16n) | (type << 40n) | (BigInt((limit >>> 16) & 0xf) << 48n) | (((base >> 24n) & 0xffn) << 56n);
  return [lo, (base >> 32n) & 0xffffffffn];
}

/** The GDT bytes (0x80) followed by the TSS body (0x68) for a GDT at `gdtBase`. */
export function buildGdtAndTss(gdtBase: bigint, gateOffset: bigint, rsp0: bigint, ioMapBase: number): Uint8Array {
  const out = new Uint8Array(TSS_OFFSET + 0x68);
  const dv = new DataView(out.buffer);
  for (const [sel, d] of DESCRIPTORS) dv.setBigUint64(sel, d, true);
  const [g0, g1] = callGate(Selector.LONG_CS_R0, gateOffset);
  dv.setBigUint64(0x60, g0, true);
  dv.setBigUint64(0x68, g1, true);
  const [t0, t1] = tssDescriptor(gdtBase + BigInt(TSS_OFFSET), TSS_LIMIT, true);
  dv.setBigUint64(0x70, t0, true);
  dv.setBigUint64(0x78, t1, true);
  dv.setBigUint64(TSS_OFFSET + 4, rsp0, true); // RSP0
  dv.setUint16(TSS_OFFSET + 0x66, ioMapBase, true);
  return out;
}

/** A 64-bit interrupt gate to `offset` in the 0x38 code segment, DPL0. */
export function interruptGate(offset: bigint, ist = 0): [bigint, bigint] {
  const lo = (offset & 0xffffn) | (BigInt(Selector.LONG_CS_R0) << 16n) | (BigInt(ist & 7) << 32n) | (0x8en << 40n) | (((offset >> 16n) & 0xffffn) << 48n);
  return [lo, (offset >> 32n) & 0xffffffffn];
}
