import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a benchmark result as reports/bench/<name>.json (pretty JSON, with the machine it ran on). */
export function writeBenchResult(name: string, result: Record<string, unknown>): string {
  const dir = join(__dirname, '..', 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const os = require('node:os') as typeof import('node:os');
  const body = { benchmark: name, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', ...result };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** Runs `fn` `repeats` times after a warm-up and returns the best (shortest) time in seconds. */
export function bestSeconds(fn: () => void, repeats = 5, warmups = 1): number {
  for (let k = 0; k < warmups; k++) fn();
  let best = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    fn();
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    if (t < best) best = t;
  }
  return best;
}
