// The whole report run (src/report/generate-reports.ts, scripts/spec-report.js): files of a run in, every report
// file out, against the repository's real requirement catalog; exit statuses of the script.
import { describe, it, before, after } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEvidence } from '../../src/scenario/evidence';
import { ReportInputError, buildReportBundle, generateReports } from '../../src/report';
import { bad, messageStream, ndjson, ok, type FakeRun } from './message-fixtures';

const root = resolve(__dirname, '..', '..');
const script = join(root, 'scripts', 'spec-report.js');

const evidence = buildEvidence({
  events: [{ type: 'smi', milestone: 'PEI', data: { cpu: 0 } }],
  memoryMap: { regions: [{ base: '0x7f000000', size: '0x1000000', kind: 'mmram', label: 'TSEG', attributes: 'supervisor RW NX' }] },
  dispatchOrder: [{ name: 'MmSupervisorRing3Broker', guid: 'g', status: 'started' }],
  policyEntries: [{ policy: 'fixtures/policies/MmIsolationPoliciesExample.xml', kind: 'io', index: 0 }],
});
const evidenceOnly = buildEvidence({ events: [{ type: 'fault', milestone: 'runtime', data: { vector: 14 } }] });

const passingRun: FakeRun = {
  scenarios: [
    { name: 'only standalone files are dispatched', uri: 'features/dispatch.feature', line: 4, tags: ['@req:SUPV-021'], steps: [ok(), ok()], evidence },
    { name: 'no depex, no dispatch', uri: 'features/dispatch.feature', line: 12, tags: ['@req:SUPV-022'], steps: [ok()], evidence: evidenceOnly },
    { name: 'not written yet', uri: 'features/dispatch.feature', line: 20, tags: ['@req:SUPV-023'], steps: [{ text: 'later', status: 'UNDEFINED' }] },
  ],
};
const failingRun: FakeRun = {
  scenarios: [...passingRun.scenarios, { name: 'refused', uri: 'features/dispatch.feature', line: 30, tags: ['@req:SUPV-024'], steps: [ok(), bad()] }],
  success: false,
};

let tmp: string;
function runDir(name: string, run: FakeRun, extra: Record<string, string> = {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'messages.ndjson'), ndjson(messageStream(run)));
  for (const [f, text] of Object.entries(extra)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

function spec(...args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, MMSPEC_OPCODE_COVERAGE: '' } });
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mmspec-report-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('report: generateReports', () => {
  it('writes conformance.json/.md/.html, digests.json, evidence JSON and SVGs for a run', () => {
    const dir = runDir('pass', passingRun, {
      'usage.json': JSON.stringify([{ pattern: 'the platform boots', matches: [{}] }, { pattern: 'unused', uri: 'steps/a.ts', line: 4, matches: [] }]),
      'coverage/opcodes-11.json': JSON.stringify({ schema: 1, pid: 11, decodes: 1, codes: { Syscall: 1 }, mnemonics: { Syscall: 1 } }),
    });
    const r = generateReports({ root, outDir: dir });
    expect(r.files).to.deep.equal([
      'conformance.html', 'conformance.json', 'conformance.md', join('coverage', 'opcode-coverage.json'), 'digests.json',
      'evidence/dispatch-L12.json', 'evidence/dispatch-L4.dispatch.svg', 'evidence/dispatch-L4.json', 'evidence/dispatch-L4.memory-map.svg',
    ].sort());
    expect(r.verdict).to.deep.equal({ ok: true, reasons: [] });
    const json = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8'));
    expect(json.catalog.found).to.equal(true);
    expect(json.catalog.requirements).to.be.greaterThan(100); // the repository's catalog
    const byId = new Map(json.requirements.map((q: { id: string }) => [q.id, q]));
    expect(byId.get('SUPV-021')).to.include({ status: 'passed' });
    expect(byId.get('SUPV-023')).to.include({ status: 'not covered', statusReason: '0 of 1 scenario passed; 1 undefined' });
    expect((byId.get('SUPV-021') as { scenarios: unknown[] }).scenarios).to.deep.equal([
      { name: 'only standalone files are dispatched', uri: 'features/dispatch.feature', line: 4, status: 'passed', digest: evidence.digest, evidence: 'evidence/dispatch-L4.json' },
    ]);
    expect(json.coverage.steps).to.deep.include({ from: 'usage-json', definitions: 2, used: 1 });
    expect(json.coverage.opcodes.byMnemonic).to.deep.equal({ Syscall: 1 });
    const policy = json.coverage.policies[0];
    expect(policy.policy).to.equal('fixtures/policies/MmIsolationPoliciesExample.xml');
    expect(policy.total).to.be.greaterThan(1);
    expect(JSON.parse(readFileSync(join(dir, 'digests.json'), 'utf8'))).to.deep.equal({
      'features/dispatch.feature:12:no depex, no dispatch': evidenceOnly.digest,
      'features/dispatch.feature:4:only standalone files are dispatched': evidence.digest,
    });
    const ev = JSON.parse(readFileSync(join(dir, 'evidence', 'dispatch-L4.json'), 'utf8'));
    expect(ev.scenario).to.deep.equal({ id: 'features/dispatch.feature:4:only standalone files are dispatched', name: 'only standalone files are dispatched', uri: 'features/dispatch.feature', line: 4, status: 'passed' });
    expect(ev.digest).to.equal(evidence.digest);
    expect(readFileSync(join(dir, 'evidence', 'dispatch-L4.memory-map.svg'), 'utf8')).to.match(/^<svg /);
  });
  it('is deterministic: two generations of the same run give identical files', () => {
    const a = runDir('det-a', passingRun), b = runDir('det-b', passingRun);
    const fa = generateReports({ root, outDir: a }).files, fb = generateReports({ root, outDir: b }).files;
    expect(fa).to.deep.equal(fb);
    for (const f of fa) expect(readFileSync(join(a, f), 'utf8'), f).to.equal(readFileSync(join(b, f), 'utf8'));
  });
  it('clears evidence files an earlier run left behind', () => {
    const dir = runDir('stale', passingRun, { 'evidence/old-L1.json': '{}', 'evidence/old-L1.memory-map.svg': '<svg/>', 'evidence/keep.txt': 'x' });
    generateReports({ root, outDir: dir });
    expect(readdirSync(join(dir, 'evidence')).sort()).to.deep.equal(['dispatch-L12.json', 'dispatch-L4.dispatch.svg', 'dispatch-L4.json', 'dispatch-L4.memory-map.svg', 'keep.txt']);
  });
  it('falls back to step usage from the messages without usage.json, and to tags without a catalog', () => {
    const dir = runDir('nocat', passingRun);
    const b = buildReportBundle({ root, outDir: dir, catalogFile: join(dir, 'no-catalog.yaml') });
    expect(b.coverage.steps?.from).to.equal('messages');
    expect(b.coverage.opcodes).to.equal(undefined);
    expect(b.conformance.catalog.found).to.equal(false);
    expect(b.conformance.requirements.map((r) => r.id)).to.deep.equal(['SUPV-021', 'SUPV-022', 'SUPV-023']);
  });
  it('a failed requirement fails the verdict', () => {
    const r = generateReports({ root, outDir: runDir('fail', failingRun) });
    expect(r.verdict.ok).to.equal(false);
    expect(r.verdict.reasons).to.deep.equal(['1 requirement failed: SUPV-024']);
  });
  it('a missing message stream is REPORT_BAD_MESSAGES naming the file', () => {
    expect(() => buildReportBundle({ root, outDir: join(tmp, 'nothing-here') })).to.throw(ReportInputError, /messages\.ndjson: cannot read \(ENOENT\)/)
      .with.property('code', 'REPORT_BAD_MESSAGES');
  });
});

describe('scripts/spec-report.js', () => {
  it('exits 0 for an empty run (no features): 0 covered', () => {
    const dir = runDir('empty', { scenarios: [] });
    const r = spec('--out', dir);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/conformance: \d+ requirements — 0 passed, 0 failed, \d+ not covered; 0 scenarios/);
    expect(existsSync(join(dir, 'conformance.html'))).to.equal(true);
  });
  it('exits 0 when requirements are merely not covered, 1 when one failed (reasons on stderr)', () => {
    expect(spec('--out', runDir('cli-pass', passingRun)).status).to.equal(0);
    const r = spec('--out', runDir('cli-fail', failingRun));
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('spec: 1 requirement failed: SUPV-024');
  });
  it('exits 2 with one line for bad arguments and unreadable inputs', () => {
    for (const args of [['--bogus'], ['--out'], ['--compare', 'a.json'], ['--out', join(tmp, 'none')], ['--messages', join(tmp, 'pass', 'conformance.md'), '--out', join(tmp, 'x')]]) {
      const r = spec(...args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(r.stderr).to.match(/^spec-report: /);
    }
  });
  it('--compare prints the differences of two digests.json and exits 1 when they differ', () => {
    const a = join(tmp, 'da.json'), b = join(tmp, 'db.json');
    writeFileSync(a, JSON.stringify({ x: 'sha256:1', y: 'sha256:2' }));
    writeFileSync(b, JSON.stringify({ x: 'sha256:1', y: 'sha256:3', z: 'sha256:4' }));
    const same = spec('--compare', a, a);
    expect(same.status).to.equal(0);
    expect(same.stdout).to.contain('2 same, 0 changed, 0 removed, 0 added');
    const diff = spec('--compare', a, b);
    expect(diff.status).to.equal(1);
    expect(diff.stdout).to.contain('changed  y');
    expect(diff.stdout).to.contain('added    z');
    expect(spec('--compare', a, join(tmp, 'missing.json')).stderr).to.match(/missing\.json: no such file/);
  });
  it('--help prints the usage', () => {
    const r = spec('--help');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('--compare A.json B.json');
  });
});
