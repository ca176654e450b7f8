import { describe, it } from 'node:test';
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { compileDepex, DepexSyntaxError, disassembleDepex, evaluateDepex } from '../../../src/firmware/depex';
import { FfsFileType, parseFirmwareVolume } from '../../../src/firmware/fv';
import { GuidRegistry, guidFromName, wellKnownGuid } from '../../../src/firmware/guid';
import { MachineStop } from '../../../src/platform/machine-stop';
import { MemoryView } from '../../../src/platform/memory-view';
import {
  BROKER_READY_PROTOCOL, buildDriverFile, DriverActionError, driverGuidFor, type DriverFileSpec, loadDriverFixture, parseDriverFixture,
} from '../../../src/scenario/driver';
import { discoverStandaloneMmDrivers } from '../../../src/supervisor/dispatcher';
import { fvBytes } from '../../supervisor/fv-fixtures';
import { withBroker } from './broker-harness';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'drivers');
const READY = wellKnownGuid('gMmRing3HandlerReadyProtocol')!;
const spec = (over: Partial<DriverFileSpec> = {}): DriverFileSpec => ({ name: 'Drv', guid: driverGuidFor('Drv'), ...over });
const depexOf = (s: DriverFileSpec) => {
  const c = buildDriverFile(s).content;
  const d = 'sections' in c ? c.sections.find((x) => x.kind === 'mmDepex') : undefined;
  return d && d.kind === 'mmDepex' ? d.data : undefined;
};

describe('driver files: FFS packaging (supervisor-facts §2.1, §2.6)', () => {
  it('holds PE32, MM_DEPEX and USER_INTERFACE sections in that order, as an MM_STANDALONE file named by the GUID', () => {
    const f = buildDriverFile(spec({ depex: 'TRUE' }));
    expect(f).to.deep.include({ name: driverGuidFor('Drv'), type: FfsFileType.MM_STANDALONE });
    const c = f.content;
    expect('sections' in c && c.sections.map((s) => s.kind)).to.deep.equal(['pe32', 'mmDepex', 'ui']);
    expect('sections' in c && c.sections[2]).to.deep.equal({ kind: 'ui', name: 'Drv' });
  });

  it('the broker-ready protocol is gMmRing3HandlerReadyProtocol', () => {
    expect(BROKER_READY_PROTOCOL).to.equal(READY);
  });

  it('ANDs the depex with the broker-ready protocol, like a build linking StandaloneMmServicesTableLib', () => {
    const reg = new GuidRegistry();
    const r = (n: string) => reg.resolve(n);
    expect(depexOf(spec({ depex: 'TRUE' }))).to.deep.equal(compileDepex('gMmRing3HandlerReadyProtocol'));
    expect(depexOf(spec({ depex: 'gA AND (gB OR NOT gC)' }))).to.deep.equal(compileDepex('(gA AND (gB OR NOT gC)) AND gMmRing3HandlerReadyProtocol', r));
    expect(depexOf(spec({ depex: 'FALSE' }))).to.deep.equal(compileDepex('FALSE AND gMmRing3HandlerReadyProtocol'));
    expect(depexOf(spec({ depex: 'SOR gA' }))).to.deep.equal(compileDepex('SOR gA AND gMmRing3HandlerReadyProtocol', r));
    // BEFORE/AFTER are left alone
    expect(depexOf(spec({ depex: 'BEFORE MmSupervisorErrorReport' }))).to.deep.equal(compileDepex('BEFORE MmSupervisorErrorReport'));
    expect(depexOf(spec({ depex: 'AFTER Other' }))).to.deep.equal(compileDepex('AFTER Other', r));
    // opting out, and no depex at all
    expect(depexOf(spec({ depex: 'TRUE', linkBrokerReady: false }))).to.deep.equal(compileDepex('TRUE'));
    expect(depexOf(spec({ depex: '' }))).to.equal(undefined);
    expect(depexOf(spec({}))).to.equal(undefined);
  });

  it('a linked driver is schedulable only after the broker installed its ready protocol (§2.2 evaluation)', () => {
    const bytes = depexOf(spec({ depex: 'TRUE' }))!;
    expect(evaluateDepex(bytes, () => false).value).to.equal(false);
    expect(evaluateDepex(bytes, (g) => g === READY).value).to.equal(true);
    expect(disassembleDepex(bytes).text).to.match(/gMmRing3HandlerReadyProtocol|d5920e08/i);
  });

  it('resolves depex names with the given resolver (a driver named in the table with its own GUID)', () => {
    const reg = new GuidRegistry().define('Producer', '12345678-0000-4000-8000-000000000001');
    const d = depexOf(spec({ depex: 'AFTER Producer', resolve: (n) => reg.resolve(n) }));
    expect(d).to.deep.equal(compileDepex('AFTER 12345678-0000-4000-8000-000000000001'));
  });

  it('accepts FFS type names and numbers; refuses unknown and section-less types', () => {
    expect(buildDriverFile(spec({ type: 'DRIVER' })).type).to.equal(FfsFileType.DRIVER);
    expect(buildDriverFile(spec({ type: 'SMM' })).type).to.equal(FfsFileType.MM);
    expect(buildDriverFile(spec({ type: 0x0e })).type).to.equal(FfsFileType.MM_STANDALONE);
    try {
      buildDriverFile(spec({ type: 'MM_STANDALON' }));
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(DriverActionError);
      expect((e as DriverActionError).code).to.equal('DRIVER_BUILD_INVALID');
      expect((e as DriverActionError).suggestions).to.include('MM_STANDALONE');
    }
    expect(() => buildDriverFile(spec({ type: 'RAW' }))).to.throw(DriverActionError, /no sections/);
    expect(() => buildDriverFile(spec({ depex: 'gA AND' }))).to.throw(DepexSyntaxError);
  });

  it('goes into a firmware volume the supervisor discovers (files without MM_DEPEX are not drivers, §2.1 step 3)', () => {
    const a = buildDriverFile(spec({ name: 'WithDepex', guid: driverGuidFor('WithDepex'), depex: 'TRUE' }));
    const b = buildDriverFile(spec({ name: 'NoDepex', guid: driverGuidFor('NoDepex') }));
    const fv = fvBytes([a, b]);
    expect(parseFirmwareVolume(fv).volume.files.map((f) => f.name)).to.deep.equal([a.name, b.name]);
    const view = new MemoryView(new SparseMemory(), true);
    view.write(0x10000000, fv);
    const found = discoverStandaloneMmDrivers([{ baseAddress: 0x10000000n, length: BigInt(fv.length) }], view);
    expect(found.drivers.map((d) => [d.uiName, d.fileName])).to.deep.equal([['WithDepex', a.name]]);
    expect(found.drivers[0].depex).to.deep.equal(compileDepex('gMmRing3HandlerReadyProtocol'));
  });
});

describe('driver fixtures (fixtures/drivers/*.yaml)', () => {
  it('every fixture loads and packages', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
    expect(files.length).to.be.at.least(2);
    for (const f of files) {
      const s = loadDriverFixture(join(FIXTURES, f));
      expect(buildDriverFile(s).content, f).to.have.property('sections');
    }
  });

  it('msr-reader: name, default GUID, depex, installs, entry and handler actions', () => {
    const s = loadDriverFixture(join(FIXTURES, 'msr-reader.yaml'));
    expect(s).to.deep.include({ name: 'MsrReader', guid: guidFromName('MsrReader'), depex: 'TRUE', installs: [guidFromName('gMsrReaderProtocol')] });
    expect(s.entry!.map((a) => a.kind)).to.deep.equal(['rdmsr', 'return']);
    expect(s.entry![0].at).to.deep.include({ line: 8, column: 5 });
    expect(s.handlers!.map((h) => h.guid)).to.deep.equal([guidFromName('gMsrReaderMmi')]);
  });

  it('msr-reader runs at CPL3 with the broker: installs its protocol, its handler returns IA32_APIC_BASE', () => {
    const s = loadDriverFixture(join(FIXTURES, 'msr-reader.yaml'));
    const d = withBroker(s);
    expect(d.entry()).to.equal(0n);
    expect(d.protocols.slice(d.brokerProtocols)).to.deep.equal([guidFromName('gMsrReaderProtocol')]);
    expect(d.mmi(0)).to.equal(0xfee00900n);
  });

  it('port-writer writes its POST code; cf8-dword-writer is stopped by the policy', () => {
    const p = withBroker(loadDriverFixture(join(FIXTURES, 'port-writer.yaml')));
    expect(p.entry()).to.equal(0n);
    expect(p.mmi(0)).to.equal(0n);
    expect(p.ports).to.deep.equal([{ port: 0x80, size: 1, value: 0x5a }]);
    const c = withBroker(loadDriverFixture(join(FIXTURES, 'cf8-dword-writer.yaml')));
    expect(c.entry()).to.equal(0n);
    expect(() => c.mmi(0)).to.throw(MachineStop);
    expect(c.t.m.state).to.deep.include({ kind: 'warm-reset' });
    const policy = c.t.m.trace.ofType('policy').map((e) => e.data);
    expect(policy.map((x) => x.allowed)).to.deep.equal([true, false]);
  });

  it('reads YAML booleans, null depex, space-separated installs, explicit types and root handlers', () => {
    const s = parseDriverFixture('name: A\ndepex: false\ninstalls: gX gY\ntype: DRIVER\nlinkBrokerReady: false\nhandlers:\n  - guid: null\n    actions: []\n', 'a.yaml');
    expect(s).to.deep.include({ depex: 'FALSE', installs: [guidFromName('gX'), guidFromName('gY')], type: FfsFileType.DRIVER, linkBrokerReady: false });
    expect(s.handlers).to.deep.equal([{ guid: null, actions: [] }]);
    expect(parseDriverFixture('name: B\ndepex: ""\n', 'b.yaml').depex).to.equal('');
    expect(parseDriverFixture('name: B\ndepex:\n', 'b.yaml').depex).to.equal(undefined);
    expect(parseDriverFixture('name: MmSupervisorErrorReport\n', 'c.yaml').guid).to.equal(wellKnownGuid('MmSupervisorErrorReport'));
  });

  describe('errors name file:line:column and the field', () => {
    const cases: { yaml: string; code: string; at: [number, number]; message: RegExp; suggestions?: string[] }[] = [
      { yaml: 'depex: TRUE\n', code: 'DRIVER_FIXTURE_INVALID', at: [1, 1], message: /name: is missing/ },
      { yaml: 'name: A\nentyr: []\n', code: 'DRIVER_FIXTURE_INVALID', at: [2, 1], message: /entyr: unknown field/, suggestions: ['entry'] },
      { yaml: 'name: "A B"\n', code: 'DRIVER_FIXTURE_INVALID', at: [1, 7], message: /name: expected a name made of letters/ },
      { yaml: 'name: A\ntype: MM_STANDALON\n', code: 'DRIVER_FIXTURE_INVALID', at: [2, 7], message: /type: unknown FFS file type/, suggestions: ['MM_STANDALONE'] },
      { yaml: 'name: A\ndepex: gA AND OR gB\n', code: 'DRIVER_FIXTURE_INVALID', at: [2, 15], message: /depex: expected a GUID name, found OR/ },
      { yaml: 'name: A\nlinkBrokerReady: yes\n', code: 'DRIVER_FIXTURE_INVALID', at: [2, 18], message: /linkBrokerReady: expected true or false/ },
      { yaml: 'name: A\nhandlers:\n  - actions: []\n', code: 'DRIVER_FIXTURE_INVALID', at: [3, 5], message: /handlers\[0\].guid: is missing/ },
      { yaml: 'name: A\nhandlers:\n  - guid: "bad guid"\n', code: 'DRIVER_FIXTURE_INVALID', at: [3, 11], message: /handlers\[0\].guid: expected a registry-format GUID/ },
      { yaml: 'name: A\nhandlers:\n  - guid: gM\n    actions:\n      - rdmsr: 0x1B\n      - io_raed: {port: 1, width: 1}\n', code: 'DRIVER_ACTION_UNKNOWN', at: [6, 9], message: /handlers\[0\].actions\[1\]: unknown action "io_raed"/, suggestions: ['io_read'] },
      { yaml: 'name: A\nentry:\n  - io_read: {port: 1, width: 8}\n', code: 'DRIVER_FIXTURE_INVALID', at: [3, 31], message: /io_read.width: expected a port width in bytes/ },
      { yaml: 'name: A\nentry: [\n', code: 'DRIVER_ACTION_SYNTAX', at: [3, 1], message: /not valid YAML/ },
    ];
    for (const c of cases) {
      it(`${c.code}: ${c.yaml.replace(/\n/g, ' ⏎ ')}`, () => {
        let err: DriverActionError | undefined;
        try {
          parseDriverFixture(c.yaml, 'fixtures/drivers/x.yaml');
        } catch (e) {
          err = e as DriverActionError;
        }
        expect(err).to.be.instanceOf(DriverActionError);
        expect(err!.code, err!.message).to.equal(c.code);
        expect([err!.line, err!.column], err!.message).to.deep.equal(c.at);
        expect(err!.message.startsWith(`fixtures/drivers/x.yaml:${c.at[0]}:${c.at[1]}: `), err!.message).to.equal(true);
        expect(err!.message).to.match(c.message);
        if (c.suggestions) expect(err!.suggestions).to.deep.equal(c.suggestions);
      });
    }
  });

  it('a missing file is a DRIVER_FIXTURE_INVALID error naming it', () => {
    expect(() => loadDriverFixture(join(FIXTURES, 'no-such.yaml'))).to.throw(DriverActionError, /no-such\.yaml:1:1: \(file\): cannot be read/);
  });
});
