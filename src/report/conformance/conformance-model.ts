import { type CatalogArea, type CatalogRequirement, DEFAULT_AREA } from '../catalog/catalog-requirements';
import type { RunResults, ScenarioResult } from '../messages/scenario-results';
import { type ScenarioStatus, SCENARIO_STATUSES, isFailure } from '../messages/scenario-status';
import { evidenceFileName, scenarioSlug } from './scenario-slug';

/** Status of a requirement: some scenario proves it, some scenario refutes it, or nothing says. */
export type RequirementStatus = 'passed' | 'failed' | 'not covered';

/** A scenario as a requirement lists it. */
export interface ScenarioRef {
  id: string;
  name: string;
  uri: string;
  line: number;
  status: ScenarioStatus;
  /** Evidence digest (`sha256:…`) when the scenario attached evidence. */
  digest?: string;
  /** Anchor of the scenario in the HTML report and base name of its evidence files. */
  slug: string;
  /** `evidence/<slug>.json` relative to the reports folder, when there is evidence. */
  evidenceFile?: string;
}

export interface RequirementResult extends CatalogRequirement {
  status: RequirementStatus;
  /** Why this status, in a few words: "2 scenarios passed", "1 of 3 scenarios failed", "no scenario", … */
  statusReason: string;
  /** False when the ID comes only from a `@req:` tag (no catalog was found). */
  inCatalog: boolean;
  scenarios: ScenarioRef[];
}

export interface AreaSummary {
  area: string;
  /** The catalog's one-line description of the area ('' when unknown). */
  description: string;
  requirements: number;
  passed: number;
  failed: number;
  notCovered: number;
  /** Requirements marked testable: false (all of them are also counted in the three above). */
  notTestable: number;
}

export interface ConformanceSummary {
  requirements: number;
  passed: number;
  failed: number;
  notCovered: number;
  /** passed + failed: requirements at least one scenario decided. */
  covered: number;
  notTestable: number;
  scenarios: number;
  scenariosByStatus: Record<ScenarioStatus, number>;
  /** Failed scenarios that trace to no catalog requirement (untagged or with unknown IDs). */
  failuresOutsideCatalog: number;
  /** Scenarios whose evidence digest does not match their events, or whose evidence could not be read. */
  evidenceProblems: number;
}

export interface ConformanceModel {
  schema: 1;
  catalog: { path: string; found: boolean; requirements: number };
  run: { finished: boolean; success?: boolean; cucumber?: string; runtime?: string; parseErrors: string[] };
  summary: ConformanceSummary;
  areas: AreaSummary[];
  requirements: RequirementResult[];
  /** `@req:` IDs found on scenarios that the catalog does not list (tagging mistakes), with close known IDs. */
  unknownRequirementIds: { id: string; suggestions: string[]; scenarios: ScenarioRef[] }[];
  /** Scenarios with no `@req:` tag at all. */
  untaggedScenarios: ScenarioRef[];
  /** Every executed scenario with its details (steps, evidence), in uri/line order. */
  scenarios: ScenarioDetail[];
}

/** A scenario with its details and where the reports put it. */
export interface ScenarioDetail extends ScenarioResult {
  slug: string;
  evidenceFile?: string;
}

/** Gives every scenario a unique slug (a numeric suffix only if two uri/line slugs collide). */
export function withSlugs(scenarios: readonly ScenarioResult[]): ScenarioDetail[] {
  const used = new Set<string>();
  return scenarios.map((s) => {
    let slug = scenarioSlug(s);
    for (let n = 2; used.has(slug); n++) slug = `${scenarioSlug(s)}-${n}`;
    used.add(slug);
    return { ...s, slug, ...(s.evidence ? { evidenceFile: `evidence/${evidenceFileName(slug)}` } : {}) };
  });
}

export function scenarioRef(s: ScenarioDetail): ScenarioRef {
  return {
    id: s.id, name: s.name, uri: s.uri, line: s.line, status: s.status, slug: s.slug,
    ...(s.evidence ? { digest: s.evidence.digest } : {}),
    ...(s.evidenceFile ? { evidenceFile: s.evidenceFile } : {}),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Folds the statuses of a requirement's scenarios: `failed` if any failed (or was ambiguous, or did not
 * finish), `passed` if there is at least one and all passed, otherwise `not covered` (no scenario, or some
 * are pending, undefined or skipped and none failed).
 */
export function foldRequirementStatus(statuses: readonly ScenarioStatus[]): { status: RequirementStatus; reason: string } {
  if (statuses.length === 0) return { status: 'not covered', reason: 'no scenario' };
  const failed = statuses.filter(isFailure).length;
  if (failed > 0) return { status: 'failed', reason: `${failed} of ${plural(statuses.length, 'scenario')} failed` };
  const passed = statuses.filter((s) => s === 'passed').length;
  if (passed === statuses.length) return { status: 'passed', reason: `${plural(passed, 'scenario')} passed` };
  const open = SCENARIO_STATUSES.filter((s) => s !== 'passed' && statuses.includes(s))
    .map((s) => `${statuses.filter((x) => x === s).length} ${s}`);
  return { status: 'not covered', reason: `${passed} of ${plural(statuses.length, 'scenario')} passed; ${open.join(', ')}` };
}

export interface ConformanceInput {
  /** The catalog, or undefined when none was found (requirements then come from the tags alone). */
  catalog?: readonly CatalogRequirement[];
  /** Areas in display order with their descriptions (areas of requirements not listed here follow). */
  areas?: readonly CatalogArea[];
  catalogPath: string;
  run: RunResults;
  /** Close known IDs for an unknown one (the catalog's suggest). */
  suggest?: (unknownId: string) => string[];
}

/** Builds the conformance model: each catalog requirement with its scenarios and status, and the summaries. */
export function buildConformance(input: ConformanceInput): ConformanceModel {
  const { run } = input;
  const details = withSlugs(run.scenarios);
  const byReq = new Map<string, ScenarioDetail[]>();
  for (const s of details) {
    for (const id of s.requirementIds) {
      let list = byReq.get(id);
      if (list === undefined) byReq.set(id, (list = []));
      list.push(s);
    }
  }
  const catalog: CatalogRequirement[] = input.catalog
    ? [...input.catalog]
    : [...byReq.keys()].sort().map((id) => ({ id, statement: '(no requirement catalog was found)', source: '', area: DEFAULT_AREA, testable: true }));
  const known = new Set(catalog.map((r) => r.id));

  const requirements: RequirementResult[] = catalog.map((r) => {
    const scenarios = byReq.get(r.id) ?? [];
    const { status, reason } = foldRequirementStatus(scenarios.map((s) => s.status));
    return { ...r, status, statusReason: reason, inCatalog: input.catalog !== undefined, scenarios: scenarios.map(scenarioRef) };
  });

  const unknownRequirementIds = [...byReq.entries()].filter(([id]) => !known.has(id)).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, list]) => ({ id, suggestions: input.suggest?.(id) ?? [], scenarios: list.map(scenarioRef) }));
  const untaggedScenarios = details.filter((s) => s.requirementIds.length === 0).map(scenarioRef);

  const areaMap = new Map<string, AreaSummary>();
  const newArea = (area: string, description = ''): AreaSummary => ({ area, description, requirements: 0, passed: 0, failed: 0, notCovered: 0, notTestable: 0 });
  for (const a of input.areas ?? []) areaMap.set(a.name, newArea(a.name, a.description));
  for (const r of requirements) {
    let a = areaMap.get(r.area);
    if (a === undefined) areaMap.set(r.area, (a = newArea(r.area)));
    a.requirements++;
    if (r.status === 'passed') a.passed++;
    else if (r.status === 'failed') a.failed++;
    else a.notCovered++;
    if (!r.testable) a.notTestable++;
  }

  const scenariosByStatus = Object.fromEntries(SCENARIO_STATUSES.map((s) => [s, 0])) as Record<ScenarioStatus, number>;
  for (const s of run.scenarios) scenariosByStatus[s.status]++;
  const passed = requirements.filter((r) => r.status === 'passed').length;
  const failed = requirements.filter((r) => r.status === 'failed').length;
  const summary: ConformanceSummary = {
    requirements: requirements.length,
    passed,
    failed,
    notCovered: requirements.length - passed - failed,
    covered: passed + failed,
    notTestable: requirements.filter((r) => !r.testable).length,
    scenarios: run.scenarios.length,
    scenariosByStatus,
    failuresOutsideCatalog: run.scenarios.filter((s) => isFailure(s.status) && !s.requirementIds.some((id) => known.has(id))).length,
    evidenceProblems: run.scenarios.filter((s) => s.evidenceError !== undefined || s.digestValid === false).length,
  };

  return {
    schema: 1,
    catalog: { path: input.catalogPath, found: input.catalog !== undefined, requirements: input.catalog?.length ?? 0 },
    run: { finished: run.finished, success: run.success, cucumber: run.meta?.cucumber, runtime: run.meta?.runtime, parseErrors: run.parseErrors },
    summary,
    areas: [...areaMap.values()],
    requirements,
    unknownRequirementIds,
    untaggedScenarios,
    scenarios: details,
  };
}

/**
 * Whether `npm run spec` should fail: a requirement failed, or a scenario failed that traces to no catalog
 * requirement, or the message stream is incomplete (Cucumber did not finish) or has Gherkin parse errors.
 * Requirements that are merely not covered do not fail the run.
 */
export function conformanceVerdict(m: ConformanceModel): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!m.run.finished) reasons.push('the Cucumber message stream has no testRunFinished (the run did not complete)');
  if (m.run.parseErrors.length > 0) reasons.push(`${plural(m.run.parseErrors.length, 'feature parse error')}`);
  if (m.summary.failed > 0) reasons.push(`${plural(m.summary.failed, 'requirement')} failed: ${m.requirements.filter((r) => r.status === 'failed').map((r) => r.id).join(', ')}`);
  if (m.summary.failuresOutsideCatalog > 0) reasons.push(`${plural(m.summary.failuresOutsideCatalog, 'failed scenario')} outside the catalog`);
  return { ok: reasons.length === 0, reasons };
}
