import { describe, it } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { CliIo } from '../../../src/cli/command';
import { EXAMPLE_PATH, exampleBlob } from './helpers';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, readStdin: async () => '' };
  const code = await main(args, io);
  return { code, out, err };
}

describe('mmspec policy commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmspec-policy-'));
  it('--help on every command', async () => {
    for (const c of ['compile', 'show', 'check']) {
      const r = await run('policy', c, '--help');
      expect(r.code).to.equal(0);
      expect(r.out).to.match(new RegExp(`^usage: mmspec policy ${c}`));
    }
  });
  it('compile: the example XML gives the SupervisorPolicyMaker bytes; YAML gives the same', async () => {
    const bin = join(dir, 'p.bin');
    const r = await run('policy', 'compile', EXAMPLE_PATH, '-o', bin);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/0x150 bytes, 5 roots/);
    expect(Buffer.from(readFileSync(bin)).equals(Buffer.from(exampleBlob()))).to.equal(true);
    const y = await run('policy', 'show', bin, '--format', 'yaml');
    writeFileSync(join(dir, 'p.yaml'), y.out);
    expect((await run('policy', 'compile', join(dir, 'p.yaml'), '-o', join(dir, 'p2.bin'))).code).to.equal(0);
    expect(Buffer.from(readFileSync(join(dir, 'p2.bin'))).equals(Buffer.from(exampleBlob()))).to.equal(true);
  });
  it('show: text verdicts; xml and json forms', async () => {
    const t = await run('policy', 'show', EXAMPLE_PATH);
    expect(t.code).to.equal(0);
    expect(t.out).to.include('IO 0xCF8 width 4 write strict-width: DENIED (deny list)');
    expect(t.out).to.include('CLI execute: ALLOWED (allow list)');
    const x = await run('policy', 'show', join(dir, 'p.bin'), '--format', 'xml');
    expect(x.out).to.include('<SecurityAttributes Value="LimitedRead"/> <AccessCondition Value="IoWrite"/>');
    const j = await run('policy', 'show', EXAMPLE_PATH, '--format', 'json');
    expect(JSON.parse(j.out).size).to.equal(0x150);
  });
  it('check: exit 1 when the level is not met (Intel default, level 30), 0 when met', async () => {
    const intel = await run('policy', 'check', EXAMPLE_PATH);
    expect(intel.code).to.equal(1);
    expect(intel.out).to.match(/FAIL {2}MSR-20 0xE4/);
    expect(intel.out).to.match(/Result: level 10; required 30: not met/);
    expect((await run('policy', 'check', EXAMPLE_PATH, '--level', '10')).code).to.equal(0);
    const amd = await run('policy', 'check', EXAMPLE_PATH, '--vendor', 'amd');
    expect(amd.code).to.equal(0);
    expect(amd.out).to.match(/Validation \(SecurityPolicyCheck\): PASS/);
  });
  it('check: an invalid policy exits 1 and names the rule', async () => {
    const b = exampleBlob();
    new DataView(b.buffer).setUint32(0xc, 1, true); // MemoryPolicyCount
    writeFileSync(join(dir, 'bad.bin'), b);
    const r = await run('policy', 'check', join(dir, 'bad.bin'), '--vendor', 'amd');
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/rule 10 LEGACY_MEMORY_POLICY/);
  });
  it('bad arguments, unreadable and malformed files: one line on stderr, exit 2', async () => {
    writeFileSync(join(dir, 'bad.xml'), '<P>\n<SmmCategory name="MEMORY"/></P>');
    writeFileSync(join(dir, 'short.bin'), exampleBlob().slice(0, 0x60));
    const cases: string[][] = [
      ['policy', 'compile', EXAMPLE_PATH],
      ['policy', 'compile', join(dir, 'missing.xml'), '-o', join(dir, 'x.bin')],
      ['policy', 'compile', join(dir, 'bad.xml'), '-o', join(dir, 'x.bin')],
      ['policy', 'show', join(dir, 'short.bin')],
      ['policy', 'show', EXAMPLE_PATH, '--format', 'pdf'],
      ['policy', 'show'],
      ['policy', 'check', EXAMPLE_PATH, '--level', '25'],
      ['policy', 'check', EXAMPLE_PATH, '--vendor', 'via'],
      ['policy', 'check', EXAMPLE_PATH, '--bogus'],
    ];
    for (const c of cases) {
      const r = await run(...c);
      expect(r.code, c.join(' ')).to.equal(2);
      expect(r.err.trim().split('\n'), c.join(' ')).to.have.length(1);
      expect(r.err).to.match(/^mmspec policy \w+: /);
    }
    const bad = await run('policy', 'compile', join(dir, 'bad.xml'), '-o', join(dir, 'x.bin'));
    expect(bad.err).to.match(/bad\.xml:2:1: <SmmCategory name>: category "MEMORY"/);
  });
});
