import { Code, Mnemonic } from 'iced-x86';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Set to `1` (→ reports/coverage under the working directory) or to a folder to record opcode coverage. */
export const OPCODE_COVERAGE_ENV = 'MMSPEC_OPCODE_COVERAGE';

/** The JSON written per process: `opcodes-<pid>.json`. */
export interface OpcodeCoverageFile {
  schema: 1;
  pid: number;
  /** Number of decodes recorded (cached code is decoded once per physical page and offset). */
  decodes: number;
  /** iced `Code` name → number of decodes. */
  codes: Record<string, number>;
  /** iced `Mnemonic` name → number of decodes. */
  mnemonics: Record<string, number>;
}

let codeLimit = 0;
for (const v of Object.values(Code)) if (typeof v === 'number' && v >= codeLimit) codeLimit = v + 1;

/**
 * Which instruction forms the emulator decoded, counted at decode time (not per execution: decoded code is
 * cached per physical page, so this costs nothing in a hot loop). Two typed arrays indexed by iced `Code`.
 */
export class OpcodeCoverage {
  private readonly counts = new Uint32Array(codeLimit);
  private readonly mnemonicOf = new Uint16Array(codeLimit);

  record(code: number, mnemonic: number): void {
    this.counts[code]++;
    this.mnemonicOf[code] = mnemonic;
  }

  /** Counts by iced Code and Mnemonic name, keys sorted. */
  toJson(pid: number): OpcodeCoverageFile {
    const codes: [string, number][] = [];
    const mnemonics = new Map<string, number>();
    let decodes = 0;
    for (let c = 0; c < this.counts.length; c++) {
      const n = this.counts[c];
      if (n === 0) continue;
      decodes += n;
      codes.push([Code[c] ?? `Code${c}`, n]);
      const m = Mnemonic[this.mnemonicOf[c]] ?? `Mnemonic${this.mnemonicOf[c]}`;
      mnemonics.set(m, (mnemonics.get(m) ?? 0) + n);
    }
    const sorted = (e: [string, number][]) => Object.fromEntries(e.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { schema: 1, pid, decodes, codes: sorted(codes), mnemonics: sorted([...mnemonics.entries()]) };
  }

  /** Writes `opcodes-<pid>.json` into `dir` (created if needed); nothing when nothing was decoded. */
  writeTo(dir: string, pid: number): string | undefined {
    const data = this.toJson(pid);
    if (data.decodes === 0) return undefined;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `opcodes-${pid}.json`);
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
    return file;
  }
}

/** The folder `MMSPEC_OPCODE_COVERAGE` asks for, or undefined when it is unset, empty, `0` or `false`. */
export function opcodeCoverageDir(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const v = env[OPCODE_COVERAGE_ENV]?.trim();
  if (v === undefined || v === '' || v === '0' || v.toLowerCase() === 'false') return undefined;
  if (v === '1' || v.toLowerCase() === 'true' || v.toLowerCase() === 'yes') return join(cwd, 'reports', 'coverage');
  return resolve(cwd, v);
}

function fromEnvironment(): OpcodeCoverage | null {
  const dir = opcodeCoverageDir(process.env, process.cwd());
  if (dir === undefined) return null;
  const cov = new OpcodeCoverage();
  process.once('exit', () => {
    try {
      cov.writeTo(dir, process.pid);
    } catch (e) {
      process.stderr.write(`mmspec: could not write opcode coverage into ${dir}: ${(e as Error).message}\n`);
    }
  });
  return cov;
}

/**
 * The process's recorder, or null (the default) when opcode coverage is off. Deliberately per process, the
 * one exception to "no module-level mutable state": it is opt-in, write-only (nothing in the emulator reads
 * it, so it cannot change an outcome), and Cucumber's parallel workers are separate processes, each writing
 * its own file at exit; the report merges them.
 */
export const PROCESS_OPCODE_COVERAGE: OpcodeCoverage | null = fromEnvironment();
