import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  compileDepex, decodeDepex, Depex, DepexExpr, DepexSyntaxError, depexToText, disassembleDepex, encodeDepex, evaluateDepex,
  parseDepexText, predictDispatchOrder, DispatchCandidate,
} from '../../src/firmware/depex';
import { FfsFileType } from '../../src/firmware/fv';
import { Guid, guidFromName, guidToBytes, GuidRegistry } from '../../src/firmware/guid';
import { guidArb } from './format-fuzz';

const A = guidFromName('gA'), B = guidFromName('gB'), C = guidFromName('gC');
const push = (g: Guid) => [0x02, ...guidToBytes(g)];
const bc = (...parts: (number | number[])[]) => Uint8Array.from(parts.flat());
const installedOnly = (...gs: Guid[]) => (g: Guid) => gs.includes(g);

const exprArb: fc.Arbitrary<DepexExpr> = fc.letrec<{ e: DepexExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ op: 'true' as const }),
    fc.constant({ op: 'false' as const }),
    guidArb.map((guid) => ({ op: 'push' as const, guid })),
    tie('e').map((a) => ({ op: 'not' as const, a })),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), a: tie('e'), b: tie('e') }),
  ),
})).e;
const depexArb: fc.Arbitrary<Depex> = fc.oneof(
  fc.record({ kind: fc.constantFrom('before' as const, 'after' as const), guid: guidArb }),
  fc.record({ kind: fc.constant('expression' as const), sor: fc.boolean(), expr: exprArb }),
);

/** Reference semantics written straight from supervisor-facts §2.2, for the model check. */
function reference(e: DepexExpr, inst: (g: Guid) => boolean): boolean {
  switch (e.op) {
    case 'true': return true;
    case 'false': return false;
    case 'push': return inst(e.guid);
    case 'not': return !reference(e.a, inst);
    case 'and': return reference(e.a, inst) && reference(e.b, inst);
    case 'or': return reference(e.a, inst) || reference(e.b, inst);
  }
}

describe('DEPEX text ↔ bytecode (x86-smm-facts §4.6)', () => {
  it('compiles the documented forms', () => {
    expect(compileDepex('TRUE')).to.deep.equal(bc(0x06, 0x08));
    expect(compileDepex('FALSE')).to.deep.equal(bc(0x07, 0x08));
    expect(compileDepex('gA AND (gB OR NOT gC)')).to.deep.equal(bc(push(A), push(B), push(C), 0x05, 0x04, 0x03, 0x08));
    expect(compileDepex('BEFORE gA')).to.deep.equal(bc(0x00, [...guidToBytes(A)], 0x08));
    expect(compileDepex('AFTER gA')).to.deep.equal(bc(0x01, [...guidToBytes(A)], 0x08));
    expect(compileDepex('SOR gA')).to.deep.equal(bc(0x09, push(A), 0x08));
    expect(compileDepex('gEfiMmCpuProtocolGuid')).to.deep.equal(bc(push('eb346b97-975f-4a9f-8b22-f8e92bb3d569'), 0x08));
    expect(compileDepex('EB346B97-975F-4A9F-8B22-F8E92BB3D569 AND TRUE')).to.deep.equal(bc(push('eb346b97-975f-4a9f-8b22-f8e92bb3d569'), 0x06, 0x03, 0x08));
    expect(compileDepex('gA AND gB AND gC')).to.deep.equal(bc(push(A), push(B), 0x03, push(C), 0x03, 0x08));
  });
  it('rejects malformed text naming the column', () => {
    expect(() => compileDepex('')).to.throw(DepexSyntaxError, /empty/);
    expect(() => compileDepex('gA AND')).to.throw(DepexSyntaxError, /column 7: expected an operand/);
    expect(() => compileDepex('gA AND gB OR gC')).to.throw(DepexSyntaxError, /column 11: mixing AND and OR needs parentheses/);
    expect(() => compileDepex('(gA')).to.throw(DepexSyntaxError, /expected '\)'/);
    expect(() => compileDepex('gA BEFORE gB')).to.throw(DepexSyntaxError, /unexpected BEFORE/);
    expect(() => compileDepex('gA AND BEFORE gB')).to.throw(DepexSyntaxError, /may only start/);
    expect(() => compileDepex('gA $')).to.throw(DepexSyntaxError, /unexpected character/);
    expect(() => compileDepex('BEFORE')).to.throw(DepexSyntaxError, /expected a GUID name/);
  });
  it('text → bytecode → text → bytecode is stable for generated expressions', () => {
    fc.assert(fc.property(depexArb, (d) => {
      const bytes = encodeDepex(d);
      const decoded = decodeDepex(bytes);
      expect(decoded.depex).to.deep.equal(d);
      const text = depexToText(d);
      expect(parseDepexText(text)).to.deep.equal(d);
      expect(compileDepex(text)).to.deep.equal(bytes);
    }), { numRuns: 4000 });
  });
  it('disassembles with names and flags malformed bytecode', () => {
    const reg = new GuidRegistry();
    const names = (g: Guid) => reg.describe(g);
    expect(disassembleDepex(compileDepex('gEfiMmCpuProtocolGuid AND NOT (TRUE OR FALSE)'), names).text).to.equal('gEfiMmCpuProtocolGuid AND NOT (TRUE OR FALSE)');
    expect(disassembleDepex(bc(0x03, 0x08))).to.deep.equal({ text: '<malformed: stack underflow at AND (offset 0)> AND END', wellFormed: false });
    expect(disassembleDepex(bc(0x06)).text).to.match(/runs past the end/);
    expect(disassembleDepex(bc(0x06, 0x0a)).text).to.match(/unknown opcode 0x0a/);
    expect(disassembleDepex(bc(0x06, 0x06, 0x08)).text).to.match(/finds 2 values/);
    expect(disassembleDepex(bc(0x06, 0x01, [...guidToBytes(A)], 0x03, 0x08)).text).to.match(/AFTER at offset 1 is not the first/);
  });
  it('decodes or reports arbitrary bytecode without throwing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => x % 12)), (b) => {
      const r = disassembleDepex(b);
      expect(r.text).to.be.a('string');
      if (r.wellFormed) expect(compileDepex(r.text).subarray(0)).to.deep.equal(b.subarray(0, compileDepex(r.text).length));
    }), { numRuns: 3000 });
  });
});

describe('DEPEX evaluation with the supervisor semantics (supervisor-facts §2.2)', () => {
  const none = () => false;
  const table: [string, Uint8Array, (g: Guid) => boolean, boolean, string][] = [
    ['TRUE', bc(0x06, 0x08), none, true, 'result'],
    ['FALSE', bc(0x07, 0x08), none, false, 'result'],
    ['PUSH installed', bc(push(A), 0x08), installedOnly(A), true, 'result'],
    ['PUSH not installed', bc(push(A), 0x08), none, false, 'result'],
    ['AND', bc(push(A), push(B), 0x03, 0x08), installedOnly(A), false, 'result'],
    ['AND both', bc(push(A), push(B), 0x03, 0x08), installedOnly(A, B), true, 'result'],
    ['OR', bc(push(A), push(B), 0x04, 0x08), installedOnly(B), true, 'result'],
    ['OR neither', bc(0x07, 0x07, 0x04, 0x08), none, false, 'result'],
    ['NOT', bc(0x07, 0x05, 0x08), none, true, 'result'],
    ['END pops the top of a deeper stack', bc(0x07, 0x06, 0x08), none, true, 'result'],
    ['BEFORE first: scheduled by insertion, evaluates FALSE', bc(0x00, [...guidToBytes(A)], 0x08), installedOnly(A), false, 'before-after'],
    ['AFTER first: evaluates FALSE', bc(0x01, [...guidToBytes(A)], 0x08), installedOnly(A), false, 'before-after'],
    ['BEFORE later is handled as PUSH (rule 7)', bc(0x06, 0x00, [...guidToBytes(A)], 0x03, 0x08), installedOnly(A), true, 'result'],
    ['AFTER later is handled as PUSH (rule 7), not installed', bc(0x06, 0x01, [...guidToBytes(A)], 0x03, 0x08), none, false, 'result'],
    ['SOR is never true (rule 6)', bc(0x09, 0x06, 0x08), none, false, 'unknown-opcode'],
    ['SOR later', bc(0x06, 0x09, 0x08), none, false, 'unknown-opcode'],
    ['unknown opcode 0x0A', bc(0x06, 0x0a, 0x08), none, false, 'unknown-opcode'],
    ['unknown opcode 0xFF', bc(0xff), none, false, 'unknown-opcode'],
    ['AND underflow', bc(0x06, 0x03, 0x08), none, false, 'stack-underflow'],
    ['OR underflow', bc(0x04, 0x08), none, false, 'stack-underflow'],
    ['NOT underflow', bc(0x05, 0x08), none, false, 'stack-underflow'],
    ['END with an empty stack', bc(0x08), none, false, 'empty-stack'],
    ['empty depex runs past the end', bc(), none, false, 'past-end'],
    ['no END', bc(0x06), none, false, 'past-end'],
    ['truncated PUSH operand', bc(0x02, 1, 2, 3), () => true, false, 'past-end'],
    ['truncated BEFORE operand later', bc(0x06, 0x00, 1), () => true, false, 'past-end'],
  ];
  for (const [name, bytes, inst, value, outcome] of table) {
    it(name, () => {
      const r = evaluateDepex(bytes, inst);
      expect(r.value).to.equal(value);
      expect(r.outcome).to.equal(outcome);
    });
  }
  it('a missing depex is FALSE (rule 8)', () => {
    expect(evaluateDepex(undefined, () => true)).to.include({ value: false, outcome: 'no-depex' });
  });
  it('agrees with the reference semantics on generated expressions', () => {
    fc.assert(fc.property(exprArb, fc.func(fc.boolean()), (e, f) => {
      const inst = (g: Guid) => f(g);
      const bytes = encodeDepex({ kind: 'expression', sor: false, expr: e });
      expect(evaluateDepex(bytes, inst)).to.include({ value: reference(e, inst), outcome: 'result' });
      expect(evaluateDepex(encodeDepex({ kind: 'expression', sor: true, expr: e }), inst).value).to.equal(false);
    }), { numRuns: 3000 });
  });
  it('never throws or hangs on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, all) => {
      expect(evaluateDepex(b, () => all).value).to.be.a('boolean');
    }), { numRuns: 3000 });
  });
});

describe('predictDispatchOrder (supervisor-facts §2.3–§2.4)', () => {
  const reg = new GuidRegistry();
  const file = (name: string, depex?: string, type?: number): DispatchCandidate => ({
    name, guid: reg.resolve(name), depex: depex === undefined ? undefined : compileDepex(depex, (n) => reg.resolve(n)), ...(type !== undefined ? { type } : {}),
  });
  const installs: Record<string, string[]> = {
    MmSupervisorRing3Broker: ['gMmRing3HandlerReadyProtocol', 'gEfiMmCpuProtocolGuid'],
    DriverA: ['gA'],
    DriverB: ['gB'],
  };
  const installedBy = (f: DispatchCandidate) => (installs[f.name] ?? []).map((n) => reg.resolve(n));

  it('dispatches satisfied drivers in FV order, later passes pick up newly satisfied ones', () => {
    const p = predictDispatchOrder([
      file('DriverC', 'gA AND gB'),
      file('MmSupervisorRing3Broker', 'TRUE'),
      file('DriverB', 'gMmRing3HandlerReadyProtocol AND gA'),
      file('DriverA', 'gMmRing3HandlerReadyProtocol'),
    ], installedBy);
    expect(p.order).to.deep.equal(['MmSupervisorRing3Broker', 'DriverA', 'DriverB', 'DriverC']);
    expect(p.notDispatched).to.deep.equal([]);
    expect(p.passes).to.equal(4);
  });
  it('inserts BEFORE and AFTER drivers around their target, recursively', () => {
    const p = predictDispatchOrder([
      file('Late', 'AFTER DriverA'),
      file('Early', 'BEFORE DriverA'),
      file('Earlier', 'BEFORE Early'),
      file('DriverA', 'TRUE'),
      file('Other', 'TRUE'),
      file('Orphan', 'AFTER Nobody'),
    ], installedBy);
    expect(p.order).to.deep.equal(['Earlier', 'Early', 'DriverA', 'Late', 'Other']);
    expect(p.notDispatched.map((n) => n.name)).to.deep.equal(['Orphan']);
    expect(p.notDispatched[0].reason).to.match(/AFTER .* never ran/);
  });
  it('skips files without MM_DEPEX, non-MM_STANDALONE files, SOR and never-satisfied drivers', () => {
    const p = predictDispatchOrder([
      file('NoDepex'),
      file('SmmDriver', 'TRUE', FfsFileType.MM),
      file('Sor', 'SOR TRUE'),
      file('Waits', 'gNeverInstalled'),
      file('Ok', 'TRUE'),
      file('Policy', undefined, FfsFileType.FREEFORM),
    ], installedBy);
    expect(p.order).to.deep.equal(['Ok']);
    expect(Object.fromEntries(p.notDispatched.map((n) => [n.name, n.reason]))).to.deep.equal({
      NoDepex: 'no MM_DEPEX section',
      SmmDriver: 'file type 0x0a (SMM) is never loaded; only MM_STANDALONE drivers are dispatched',
      Sor: 'depex is FALSE: SOR (offset 0) is not recognised by the MM dispatcher',
      Waits: 'depex stays FALSE',
    });
  });
  it('terminates on BEFORE/AFTER cycles', () => {
    const p = predictDispatchOrder([file('X', 'BEFORE Y'), file('Y', 'AFTER X'), file('Z', 'TRUE')], installedBy);
    expect(p.order).to.deep.equal(['Z']);
  });
});
