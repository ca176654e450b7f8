/**
 * Scenario statuses, folded from step results the way Cucumber does (the most severe step result wins).
 * Lower-case names of Cucumber's TestStepResultStatus.
 */
export type ScenarioStatus = 'unknown' | 'passed' | 'skipped' | 'pending' | 'undefined' | 'ambiguous' | 'failed';

/** Severity order, least severe first (Cucumber's own order). */
export const SCENARIO_STATUSES: readonly ScenarioStatus[] = ['unknown', 'passed', 'skipped', 'pending', 'undefined', 'ambiguous', 'failed'];

/** `PASSED` → `passed`; anything unrecognised → `unknown`. */
export function statusFromMessage(s: unknown): ScenarioStatus {
  const lower = typeof s === 'string' ? s.toLowerCase() : '';
  return (SCENARIO_STATUSES as readonly string[]).includes(lower) ? (lower as ScenarioStatus) : 'unknown';
}

/** The most severe status; `unknown` for none. */
export function worstStatus(statuses: Iterable<ScenarioStatus>): ScenarioStatus {
  let worst = 0;
  for (const s of statuses) worst = Math.max(worst, SCENARIO_STATUSES.indexOf(s));
  return SCENARIO_STATUSES[worst];
}

/** Statuses that mean the scenario found a defect (in the product or in the steps). */
export function isFailure(s: ScenarioStatus): boolean {
  return s === 'failed' || s === 'ambiguous';
}
