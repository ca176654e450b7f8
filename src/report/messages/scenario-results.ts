import type { Envelope, FeatureChild, GherkinDocument, RuleChild } from '@cucumber/messages';
import { EVIDENCE_MEDIA_TYPE, type ScenarioEvidence, digestMatches, parseEvidence } from '../../scenario/evidence';
import { REQUIREMENT_TAG_PREFIX } from '../../scenario/requirements/requirement-id';
import { type ScenarioStatus, statusFromMessage, worstStatus } from './scenario-status';

export interface StepOutcome {
  /** Gherkin keyword with its trailing space (`Given `), or `Before hook` / `After hook`. */
  keyword: string;
  text: string;
  status: ScenarioStatus;
  /** Failure message (first lines of the error) for failed steps. */
  message?: string;
}

/** One executed scenario (a Cucumber test case; its last attempt when retried). */
export interface ScenarioResult {
  /** `uri:line:name` — stable across runs, the key of digests.json. */
  id: string;
  name: string;
  uri: string;
  /** Line of the scenario (of the Examples row for outlines). */
  line: number;
  feature: string;
  tags: string[];
  /** IDs from `@req:<ID>` tags (well-formed or not: a malformed one shows up as an unknown ID), sorted. */
  requirementIds: string[];
  status: ScenarioStatus;
  /** Number of attempts (> 1 when Cucumber retried it). */
  attempts: number;
  /** False when the run ended before the scenario finished (status is then `failed`). */
  finished: boolean;
  steps: StepOutcome[];
  evidence?: ScenarioEvidence;
  /** Why the evidence attachment could not be read. */
  evidenceError?: string;
  /** Whether the evidence digest matches its events (absent without evidence). */
  digestValid?: boolean;
}

export interface RunResults {
  scenarios: ScenarioResult[];
  /** A testRunFinished message was seen (the stream is complete). */
  finished: boolean;
  /** testRunFinished.success, when finished. */
  success?: boolean;
  /** Cucumber and Node versions from the meta message. */
  meta?: { cucumber?: string; runtime?: string };
  /** Step definitions (for step usage): id → pattern and source. */
  stepDefinitions: { id: string; pattern: string; uri?: string; line?: number }[];
  /** IDs of step definitions that matched at least one executed step. */
  usedStepDefinitionIds: Set<string>;
  /** Gherkin parse errors, as `uri:line: message`. */
  parseErrors: string[];
}

function keywordsOf(doc: GherkinDocument | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const addSteps = (steps: readonly { id: string; keyword: string }[] | undefined) => {
    for (const s of steps ?? []) out.set(s.id, s.keyword);
  };
  const visit = (c: FeatureChild | RuleChild) => {
    addSteps(c.background?.steps);
    addSteps(c.scenario?.steps);
    for (const rc of (c as FeatureChild).rule?.children ?? []) visit(rc);
  };
  for (const c of doc?.feature?.children ?? []) visit(c);
  return out;
}

/** Decodes an attachment body (IDENTITY or BASE64). */
function attachmentText(a: { body: string; contentEncoding?: unknown }): string {
  return a.contentEncoding === 'BASE64' ? Buffer.from(a.body, 'base64').toString('utf8') : a.body;
}

function firstLines(s: string | undefined, n = 12): string | undefined {
  if (s === undefined) return undefined;
  const lines = s.split('\n');
  return lines.length > n ? `${lines.slice(0, n).join('\n')}\n…` : s;
}

/**
 * Folds a message stream into one result per test case: pickle name, location and tags; the last attempt's
 * step results; its evidence attachment. Tolerates streams cut short (a scenario that started and never
 * finished is `failed`, not finished).
 */
export function collectRunResults(envelopes: readonly Envelope[]): RunResults {
  const docs = new Map<string, GherkinDocument>();
  const pickles = new Map<string, NonNullable<Envelope['pickle']>>();
  const testCases = new Map<string, NonNullable<Envelope['testCase']>>();
  const lastAttempt = new Map<string, NonNullable<Envelope['testCaseStarted']>>();
  const finishedStarts = new Set<string>();
  const stepResults = new Map<string, Map<string, { status: ScenarioStatus; message?: string }>>();
  const evidenceBodies = new Map<string, string>();
  const hooks = new Map<string, { name: string; type?: string }>();
  const results: RunResults = { scenarios: [], finished: false, stepDefinitions: [], usedStepDefinitionIds: new Set(), parseErrors: [] };

  for (const e of envelopes) {
    if (e.meta) results.meta = { cucumber: e.meta.implementation?.version, runtime: e.meta.runtime ? `${e.meta.runtime.name} ${e.meta.runtime.version ?? ''}`.trim() : undefined };
    else if (e.gherkinDocument?.uri) docs.set(e.gherkinDocument.uri, e.gherkinDocument);
    else if (e.pickle) pickles.set(e.pickle.id, e.pickle);
    else if (e.hook) hooks.set(e.hook.id, { name: e.hook.name ?? '', type: e.hook.type });
    else if (e.stepDefinition) {
      const sd = e.stepDefinition;
      results.stepDefinitions.push({ id: sd.id, pattern: sd.pattern?.source ?? '', uri: sd.sourceReference?.uri, line: sd.sourceReference?.location?.line });
    } else if (e.testCase) testCases.set(e.testCase.id, e.testCase);
    else if (e.testCaseStarted) {
      const s = e.testCaseStarted;
      const prev = lastAttempt.get(s.testCaseId);
      if (prev === undefined || s.attempt >= prev.attempt) lastAttempt.set(s.testCaseId, s);
    } else if (e.testStepFinished) {
      const f = e.testStepFinished;
      let m = stepResults.get(f.testCaseStartedId);
      if (m === undefined) stepResults.set(f.testCaseStartedId, (m = new Map()));
      const r = f.testStepResult;
      m.set(f.testStepId, { status: statusFromMessage(r?.status), message: firstLines(r?.exception?.message ?? r?.message) });
    } else if (e.testCaseFinished) finishedStarts.add(e.testCaseFinished.testCaseStartedId);
    else if (e.attachment) {
      const a = e.attachment;
      // one evidence attachment per scenario; if a World attached twice, the last one is the evidence
      if (a.mediaType === EVIDENCE_MEDIA_TYPE && a.testCaseStartedId) evidenceBodies.set(a.testCaseStartedId, attachmentText(a));
    } else if (e.parseError) {
      const pe = e.parseError;
      results.parseErrors.push(`${pe.source?.uri ?? '?'}:${pe.source?.location?.line ?? '?'}: ${pe.message}`);
    } else if (e.testRunFinished) {
      results.finished = true;
      results.success = e.testRunFinished.success;
    }
  }

  for (const tc of testCases.values()) {
    for (const ts of tc.testSteps) for (const id of ts.stepDefinitionIds ?? []) results.usedStepDefinitionIds.add(id);
    const pickle = pickles.get(tc.pickleId);
    if (pickle === undefined) continue;
    const started = lastAttempt.get(tc.id);
    if (started === undefined) continue; // planned but never started (run aborted or filtered)
    const keywords = keywordsOf(docs.get(pickle.uri));
    const pickleSteps = new Map(pickle.steps.map((s) => [s.id, s]));
    const outcomes = stepResults.get(started.id) ?? new Map();
    const steps: StepOutcome[] = [];
    for (const ts of tc.testSteps) {
      const r = outcomes.get(ts.id);
      const status: ScenarioStatus = r?.status ?? 'unknown';
      if (ts.pickleStepId !== undefined) {
        const ps = pickleSteps.get(ts.pickleStepId);
        steps.push({ keyword: (ps && keywords.get(ps.astNodeIds[0])) ?? '', text: ps?.text ?? '?', status, ...(r?.message ? { message: r.message } : {}) });
      } else if (status !== 'passed' && status !== 'skipped' && status !== 'unknown') {
        // hooks appear only when they did something noteworthy
        const hook = ts.hookId !== undefined ? hooks.get(ts.hookId) : undefined;
        const isBefore = hook?.type !== undefined ? hook.type === 'BEFORE_TEST_CASE' : tc.testSteps.findIndex((x) => x.pickleStepId !== undefined) > tc.testSteps.indexOf(ts);
        steps.push({ keyword: isBefore ? 'Before hook' : 'After hook', text: hook?.name ?? '', status, ...(r?.message ? { message: r.message } : {}) });
      }
    }
    const finished = finishedStarts.has(started.id);
    const status = finished ? worstStatus([...outcomes.values()].map((o) => o.status)) : 'failed';
    if (!finished) steps.push({ keyword: '', text: '(the run ended before this scenario finished)', status: 'failed' });
    const tags = pickle.tags.map((t) => t.name);
    const line = pickle.location?.line ?? 0;
    const result: ScenarioResult = {
      id: `${pickle.uri}:${line}:${pickle.name}`,
      name: pickle.name,
      uri: pickle.uri,
      line,
      feature: docs.get(pickle.uri)?.feature?.name ?? pickle.uri,
      tags,
      requirementIds: [...new Set(tags.filter((t) => t.startsWith(REQUIREMENT_TAG_PREFIX)).map((t) => t.slice(REQUIREMENT_TAG_PREFIX.length)))].sort(),
      status,
      attempts: started.attempt + 1,
      finished,
      steps,
    };
    const body = evidenceBodies.get(started.id);
    if (body !== undefined) {
      try {
        result.evidence = parseEvidence(body, `evidence of ${result.id}`);
        result.digestValid = digestMatches(result.evidence);
      } catch (err) {
        result.evidenceError = (err as Error).message;
      }
    }
    results.scenarios.push(result);
  }
  results.scenarios.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.line - b.line || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  return results;
}
