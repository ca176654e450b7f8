/** Converts a signed canonical address number (the CPU's internal form) to its unsigned 64-bit value. */
export function toU64(v: number): bigint {
  return v < 0 ? BigInt(v) + (1n << 64n) : BigInt(v);
}
