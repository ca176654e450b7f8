import { AssertionError } from 'chai';
import type { ScenarioPlatform } from '../../src/scenario/engine/scenario-platform';
import { machineState, traceExcerpt } from '../../src/scenario/engine/scenario-outcome';

/** Fails with what was expected, what happened, and the relevant trace lines. */
export function check(p: ScenarioPlatform, ok: boolean, expected: string, actual: string, traceTypes?: readonly string[]): void {
  if (ok) return;
  const state = machineState(p);
  throw new AssertionError(
    `expected ${expected}\n  but ${actual}\n  machine: ${state.kind}${state.reason ? ` (${state.reason})` : ''}, milestone ${p.machine?.trace.milestone ?? 'none'}\n` +
      `relevant trace:\n${traceExcerpt(p, traceTypes)}`,
  );
}
