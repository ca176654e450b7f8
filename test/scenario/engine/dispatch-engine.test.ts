import { describe, it } from 'node:test';
import { expect } from 'chai';
import { compileActions } from '../../../src/scenario/driver';
import { addDxeDepex, moveToSecondFv, parseDepexBytes, secondFvFiles, setRawMmDepex } from '../../../src/scenario/engine/dispatch-fv-files';
import { locateProtocolAction, MMST_FIELDS } from '../../../src/scenario/engine/dispatch-mm-services';
import { editPolicyXml } from '../../../src/scenario/engine/dispatch-secured-core';
import { ScenarioError } from '../../../src/scenario/engine/scenario-errors';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';

const XML = `<SmmIsolationPolicy>
  <SmmCategory name="IO"><PolicyAccessAttribute Value="Deny"/>
    <PolicyEntry><StartAddress Value="0xCF8" /> <Size Value="0x4" /> <SecurityAttributes Value="Write" /></PolicyEntry>
    <PolicyEntry><StartAddress Value="0xCFC" /> <Size Value="0x4" /> <SecurityAttributes Value="Write" /></PolicyEntry>
  </SmmCategory>
  <SmmCategory name="SAVESTATE"><PolicyAccessAttribute Value="Allow"/></SmmCategory>
</SmmIsolationPolicy>`;

describe('dispatch engine modules', () => {
  it('parseDepexBytes reads hex bytes and names a bad word', () => {
    expect(Array.from(parseDepexBytes('06 0x08', 'x'))).to.deep.equal([6, 8]);
    expect(() => parseDepexBytes('06 zz', 'x')).to.throw(ScenarioError, /"zz"/);
    expect(() => parseDepexBytes(' ', 'x')).to.throw(ScenarioError, /no bytes/);
  });

  it('shapes the scenario files: raw MM_DEPEX, an added DXE_DEPEX, and drivers moved to the second FV', () => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    const d = p.scenarioDrivers;
    d.declare({ name: 'Raw', depex: 'TRUE' });
    d.declare({ name: 'Dxe', depex: '' });
    d.declare({ name: 'Far', depex: 'TRUE' });
    setRawMmDepex(p, 'Raw', Uint8Array.of(6, 3, 8));
    addDxeDepex(p, 'Dxe', 'TRUE');
    moveToSecondFv(p, 'Far');
    const files = d.files();
    expect(files.map((f) => f.name)).to.deep.equal([d.guidOf('Raw'), d.guidOf('Dxe')]);
    const kinds = (i: number) => ('sections' in files[i].content ? files[i].content.sections.map((s) => s.kind) : []);
    expect(kinds(0)).to.deep.equal(['pe32', 'mmDepex', 'ui']);
    const raw = 'sections' in files[0].content ? files[0].content.sections[1] : undefined;
    expect(raw && raw.kind === 'mmDepex' ? Array.from(raw.data) : []).to.deep.equal([6, 3, 8]);
    expect(kinds(1)).to.deep.equal(['pe32', 'dxeDepex', 'ui']);
    expect(secondFvFiles(p).map((f) => f.name)).to.deep.equal([d.guidOf('Far')]);
  });

  it('the locate-protocol block assembles and calls MMST+0xD0 with the GUID on its stack', () => {
    const a = locateProtocolAction('5b1b31a1-9562-11d2-8e3f-00a0c969723b');
    expect(a.kind).to.equal('asm');
    const text = a.kind === 'asm' ? a.text : '';
    expect(text).to.contain(`0x${MMST_FIELDS.MmLocateProtocol.toString(16)}`);
    expect(text).to.contain('0x11d295625b1b31a1'); // the GUID's first 8 bytes, little endian
    expect(() => compileActions([a])).to.not.throw();
  });

  it('editPolicyXml drops an entry or a category and flips an access attribute', () => {
    const dropped = editPolicyXml(XML, { kind: 'drop-entry', category: 'IO', start: 0xcf8n });
    expect(dropped).to.not.contain('0xCF8"');
    expect(dropped).to.contain('0xCFC"');
    expect(editPolicyXml(XML, { kind: 'drop-category', category: 'SAVESTATE' })).to.not.contain('SAVESTATE');
    expect(editPolicyXml(XML, { kind: 'access', category: 'IO', value: 'Allow' })).to.match(/name="IO"><PolicyAccessAttribute Value="Allow"\/>/);
    expect(() => editPolicyXml(XML, { kind: 'drop-entry', category: 'IO', start: 0x80n })).to.throw(ScenarioError, /no entry/);
    expect(() => editPolicyXml(XML, { kind: 'drop-category', category: 'MSR' })).to.throw(ScenarioError, /no MSR category/);
  });
});
