/** DEPEX opcodes (x86-smm-facts §4.6, supervisor-facts §2.2). */
export const DepexOp = {
  BEFORE: 0x00,
  AFTER: 0x01,
  PUSH: 0x02,
  AND: 0x03,
  OR: 0x04,
  NOT: 0x05,
  TRUE: 0x06,
  FALSE: 0x07,
  END: 0x08,
  SOR: 0x09,
} as const;

export function depexOpName(op: number): string {
  for (const [k, v] of Object.entries(DepexOp)) if (v === op) return k;
  return `0x${op.toString(16).padStart(2, '0')}`;
}
