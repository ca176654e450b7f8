import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { parsePolicy, writePolicy } from '../../../src/firmware/policy/policy-binary';
import { layoutPolicy, PolicySpec, PolicySpecRoot } from '../../../src/firmware/policy/policy-layout';
import { compileXml, writePolicyXml } from '../../../src/firmware/policy/policy-xml';
import { compileYaml, parsePolicyYaml, writePolicyYaml } from '../../../src/firmware/policy/policy-yaml';
import { FormatError } from '../../../src/firmware/binary/format-error';
import { validatePolicy } from '../../../src/firmware/policy/policy-validate';
import { measurePolicy } from '../../../src/firmware/policy/measurement';
import { exampleBlob } from './helpers';

// Acceptance 1 of issue 3 for the policy format: 3000 + 4000 + 1500 + 1000 + 1500 = 11,000 generated cases.

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const small = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 5 });

/** Any root the binary model can hold in a canonical layout (unknown types carry no descriptors). */
function rootArb(fieldsArb: fc.Arbitrary<{ version: number; rootSize: number; accessAttr: number; reserved: number }>): fc.Arbitrary<PolicySpecRoot> {
  return fc.oneof(
    fc.tuple(fieldsArb, small(fc.record({ baseAddress: u64, size: u64, memAttributes: u32, reserved: u32 }))).map(([f, descriptors]) => ({ ...f, kind: 'mem', type: 1, descriptors }) as PolicySpecRoot),
    fc.tuple(fieldsArb, small(fc.record({ ioAddress: u16, lengthOrWidth: u16, attributes: u16, reserved: u16 }))).map(([f, descriptors]) => ({ ...f, kind: 'io', type: 2, descriptors }) as PolicySpecRoot),
    fc.tuple(fieldsArb, small(fc.record({ msrAddress: u32, length: u16, attributes: u16 }))).map(([f, descriptors]) => ({ ...f, kind: 'msr', type: 3, descriptors }) as PolicySpecRoot),
    fc.tuple(fieldsArb, small(fc.record({ instructionIndex: u16, attributes: u16, reserved: u32 }))).map(([f, descriptors]) => ({ ...f, kind: 'instruction', type: 4, descriptors }) as PolicySpecRoot),
    fc.tuple(fieldsArb, small(fc.record({ mapField: u32, attributes: u32, accessCondition: u32, reserved: u32 }))).map(([f, descriptors]) => ({ ...f, kind: 'save-state', type: 5, descriptors }) as PolicySpecRoot),
    fc.tuple(fieldsArb, fc.oneof(fc.constant(0), fc.integer({ min: 6, max: 0xffffffff }))).map(([f, type]) => ({ ...f, kind: 'unknown', type, count: 0 }) as PolicySpecRoot),
  );
}
const anyFields = fc.record({ version: u32, rootSize: u32, accessAttr: u8, reserved: u24 });
const specArb: fc.Arbitrary<PolicySpec> = fc.record({
  header: fc.record({ versionMinor: u16, versionMajor: u16, flags: u32, capabilities: u32, reserved: u64, memoryPolicyOffset: u32, memoryPolicyCount: u32 }, { requiredKeys: [] }),
  roots: fc.array(rootArb(anyFields), { maxLength: 6 }),
});

/** Specs the SupervisorPolicyMaker XML can express: one category per type, words the category knows. */
const xmlAttr = (extra: number) => fc.tuple(fc.constantFrom(0, 1, 0x10), fc.constantFrom(0, 2, 0x20), fc.constantFrom(0, extra)).map(([r, w, x]) => r | w | x);
const xmlSpecArb: fc.Arbitrary<PolicySpec> = fc.record({
  io: fc.option(fc.tuple(fc.constantFrom(0, 1), small(fc.record({ ioAddress: u16, lengthOrWidth: fc.integer({ min: 1, max: 0xffff }), attributes: fc.tuple(xmlAttr(4), fc.constantFrom(0, 8)).map(([a, s]) => a | s), reserved: fc.constant(0) })))),
  msr: fc.option(fc.tuple(fc.constantFrom(0, 1), small(fc.record({ msrAddress: u32, length: fc.integer({ min: 1, max: 0xffff }), attributes: xmlAttr(4) })))),
  instruction: fc.option(fc.tuple(fc.constantFrom(0, 1), small(fc.record({ instructionIndex: fc.integer({ min: 0, max: 2 }), attributes: xmlAttr(4), reserved: fc.constant(0) })))),
  saveState: fc.option(fc.tuple(fc.constantFrom(0, 1), small(fc.record({ mapField: fc.integer({ min: 0, max: 1 }), attributes: xmlAttr(0), accessCondition: fc.integer({ min: 0, max: 2 }), reserved: fc.constant(0) })))),
  order: fc.shuffledSubarray(['io', 'msr', 'instruction', 'saveState'] as const, { minLength: 4, maxLength: 4 }),
}).map((s) => {
  const base = { version: 1, rootSize: 0x18, reserved: 0 };
  const roots: PolicySpecRoot[] = [];
  for (const k of s.order) {
    const v = s[k];
    if (!v) continue;
    const kind = k === 'saveState' ? 'save-state' : k;
    const type = { io: 2, msr: 3, instruction: 4, 'save-state': 5 }[kind];
    roots.push({ ...base, kind, type, accessAttr: v[0], descriptors: v[1] } as PolicySpecRoot);
  }
  return { roots };
});

/** Specs the YAML form can express: one root per type, any field values. */
const yamlSpecArb: fc.Arbitrary<PolicySpec> = fc.tuple(specArb, fc.boolean()).map(([s, keepMemLast]) => {
  const seen = new Set<number>();
  const roots = s.roots.filter((r) => r.kind !== 'unknown' && !seen.has(r.type) && (seen.add(r.type), true));
  if (!keepMemLast) return { header: s.header, roots };
  return { header: s.header, roots };
});

function eqBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

describe('policy format properties (fast-check)', () => {
  it('parse(write(v)) = v for generated policies (3000 cases)', () => {
    fc.assert(fc.property(specArb, (spec) => {
      const v = layoutPolicy(spec);
      expect(parsePolicy(writePolicy(v))).to.deep.equal(v);
    }), { numRuns: 3000 });
  });

  it('mutated, truncated and extended blobs: FormatError or success with write(parse(b)) = b (4000 cases)', () => {
    const blobArb = fc.oneof(
      specArb.map((s) => writePolicy(layoutPolicy(s))),
      fc.constant(exampleBlob()),
    );
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: u8, n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: u8, n: fc.constant(0) }),
      fc.record({ kind: fc.constant('extend' as const), at: fc.nat({ max: 40 }), value: u8, n: fc.constant(0) }),
      fc.record({ kind: fc.constant('field' as const), at: fc.constantFrom(0x20, 0x24, 0x28 + 0xc, 0x28 + 0x10, 0x40 + 0xc, 0x40 + 0x10), value: u32, n: fc.constant(0) }),
    );
    fc.assert(fc.property(blobArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (blob, muts) => {
      let b: Uint8Array = blob.slice();
      for (const m of muts) {
        if (m.kind === 'flip' && b.length > 0) for (let k = 0; k < m.n; k++) b[(m.at + k * 7) % b.length] = (m.value + k) & 0xff;
        else if (m.kind === 'truncate') b = b.slice(0, b.length === 0 ? 0 : m.at % (b.length + 1));
        else if (m.kind === 'extend') { const e = new Uint8Array(b.length + m.at).fill(m.value); e.set(b); b = e; }
        else if (m.kind === 'field' && m.at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(m.at, m.value, true);
      }
      let parsed;
      try {
        parsed = parsePolicy(b);
      } catch (e) {
        expect(e).to.be.instanceOf(FormatError);
        expect((e as FormatError).field).to.be.a('string').and.not.equal('');
        expect(validatePolicy(b).violations[0].reason).to.equal('MALFORMED_BLOB');
        return;
      }
      expect(eqBytes(writePolicy(parsed), b)).to.equal(true);
      validatePolicy(parsed); // never throws on anything parseable
    }), { numRuns: 4000 });
  });

  it('XML → bin → YAML → bin is stable and equals the SupervisorPolicyMaker layout (1500 cases)', () => {
    fc.assert(fc.property(xmlSpecArb, (spec) => {
      const xml = writePolicyXml(spec);
      const bin = compileXml(xml, 'gen.xml');
      expect(eqBytes(bin, writePolicy(layoutPolicy(spec)))).to.equal(true);
      const yaml = writePolicyYaml(parsePolicy(bin));
      const bin2 = compileYaml(yaml, 'gen.yaml');
      expect(eqBytes(bin2, bin)).to.equal(true);
      expect(eqBytes(compileXml(writePolicyXml(parsePolicy(bin2)), 'again.xml'), bin)).to.equal(true);
    }), { numRuns: 1500 });
  });

  it('YAML ↔ model ↔ binary round-trips for everything the YAML form holds (1500 cases)', () => {
    fc.assert(fc.property(yamlSpecArb, (spec) => {
      const bin = writePolicy(layoutPolicy(spec));
      const yaml = writePolicyYaml(parsePolicy(bin));
      expect(eqBytes(compileYaml(yaml, 'gen.yaml'), bin)).to.equal(true);
      expect(eqBytes(writePolicy(layoutPolicy(parsePolicyYaml(writePolicyYaml(spec)))), bin)).to.equal(true);
    }), { numRuns: 1500 });
  });

  it('random bytes with a plausible header never throw anything but FormatError; measurement never throws (1000 cases)', () => {
    const arb = fc.record({
      body: fc.uint8Array({ minLength: 0x28, maxLength: 200 }),
      rootOffset: fc.integer({ min: 0, max: 210 }),
      rootCount: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(fc.property(arb, ({ body, rootOffset, rootCount }) => {
      const b = body.slice();
      const dv = new DataView(b.buffer);
      dv.setUint32(0x20, rootOffset, true);
      dv.setUint32(0x24, rootCount, true);
      for (let i = 0; i < rootCount && rootOffset + 24 * i + 0x14 <= b.length; i++) {
        if (rootOffset + 24 * i + 0x10 + 4 <= b.length) dv.setUint32(rootOffset + 24 * i + 0x10, b[i] % 4, true);
        if (rootOffset + 24 * i + 8 + 4 <= b.length) dv.setUint32(rootOffset + 24 * i + 8, b[i] % 7, true);
      }
      try {
        const p = parsePolicy(b);
        expect(eqBytes(writePolicy(p), b)).to.equal(true);
        validatePolicy(p);
        measurePolicy(p, {}, { simulateFetch: false });
      } catch (e) {
        expect(e).to.be.instanceOf(FormatError);
      }
    }), { numRuns: 1000 });
  });
});
