// The report writers (src/report/writers): conformance.json / .md / .html, the SVG pictures, and escaping of
// everything that comes from features, steps, the catalog and the evidence.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { buildEvidence } from '../../src/scenario/evidence';
import {
  type CatalogRequirement, type ReportBundle, buildConformance, buildPolicyCoverage, collectRunResults, conformanceHtml, conformanceJson,
  conformanceMarkdown, dispatchStatusColor, dispatchTimelineSvg, escapeHtml, escapeMarkdown, htmlId, humanSize, markdownCode, memoryMapSvg,
  requirementCoverage, summarizeOpcodeCoverage, MAX_TRACE_ROWS,
} from '../../src/report';
import { bad, messageStream, ok } from './message-fixtures';

const HOSTILE = '<script>alert("x")</script> & \'q\' | *b* `c`';

const evidence = buildEvidence({
  events: [
    { type: 'smi', milestone: 'PEI', data: { cpu: 0, port: 0xb2n } },
    { type: 'policy-decision', milestone: 'runtime', data: { note: HOSTILE } },
  ],
  memoryMap: {
    regions: [
      { base: '0x7f000000', size: '0x1000000', kind: 'mmram', label: `TSEG ${HOSTILE}`, attributes: 'supervisor RW NX' },
      { base: '0x0', size: '0xa0000', kind: 'dram', label: 'low DRAM' },
      { base: '0x10000000', size: '0x10000000', kind: 'dram', label: 'system memory' },
      { base: '0x10000000', size: '0x2000', kind: 'unblocked', label: 'unblocked', attributes: 'user RW NX' },
    ],
  },
  dispatchOrder: [
    { name: 'MmSupervisorRing3Broker', guid: 'g1', status: 'started' },
    { name: `Evil ${HOSTILE}`, guid: 'g2', status: 'EFI_ACCESS_DENIED' },
  ],
  policyEntries: [{ policy: 'p.xml', kind: 'io', index: 1 }],
});

const catalog: CatalogRequirement[] = [
  { id: 'SUPV-021', statement: `Statement with ${HOSTILE}`, source: 'supervisor-facts.md §12 item 21', area: 'dispatch-order', testable: true },
  { id: 'SUPV-022', statement: 'Plain.', source: 'supervisor-facts.md §12 item 22', area: 'dispatch-order', testable: true },
  { id: 'SUPV-099', statement: 'Untestable.', source: 'x', area: 'smm-entry', testable: false, reason: 'needs <hardware>' },
];

function bundle(): ReportBundle {
  const run = collectRunResults(messageStream({
    stepDefinitions: ['the platform boots', 'the MM driver {string} never starts', 'an unused <step>'],
    scenarios: [
      { name: `Scenario ${HOSTILE}`, line: 3, tags: ['@req:SUPV-021'], steps: [ok(), ok(`text ${HOSTILE}`)], evidence },
      { name: 'fails', line: 9, tags: ['@req:SUPV-022'], steps: [ok(), bad('it fails', `boom ${HOSTILE}\n\`\`\` fence`)] },
      { name: 'typo', line: 15, tags: ['@req:SUPV-21'], steps: [ok()] },
      { name: 'untagged', line: 20, steps: [ok()] },
    ],
  }));
  const conformance = buildConformance({
    catalog, catalogPath: 'fixtures/requirements/catalog.yaml', run,
    areas: [{ name: 'dispatch-order', description: `order ${HOSTILE}` }, { name: 'smm-entry', description: 'SMM' }],
    suggest: () => ['SUPV-021'],
  });
  return {
    conformance,
    coverage: {
      requirements: requirementCoverage(conformance),
      policies: buildPolicyCoverage(run.scenarios, (p) => (p === 'p.xml' ? { io: 3, msr: 1 } : undefined)),
      opcodes: summarizeOpcodeCoverage([{ schema: 1, pid: 1, decodes: 5, codes: { Add_rm64_r64: 4, Syscall: 1 }, mnemonics: { Add: 4, Syscall: 1 } }], ['Add', 'Mov', 'Syscall']),
      steps: { from: 'messages', definitions: 3, used: 2, unused: [{ pattern: 'an unused <step>', uri: 'steps/x.ts', line: 3 }] },
    },
  };
}

describe('report: escaping', () => {
  it('escapeHtml escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('escapeMarkdown neutralises Markdown punctuation, inline HTML and line breaks', () => {
    expect(escapeMarkdown('a|b *c* _d_ [e](f) <g> & `h`\nnext #1 ~x~ \\')).to.equal(
      'a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;g&gt; &amp; \\`h\\` next \\#1 \\~x\\~ \\\\');
  });
  it('markdownCode uses a fence longer than any backtick run inside', () => {
    expect(markdownCode('plain')).to.equal('`plain`');
    expect(markdownCode('a`b')).to.equal('``a`b``');
    expect(markdownCode('`x`')).to.equal('`` `x` ``');
  });
  it('htmlId keeps only id-safe characters', () => {
    expect(htmlId('SUPV-021')).to.equal('SUPV-021');
    expect(htmlId('a b<c>"d')).to.equal('a-b-c--d');
  });
});

describe('report: conformance.json', () => {
  const json = JSON.parse(conformanceJson(bundle()));
  it('lists each requirement with id, statement, source, status and its scenarios (name, uri, line, status, digest)', () => {
    expect(json.schema).to.equal(1);
    expect(json.requirements).to.have.length(3);
    const r = json.requirements[0];
    expect(r).to.include({ id: 'SUPV-021', statement: `Statement with ${HOSTILE}`, source: 'supervisor-facts.md §12 item 21', status: 'passed', area: 'dispatch-order' });
    expect(r.scenarios).to.deep.equal([{ name: `Scenario ${HOSTILE}`, uri: 'features/sample.feature', line: 3, status: 'passed', digest: evidence.digest, evidence: 'evidence/sample-L3.json' }]);
    expect(json.requirements[1]).to.include({ id: 'SUPV-022', status: 'failed', statusReason: '1 of 1 scenario failed' });
    expect(json.requirements[1].scenarios[0].digest).to.equal(null);
    expect(json.requirements[2]).to.include({ id: 'SUPV-099', status: 'not covered', testable: false, reason: 'needs <hardware>' });
  });
  it('carries the summary, areas, tagging problems and coverage', () => {
    expect(json.summary).to.include({ requirements: 3, passed: 1, failed: 1, notCovered: 1, scenarios: 4 });
    expect(json.areas.map((a: { area: string }) => a.area)).to.deep.equal(['dispatch-order', 'smm-entry']);
    expect(json.unknownRequirementIds).to.deep.equal([{ id: 'SUPV-21', suggestions: ['SUPV-021'], scenarios: [{ name: 'typo', uri: 'features/sample.feature', line: 15, status: 'passed' }] }]);
    expect(json.untaggedScenarios.map((s: { name: string }) => s.name)).to.deep.equal(['untagged']);
    expect(json.coverage.requirements).to.deep.equal({ total: 3, testable: 2, covered: 2, percent: 100 });
    expect(json.coverage.policies[0]).to.deep.include({ policy: 'p.xml', exercised: 1, total: 4 });
    expect(json.coverage.opcodes).to.include({ codes: 2, mnemonics: 2, supported: 3, supportedExercised: 2 });
    expect(json.coverage.opcodes.supportedNeverDecoded).to.deep.equal(['Mov']);
    expect(json.coverage.steps.unused).to.have.length(1);
    expect(json.scenarios[0]).to.include({ id: `features/sample.feature:3:Scenario ${HOSTILE}`, digest: evidence.digest, digestValid: true });
  });
  it('is deterministic: the same input gives the same bytes', () => {
    expect(conformanceJson(bundle())).to.equal(conformanceJson(bundle()));
  });
});

describe('report: conformance.md', () => {
  const md = conformanceMarkdown(bundle());
  it('starts with the summary table', () => {
    const lines = md.split('\n');
    expect(lines[0]).to.equal('# MM Supervisor conformance report');
    expect(md).to.contain('| Requirements | Passed | Failed | Not covered | Not testable | Scenarios |\n|---|---|---|---|---|---|\n| 3 | 1 | 1 | 1 | 1 | 4 |');
  });
  it('has one section per requirement with a scenario table and evidence links', () => {
    expect(md).to.contain('### SUPV-021 — PASS');
    expect(md).to.contain('### SUPV-022 — FAIL');
    expect(md).to.contain('### SUPV-099 — not covered');
    expect(md).to.contain(`| features/sample.feature:3 | passed | [\`${evidence.digest.slice(0, 19)}\`](evidence/sample-L3.json) |`);
    expect(md).to.contain('not testable: needs &lt;hardware&gt;');
  });
  it('escapes hostile text: no raw HTML outside code, no broken table cells', () => {
    // inside fenced code blocks text is shown literally, so the failure message may keep its <script>
    expect(md.replace(/```text\n[\s\S]*?\n```/g, '')).not.to.contain('<script>');
    expect(md).to.contain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; \'q\' \\| \\*b\\* \\`c\\`');
    for (const line of md.split('\n').filter((l) => l.startsWith('| ') && l.includes('Scenario'))) {
      // every table row has the same number of unescaped pipes as its header
      expect(line.replace(/\\\|/g, '').split('|').length, line).to.be.oneOf([6, 8]);
    }
  });
  it('lists coverage, tagging problems and failures (fenced failure messages stay fenced)', () => {
    expect(md).to.contain('Policy `p.xml`: 1 of 4 entries exercised by 1 scenario(s).');
    expect(md).to.contain('| io | 1 | 3 | 0, 2 |');
    expect(md).to.contain('| msr | — | 1 | 0 |');
    expect(md).to.contain('x86 opcodes: 2 instruction forms (2 mnemonics) decoded; 2 of the 3 mnemonics the emulator implements were exercised.');
    expect(md).to.contain('Step definitions: 2 of 3 used.');
    expect(md).to.contain('- unused: `an unused <step>` (steps/x.ts:3)');
    expect(md).to.contain('- `@req:SUPV-21` (did you mean SUPV-021?): features/sample.feature:15');
    expect(md).to.contain('## Scenarios with no requirement tag');
    const fence = md.slice(md.indexOf('```text'));
    expect(fence.split('\n').filter((l) => l === '```')).to.have.length(1);
  });
  it('says when there is no catalog, the run is incomplete, or nothing ran', () => {
    const run = collectRunResults(messageStream({ scenarios: [], unfinished: true }));
    const conformance = buildConformance({ catalogPath: 'nowhere.yaml', run });
    const text = conformanceMarkdown({ conformance, coverage: { requirements: requirementCoverage(conformance), policies: [] } });
    expect(text).to.contain('> No requirement catalog at `nowhere.yaml`');
    expect(text).to.contain('**The Cucumber run did not complete**');
    expect(text).to.contain('Scenarios: none ran.');
    expect(text).to.contain('Policy entries: no scenario evidence names a policy entry.');
    expect(text).to.contain('no opcode coverage was recorded');
  });
});

describe('report: conformance.html', () => {
  const html = conformanceHtml(bundle());
  it('is one self-contained page: no script, no external asset', () => {
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(html).not.to.match(/<script/i);
    expect(html).not.to.match(/\b(src|href)="(https?:)?\/\//i);
    expect(html).not.to.match(/<link\b/i);
    expect(html).not.to.match(/@import|url\((?!#)/i);
  });
  it('has the summary at the top, then areas, coverage, requirements and scenarios', () => {
    const order = ['id="summary"', 'id="areas"', 'id="coverage"', 'id="requirements"', 'id="scenarios"'].map((s) => html.indexOf(s));
    expect(order.every((p) => p > 0)).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
    expect(html).to.contain('<p class="verdict bad">1 requirement failed.</p>');
    expect(html).to.contain('<div class="card passed"><span class="n">1</span>passed</div>');
  });
  it('escapes every hostile text', () => {
    expect(html).not.to.contain('<script>alert');
    expect(html.match(/&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;q&#39;/g)!.length).to.be.greaterThan(5);
    expect(html).to.contain('needs &lt;hardware&gt;');
  });
  it('has a section per requirement and per scenario, linked both ways', () => {
    for (const id of ['req-SUPV-021', 'req-SUPV-022', 'req-SUPV-099', 'sc-sample-L3', 'sc-sample-L9']) expect(html).to.contain(`id="${id}"`);
    expect(html).to.contain('<a href="#sc-sample-L3">');
    expect(html).to.contain('<a href="#req-SUPV-021">SUPV-021</a>');
    expect(html).to.contain(`href="evidence/sample-L3.json"`);
  });
  it('puts evidence traces, the memory map and the dispatch order in collapsible sections', () => {
    expect(html).to.contain('<details><summary>Event trace (2 events)</summary>');
    expect(html).to.contain('<tr><td>0</td><td>PEI</td><td>smi</td><td>cpu=0 port=0xb2</td></tr>');
    expect(html).to.contain('<td>note="&lt;script&gt;alert(\\"x\\")&lt;/script&gt; &amp; \'q\' | *b* `c`"</td>');
    expect(html).to.contain('<details><summary>Physical memory map (4 regions)</summary><svg class="memory-map"');
    expect(html).to.contain('<details><summary>Dispatch order (2 drivers)</summary><svg class="dispatch-order"');
  });
  it('draws identical pictures once (symbol/use) and shows identical traces once', () => {
    const run = collectRunResults(messageStream({
      scenarios: [1, 5, 9].map((line) => ({ name: `s${line}`, line, steps: [ok()], evidence })),
    }));
    const conformance = buildConformance({ catalogPath: 'c', catalog: [], run });
    const page = conformanceHtml({ conformance, coverage: { requirements: requirementCoverage(conformance), policies: [] } });
    expect(page.match(/<symbol id="pic-\d+"/g)).to.have.length(2); // one memory map, one dispatch order
    expect(page.match(/<use href="#pic-1"/g)).to.have.length(3);
    expect(page.match(/<use href="#pic-2"/g)).to.have.length(3);
    expect(page.match(/<marker id="arrowhead"/g)).to.have.length(1);
    expect(page.match(/<table class="trace">/g)).to.have.length(1);
    expect(page.match(/the same as <a href="#sc-sample-L1">s1<\/a> \(same digest\)/g)).to.have.length(2);
    // the pictures carry their own presentation attributes: no <style> or class inside that could leak into the page
    const sprite = page.slice(page.indexOf('<svg width="0"'));
    expect(sprite).not.to.match(/<style|class=/);
  });
  it('caps the trace table and points to the evidence JSON', () => {
    const many = buildEvidence({ events: Array.from({ length: MAX_TRACE_ROWS + 5 }, (_, i) => ({ type: 'tick', milestone: 'DXE', data: { i } })) });
    const run = collectRunResults(messageStream({ scenarios: [{ name: 'long', line: 1, steps: [ok()], evidence: many }] }));
    const conformance = buildConformance({ catalogPath: 'c', catalog: [], run });
    const page = conformanceHtml({ conformance, coverage: { requirements: requirementCoverage(conformance), policies: [] } });
    expect(page.match(/<tr><td>\d+<\/td>/g)).to.have.length(MAX_TRACE_ROWS);
    expect(page).to.contain('5 more events in the evidence JSON.');
    expect(page).to.contain('No requirements.');
    expect(page).to.contain('No opcode coverage was recorded');
    expect(page).to.contain('No step usage available.');
  });
  it('shows unreadable evidence and digest mismatches', () => {
    const tampered = JSON.parse(JSON.stringify(evidence));
    tampered.events.pop();
    const run = collectRunResults(messageStream({ scenarios: [{ name: 'a', line: 1, steps: [ok()], evidence: tampered }, { name: 'b', line: 5, steps: [ok()], evidence: '{' }] }));
    const conformance = buildConformance({ catalogPath: 'c', catalog: [], run });
    const page = conformanceHtml({ conformance, coverage: { requirements: requirementCoverage(conformance), policies: [] } });
    expect(page).to.contain('digest does not match the events');
    expect(page).to.contain('Evidence unreadable: evidence of features/sample.feature:5:b: not JSON');
    expect(page).to.contain('2 scenario(s) have unreadable evidence');
  });
});

describe('report: SVG pictures', () => {
  it('memory map: one row per region in address order, nested regions indented, holes marked, text escaped', () => {
    const svg = memoryMapSvg(evidence.memoryMap!.regions);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    const ranges = [...svg.matchAll(/<text x="8" y="\d+">([^<]+)</g)].map((m) => m[1]);
    expect(ranges).to.deep.equal(['0x00000000–0x0009FFFF', '0x10000000–0x1FFFFFFF', '0x10000000–0x10001FFF', '0x7F000000–0x7FFFFFFF']);
    // the unblocked range inside system memory is indented one level
    const xs = [...svg.matchAll(/<rect x="(\d+)"/g)].map((m) => Number(m[1]));
    expect(xs.map((x) => x - xs[0])).to.deep.equal([0, 0, 12, 0]);
    expect(svg).to.contain('… 255.4 MiB not listed');
    expect(svg).not.to.contain('<script>');
    expect(svg).to.contain('TSEG &lt;script&gt;');
    expect(memoryMapSvg([])).to.contain('no regions');
    // wide (above 4 GiB) addresses widen the address column; long labels are clipped with an ellipsis
    const wide = memoryMapSvg([{ base: '0x100000000', size: '0x1000', kind: 'dram', label: 'x'.repeat(100) }]);
    expect(wide).to.contain('0x100000000–0x100000FFF');
    expect(wide).to.contain(`${'x'.repeat(63)}…`);
  });
  it('dispatch timeline: numbered boxes in order, wrapped rows, status colours, escaped names', () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ name: `D${i}`, guid: `g${i}`, status: i === 5 ? 'never started' : 'started' }));
    const svg = dispatchTimelineSvg(entries, 'order', 'x y');
    expect([...svg.matchAll(/<text x="\d+" y="\d+">(\d[^<]+)</g)].map((m) => m[1])).to.deep.equal(['1. D0', '2. D1', '3. D2', '4. D3', '5. D4', '6. D5']);
    expect(svg).to.contain('id="x-y-arrowhead"');
    expect(svg.match(/marker-end=/g)).to.have.length(5);
    expect(svg).to.match(/height="182"/); // two rows
    expect(dispatchTimelineSvg(evidence.dispatchOrder!)).to.contain('2. Evil &lt;script&gt;');
    expect(dispatchTimelineSvg([])).to.contain('no driver was dispatched');
  });
  it('status colours', () => {
    expect(dispatchStatusColor('started')).to.equal('#2da44e');
    expect(dispatchStatusColor('EFI_SUCCESS')).to.equal('#2da44e');
    expect(dispatchStatusColor('started (EFI_SUCCESS)')).to.equal('#2da44e');
    expect(dispatchStatusColor('started (EFI_OUT_OF_RESOURCES)')).to.equal('#cf222e');
    expect(dispatchStatusColor('never started')).to.equal('#8c959f');
    expect(dispatchStatusColor('EFI_ACCESS_DENIED')).to.equal('#cf222e');
    expect(dispatchStatusColor('queued')).to.equal('#1f6feb');
  });
  it('humanSize', () => {
    expect(humanSize(0n)).to.equal('0 B');
    expect(humanSize(4096n)).to.equal('4 KiB');
    expect(humanSize(0x1000000n)).to.equal('16 MiB');
    expect(humanSize(0xa0000n)).to.equal('640 KiB');
    expect(humanSize(1536n)).to.equal('1.5 KiB');
    expect(humanSize(1n << 50n)).to.equal('1024 TiB');
  });
});
