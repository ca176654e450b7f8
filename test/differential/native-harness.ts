/**
 * Builds and runs the native differential harness (native/harness.c + native/trampoline.S) with the system C
 * compiler. The binary goes to native/build/ (gitignored) and is rebuilt only when a source is newer.
 * All cases of a run go through one process (text protocol documented in harness.c).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

const NATIVE_DIR = join(__dirname, 'native');
const BUILD_DIR = join(NATIVE_DIR, 'build');
const SOURCES = ['harness.c', 'trampoline.S'].map((f) => join(NATIVE_DIR, f));
export const HARNESS_PATH = join(BUILD_DIR, 'harness');

export interface NativeCase {
  code: Uint8Array;
  /** 16 GPRs in encoding order (rax, rcx, …, r15); the RSP slot is ignored by the harness. */
  regs: readonly bigint[];
  rflags: bigint;
}

export type NativeResult =
  | { kind: 'ok'; regs: bigint[]; rflags: bigint }
  | { kind: 'signal'; signal: number }
  | { kind: 'error'; message: string };

/** Why the differential test cannot run on this host, or null when it can. */
export function unsupportedReason(): string | null {
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    return `the host is ${process.platform}/${process.arch}, the native harness needs x86-64 Linux`;
  }
  const probe = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'no C compiler: `cc --version` failed or `cc` is not on PATH';
  return null;
}

/** Compiles the harness when the binary is missing or older than a source; returns its path. */
export function buildHarness(): string {
  const newest = Math.max(...SOURCES.map((s) => statSync(s).mtimeMs));
  if (existsSync(HARNESS_PATH) && statSync(HARNESS_PATH).mtimeMs >= newest) return HARNESS_PATH;
  mkdirSync(BUILD_DIR, { recursive: true });
  // Build under a private name and rename, so concurrently running test files never see half a binary.
  const tmp = `${HARNESS_PATH}.${process.pid}.tmp`;
  const r = spawnSync('cc', ['-O2', '-Wall', '-o', tmp, ...SOURCES], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`building the native differential harness failed (cc exit ${String(r.status)}):\n${r.stderr ?? ''}${String(r.error ?? '')}`);
  }
  renameSync(tmp, HARNESS_PATH);
  return HARNESS_PATH;
}

function hexU64(v: bigint): string {
  return (v & 0xffff_ffff_ffff_ffffn).toString(16);
}

/** The harness input line for one case (also what a person pipes into the harness to replay it). */
export function nativeLine(c: NativeCase): string {
  return [c.code.length === 0 ? '-' : Buffer.from(c.code).toString('hex'), ...c.regs.map(hexU64), hexU64(c.rflags)].join(' ');
}

/** Runs every case in one harness process. */
export function runNative(cases: readonly NativeCase[], harness = buildHarness()): NativeResult[] {
  const input = cases.map(nativeLine).join('\n') + '\n';
  const r = spawnSync(harness, [], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`native harness failed (exit ${String(r.status)}, signal ${String(r.signal)}): ${r.stderr}${String(r.error ?? '')}`);
  }
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== cases.length) {
    throw new Error(`native harness answered ${lines.length} lines for ${cases.length} cases`);
  }
  return lines.map((line): NativeResult => {
    const [tag, ...rest] = line.split(' ');
    if (tag === 'ok' && rest.length === 17) {
      const vals = rest.map((h) => BigInt('0x' + h));
      return { kind: 'ok', regs: vals.slice(0, 16), rflags: vals[16] };
    }
    if (tag === 'signal') return { kind: 'signal', signal: Number(rest[0]) };
    return { kind: 'error', message: line };
  });
}
