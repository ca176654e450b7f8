/**
 * Comparison of a native and an emulated final state over what the SDM defines for the block, and the text
 * of a mismatch report.
 */
import { FLAG_NAMES, flagList } from './flags';
import { GPR_NAMES, RSP, hex, hex64, type DiffCase, type StepState } from './generator';

/** A final machine state: 16 GPRs in encoding order and RFLAGS. */
export interface FinalState { regs: readonly bigint[]; rflags: bigint }

export interface StateDiff {
  regs: { name: string; native: bigint; emulator: bigint }[];
  flags: { name: string; native: number; emulator: number }[];
}

export function compareStates(native: FinalState, emulator: FinalState, defined: StepState): StateDiff {
  const diff: StateDiff = { regs: [], flags: [] };
  for (let i = 0; i < 16; i++) {
    if (i === RSP || !defined.definedRegs[i]) continue;
    if (native.regs[i] !== emulator.regs[i]) diff.regs.push({ name: GPR_NAMES[i], native: native.regs[i], emulator: emulator.regs[i] });
  }
  const differing = Number((native.rflags ^ emulator.rflags) & 0xfffn) & defined.definedFlags;
  for (const [bit, name] of FLAG_NAMES) {
    if ((differing & bit) !== 0) {
      diff.flags.push({ name, native: (Number(native.rflags) & bit) !== 0 ? 1 : 0, emulator: (Number(emulator.rflags) & bit) !== 0 ? 1 : 0 });
    }
  }
  return diff;
}

export function diffIsEmpty(d: StateDiff): boolean {
  return d.regs.length === 0 && d.flags.length === 0;
}

/** One line per differing register or flag. */
export function describeDiff(d: StateDiff): string[] {
  return [
    ...d.regs.map((r) => `${r.name}: native ${hex64(r.native)}  emulator ${hex64(r.emulator)}`),
    ...d.flags.map((f) => `${f.name}: native ${f.native}  emulator ${f.emulator}`),
  ];
}

/** Short class key of a diff, e.g. `GPR,CF` (which register is in the example's details). */
export function diffKey(d: StateDiff): string {
  return [...(d.regs.length > 0 ? ['GPR'] : []), ...d.flags.map((f) => f.name)].join(',');
}

export function formatState(s: FinalState, indent = '    '): string {
  const lines: string[] = [];
  for (let i = 0; i < 16; i += 4) {
    lines.push(indent + [0, 1, 2, 3].map((k) => `${GPR_NAMES[i + k].padEnd(3)}=${i + k === RSP ? '(not compared)    ' : hex64(s.regs[i + k])}`).join(' '));
  }
  lines.push(`${indent}rflags=${hex64(s.rflags)} (${flagList(Number(s.rflags & 0xfffn) & 0x8d5)} set)`);
  return lines.join('\n');
}

export function formatListing(c: DiffCase, upTo = c.instructions.length): string {
  let off = 0;
  const lines: string[] = [];
  for (const i of c.instructions.slice(0, upTo)) {
    lines.push(`    ${off.toString(16).padStart(3, '0')}: ${hex(i.bytes).padEnd(24)} ${i.text.padEnd(28)} ; ${i.form}`);
    off += i.bytes.length;
  }
  return lines.join('\n');
}
