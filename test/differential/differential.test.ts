/**
 * Issue 2, acceptance 1: the emulator against the host CPU.
 *
 * Random blocks of 1–4 register-only instructions (generator.ts) run natively (native/harness.c, built with
 * the system `cc`) and through src/cpu/snippet.ts from identical GPRs and RFLAGS; all GPRs but RSP and every
 * flag the SDM defines for the block (flags.ts) must agree. 0 mismatches.
 *
 *   MMSPEC_DIFF_CASES=N   number of cases (default 10000)
 *   MMSPEC_DIFF_SEED=S    seed, decimal or 0x-hex (default fixed, printed)
 *   MMSPEC_DIFF_CASE=I    run and print only case I of the seed (replay)
 */
import { describe, it } from 'node:test';
import { compareStates, describeDiff, diffIsEmpty, diffKey, formatListing, formatState, type FinalState, type StateDiff } from './compare';
import { runEmulator, type EmulatorResult } from './emulator';
import { flagList } from './flags';
import { CaseGenerator, hex, type DiffCase } from './generator';
import { HARNESS_PATH, buildHarness, nativeLine, runNative, unsupportedReason, type NativeResult } from './native-harness';

const DEFAULT_SEED = 0x2d1ff0de;
const DEFAULT_CASES = 10_000;
const DETAILED_REPORTS = 20;
const LOCALIZED_MAX = 2000;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative integer (decimal or 0x…)`);
  return n;
}

const seed = (envInt('MMSPEC_DIFF_SEED') ?? DEFAULT_SEED) >>> 0;
const seedHex = '0x' + seed.toString(16);
const onlyCase = envInt('MMSPEC_DIFF_CASE');
const caseCount = envInt('MMSPEC_DIFF_CASES') ?? DEFAULT_CASES;
const replayHint = (index: number): string =>
  `MMSPEC_DIFF_SEED=${seedHex} MMSPEC_DIFF_CASE=${index} npm run test:unit -- differential`;

function resultText(r: EmulatorResult | NativeResult): string {
  switch (r.kind) {
    case 'ok': return formatState(r);
    case 'exception': return `    exception vector ${r.vector} error code ${r.errorCode} at rip 0x${r.rip.toString(16)}${r.reason !== undefined ? ` (${r.reason})` : ''}`;
    case 'threw': return `    threw ${r.message}`;
    case 'signal': return `    signal ${r.signal}`;
    case 'error': return `    harness error: ${r.message}`;
  }
}

interface Mismatch {
  c: DiffCase;
  native: FinalState;
  emulator: EmulatorResult;
  diff: StateDiff | null;
  /** Index of the first instruction after which the states disagree, with the state it started from. */
  culprit?: { at: number; input: FinalState; diff: StateDiff | null; emulator: EmulatorResult };
}

function outcomeKey(emu: EmulatorResult, diff: StateDiff | null): string {
  if (emu.kind === 'exception') return `exception #${emu.vector}${emu.reason !== undefined ? ` (${emu.reason.slice(0, 60)})` : ''}`;
  if (emu.kind === 'threw') return `threw ${emu.message.split('\n')[0].slice(0, 80)}`;
  return diff === null ? '?' : diffKey(diff);
}

function compareOne(c: DiffCase, upTo: number, native: FinalState, emu: EmulatorResult): StateDiff | null {
  if (emu.kind !== 'ok') return null;
  return compareStates(native, emu, c.steps[upTo - 1]);
}

/** Finds the first instruction of each mismatching block whose prefix already disagrees (one native run). */
function localize(ms: Mismatch[]): void {
  const prefixes: { m: Mismatch; k: number; code: Uint8Array }[] = [];
  for (const m of ms) {
    let off = 0;
    m.c.instructions.forEach((ins, k) => {
      off += ins.bytes.length;
      prefixes.push({ m, k: k + 1, code: m.c.code.slice(0, off) });
    });
  }
  const natives = runNative(prefixes.map((p) => ({ code: p.code, regs: p.m.c.regs, rflags: p.m.c.rflags })));
  const states = new Map<Mismatch, FinalState[]>();
  prefixes.forEach((p, i) => {
    const n = natives[i];
    const list = states.get(p.m) ?? [{ regs: p.m.c.regs, rflags: p.m.c.rflags }];
    list.push(n.kind === 'ok' ? n : list[list.length - 1]);
    states.set(p.m, list);
    if (p.m.culprit !== undefined || n.kind !== 'ok') return;
    const emu = runEmulator(p.code, p.m.c.regs, p.m.c.rflags);
    const diff = compareOne(p.m.c, p.k, n, emu);
    if (emu.kind !== 'ok' || (diff !== null && !diffIsEmpty(diff))) {
      p.m.culprit = { at: p.k - 1, input: list[p.k - 1], diff, emulator: emu };
    }
  });
}

function report(m: Mismatch, n: number): string {
  const { c } = m;
  const last = c.steps[c.steps.length - 1];
  const lines = [
    `mismatch ${n}: seed ${seedHex} case ${c.index}  (replay: ${replayHint(c.index)})`,
    formatListing(c),
    `  compared: flags ${flagList(last.definedFlags)}; registers undefined at the end: ${
      last.definedRegs.map((d, i) => (d || i === 4 ? '' : String(i))).filter((s) => s !== '').join(',') || '(none)'}`,
    '  initial:', formatState({ regs: c.regs, rflags: c.rflags }),
    '  native:', formatState(m.native),
    '  emulator:', resultText(m.emulator),
  ];
  if (m.diff !== null) lines.push('  differs:', ...describeDiff(m.diff).map((l) => `    ${l}`));
  if (m.culprit !== undefined) {
    const ins = c.instructions[m.culprit.at];
    lines.push(
      `  first differing after instruction ${m.culprit.at + 1}: ${ins.text} (${ins.form}, ${hex(ins.bytes)})`,
      `    native input state for it (replay natively: echo '${nativeLine({ code: ins.bytes, regs: m.culprit.input.regs, rflags: m.culprit.input.rflags })}' | ${HARNESS_PATH}):`,
      formatState(m.culprit.input, '      '),
    );
    if (m.culprit.diff !== null) lines.push(...describeDiff(m.culprit.diff).map((l) => `    ${l}`));
    else lines.push(`    emulator: ${resultText(m.culprit.emulator).trim()}`);
  }
  return lines.join('\n');
}

describe('differential: emulator vs host CPU (issue 2, acceptance 1)', () => {
  const reason = unsupportedReason();
  const title = onlyCase !== undefined
    ? `replays case ${onlyCase} of seed ${seedHex}`
    : `${caseCount} random register-only blocks agree with the host CPU (seed ${seedHex})`;
  it(title, { skip: reason === null ? false : `differential test skipped: ${reason}` }, () => {
    console.log(`differential: seed ${seedHex}, ${onlyCase !== undefined ? `case ${onlyCase}` : `${caseCount} cases`}; harness ${buildHarness()}`);
    const gen = new CaseGenerator(seed);
    const indexes = onlyCase !== undefined ? [onlyCase] : Array.from({ length: caseCount }, (_, i) => i);
    const cases = indexes.map((i) => gen.generate(i));
    gen.dispose();
    const natives = runNative(cases);

    const broken = natives.flatMap((n, k) => (n.kind === 'ok' ? [] : [{ c: cases[k], n }]));
    if (broken.length > 0) {
      const first = broken.slice(0, 5).map(({ c, n }) =>
        `case ${c.index}: ${resultText(n).trim()}\n${formatListing(c)}\n  replay: ${replayHint(c.index)}`);
      throw new Error(`differential generator bug (seed ${seedHex}): ${broken.length} case(s) failed natively\n${first.join('\n')}`);
    }

    const mismatches: Mismatch[] = [];
    cases.forEach((c, k) => {
      const native = natives[k] as FinalState;
      const emu = runEmulator(c.code, c.regs, c.rflags);
      const diff = compareOne(c, c.instructions.length, native, emu);
      if (emu.kind !== 'ok' || (diff !== null && !diffIsEmpty(diff))) mismatches.push({ c, native, emulator: emu, diff });
      if (onlyCase !== undefined) {
        console.log(formatListing(c));
        console.log(`  compared flags: ${flagList(c.steps[c.steps.length - 1].definedFlags)}`);
        console.log('  initial:\n' + formatState({ regs: c.regs, rflags: c.rflags }));
        console.log('  native:\n' + formatState(native));
        console.log('  emulator:\n' + resultText(emu));
        console.log(`  native replay: echo '${nativeLine(c)}' | ${HARNESS_PATH}`);
      }
    });
    if (mismatches.length === 0) return;

    localize(mismatches.slice(0, LOCALIZED_MAX));
    const out: string[] = [];
    mismatches.slice(0, DETAILED_REPORTS).forEach((m, i) => out.push(report(m, i + 1)));
    const classes = new Map<string, { count: number; example: number; what: string }>();
    for (const m of mismatches.slice(0, LOCALIZED_MAX)) {
      const key = m.culprit !== undefined
        ? `${m.c.instructions[m.culprit.at].form}: ${outcomeKey(m.culprit.emulator, m.culprit.diff)}`
        : `(block) ${outcomeKey(m.emulator, m.diff)}`;
      const cl = classes.get(key) ?? { count: 0, example: m.c.index, what: m.culprit?.diff ? describeDiff(m.culprit.diff).join('; ') : '' };
      cl.count++;
      classes.set(key, cl);
    }
    out.push([
      `mismatch classes (first differing instruction form: what differs; of the first ${Math.min(mismatches.length, LOCALIZED_MAX)}):`,
      ...[...classes].sort((a, b) => b[1].count - a[1].count).map(([key, cl]) =>
        `  ${String(cl.count).padStart(5)}  ${key}   e.g. case ${cl.example}${cl.what !== '' ? ` (${cl.what})` : ''}`),
    ].join('\n'));
    console.log(out.join('\n\n'));
    throw new Error(`differential: ${mismatches.length} of ${cases.length} cases differ from the host CPU (seed ${seedHex}); ` +
      `details above; replay one with ${replayHint(mismatches[0].c.index)}`);
  });
});
