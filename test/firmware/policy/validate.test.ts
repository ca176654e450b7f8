import { describe, it } from 'node:test';
import { expect } from 'chai';
import { exampleBlob, examplePolicy, ins, io, mem, msr, policyOf, svst } from './helpers';
import { parsePolicy, writePolicy } from '../../../src/firmware/policy/policy-binary';
import { validatePolicy, PolicyViolationReason } from '../../../src/firmware/policy/policy-validate';
import { clonePolicy, SecurePolicy } from '../../../src/firmware/policy/policy-types';

const R = 1, W = 2, X = 4, SW = 8, CR = 0x10, CW = 0x20;
const DENY = 1, ALLOW = 0;

function reasons(p: SecurePolicy | Uint8Array): PolicyViolationReason[] {
  return validatePolicy(p).violations.map((v) => v.reason);
}
function expectOnly(p: SecurePolicy, reason: PolicyViolationReason, rule: number): void {
  const v = validatePolicy(p);
  expect(v.ok).to.equal(false);
  expect(v.status).to.equal('EFI_SECURITY_VIOLATION');
  expect(v.statusValue).to.equal(0x800000000000001an);
  expect(v.violations.map((x) => x.reason)).to.deep.equal([reason]);
  expect(v.violations[0].rule).to.equal(rule);
}
function withHeader(h: Partial<SecurePolicy>): SecurePolicy {
  return { ...clonePolicy(examplePolicy()), ...h };
}

describe('policy validation = SecurityPolicyCheck (supervisor-facts §4.6)', () => {
  it('accepts the example and every SupervisorPolicyMaker layout of valid entries', () => {
    expect(validatePolicy(examplePolicy()).ok).to.equal(true);
    expect(validatePolicy(policyOf(io(DENY, [0x80, 1, W]), msr(ALLOW, [1, 2, R]))).ok).to.equal(true);
  });
  it('rule 1 [Q]: rejects only when Reserved, Flags and Capabilities are all non-zero (§12 item 80)', () => {
    expectOnly(withHeader({ reserved: 1n, flags: 1, capabilities: 1 }), 'HEADER_UNRECOGNIZED_BITS', 1);
    for (const h of [{ reserved: 1n }, { flags: 1 }, { capabilities: 1 }, { reserved: 5n, flags: 2 }, { flags: 1, capabilities: 1 }, { reserved: 1n, capabilities: 9 }]) {
      expect(validatePolicy(withHeader(h)).ok, JSON.stringify(h, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).to.equal(true);
    }
  });
  it('rule 2: a duplicated root type (§12 item 74)', () => {
    expectOnly(policyOf(io(DENY, [0x80, 1, W]), io(ALLOW, [0x90, 1, W])), 'DUPLICATE_ROOT_TYPE', 2);
    const v = validatePolicy(policyOf(mem(DENY), mem(ALLOW)));
    expect(v.violations[0]).to.include({ rule: 2, root: 1, other: 0 });
  });
  it('rule 3: a root type outside 1..5 (§12 item 75)', () => {
    const p = clonePolicy(examplePolicy());
    p.roots[1] = { ...p.roots[1], kind: 'unknown', type: 9, count: 13 } as SecurePolicy['roots'][number];
    expectOnly(parsePolicy(writePolicy(p)), 'UNKNOWN_ROOT_TYPE', 3);
  });
  it('rule 4: non-zero root reserved bytes (§12 item 75)', () => {
    const p = clonePolicy(examplePolicy());
    p.roots[2].reserved = 0x010000;
    expectOnly(p, 'ROOT_RESERVED_NONZERO', 4);
  });
  it('rule 5: IO overlap, strict-width shadowing, zero length, reserved (§12 item 76)', () => {
    expectOnly(policyOf(io(DENY, [0x80, 4, W], [0x83, 1, R])), 'IO_OVERLAP', 5);
    expectOnly(policyOf(io(DENY, [0x80, 4, W], [0x84, 0, R])), 'IO_ZERO_LENGTH', 5);
    // A strict entry is only shadowed by a later entry covering its whole range.
    expectOnly(policyOf(io(DENY, [0xcf8, 4, W | SW], [0xcf8, 8, W])), 'IO_STRICT_WIDTH_SHADOWED', 5);
    expect(validatePolicy(policyOf(io(DENY, [0xcf8, 4, W | SW], [0xcf8, 2, W]))).ok).to.equal(true);
    expect(validatePolicy(policyOf(io(DENY, [0xcf8, 4, W | SW], [0xcfa, 4, W]))).ok).to.equal(true);
    // ... but an earlier non-strict entry overlapping a later strict one fails.
    expectOnly(policyOf(io(DENY, [0xcf8, 2, W], [0xcf8, 4, W | SW])), 'IO_OVERLAP', 5);
    // A single zero-length entry is never compared, so it passes.
    expect(validatePolicy(policyOf(io(DENY, [0x80, 0, W]))).ok).to.equal(true);
    const p = policyOf(io(DENY, [0x80, 1, W]));
    (p.roots[0].kind === 'io') && (p.roots[0].descriptors[0].reserved = 1);
    expectOnly(p, 'IO_RESERVED_NONZERO', 5);
  });
  it('rule 6: MEM overlap, zero size, wrap, reserved', () => {
    expectOnly(policyOf(mem(ALLOW, [0x1000n, 0x2000n, R], [0x2fffn, 1n, R])), 'MEM_OVERLAP', 6);
    expectOnly(policyOf(mem(ALLOW, [0x1000n, 0x2000n, R], [0x8000n, 0n, R])), 'MEM_ZERO_SIZE', 6);
    expectOnly(policyOf(mem(ALLOW, [0x1000n, 0x1000n, R], [0xfffffffffffff000n, 0x2000n, R])), 'MEM_WRAP', 6);
    expect(validatePolicy(policyOf(mem(ALLOW, [0x1000n, 0x1000n, R], [0x2000n, 0x1000n, R]))).ok).to.equal(true);
    const p = policyOf(mem(ALLOW, [0x1000n, 0x1000n, R]));
    (p.roots[0].kind === 'mem') && (p.roots[0].descriptors[0].reserved = 2);
    expectOnly(p, 'MEM_RESERVED_NONZERO', 6);
  });
  it('rule 7: MSR overlap and zero length (§12 item 76)', () => {
    expectOnly(policyOf(msr(DENY, [0xc0000080, 2, R], [0xc0000081, 1, R])), 'MSR_OVERLAP', 7);
    expectOnly(policyOf(msr(DENY, [0xc0000080, 2, R], [0x10, 0, R])), 'MSR_ZERO_LENGTH', 7);
    expect(validatePolicy(policyOf(msr(DENY, [0xc0000080, 1, R], [0xc0000081, 1, R]))).ok).to.equal(true);
  });
  it('rule 8: duplicate instruction index, reserved; index range not checked (§12 item 77)', () => {
    expectOnly(policyOf(ins(ALLOW, [0, X], [0, X])), 'INSTRUCTION_DUPLICATE', 8);
    expect(validatePolicy(policyOf(ins(ALLOW, [0, X], [7, X]))).ok).to.equal(true);
    const p = policyOf(ins(ALLOW, [0, X]));
    (p.roots[0].kind === 'instruction') && (p.roots[0].descriptors[0].reserved = 1);
    expectOnly(p, 'INSTRUCTION_RESERVED_NONZERO', 8);
  });
  it('rule 9: save-state duplicate field, write bits, READ+COND_READ, condition without COND_READ, reserved (§12 items 77, 78)', () => {
    expectOnly(policyOf(svst(ALLOW, [0, CR, 2], [0, R, 0])), 'SAVE_STATE_DUPLICATE_FIELD', 9);
    expectOnly(policyOf(svst(ALLOW, [1, R | W, 0])), 'SAVE_STATE_WRITE_ATTRIBUTE', 9);
    expectOnly(policyOf(svst(ALLOW, [0, CW, 0])), 'SAVE_STATE_WRITE_ATTRIBUTE', 9);
    expectOnly(policyOf(svst(ALLOW, [1, R | CR, 0])), 'SAVE_STATE_READ_AND_COND_READ', 9);
    expectOnly(policyOf(svst(ALLOW, [1, R, 2])), 'SAVE_STATE_CONDITION_WITHOUT_COND_READ', 9);
    expect(validatePolicy(policyOf(svst(ALLOW, [5, R, 0]))).ok).to.equal(true); // MapField range not checked
    const p = policyOf(svst(ALLOW, [1, R, 0]));
    (p.roots[0].kind === 'save-state') && (p.roots[0].descriptors[0].reserved = 1);
    expectOnly(p, 'SAVE_STATE_RESERVED_NONZERO', 9);
  });
  it('rule 10: MemoryPolicyCount ≠ 0 (§12 item 79)', () => {
    expectOnly(withHeader({ memoryPolicyCount: 1 }), 'LEGACY_MEMORY_POLICY', 10);
  });
  it('rule 11: header Size must equal 0x28 + 0x18×roots + descriptors (§12 item 79)', () => {
    expectOnly(withHeader({ size: 0x151 }), 'SIZE_MISMATCH', 11);
    expectOnly(withHeader({ size: 0x14f }), 'SIZE_MISMATCH', 11);
    // Trailing bytes after the last structure: Size still 0x150 is fine, Size covering them is not.
    const b = new Uint8Array(0x158);
    b.set(exampleBlob());
    expect(validatePolicy(b).ok).to.equal(true);
    new DataView(b.buffer).setUint32(4, 0x158, true);
    expect(reasons(b)).to.deep.equal(['SIZE_MISMATCH']);
  });
  it('a blob whose structures run past its end is MALFORMED_BLOB (rule 0)', () => {
    const v = validatePolicy(exampleBlob().slice(0, 0x100));
    expect(v.violations[0]).to.include({ rule: 0, reason: 'MALFORMED_BLOB' });
    expect(v.violations[0].message).to.match(/offset 0x\w+: field root\[\d\]\.Count/);
  });
  it('collects several failures in the order the supervisor meets them', () => {
    const p = policyOf(io(DENY, [0x80, 4, W], [0x81, 1, W]), msr(DENY, [1, 2, R], [2, 1, R]));
    p.memoryPolicyCount = 1;
    expect(reasons(p)).to.deep.equal(['IO_OVERLAP', 'MSR_OVERLAP', 'LEGACY_MEMORY_POLICY']);
  });
});
