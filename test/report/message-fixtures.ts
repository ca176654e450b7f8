// Synthetic Cucumber message streams for the report tests: the envelopes Cucumber 12 writes (meta, source,
// gherkinDocument, pickle, stepDefinition, testRunStarted, testCase, testCaseStarted, testStep*, attachment,
// testCaseFinished, testRunFinished), with deterministic ids, built from a short description of each scenario.
import type { Envelope } from '@cucumber/messages';
import { EVIDENCE_MEDIA_TYPE, type ScenarioEvidence } from '../../src/scenario/evidence';

export type FakeStatus = 'PASSED' | 'FAILED' | 'SKIPPED' | 'PENDING' | 'UNDEFINED' | 'AMBIGUOUS' | 'UNKNOWN';

export interface FakeStep {
  text: string;
  keyword?: string;
  status: FakeStatus;
  message?: string;
  /** Index into the stream's step definitions (none: undefined step). */
  def?: number;
}

export interface FakeScenario {
  name: string;
  uri?: string;
  line: number;
  tags?: string[];
  steps: FakeStep[];
  /** Evidence to attach (an object is JSON-encoded, a string is attached as is). */
  evidence?: ScenarioEvidence | string;
  /** Attach the evidence BASE64-encoded. */
  base64?: boolean;
  /** Earlier attempts (retries) with their step statuses; the last attempt uses `steps`. */
  earlierAttempts?: FakeStatus[][];
  /** Leave the last attempt without testCaseFinished (a crashed worker). */
  unfinished?: boolean;
  /** A failing After hook with this message. */
  failingAfterHook?: string;
}

export interface FakeRun {
  scenarios: FakeScenario[];
  /** Step-definition patterns (default: DEFAULT_STEP_DEFINITIONS). */
  stepDefinitions?: string[];
  /** Omit testRunFinished (a run cut short). */
  unfinished?: boolean;
  success?: boolean;
}

/** Step definitions of a stream that names none: the patterns of `ok()` and `bad()`. */
export const DEFAULT_STEP_DEFINITIONS = ['the platform boots', 'the MM driver {string} never starts'];

export function messageStream(run: FakeRun): Envelope[] {
  let n = 0;
  const id = (p: string) => `${p}-${++n}`;
  const ts = { seconds: 0, nanos: 0 };
  const env: Record<string, unknown>[] = [];
  env.push({ meta: { protocolVersion: '32.2.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node.js', version: '20.20.2' }, os: { name: 'linux' }, cpu: { name: 'x64' } } });
  const byUri = new Map<string, FakeScenario[]>();
  for (const s of run.scenarios) {
    const uri = s.uri ?? 'features/sample.feature';
    byUri.set(uri, [...(byUri.get(uri) ?? []), s]);
  }
  const defs = (run.stepDefinitions ?? DEFAULT_STEP_DEFINITIONS).map((pattern, i) => ({ id: id('def'), pattern: { source: pattern, type: 'CUCUMBER_EXPRESSION' }, sourceReference: { uri: 'steps/sample.steps.ts', location: { line: 10 + i } } }));
  const hookId = id('hook');
  const plan: { s: FakeScenario; uri: string; pickleId: string; stepIds: string[] }[] = [];
  for (const [uri, list] of byUri) {
    env.push({ source: { uri, data: '(synthetic)', mediaType: 'text/x.cucumber.gherkin+plain' } });
    const children = list.map((s) => {
      const astSteps = s.steps.map((st, i) => ({ id: id('ast-step'), keyword: st.keyword ?? (i === 0 ? 'Given ' : 'Then '), text: st.text, location: { line: s.line + 1 + i, column: 5 } }));
      const scenarioId = id('ast-scenario');
      const pickleId = id('pickle');
      const pickleSteps = s.steps.map((st, i) => ({ id: id('pickle-step'), text: st.text, astNodeIds: [astSteps[i].id], type: 'Context' }));
      plan.push({ s, uri, pickleId, stepIds: pickleSteps.map((p) => p.id) });
      env.push({ pickle: { id: pickleId, uri, location: { line: s.line, column: 3 }, name: s.name, language: 'en', steps: pickleSteps, tags: (s.tags ?? []).map((t) => ({ name: t, astNodeId: 'tag' })), astNodeIds: [scenarioId] } });
      return { scenario: { id: scenarioId, keyword: 'Scenario', name: s.name, location: { line: s.line, column: 3 }, steps: astSteps, tags: [], examples: [], description: '' } };
    });
    env.splice(env.length - list.length, 0, { gherkinDocument: { uri, comments: [], feature: { name: `Feature of ${uri}`, keyword: 'Feature', language: 'en', description: '', location: { line: 1, column: 1 }, tags: [], children } } });
  }
  for (const d of defs) env.push({ stepDefinition: d });
  env.push({ hook: { id: hookId, name: 'evidence', type: 'AFTER_TEST_CASE', sourceReference: { uri: 'steps/hooks.ts', location: { line: 3 } } } });
  const runId = id('run');
  env.push({ testRunStarted: { id: runId, timestamp: ts } });
  const cases = plan.map((p) => {
    const testSteps = p.s.steps.map((st, i) => ({ id: id('test-step'), pickleStepId: p.stepIds[i], stepDefinitionIds: st.def !== undefined && defs[st.def] ? [defs[st.def].id] : [], stepMatchArgumentsLists: [] }));
    const hookStep = p.s.failingAfterHook !== undefined ? { id: id('test-step'), hookId } : undefined;
    const tc = { id: id('test-case'), pickleId: p.pickleId, testRunStartedId: runId, testSteps: hookStep ? [...testSteps, hookStep] : testSteps };
    env.push({ testCase: tc });
    return { p, tc, hookStep };
  });
  for (const { p, tc, hookStep } of cases) {
    const attempts = [...(p.s.earlierAttempts ?? []), p.s.steps.map((x) => x.status)];
    attempts.forEach((statuses, attempt) => {
      const last = attempt === attempts.length - 1;
      const startedId = id('started');
      env.push({ testCaseStarted: { id: startedId, testCaseId: tc.id, attempt, timestamp: ts } });
      tc.testSteps.slice(0, p.s.steps.length).forEach((step, i) => {
        env.push({ testStepStarted: { testCaseStartedId: startedId, testStepId: step.id, timestamp: ts } });
        if (last && i === p.s.steps.length - 1 && p.s.evidence !== undefined) {
          const text = typeof p.s.evidence === 'string' ? p.s.evidence : JSON.stringify(p.s.evidence);
          env.push({ attachment: { testCaseStartedId: startedId, testStepId: step.id, mediaType: EVIDENCE_MEDIA_TYPE, contentEncoding: p.s.base64 ? 'BASE64' : 'IDENTITY', body: p.s.base64 ? Buffer.from(text).toString('base64') : text, timestamp: ts } });
        }
        const msg = last ? p.s.steps[i].message : undefined;
        env.push({ testStepFinished: { testCaseStartedId: startedId, testStepId: step.id, timestamp: ts, testStepResult: { status: statuses[i], duration: ts, ...(msg ? { message: msg, exception: { type: 'Error', message: msg } } : {}) } } });
      });
      if (last && hookStep) {
        env.push({ testStepFinished: { testCaseStartedId: startedId, testStepId: hookStep.id, timestamp: ts, testStepResult: { status: 'FAILED', duration: ts, message: p.s.failingAfterHook } } });
      }
      if (!(last && p.s.unfinished)) env.push({ testCaseFinished: { testCaseStartedId: startedId, timestamp: ts, willBeRetried: !last } });
    });
  }
  if (!run.unfinished) env.push({ testRunFinished: { testRunStartedId: runId, timestamp: ts, success: run.success ?? true } });
  return env as Envelope[];
}

export function ndjson(envelopes: readonly Envelope[]): string {
  return envelopes.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** A passing step and a failing step, for brevity. */
export const ok = (text = 'the platform boots'): FakeStep => ({ text, status: 'PASSED', def: 0 });
export const bad = (text = 'the MM driver "A" never starts', message = 'expected A not to start'): FakeStep => ({ text, status: 'FAILED', message, def: 1 });
