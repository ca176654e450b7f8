import type { ScenarioResult } from '../messages/scenario-results';

/**
 * A file-name- and HTML-id-safe name for a scenario, stable across runs: the feature path and line, e.g.
 * `features-boot-lock-feature-L12`. uri:line is unique within a run (outline rows have their own lines).
 */
export function scenarioSlug(s: Pick<ScenarioResult, 'uri' | 'line'>): string {
  const base = s.uri.replace(/^features\//, '').replace(/\.feature$/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
  return `${base || 'scenario'}-L${s.line}`;
}

export function evidenceFileName(slug: string): string {
  return `${slug}.json`;
}
