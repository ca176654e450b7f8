/** CPUID results by leaf (and subleaf for leaves that have them): [eax, ebx, ecx, edx]. */
export type CpuidTable = ReadonlyMap<string, readonly [number, number, number, number]>;

function ascii4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

/** Builds a CPUID table from `{ "leaf[:subleaf]": [eax, ebx, ecx, edx] }` (numbers). */
export function cpuidTable(entries: Record<string, readonly [number, number, number, number]>): CpuidTable {
  return new Map(Object.entries(entries).map(([k, v]) => [k.includes(':') ? k : `${k}:0`, v]));
}

/**
 * A GenuineIntel-style default: long mode, NX, SYSCALL, SMEP, SMAP, UMIP and APIC reported. Platforms
 * configure their own table (e.g. AuthenticAMD for the AMD measurement lists, supervisor-facts §5.2).
 */
export const DEFAULT_CPUID: CpuidTable = cpuidTable({
  '0x0': [0x16, ascii4('Genu'), ascii4('ntel'), ascii4('ineI')],
  '0x1': [0x000906ea, 0x00010800, 0x80202001, 0x178bfbff],
  '0x7': [0, (1 << 7) | (1 << 20) | (1 << 0), 1 << 2, 0],
  '0x80000000': [0x80000008, 0, 0, 0],
  '0x80000001': [0, 0, 1, (1 << 11) | (1 << 20) | (1 << 29)],
  '0x80000008': [0x3027, 0, 0, 0],
});

/** Looks up a leaf; leaves without subleaves ignore ECX. Unknown leaves return zeros. */
export function cpuidLookup(table: CpuidTable, leaf: number, subleaf: number): readonly [number, number, number, number] {
  const k = (n: number) => `0x${n.toString(16)}`;
  return table.get(`${k(leaf)}:${subleaf}`) ?? table.get(`${k(leaf)}:0`) ?? [0, 0, 0, 0];
}
