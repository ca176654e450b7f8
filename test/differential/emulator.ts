/**
 * The emulator side of the differential test: one case through src/cpu/snippet.ts `runSnippet`.
 */
import { runSnippet, type GprName as CpuGprName } from '../../src/cpu/snippet';
import { GPR_NAMES, RSP } from './generator';

export type EmulatorResult =
  | { kind: 'ok'; regs: bigint[]; rflags: bigint }
  | { kind: 'exception'; vector: number; errorCode: number; rip: bigint; reason?: string }
  | { kind: 'threw'; message: string };

/** Runs `code` at CPL0 from the given GPRs (RSP excluded: the snippet runner owns the stack) and RFLAGS. */
export function runEmulator(code: Uint8Array, regs: readonly bigint[], rflags: bigint): EmulatorResult {
  const init: Partial<Record<CpuGprName | 'rflags', bigint>> = { rflags };
  GPR_NAMES.forEach((name, i) => { if (i !== RSP) init[name] = regs[i]; });
  try {
    const out = runSnippet(code, { regs: init, cpl: 0 });
    if (out.kind === 'exception') {
      const reason = (out as { reason?: unknown }).reason;
      return { kind: 'exception', vector: out.vector, errorCode: out.errorCode, rip: out.rip, reason: typeof reason === 'string' ? reason : undefined };
    }
    return { kind: 'ok', regs: GPR_NAMES.map((n) => out.regs[n]), rflags: out.rflags };
  } catch (e) {
    return { kind: 'threw', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
