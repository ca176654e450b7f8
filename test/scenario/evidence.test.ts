// The evidence contract (src/scenario/evidence.ts): canonical JSON, a digest that depends only on the events,
// and a parser that names the bad field.
import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  EVIDENCE_MEDIA_TYPE, EvidenceError, EvidenceLog, buildEvidence, canonicalJson, digestMatches, evidenceDigest, parseEvidence,
  toJsonValue,
} from '../../src/scenario/evidence';

describe('evidence: canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).to.equal('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('writes bigint as 0x hex, bytes as hex, drops undefined members, non-finite numbers as null', () => {
    expect(canonicalJson({ a: 0x7f000000n, n: -16n, b: new Uint8Array([0, 0xab]), u: undefined, x: [undefined, NaN, Infinity] }))
      .to.equal('{"a":"0x7f000000","b":"00ab","n":"-0x10","x":[null,null,null]}');
    expect(canonicalJson(new Map<unknown, unknown>([[1, 'one']]))).to.equal('{"1":"one"}');
    expect(canonicalJson(undefined)).to.equal('null');
  });
  it('rejects cycles and functions with EVIDENCE_MALFORMED', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).to.throw(EvidenceError).with.property('code', 'EVIDENCE_MALFORMED');
    expect(() => toJsonValue({ f: () => 1 })).to.throw(EvidenceError);
    // the same object twice (not a cycle) is fine
    const shared = { k: 1 };
    expect(canonicalJson([shared, shared])).to.equal('[{"k":1},{"k":1}]');
  });
  it('is independent of key insertion order (property)', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
      const reversed = Object.fromEntries(Object.entries(o).reverse());
      return canonicalJson(o) === canonicalJson(reversed);
    }));
  });
  it('is valid JSON that parses back to the same data (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = canonicalJson(v);
      return canonicalJson(JSON.parse(text)) === text;
    }));
  });
});

describe('evidence: digest and building', () => {
  const events = [
    { type: 'smi', milestone: 'PEI', data: { cpu: 0, port: 0xb2 } },
    { type: 'policy-decision', milestone: 'runtime', data: { msr: 0x1an, allowed: false } },
  ];
  it('numbers events, normalises data and computes sha256 over the canonical events', () => {
    const e = buildEvidence({ events });
    expect(e.schema).to.equal(1);
    expect(e.events.map((x) => x.seq)).to.deep.equal([0, 1]);
    expect(e.events[1].data).to.deep.equal({ msr: '0x1a', allowed: false });
    expect(e.digest).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(e.digest).to.equal(evidenceDigest(e.events));
    expect(digestMatches(e)).to.equal(true);
    // JSON.stringify works on the result (no bigint left), as the World's attach needs
    expect(() => JSON.stringify(e)).not.to.throw();
  });
  it('is deterministic: same events → same digest; any change → another digest', () => {
    const a = buildEvidence({ events });
    const b = buildEvidence({ events: events.map((x) => ({ ...x, data: Object.fromEntries(Object.entries(x.data).reverse()) })) });
    expect(b.digest).to.equal(a.digest);
    const c = buildEvidence({ events: [events[0], { ...events[1], milestone: 'DXE' }] });
    expect(c.digest).not.to.equal(a.digest);
    const d = buildEvidence({ events: [events[1], events[0]] });
    expect(d.digest).not.to.equal(a.digest);
  });
  it('the digest covers only the events (memory map etc. do not change it)', () => {
    const a = buildEvidence({ events });
    const b = buildEvidence({ events, dispatchOrder: [{ name: 'A', guid: 'g', status: 'started' }], requirementIds: ['SUPV-001'] });
    expect(b.digest).to.equal(a.digest);
  });
  it('de-duplicates and sorts policy entries and requirement ids', () => {
    const e = buildEvidence({
      events: [],
      policyEntries: [{ policy: 'p', kind: 'msr', index: 2 }, { policy: 'p', kind: 'io', index: 1 }, { policy: 'p', kind: 'msr', index: 2 }, { policy: 'a', kind: 'io', index: 0 }],
      requirementIds: ['SUPV-002', 'SUPV-001', 'SUPV-002'],
    });
    expect(e.policyEntries).to.deep.equal([{ policy: 'a', kind: 'io', index: 0 }, { policy: 'p', kind: 'io', index: 1 }, { policy: 'p', kind: 'msr', index: 2 }]);
    expect(e.requirementIds).to.deep.equal(['SUPV-001', 'SUPV-002']);
  });
  it('EvidenceLog records events in order and builds the same evidence as buildEvidence', () => {
    const log = new EvidenceLog();
    for (const x of events) log.record(x.type, x.milestone, x.data);
    expect(log.length).to.equal(2);
    const memoryMap = { regions: [{ base: '0x7f000000', size: '0x1000000', kind: 'mmram' as const, label: 'TSEG' }] };
    const e = log.build({ memoryMap });
    expect(e).to.deep.equal(buildEvidence({ events, memoryMap }));
  });
  it('media type is the vendor JSON type', () => {
    expect(EVIDENCE_MEDIA_TYPE).to.equal('application/vnd.mmspec.evidence+json');
  });
});

describe('evidence: parseEvidence', () => {
  const good = buildEvidence({
    events: [{ type: 'fault', milestone: 'runtime', data: { vector: 14 } }],
    memoryMap: { regions: [{ base: '0x1000', size: '0x1000', kind: 'dram', label: 'low', attributes: 'user RW NX' }] },
    dispatchOrder: [{ name: 'Drv', guid: '00000000-0000-0000-0000-000000000000', status: 'started' }],
    policyEntries: [{ policy: 'p.xml', kind: 'io', index: 0 }],
    requirementIds: ['SUPV-045'],
  });
  it('reads back what buildEvidence wrote', () => {
    expect(parseEvidence(JSON.stringify(good))).to.deep.equal(good);
  });
  const bad: [string, (e: Record<string, unknown>) => void, RegExp][] = [
    ['schema', (e) => { e.schema = 2; }, /field schema/],
    ['digest', (e) => { e.digest = 'md5:00'; }, /field digest/],
    ['events', (e) => { e.events = {}; }, /field events is not an array/],
    ['event item', (e) => { e.events = [1]; }, /events\[0\] is not an object/],
    ['event seq', (e) => { e.events = [{ seq: '0', type: 't', milestone: 'm', data: {} }]; }, /events\[0\]\.seq/],
    ['event type', (e) => { e.events = [{ seq: 0, milestone: 'm', data: {} }]; }, /events\[0\]\.type/],
    ['event milestone', (e) => { e.events = [{ seq: 0, type: 't', data: {} }]; }, /events\[0\]\.milestone/],
    ['event data', (e) => { e.events = [{ seq: 0, type: 't', milestone: 'm', data: [] }]; }, /events\[0\]\.data/],
    ['memory map', (e) => { e.memoryMap = { regions: 1 }; }, /memoryMap\.regions is not an array/],
    ['region item', (e) => { e.memoryMap = { regions: [null] }; }, /regions\[0\] is not an object/],
    ['region base', (e) => { e.memoryMap = { regions: [{ base: '4096', size: '0x1', kind: 'dram', label: '' }] }; }, /regions\[0\]\.base/],
    ['region kind', (e) => { e.memoryMap = { regions: [{ base: '0x0', size: '0x1', kind: 'rom', label: '' }] }; }, /regions\[0\]\.kind/],
    ['region label', (e) => { e.memoryMap = { regions: [{ base: '0x0', size: '0x1', kind: 'dram' }] }; }, /regions\[0\]\.label/],
    ['region attributes', (e) => { e.memoryMap = { regions: [{ base: '0x0', size: '0x1', kind: 'dram', label: '', attributes: 7 }] }; }, /regions\[0\]\.attributes/],
    ['dispatch order', (e) => { e.dispatchOrder = 'x'; }, /dispatchOrder is not an array/],
    ['dispatch item', (e) => { e.dispatchOrder = [3]; }, /dispatchOrder\[0\] is not an object/],
    ['dispatch status', (e) => { e.dispatchOrder = [{ name: 'a', guid: 'b' }]; }, /dispatchOrder\[0\]\.status/],
    ['policy entries', (e) => { e.policyEntries = {}; }, /policyEntries is not an array/],
    ['policy entry item', (e) => { e.policyEntries = [0]; }, /policyEntries\[0\] is not an object/],
    ['policy entry policy', (e) => { e.policyEntries = [{ kind: 'io', index: 0 }]; }, /policyEntries\[0\]\.policy/],
    ['policy entry kind', (e) => { e.policyEntries = [{ policy: 'p', index: 0 }]; }, /policyEntries\[0\]\.kind/],
    ['policy entry index', (e) => { e.policyEntries = [{ policy: 'p', kind: 'io', index: -1 }]; }, /policyEntries\[0\]\.index/],
    ['requirement ids', (e) => { e.requirementIds = [1]; }, /requirementIds/],
  ];
  for (const [name, mutate, msg] of bad) {
    it(`names the bad field: ${name}`, () => {
      const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      mutate(copy);
      expect(() => parseEvidence(JSON.stringify(copy), 'scenario x')).to.throw(EvidenceError, msg).with.property('message').that.matches(/^scenario x: /);
    });
  }
  it('rejects text that is not JSON, or not an object', () => {
    expect(() => parseEvidence('{')).to.throw(EvidenceError, /not JSON/);
    expect(() => parseEvidence('[]')).to.throw(EvidenceError, /\(root\) is not an object/);
  });
  it('digestMatches detects edited events', () => {
    const copy = JSON.parse(JSON.stringify(good));
    copy.events[0].data.vector = 13;
    expect(digestMatches(parseEvidence(JSON.stringify(copy)))).to.equal(false);
  });
});
