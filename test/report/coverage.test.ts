// Coverage reports (src/report/coverage) and the CPU's opt-in opcode recorder (src/cpu/opcode-coverage.ts):
// policy-entry coverage from evidence, step usage, opcode files merged across processes; digests of two runs.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Code, Mnemonic } from 'iced-x86';
import { OPCODE_COVERAGE_ENV, OpcodeCoverage, opcodeCoverageDir } from '../../src/cpu/opcode-coverage';
import { buildEvidence } from '../../src/scenario/evidence';
import {
  ReportInputError, buildPolicyCoverage, collectRunResults, compareDigests, digestMap, parseDigestMap, parseOpcodeFile, policyShapeFromFiles,
  readOpcodeCoverage, stepUsageFromMessages, stepUsageFromUsageJson, summarizeOpcodeCoverage, supportedMnemonics,
} from '../../src/report';
import { messageStream, ok } from './message-fixtures';

const root = resolve(__dirname, '..', '..');
const EXAMPLE_POLICY = 'fixtures/policies/MmIsolationPoliciesExample.xml';

function withEntries(...entries: [string, string, number][]) {
  return { evidence: buildEvidence({ events: [], policyEntries: entries.map(([policy, kind, index]) => ({ policy, kind, index })) }) };
}

describe('report: policy-entry coverage', () => {
  it('collects exercised entries per policy and kind, counting scenarios per policy', () => {
    const cov = buildPolicyCoverage([
      withEntries(['b.xml', 'msr', 2], ['a.xml', 'io', 0]),
      withEntries(['b.xml', 'msr', 0], ['b.xml', 'msr', 2], ['b.xml', 'io', 1]),
      { evidence: undefined },
      withEntries(),
    ]);
    expect(cov).to.deep.equal([
      { policy: 'a.xml', scenarios: 1, exercised: 1, kinds: [{ kind: 'io', exercised: [0] }] },
      { policy: 'b.xml', scenarios: 2, exercised: 3, kinds: [{ kind: 'io', exercised: [1] }, { kind: 'msr', exercised: [0, 2] }] },
    ]);
  });
  it('with the policy shape: totals, never-exercised entries, and kinds nobody touched', () => {
    const cov = buildPolicyCoverage([withEntries(['p', 'io', 1])], () => ({ io: 3, instruction: 2 }));
    expect(cov).to.deep.equal([{
      policy: 'p', scenarios: 1, exercised: 1, total: 5,
      kinds: [{ kind: 'instruction', exercised: [], total: 2, unexercised: [0, 1] }, { kind: 'io', exercised: [1], total: 3, unexercised: [0, 2] }],
    }]);
  });
  it('no total when a touched kind is missing from the shape', () => {
    const cov = buildPolicyCoverage([withEntries(['p', 'mem', 0])], () => ({ io: 1 }));
    expect(cov[0].total).to.equal(undefined);
    expect(cov[0].kinds.find((k) => k.kind === 'mem')).to.deep.equal({ kind: 'mem', exercised: [0] });
  });
  it('reads the shape of a policy file of the repository; inline or unreadable policies have none', () => {
    const resolveShape = policyShapeFromFiles(root);
    const shape = resolveShape(EXAMPLE_POLICY)!;
    expect(shape).to.be.an('object');
    expect(Object.keys(shape).sort()).to.include.members(['io', 'msr']);
    expect(shape.io).to.be.greaterThan(0);
    expect(resolveShape(EXAMPLE_POLICY)).to.equal(shape); // cached
    expect(resolveShape('inline policy')).to.equal(undefined);
    expect(resolveShape('package.json')).to.equal(undefined); // exists but is no policy
  });
});

describe('report: step usage', () => {
  it('from usage-json: definitions with no match are unused, sorted by file and line', () => {
    const text = JSON.stringify([
      { pattern: 'b', uri: 'steps/b.ts', line: 9, matches: [] },
      { pattern: 'used', uri: 'steps/a.ts', line: 1, matches: [{ line: 3, text: 'used', uri: 'features/x.feature' }] },
      { pattern: 'a', uri: 'steps/b.ts', line: 2, matches: [] },
      { pattern: 'no location', matches: [] },
    ]);
    expect(stepUsageFromUsageJson(text)).to.deep.equal({
      from: 'usage-json', definitions: 4, used: 1,
      unused: [{ pattern: 'no location' }, { pattern: 'a', uri: 'steps/b.ts', line: 2 }, { pattern: 'b', uri: 'steps/b.ts', line: 9 }],
    });
    expect(stepUsageFromUsageJson('[]')).to.deep.equal({ from: 'usage-json', definitions: 0, used: 0, unused: [] });
  });
  it('usage-json errors name the file and entry', () => {
    expect(() => stepUsageFromUsageJson('{', 'reports/usage.json')).to.throw(ReportInputError, /^reports\/usage\.json: not JSON/).with.property('code', 'REPORT_BAD_USAGE');
    expect(() => stepUsageFromUsageJson('{}')).to.throw(ReportInputError, /expected a list/);
    expect(() => stepUsageFromUsageJson('[1]')).to.throw(ReportInputError, /entry 1 is not an object/);
    expect(() => stepUsageFromUsageJson('[{"pattern":"x"}]')).to.throw(ReportInputError, /entry 1: field matches/);
  });
  it('from the message stream: step definitions no test step references', () => {
    const run = collectRunResults(messageStream({ stepDefinitions: ['the platform boots', 'never used'], scenarios: [{ name: 'a', line: 1, steps: [ok()] }] }));
    expect(stepUsageFromMessages(run)).to.deep.equal({ from: 'messages', definitions: 2, used: 1, unused: [{ pattern: 'never used', uri: 'steps/sample.steps.ts', line: 11 }] });
  });
});

describe('cpu: opt-in opcode recorder', () => {
  it('counts decodes per iced Code and Mnemonic, names sorted', () => {
    const cov = new OpcodeCoverage();
    cov.record(Code.Add_rm64_r64, Mnemonic.Add);
    cov.record(Code.Add_rm64_r64, Mnemonic.Add);
    cov.record(Code.Add_rm32_imm8, Mnemonic.Add);
    cov.record(Code.Syscall, Mnemonic.Syscall);
    expect(cov.toJson(42)).to.deep.equal({
      schema: 1, pid: 42, decodes: 4,
      codes: { Add_rm32_imm8: 1, Add_rm64_r64: 2, Syscall: 1 },
      mnemonics: { Add: 3, Syscall: 1 },
    });
  });
  it('writes opcodes-<pid>.json, and nothing when nothing was decoded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmspec-opc-'));
    try {
      expect(new OpcodeCoverage().writeTo(dir, 7)).to.equal(undefined);
      const cov = new OpcodeCoverage();
      cov.record(Code.Nopd, Mnemonic.Nop);
      const file = cov.writeTo(join(dir, 'sub'), 7)!;
      expect(file).to.equal(join(dir, 'sub', 'opcodes-7.json'));
      expect(JSON.parse(readFileSync(file, 'utf8')).codes).to.deep.equal({ Nopd: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it(`is on only when ${OPCODE_COVERAGE_ENV} is set: 1/true/yes → reports/coverage, a path → that folder`, () => {
    expect(opcodeCoverageDir({}, '/r')).to.equal(undefined);
    for (const v of ['', '0', 'false', 'FALSE', ' ']) expect(opcodeCoverageDir({ [OPCODE_COVERAGE_ENV]: v }, '/r'), v).to.equal(undefined);
    for (const v of ['1', 'true', 'yes']) expect(opcodeCoverageDir({ [OPCODE_COVERAGE_ENV]: v }, '/r')).to.equal('/r/reports/coverage');
    expect(opcodeCoverageDir({ [OPCODE_COVERAGE_ENV]: 'out/opc' }, '/r')).to.equal('/r/out/opc');
    expect(opcodeCoverageDir({ [OPCODE_COVERAGE_ENV]: '/abs' }, '/r')).to.equal('/abs');
  });
  it('a process with the variable set writes what its CPU decoded at exit (the decoder hook)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmspec-opc-'));
    try {
      const r = spawnSync(process.execPath, [join(root, 'bin', 'mmspec.js'), 'x86', 'run', '--hex', '4801d8 48ffc0'], {
        cwd: root, env: { ...process.env, [OPCODE_COVERAGE_ENV]: dir }, encoding: 'utf8',
      });
      expect(r.status, r.stderr).to.equal(0);
      const files = readdirSync(dir);
      expect(files).to.have.length(1);
      expect(files[0]).to.match(/^opcodes-\d+\.json$/);
      const data = parseOpcodeFile(readFileSync(join(dir, files[0]), 'utf8'), files[0]);
      expect(data.codes).to.include({ Add_rm64_r64: 1, Inc_rm64: 1 });
      expect(data.mnemonics).to.include({ Add: 1, Inc: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report: opcode coverage merged over processes', () => {
  const a = { schema: 1 as const, pid: 1, decodes: 3, codes: { Add_rm64_r64: 2, Hlt: 1 }, mnemonics: { Add: 2, Hlt: 1 } };
  const b = { schema: 1 as const, pid: 2, decodes: 2, codes: { Add_rm64_r64: 1, Cpuid: 1 }, mnemonics: { Add: 1, Cpuid: 1 } };
  it('sums counts and compares with the mnemonics the emulator implements', () => {
    const s = summarizeOpcodeCoverage([a, b], ['Add', 'Hlt', 'Mov', 'Xor']);
    expect(s).to.deep.equal({
      files: 2, decodes: 5, codes: 3, mnemonics: 3, supported: 4, supportedExercised: 2,
      supportedNeverDecoded: ['Mov', 'Xor'], decodedUnsupported: ['Cpuid'],
      byCode: { Add_rm64_r64: 3, Cpuid: 1, Hlt: 1 }, byMnemonic: { Add: 3, Cpuid: 1, Hlt: 1 },
    });
  });
  it('the supported list is the CPU handler table', () => {
    const names = supportedMnemonics();
    expect(names).to.include.members(['Add', 'Mov', 'Syscall', 'Rsm']);
    expect(names).to.deep.equal([...names].sort());
  });
  it('reads every opcodes-<pid>.json of a folder (and nothing else); none → undefined', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmspec-opc-'));
    try {
      expect(readOpcodeCoverage(join(dir, 'missing'))).to.equal(undefined);
      expect(readOpcodeCoverage(dir)).to.equal(undefined);
      writeFileSync(join(dir, 'opcodes-1.json'), JSON.stringify(a));
      writeFileSync(join(dir, 'opcodes-2.json'), JSON.stringify(b));
      writeFileSync(join(dir, 'opcode-coverage.json'), '{}');
      const s = readOpcodeCoverage(dir)!;
      expect(s.files).to.equal(2);
      expect(s.byMnemonic).to.deep.equal({ Add: 3, Cpuid: 1, Hlt: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a bad file is REPORT_BAD_OPCODES naming the file and field', () => {
    expect(() => parseOpcodeFile('{', 'o.json')).to.throw(ReportInputError, /^o\.json: not JSON/).with.property('code', 'REPORT_BAD_OPCODES');
    expect(() => parseOpcodeFile('{"schema":2}', 'o.json')).to.throw(ReportInputError, /field schema/);
    expect(() => parseOpcodeFile('{"schema":1,"codes":{"A":"x"},"mnemonics":{}}', 'o.json')).to.throw(ReportInputError, /field codes/);
    expect(() => parseOpcodeFile('{"schema":1,"codes":{},"mnemonics":null}', 'o.json')).to.throw(ReportInputError, /field mnemonics/);
  });
});

describe('report: digests of two runs', () => {
  const e1 = buildEvidence({ events: [{ type: 'smi', milestone: 'PEI' }] });
  const e2 = buildEvidence({ events: [{ type: 'smi', milestone: 'DXE' }] });
  it('digestMap keys scenario ids (sorted) to digests, skipping scenarios without evidence', () => {
    const m = digestMap([{ id: 'f:9:b', evidence: e2 }, { id: 'f:1:a', evidence: e1 }, { id: 'f:5:c', evidence: undefined }]);
    expect(Object.keys(m)).to.deep.equal(['f:1:a', 'f:9:b']);
    expect(m['f:1:a']).to.equal(e1.digest);
  });
  it('compareDigests: same, changed, removed, added', () => {
    const a = { x: e1.digest, y: e1.digest, gone: e1.digest };
    const b = { x: e1.digest, y: e2.digest, fresh: e2.digest };
    expect(compareDigests(a, b)).to.deep.equal({
      same: ['x'], changed: [{ id: 'y', a: e1.digest, b: e2.digest }], onlyInA: ['gone'], onlyInB: ['fresh'], identical: false,
    });
    expect(compareDigests(a, { ...a }).identical).to.equal(true);
    expect(compareDigests({}, {})).to.deep.equal({ same: [], changed: [], onlyInA: [], onlyInB: [], identical: true });
  });
  it('the same scenario evidence gives the same digest in two runs', () => {
    const run = () => digestMap(collectRunResults(messageStream({ scenarios: [{ name: 'a', line: 1, steps: [ok()], evidence: buildEvidence({ events: [{ type: 'smi', milestone: 'PEI', data: { b: 1, a: 2 } }] }) }] })).scenarios);
    expect(compareDigests(run(), run()).identical).to.equal(true);
  });
  it('parseDigestMap reads digests.json back and names a bad entry', () => {
    expect(parseDigestMap('{"a":"sha256:00"}')).to.deep.equal({ a: 'sha256:00' });
    expect(() => parseDigestMap('nope', 'd.json')).to.throw(ReportInputError, /^d\.json: not JSON/).with.property('code', 'REPORT_BAD_DIGESTS');
    expect(() => parseDigestMap('[]', 'd.json')).to.throw(ReportInputError, /expected an object/);
    expect(() => parseDigestMap('{"a":1}', 'd.json')).to.throw(ReportInputError, /the digest of "a" is not a string/);
  });
});
