import { Mnemonic } from 'iced-x86';
import { HANDLERS } from '../../cpu/handlers';
import type { OpcodeCoverageFile } from '../../cpu/opcode-coverage';
import { ReportInputError } from '../report-error';

export interface OpcodeCoverageSummary {
  /** Number of per-process files merged. */
  files: number;
  decodes: number;
  /** Distinct iced Code values (instruction forms) decoded. */
  codes: number;
  /** Distinct mnemonics decoded. */
  mnemonics: number;
  /** Mnemonics the emulator has a handler for. */
  supported: number;
  /** Supported mnemonics decoded at least once. */
  supportedExercised: number;
  /** Supported mnemonics never decoded in the run, sorted. */
  supportedNeverDecoded: string[];
  /** Decoded mnemonics the emulator has no handler for (they raise #UD), sorted. */
  decodedUnsupported: string[];
  /** Code name → decodes, merged over all files, keys sorted. */
  byCode: Record<string, number>;
  /** Mnemonic name → decodes, merged, keys sorted. */
  byMnemonic: Record<string, number>;
}

/** Reads one `opcodes-<pid>.json`; anything else is REPORT_BAD_OPCODES naming the file and field. */
export function parseOpcodeFile(text: string, source: string): OpcodeCoverageFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError('REPORT_BAD_OPCODES', `${source}: not JSON (${(e as Error).message})`);
  }
  const o = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || o.schema !== 1) throw new ReportInputError('REPORT_BAD_OPCODES', `${source}: field schema is not 1`);
  for (const k of ['codes', 'mnemonics'] as const) {
    const m = o[k];
    if (typeof m !== 'object' || m === null || Object.values(m).some((n) => typeof n !== 'number')) {
      throw new ReportInputError('REPORT_BAD_OPCODES', `${source}: field ${k} is not an object of counts`);
    }
  }
  return v as OpcodeCoverageFile;
}

function merge(into: Map<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into.set(k, (into.get(k) ?? 0) + n);
}

function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The mnemonic names the emulator implements (keys of the CPU's handler table). */
export function supportedMnemonics(): string[] {
  return [...HANDLERS.keys()].map((m) => Mnemonic[m] ?? `Mnemonic${m}`).sort();
}

/** Merges the per-process files (Cucumber workers each write one) and compares with the handler table. */
export function summarizeOpcodeCoverage(files: readonly OpcodeCoverageFile[], supported: readonly string[] = supportedMnemonics()): OpcodeCoverageSummary {
  const byCode = new Map<string, number>(), byMnemonic = new Map<string, number>();
  let decodes = 0;
  for (const f of files) {
    merge(byCode, f.codes);
    merge(byMnemonic, f.mnemonics);
    decodes += typeof f.decodes === 'number' ? f.decodes : 0;
  }
  const supportedSet = new Set(supported);
  const supportedNeverDecoded = supported.filter((m) => !byMnemonic.has(m));
  return {
    files: files.length,
    decodes,
    codes: byCode.size,
    mnemonics: byMnemonic.size,
    supported: supportedSet.size,
    supportedExercised: supportedSet.size - supportedNeverDecoded.length,
    supportedNeverDecoded,
    decodedUnsupported: [...byMnemonic.keys()].filter((m) => !supportedSet.has(m)).sort(),
    byCode: sorted(byCode),
    byMnemonic: sorted(byMnemonic),
  };
}
