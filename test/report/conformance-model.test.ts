// The conformance model (src/report/conformance, src/report/messages): scenario results folded from a message
// stream, requirement status folding, summaries, and the verdict `npm run spec` exits with.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { buildEvidence } from '../../src/scenario/evidence';
import {
  type CatalogRequirement, buildConformance, collectRunResults, conformanceVerdict, foldRequirementStatus, parseMessages,
  scenarioSlug, statusFromMessage, withSlugs, worstStatus, isFailure, ReportInputError,
} from '../../src/report';
import { bad, messageStream, ndjson, ok } from './message-fixtures';

const evidence = buildEvidence({ events: [{ type: 'smi', milestone: 'PEI', data: { cpu: 0 } }] });

const catalog: CatalogRequirement[] = [
  { id: 'SUPV-021', statement: 'Only MM_STANDALONE files are dispatched.', source: 'supervisor-facts.md §12 item 21', area: 'dispatch-order', testable: true },
  { id: 'SUPV-022', statement: 'No MM_DEPEX, no dispatch.', source: 'supervisor-facts.md §12 item 22', area: 'dispatch-order', testable: true },
  { id: 'SUPV-045', statement: 'Strict IO entries match exactly.', source: 'supervisor-facts.md §12 item 45', area: 'isolation-policy', testable: true },
  { id: 'SUPV-099', statement: 'Cannot be checked here.', source: 'x', area: 'isolation-policy', testable: false, reason: 'needs hardware' },
];

describe('report: scenario statuses', () => {
  it('maps Cucumber statuses and folds by severity (Cucumber order)', () => {
    expect(statusFromMessage('PASSED')).to.equal('passed');
    expect(statusFromMessage('AMBIGUOUS')).to.equal('ambiguous');
    expect(statusFromMessage('WHATEVER')).to.equal('unknown');
    expect(statusFromMessage(undefined)).to.equal('unknown');
    expect(worstStatus([])).to.equal('unknown');
    expect(worstStatus(['passed', 'skipped'])).to.equal('skipped');
    expect(worstStatus(['passed', 'failed', 'undefined'])).to.equal('failed');
    expect(worstStatus(['pending', 'undefined'])).to.equal('undefined');
    expect(isFailure('ambiguous')).to.equal(true);
    expect(isFailure('undefined')).to.equal(false);
  });
});

describe('report: scenario results from a message stream', () => {
  const stream = messageStream({
    stepDefinitions: ['the platform boots', 'the MM driver {string} never starts', 'an unused step'],
    scenarios: [
      { name: 'boots', line: 3, tags: ['@req:SUPV-021', '@smoke'], steps: [ok(), ok('the MMRAM is locked')], evidence },
      { name: 'refuses', line: 9, tags: ['@req:SUPV-022', '@req:SUPV-021', '@req:SUPV-022'], steps: [ok(), bad()] },
      { name: 'flaky', uri: 'features/b.feature', line: 4, tags: ['@req:SUPV-045'], steps: [ok()], earlierAttempts: [['FAILED']], evidence, base64: true },
      { name: 'crashed', uri: 'features/b.feature', line: 12, steps: [ok()], unfinished: true },
      { name: 'after hook fails', uri: 'features/b.feature', line: 20, steps: [ok()], failingAfterHook: 'attach failed' },
    ],
  });
  const run = collectRunResults(parseMessages(ndjson(stream)));

  it('gives one result per test case, sorted by uri and line, with id uri:line:name', () => {
    expect(run.scenarios.map((s) => s.id)).to.deep.equal([
      'features/b.feature:4:flaky', 'features/b.feature:12:crashed', 'features/b.feature:20:after hook fails',
      'features/sample.feature:3:boots', 'features/sample.feature:9:refuses',
    ]);
    expect(run.finished).to.equal(true);
    expect(run.success).to.equal(true);
    expect(run.meta).to.deep.equal({ cucumber: '12.9.0', runtime: 'node.js 20.20.2' });
  });
  it('reads requirement IDs from @req: tags (sorted, de-duplicated), keeps all tags', () => {
    const s = run.scenarios.find((x) => x.name === 'refuses')!;
    expect(s.requirementIds).to.deep.equal(['SUPV-021', 'SUPV-022']);
    expect(run.scenarios.find((x) => x.name === 'boots')!.tags).to.deep.equal(['@req:SUPV-021', '@smoke']);
  });
  it('folds step results into the scenario status and keeps keywords, texts and failure messages', () => {
    const s = run.scenarios.find((x) => x.name === 'refuses')!;
    expect(s.status).to.equal('failed');
    expect(s.feature).to.equal('Feature of features/sample.feature');
    expect(s.steps).to.deep.equal([
      { keyword: 'Given ', text: 'the platform boots', status: 'passed' },
      { keyword: 'Then ', text: 'the MM driver "A" never starts', status: 'failed', message: 'expected A not to start' },
    ]);
  });
  it('uses the last attempt of a retried scenario', () => {
    const s = run.scenarios.find((x) => x.name === 'flaky')!;
    expect(s.status).to.equal('passed');
    expect(s.attempts).to.equal(2);
  });
  it('reads the evidence attachment (IDENTITY and BASE64) and checks its digest', () => {
    for (const name of ['boots', 'flaky']) {
      const s = run.scenarios.find((x) => x.name === name)!;
      expect(s.evidence, name).to.deep.equal(evidence);
      expect(s.digestValid, name).to.equal(true);
    }
    expect(run.scenarios.find((x) => x.name === 'refuses')!.evidence).to.equal(undefined);
  });
  it('a scenario that never finished is failed and says so', () => {
    const s = run.scenarios.find((x) => x.name === 'crashed')!;
    expect(s.finished).to.equal(false);
    expect(s.status).to.equal('failed');
    expect(s.steps.at(-1)!.text).to.match(/ended before this scenario finished/);
  });
  it('a failing After hook shows as a step and fails the scenario', () => {
    const s = run.scenarios.find((x) => x.name === 'after hook fails')!;
    expect(s.status).to.equal('failed');
    expect(s.steps.at(-1)).to.deep.equal({ keyword: 'After hook', text: 'evidence', status: 'failed', message: 'attach failed' });
  });
  it('records which step definitions were used', () => {
    expect(run.stepDefinitions.map((d) => d.pattern)).to.deep.equal(['the platform boots', 'the MM driver {string} never starts', 'an unused step']);
    const used = run.stepDefinitions.filter((d) => run.usedStepDefinitionIds.has(d.id)).map((d) => d.pattern);
    expect(used).to.deep.equal(['the platform boots', 'the MM driver {string} never starts']);
  });
  it('marks unreadable evidence and evidence whose digest does not match', () => {
    const tampered = JSON.parse(JSON.stringify(evidence));
    tampered.events[0].data.cpu = 1;
    const r = collectRunResults(messageStream({
      scenarios: [
        { name: 'bad json', line: 1, steps: [ok()], evidence: '{not json' },
        { name: 'tampered', line: 5, steps: [ok()], evidence: tampered },
      ],
    }));
    expect(r.scenarios[0].evidenceError).to.match(/evidence of features\/sample\.feature:1:bad json: not JSON/);
    expect(r.scenarios[0].evidence).to.equal(undefined);
    expect(r.scenarios[1].digestValid).to.equal(false);
  });
  it('a stream without testRunFinished is not finished', () => {
    const r = collectRunResults(messageStream({ scenarios: [], unfinished: true }));
    expect(r.finished).to.equal(false);
    expect(r.scenarios).to.deep.equal([]);
  });
  it('collects Gherkin parse errors', () => {
    const r = collectRunResults([{ parseError: { source: { uri: 'features/x.feature', location: { line: 3 } }, message: 'unexpected end of file' } } as never]);
    expect(r.parseErrors).to.deep.equal(['features/x.feature:3: unexpected end of file']);
  });
  it('parseMessages skips blank lines and names the bad line', () => {
    expect(parseMessages('\n{"meta":{}}\n\n')).to.have.length(1);
    expect(() => parseMessages('{"meta":{}}\n{oops', 'reports/messages.ndjson')).to.throw(ReportInputError, /^reports\/messages\.ndjson:2: not a JSON message/)
      .with.property('code', 'REPORT_BAD_MESSAGES');
    expect(() => parseMessages('[1]', 'm')).to.throw(ReportInputError, /m:1: a message must be a JSON object/);
  });
});

describe('report: requirement status folding', () => {
  const cases: [string[], string, RegExp][] = [
    [[], 'not covered', /^no scenario$/],
    [['passed'], 'passed', /^1 scenario passed$/],
    [['passed', 'passed'], 'passed', /^2 scenarios passed$/],
    [['passed', 'failed'], 'failed', /^1 of 2 scenarios failed$/],
    [['ambiguous'], 'failed', /^1 of 1 scenario failed$/],
    [['passed', 'undefined', 'pending'], 'not covered', /^1 of 3 scenarios passed; 1 pending, 1 undefined$/],
    [['skipped'], 'not covered', /^0 of 1 scenario passed; 1 skipped$/],
    [['undefined', 'failed'], 'failed', /1 of 2 scenarios failed/],
  ];
  for (const [statuses, status, reason] of cases) {
    it(`[${statuses.join(', ')}] → ${status}`, () => {
      const r = foldRequirementStatus(statuses as never);
      expect(r.status).to.equal(status);
      expect(r.reason).to.match(reason);
    });
  }
});

describe('report: conformance model', () => {
  const run = collectRunResults(messageStream({
    scenarios: [
      { name: 'dispatches', line: 3, tags: ['@req:SUPV-021'], steps: [ok()], evidence },
      { name: 'no depex', line: 8, tags: ['@req:SUPV-022', '@req:SUPV-021'], steps: [ok(), bad()] },
      { name: 'typo tag', line: 14, tags: ['@req:SUPV-45'], steps: [ok()] },
      { name: 'untagged failing', line: 20, steps: [bad()] },
      { name: 'pending', line: 26, tags: ['@req:SUPV-045'], steps: [{ text: 'later', status: 'PENDING' }] },
    ],
  }));
  const m = buildConformance({
    catalog, catalogPath: 'fixtures/requirements/catalog.yaml', run,
    areas: [{ name: 'isolation-policy', description: 'the gates' }, { name: 'dispatch-order', description: 'order' }, { name: 'smm-entry', description: 'x' }],
    suggest: (id) => (id === 'SUPV-45' ? ['SUPV-045'] : []),
  });

  it('lists every catalog requirement in catalog order with status and scenarios', () => {
    expect(m.requirements.map((r) => [r.id, r.status])).to.deep.equal([
      ['SUPV-021', 'failed'], ['SUPV-022', 'failed'], ['SUPV-045', 'not covered'], ['SUPV-099', 'not covered'],
    ]);
    const r21 = m.requirements[0];
    expect(r21.scenarios.map((s) => [s.name, s.status])).to.deep.equal([['dispatches', 'passed'], ['no depex', 'failed']]);
    expect(r21.scenarios[0]).to.include({ uri: 'features/sample.feature', line: 3, digest: evidence.digest, evidenceFile: 'evidence/sample-L3.json', slug: 'sample-L3' });
    expect(r21.scenarios[1].digest).to.equal(undefined);
    expect(r21.inCatalog).to.equal(true);
    expect(m.requirements[3]).to.include({ testable: false, reason: 'needs hardware', statusReason: 'no scenario' });
  });
  it('summarises requirements, scenarios and areas (catalog area order, descriptions, empty areas kept)', () => {
    expect(m.summary).to.include({ requirements: 4, passed: 0, failed: 2, notCovered: 2, covered: 2, notTestable: 1, scenarios: 5, failuresOutsideCatalog: 1, evidenceProblems: 0 });
    expect(m.summary.scenariosByStatus).to.include({ passed: 2, failed: 2, pending: 1 });
    expect(m.areas).to.deep.equal([
      { area: 'isolation-policy', description: 'the gates', requirements: 2, passed: 0, failed: 0, notCovered: 2, notTestable: 1 },
      { area: 'dispatch-order', description: 'order', requirements: 2, passed: 0, failed: 2, notCovered: 0, notTestable: 0 },
      { area: 'smm-entry', description: 'x', requirements: 0, passed: 0, failed: 0, notCovered: 0, notTestable: 0 },
    ]);
  });
  it('reports tags that name no catalog requirement, with suggestions, and untagged scenarios', () => {
    expect(m.unknownRequirementIds.map((u) => [u.id, u.suggestions, u.scenarios.map((s) => s.name)])).to.deep.equal([['SUPV-45', ['SUPV-045'], ['typo tag']]]);
    expect(m.untaggedScenarios.map((s) => s.name)).to.deep.equal(['untagged failing']);
  });
  it('verdict: fails on failed requirements and on failures outside the catalog', () => {
    const v = conformanceVerdict(m);
    expect(v.ok).to.equal(false);
    expect(v.reasons).to.deep.equal(['2 requirements failed: SUPV-021, SUPV-022', '1 failed scenario outside the catalog']);
  });
  it('verdict: requirements merely not covered do not fail the run', () => {
    const quiet = buildConformance({ catalog, catalogPath: 'c', run: collectRunResults(messageStream({ scenarios: [{ name: 'p', line: 1, tags: ['@req:SUPV-045'], steps: [{ text: 'x', status: 'UNDEFINED' }] }] })) });
    expect(quiet.summary.notCovered).to.equal(4);
    expect(conformanceVerdict(quiet)).to.deep.equal({ ok: true, reasons: [] });
  });
  it('verdict: an empty run (no features) is fine and covers nothing', () => {
    const empty = buildConformance({ catalog, catalogPath: 'c', run: collectRunResults(messageStream({ scenarios: [] })) });
    expect(empty.summary).to.include({ scenarios: 0, covered: 0, notCovered: 4 });
    expect(conformanceVerdict(empty).ok).to.equal(true);
  });
  it('verdict: an incomplete stream or parse errors fail the run', () => {
    const cut = buildConformance({ catalog, catalogPath: 'c', run: collectRunResults(messageStream({ scenarios: [], unfinished: true })) });
    expect(conformanceVerdict(cut).reasons).to.deep.equal(['the Cucumber message stream has no testRunFinished (the run did not complete)']);
    const r = collectRunResults(messageStream({ scenarios: [] }));
    r.parseErrors.push('features/x.feature:1: oops');
    expect(conformanceVerdict(buildConformance({ catalog, catalogPath: 'c', run: r })).reasons).to.deep.equal(['1 feature parse error']);
  });
  it('without a catalog, requirements come from the tags alone', () => {
    const noCat = buildConformance({ catalogPath: 'missing.yaml', run });
    expect(noCat.catalog).to.deep.equal({ path: 'missing.yaml', found: false, requirements: 0 });
    expect(noCat.requirements.map((r) => [r.id, r.status, r.inCatalog])).to.deep.equal([
      ['SUPV-021', 'failed', false], ['SUPV-022', 'failed', false], ['SUPV-045', 'not covered', false], ['SUPV-45', 'passed', false],
    ]);
    expect(noCat.unknownRequirementIds).to.deep.equal([]);
    expect(noCat.areas.map((a) => a.area)).to.deep.equal(['unassigned']);
  });
  it('evidence problems are counted', () => {
    const r = collectRunResults(messageStream({ scenarios: [{ name: 'b', line: 1, steps: [ok()], evidence: '[]' }] }));
    expect(buildConformance({ catalog, catalogPath: 'c', run: r }).summary.evidenceProblems).to.equal(1);
  });
});

describe('report: scenario slugs', () => {
  it('are file- and id-safe, from uri and line', () => {
    expect(scenarioSlug({ uri: 'features/boot/Lock & Load.feature', line: 12 })).to.equal('boot-lock-load-L12');
    expect(scenarioSlug({ uri: '', line: 1 })).to.equal('scenario-L1');
  });
  it('colliding slugs get a numeric suffix', () => {
    const base = { name: 'x', feature: 'f', tags: [], requirementIds: [], status: 'passed' as const, attempts: 1, finished: true, steps: [] };
    const d = withSlugs([
      { ...base, id: 'a', uri: 'features/a-b.feature', line: 1 },
      { ...base, id: 'b', uri: 'features/a/b.feature', line: 1 },
    ]);
    expect(d.map((s) => s.slug)).to.deep.equal(['a-b-L1', 'a-b-L1-2']);
  });
});
