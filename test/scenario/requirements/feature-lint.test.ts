import { describe, it } from 'node:test';
import { expect } from 'chai';
import { lintDryRun } from '../../../src/scenario/requirements/feature-lint';
import { loadRequirementCatalog } from '../../../src/scenario/requirements/requirement-catalog';

const catalog = loadRequirementCatalog();
function stream(tags: string[], defs: number[]): string {
  const doc = { gherkinDocument: { uri: 'features/x.feature', feature: { children: [{ scenario: { id: 's1', location: { line: 7, column: 3 }, steps: [] } }] } } };
  const pickle = { pickle: { id: 'p1', uri: 'features/x.feature', name: 'A scenario', astNodeIds: ['s1'], tags: tags.map((name) => ({ name })), steps: defs.map((_, i) => ({ id: `ps${i}`, text: `step ${i}` })) } };
  const tc = { testCase: { id: 'tc1', pickleId: 'p1', testSteps: defs.map((n, i) => ({ id: `t${i}`, pickleStepId: `ps${i}`, stepDefinitionIds: Array.from({ length: n }, (_, k) => `d${k}`) })) } };
  return [doc, pickle, tc].map((m) => JSON.stringify(m)).join('\n');
}

describe('feature lint over a dry run (issue 6 acceptance 2)', () => {
  it('a tagged scenario whose steps each have one definition is clean', () => {
    expect(lintDryRun(stream(['@req:SUPV-001'], [1, 1]), catalog)).to.deep.equal([]);
  });
  it('reports undefined and ambiguous steps with file:line', () => {
    const p = lintDryRun(stream(['@req:SUPV-001'], [0, 2]), catalog);
    expect(p.map((x) => x.problem)).to.deep.equal(['undefined step: "step 0"', 'ambiguous step (2 definitions match): "step 1"']);
    expect(p[0]).to.include({ uri: 'features/x.feature', line: 7 });
  });
  it('reports a scenario without @req: and an unknown ID with alternatives', () => {
    expect(lintDryRun(stream(['@smoke'], [1]), catalog)[0].problem).to.match(/no @req: tag/);
    expect(lintDryRun(stream(['@req:SUPV-200'], [1]), catalog)[0].problem).to.match(/unknown requirement SUPV-200/);
  });
});
