import { describe, it, before, after } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { parseFirmwareVolume } from '../../src/firmware/fv';
import { GuidRegistry, wellKnownGuid } from '../../src/firmware/guid';
import { writeHobList } from '../../src/firmware/hob';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, readStdin: async () => '', stdout: () => out, stderr: () => err };
}

async function run(...args: string[]) {
  const io = capture();
  const status = await main(args, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const YAML = `
files:
  - name: MmSupervisorRing3Broker
    depex: TRUE
  - name: DriverB
    depex: gA AND gMmRing3HandlerReadyProtocol
  - name: DriverA
    depex: gMmRing3HandlerReadyProtocol
    pe: { code: "48b80000000000000000c3", relocations: [{ section: text, offset: 2 }], subsystemVersion: "1.2" }
  - name: Early
    depex: BEFORE DriverA
  - name: NoDepex
  - name: Policy
    guid: gMmSupervisorPolicyFileGuid
    type: FREEFORM
    raw: "00112233"
`;

describe('mmspec fv build / fv inspect / hob dump', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mmspec-fv-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fv inspect lists the same files fv build wrote, with depex and the predicted order', async () => {
    writeFileSync(join(dir, 'v.yaml'), YAML);
    const b = await run('fv', 'build', join(dir, 'v.yaml'), '-o', join(dir, 'v.fv'));
    expect(b.err).to.equal('');
    expect(b.status).to.equal(0);
    expect(b.out).to.match(/wrote .*v\.fv: 6 file\(s\)/);
    const bytes = new Uint8Array(readFileSync(join(dir, 'v.fv')));
    const parsed = parseFirmwareVolume(bytes);
    const reg = new GuidRegistry();
    expect(parsed.volume.files.map((f) => f.name)).to.deep.equal([
      reg.resolve('MmSupervisorRing3Broker'), reg.resolve('DriverB'), reg.resolve('DriverA'), reg.resolve('Early'), reg.resolve('NoDepex'),
      wellKnownGuid('gMmSupervisorPolicyFileGuid'),
    ]);
    const i = await run('fv', 'inspect', join(dir, 'v.fv'), '--installs', 'DriverA=gA', '--names', 'gA');
    expect(i.err).to.equal('');
    expect(i.status).to.equal(0);
    for (const [k, name] of ['MmSupervisorRing3Broker', 'DriverB', 'DriverA', 'Early', 'NoDepex'].entries()) {
      expect(i.out).to.match(new RegExp(`\\[${k}\\] 0x[0-9a-f]+ MM_STANDALONE +size 0x[0-9a-f]+ ${reg.resolve(name)} ${name}\\n`));
    }
    expect(i.out).to.match(/\[5\] 0x[0-9a-f]+ FREEFORM .* 81ff0793-3e18-489b-9a08-a1eb71b23d20/);
    expect(i.out).to.include('depex: gA AND gMmRing3HandlerReadyProtocol');
    expect(i.out).to.include('depex: BEFORE DriverA');
    expect(i.out).to.include('header checksum ok, data checksum ok');
    expect(i.out).to.include('Predicted dispatch order (supervisor-facts §2.3–§2.4):\n  1. MmSupervisorRing3Broker\n  2. Early\n  3. DriverA\n  4. DriverB\n');
    expect(i.out).to.include('NoDepex: no MM_DEPEX section');
  });

  it('fv inspect reports a corrupted checksum (exit 1) and --strict makes it an error (exit 2)', async () => {
    writeFileSync(join(dir, 'c.yaml'), 'files:\n  - name: DriverA\n    depex: TRUE\n');
    expect((await run('fv', 'build', join(dir, 'c.yaml'), '-o', join(dir, 'c.fv'))).status).to.equal(0);
    const bytes = new Uint8Array(readFileSync(join(dir, 'c.fv')));
    const first = parseFirmwareVolume(bytes).files[0].offset;
    bytes[first + 0x10] ^= 0x01;
    writeFileSync(join(dir, 'bad.fv'), bytes);
    const r = await run('fv', 'inspect', join(dir, 'bad.fv'));
    expect(r.status).to.equal(1);
    expect(r.out).to.include('header checksum BAD');
    expect(r.out).to.match(/CHECKSUM at offset 0x[0-9a-f]+: field File\[0\]\.IntegrityCheck\.Header: checksum mismatch/);
    const s = await run('fv', 'inspect', join(dir, 'bad.fv'), '--strict');
    expect(s.status).to.equal(2);
    expect(s.err.trim().split('\n')).to.have.length(1);
    expect(s.err).to.match(/^mmspec fv inspect: .*bad\.fv: firmware volume at offset 0x[0-9a-f]+: field File\[0\]\.IntegrityCheck\.Header: checksum mismatch/);
  });

  it('hob dump lists a HOB list with the supervisor payloads decoded', async () => {
    writeFileSync(join(dir, 'h.bin'), writeHobList([
      { kind: 'handoff', version: 9, bootMode: 0, memoryTop: 0x80000000n, memoryBottom: 0x70000000n, freeMemoryTop: 0x7f000000n, freeMemoryBottom: 0x70100000n, endOfHobList: 0x70000200n },
      { kind: 'resourceDescriptor2', owner: '00000000-0000-0000-0000-000000000000', resourceType: 0, resourceAttribute: 0x7, physicalStart: 0n, resourceLength: 0x40000000n, attributes: 0x4000n },
      { kind: 'guidExtension', name: wellKnownGuid('gEfiMmPeiMmramMemoryReserveGuid')!, payload: { kind: 'mmramRanges', descriptors: [{ physicalStart: 0x7f000000n, cpuStart: 0x7f000000n, physicalSize: 0x1000000n, regionState: 0xan }] } },
      { kind: 'guidExtension', name: wellKnownGuid('gSmmBaseHobGuid')!, payload: { kind: 'smmBase', processorIndex: 0, smBase: [0x7f000000n, 0x7f002000n] } },
      { kind: 'fv', baseAddress: 0xffc00000n, length: 0x400000n },
    ]));
    const r = await run('hob', 'dump', join(dir, 'h.bin'));
    expect(r.err).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.out).to.include('HANDOFF (56 bytes)');
    expect(r.out).to.include('RESOURCE_DESCRIPTOR2 (56 bytes): SYSTEM_MEMORY');
    expect(r.out).to.include('gEfiMmPeiMmramMemoryReserveGuid');
    expect(r.out).to.include('state CLOSED|CACHEABLE');
    expect(r.out).to.include('[1] SMBASE 0x7f002000');
    expect(r.out).to.match(/END_OF_HOB_LIST \(5 HOB\(s\)\)\n$/);
  });

  it('--help on every command', async () => {
    for (const c of [['fv', 'build'], ['fv', 'inspect'], ['hob', 'dump']]) {
      const r = await run(...c, '--help');
      expect(r.status).to.equal(0);
      expect(r.out).to.match(new RegExp(`^usage: mmspec ${c.join(' ')} `));
    }
  });

  it('bad arguments, unreadable and malformed files give one line on stderr and exit status 2', async () => {
    writeFileSync(join(dir, 'junk.bin'), Uint8Array.from([1, 0, 4, 0, 0, 0, 0, 0]));
    writeFileSync(join(dir, 'typo.yaml'), 'files:\n  - name: A\n    dpex: TRUE\n');
    writeFileSync(join(dir, 'badtype.yaml'), 'files:\n  - name: A\n    type: MM_STANDALNE\n');
    writeFileSync(join(dir, 'baddepex.yaml'), 'files:\n  - name: A\n    depex: gA AND gB OR gC\n');
    const cases: [string[], RegExp][] = [
      [['fv', 'build', join(dir, 'v.yaml')], /missing -o/],
      [['fv', 'build'], /missing YAML file/],
      [['fv', 'build', join(dir, 'nope.yaml'), '-o', join(dir, 'x.fv')], /cannot read .*nope\.yaml: no such file/],
      [['fv', 'build', join(dir, 'typo.yaml'), '-o', join(dir, 'x.fv')], /files\[0\]: unknown key "dpex" \(did you mean depex\?\)/],
      [['fv', 'build', join(dir, 'badtype.yaml'), '-o', join(dir, 'x.fv')], /unknown file type "MM_STANDALNE" \(did you mean MM_STANDALONE/],
      [['fv', 'build', join(dir, 'baddepex.yaml'), '-o', join(dir, 'x.fv')], /files\[0\]\.depex: .*mixing AND and OR needs parentheses/],
      [['fv', 'inspect'], /missing firmware volume file/],
      [['fv', 'inspect', join(dir, 'nope.fv')], /cannot read .*: no such file/],
      [['fv', 'inspect', join(dir, 'junk.bin')], /junk\.bin: firmware volume at offset 0x[0-9a-f]+: field /],
      [['fv', 'inspect', join(dir, 'v.yaml'), '--bogus'], /unknown option --bogus/],
      [['hob', 'dump'], /missing HOB list file/],
      [['hob', 'dump', dir], /cannot read .*: is a directory/],
      [['hob', 'dump', join(dir, 'junk.bin')], /junk\.bin: HOB list at offset 0x2: field HOB\[0\]\.HobLength: 4 is smaller/],
      [['hob', 'dump', 'a', 'b'], /unexpected argument "b"/],
    ];
    for (const [args, re] of cases) {
      const r = await run(...args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.out, args.join(' ')).to.equal('');
      expect(r.err.endsWith('\n') && r.err.trim().split('\n').length === 1, `one line: ${r.err}`).to.equal(true);
      expect(r.err, args.join(' ')).to.match(re);
    }
  });
});
