import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  GuidRegistry, GuidSyntaxError, guidFromBytes, guidFromName, guidToBytes, parseGuid, WELL_KNOWN_GUIDS, wellKnownGuid,
  wellKnownGuidName,
} from '../../src/firmware/guid';
import { guidArb } from './format-fuzz';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('GUID text ↔ bytes (x86-smm-facts §4.1)', () => {
  it('uses the mixed-endian EFI_GUID layout', () => {
    // x86-smm-facts §4.9: gEfiMmBaseProtocolGuid
    expect(hex(guidToBytes('f4ccbfb7-f6e0-47fd-9dd4-10a8f150c191'))).to.equal('b7bfccf4e0f6fd479dd410a8f150c191');
    expect(hex(guidToBytes('8C633B23-1260-4EA6-830F-7DDC97382111'))).to.equal('233b638c6012a64e830f7ddc97382111');
    expect(guidFromBytes(Buffer.from('c551ef3d8f221d48821b32ec4df7d9c7', 'hex'))).to.equal('3def51c5-228f-481d-821b-32ec4df7d9c7');
  });
  it('round-trips text → bytes → text for every GUID', () => {
    fc.assert(fc.property(guidArb, (g) => { expect(guidFromBytes(guidToBytes(g))).to.equal(g); }), { numRuns: 5000 });
  });
  it('round-trips bytes → text → bytes for every 16 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => { expect(hex(guidToBytes(guidFromBytes(b)))).to.equal(hex(b)); }), { numRuns: 5000 });
  });
  it('rejects malformed text with GuidSyntaxError', () => {
    for (const t of ['', 'x', 'f4ccbfb7f6e047fd9dd410a8f150c191', 'f4ccbfb7-f6e0-47fd-9dd4-10a8f150c19', 'g4ccbfb7-f6e0-47fd-9dd4-10a8f150c191']) {
      expect(() => parseGuid(t)).to.throw(GuidSyntaxError);
    }
  });
});

describe('GuidRegistry', () => {
  const reg = new GuidRegistry();
  it('knows every well-known name and alias, reverse lookups give the primary name', () => {
    for (const w of WELL_KNOWN_GUIDS) {
      expect(reg.lookup(w.name)).to.equal(w.guid);
      for (const a of w.aliases) expect(reg.lookup(a)).to.equal(w.guid);
      expect(reg.nameOf(w.guid.toUpperCase())).to.equal(w.name);
    }
    expect(reg.lookup('gEfiSmmBase2ProtocolGuid')).to.equal('f4ccbfb7-f6e0-47fd-9dd4-10a8f150c191');
    expect(reg.lookup('MmSupervisorCore')).to.equal('4e4c89dc-a452-4b6b-b183-f16a2a223733');
    expect(reg.lookup('MmSupervisorRing3Broker')).to.equal('bb3d60c4-210b-4076-b596-3dd298afea49');
    expect(reg.lookup('gMmRing3HandlerReadyProtocol')).to.equal('d5920e08-1cab-4aad-b47c-8f83290b31cb');
    expect(wellKnownGuid('gSmmBaseHobGuid')).to.equal('c2217ba7-03bb-4f63-a647-7c25c5fc9d73');
    expect(wellKnownGuidName('6C2A2520-0131-4AEE-A750-CC384AACE8C6')).to.equal('gMmCommBufferHobGuid');
  });
  it('has no GUID listed twice under different primary entries', () => {
    const seen = new Set<string>();
    for (const w of WELL_KNOWN_GUIDS) { expect(seen.has(w.guid), w.name).to.equal(false); seen.add(w.guid); }
  });
  it('resolves registry text, known names, and derives deterministic GUIDs for other names', () => {
    expect(reg.resolve('0059B149-1117-47DC-80BB-1125E98B418C')).to.equal('0059b149-1117-47dc-80bb-1125e98b418c');
    expect(reg.resolve('gEfiMmCpuProtocolGuid')).to.equal('eb346b97-975f-4a9f-8b22-f8e92bb3d569');
    const a = reg.resolve('gMyProtocolGuid');
    expect(a).to.equal(guidFromName('gMyProtocolGuid'));
    expect(new GuidRegistry().resolve('gMyProtocolGuid')).to.equal(a);
    expect(a[14]).to.equal('5'); // version nibble
    expect('89ab').to.include(a[19]); // RFC 4122 variant
    expect(guidFromName('gMyProtocolGuid2')).to.not.equal(a);
  });
  it('derived GUIDs are stable across releases (golden value)', () => {
    // identical to Python's uuid.uuid5(uuid.UUID(MMSPEC_NAME_NAMESPACE), 'DriverA')
    expect(guidFromName('DriverA')).to.equal('53a7eadd-8e54-5814-b513-4d3397d32385');
    expect(guidFromName('DriverA')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('suggests near misses for typos', () => {
    expect(reg.suggest('gEfiMmCpuProtocolGiud')[0]).to.equal('gEfiMmCpuProtocolGuid');
    expect(reg.suggest('MmSupervisorRing3Brokr')[0]).to.equal('MmSupervisorRing3Broker');
    expect(reg.didYouMean('gMmRing3HandlerReadyProtocl')).to.include('gMmRing3HandlerReadyProtocol');
    expect(reg.suggest('zzzzzzzzzzzzzzzzzzz')).to.deep.equal([]);
  });
  it('define adds names per instance and refuses re-binding', () => {
    const r = new GuidRegistry();
    r.define('DriverX', '11111111-2222-3333-4444-555555555555');
    expect(r.resolve('DriverX')).to.equal('11111111-2222-3333-4444-555555555555');
    expect(reg.lookup('DriverX')).to.equal(undefined);
    expect(() => r.define('DriverX', '11111111-2222-3333-4444-555555555556')).to.throw(/already means/);
    expect(() => r.require('DriverY')).to.throw(/unknown GUID name/);
  });
});
