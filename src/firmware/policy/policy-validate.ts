import { FormatError } from '../binary/format-error';
import { parsePolicy } from './policy-binary';
import { DESCRIPTOR_SIZE, HEADER_SIZE, PolicyAttr, ROOT_SIZE, SaveStateCondition, SecurePolicy, rootCount, typeName } from './policy-types';
import { PolicyStatusName, policyStatusValue } from './policy-status';

/** Why SecurityPolicyCheck rejects a policy: one stable code per failure of supervisor-facts §4.6. */
export type PolicyViolationReason =
  | 'MALFORMED_BLOB'
  | 'HEADER_UNRECOGNIZED_BITS'
  | 'DUPLICATE_ROOT_TYPE'
  | 'UNKNOWN_ROOT_TYPE'
  | 'ROOT_RESERVED_NONZERO'
  | 'IO_STRICT_WIDTH_SHADOWED'
  | 'IO_OVERLAP'
  | 'IO_ZERO_LENGTH'
  | 'IO_RESERVED_NONZERO'
  | 'MEM_OVERLAP'
  | 'MEM_ZERO_SIZE'
  | 'MEM_WRAP'
  | 'MEM_RESERVED_NONZERO'
  | 'MSR_OVERLAP'
  | 'MSR_ZERO_LENGTH'
  | 'INSTRUCTION_DUPLICATE'
  | 'INSTRUCTION_RESERVED_NONZERO'
  | 'SAVE_STATE_DUPLICATE_FIELD'
  | 'SAVE_STATE_WRITE_ATTRIBUTE'
  | 'SAVE_STATE_READ_AND_COND_READ'
  | 'SAVE_STATE_CONDITION_WITHOUT_COND_READ'
  | 'SAVE_STATE_RESERVED_NONZERO'
  | 'LEGACY_MEMORY_POLICY'
  | 'SIZE_MISMATCH';

export interface PolicyViolation {
  /** Rule number of supervisor-facts §4.6 (1–11); 0 for a blob that cannot be parsed at all. */
  rule: number;
  reason: PolicyViolationReason;
  /** One readable sentence. */
  message: string;
  /** Index of the root concerned. */
  root?: number;
  /** Index of the entry concerned (the later one of a pair). */
  entry?: number;
  /** Index of the earlier entry of a failing pair. */
  other?: number;
}

export interface PolicyValidation {
  ok: boolean;
  /** What SecurityPolicyCheck returns: EFI_SUCCESS or EFI_SECURITY_VIOLATION. */
  status: PolicyStatusName;
  statusValue: bigint;
  /**
   * Every failure, in the order SecurityPolicyCheck meets them; the supervisor stops at the first one, so
   * `violations[0]` is the failure it would log. The check continues past a failure here to report them all.
   */
  violations: PolicyViolation[];
}

/** `OverlapStatus` of GeneralPolicy.c on 64-bit UINTN (supervisor-facts §4.6): inclusive ends, size 0 or wrap is an error. */
function overlapStatus(a1: bigint, s1: bigint, a2: bigint, s2: bigint): 'zero' | 'wrap' | 'overlap' | 'disjoint' {
  const M = (1n << 64n) - 1n;
  if (s1 === 0n || s2 === 0n) return 'zero';
  const e1 = (a1 + s1 - 1n) & M;
  const e2 = (a2 + s2 - 1n) & M;
  if (e1 < a1 || e2 < a2) return 'wrap';
  return a1 <= e2 && a2 <= e1 ? 'overlap' : 'disjoint';
}

/**
 * `SecurityPolicyCheck` (supervisor-facts §4.6 rules 1–11), on a blob or a parsed policy. A blob that cannot
 * be parsed (structures outside the bytes) is reported as rule 0 MALFORMED_BLOB.
 */
export function validatePolicy(input: Uint8Array | SecurePolicy): PolicyValidation {
  let p: SecurePolicy;
  if (input instanceof Uint8Array) {
    try {
      p = parsePolicy(input);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      return result([{ rule: 0, reason: 'MALFORMED_BLOB', message: e.message }]);
    }
  } else {
    p = input;
  }
  const v: PolicyViolation[] = [];
  const add = (rule: number, reason: PolicyViolationReason, message: string, where: { root?: number; entry?: number; other?: number } = {}) =>
    v.push({ rule, reason, message, ...where });

  // Rule 1 [Q] (supervisor-facts §4.6 rule 1, §11 item 2): rejected only when Reserved, Flags AND Capabilities
  // are all non-zero; any one or two of them alone pass.
  if (p.reserved !== 0n && p.flags !== 0 && p.capabilities !== 0) {
    add(1, 'HEADER_UNRECOGNIZED_BITS', `header Reserved 0x${p.reserved.toString(16)}, Flags 0x${p.flags.toString(16)} and Capabilities 0x${p.capabilities.toString(16)} are all non-zero`);
  }
  let scanned = HEADER_SIZE;
  const seen = new Map<number, number>();
  p.roots.forEach((root, i) => {
    const name = typeName(root.type);
    if (root.kind !== 'unknown') {
      // Rule 2: one root per descriptor type.
      const first = seen.get(root.type);
      if (first !== undefined) add(2, 'DUPLICATE_ROOT_TYPE', `root ${i} repeats type ${name} of root ${first}`, { root: i, other: first });
      else seen.set(root.type, i);
    }
    switch (root.kind) {
      case 'io': {
        const d = root.descriptors;
        for (let a = 0; a < d.length; a++) {
          for (let b = 0; b < a; b++) {
            const addrA = BigInt(d[a].ioAddress), lenA = BigInt(d[a].lengthOrWidth);
            const addrB = BigInt(d[b].ioAddress), lenB = BigInt(d[b].lengthOrWidth);
            if (d[b].attributes & PolicyAttr.STRICT_WIDTH) {
              // Rule 5: a strict-width entry is only shadowed by a later entry covering its whole range.
              if (addrA <= addrB && addrA + lenA >= addrB + lenB) {
                add(5, 'IO_STRICT_WIDTH_SHADOWED', `IO entry ${a} (0x${d[a].ioAddress.toString(16)}, ${d[a].lengthOrWidth}) covers strict-width entry ${b} (0x${d[b].ioAddress.toString(16)}, ${d[b].lengthOrWidth})`, { root: i, entry: a, other: b });
              }
            } else {
              const s = overlapStatus(addrB, lenB, addrA, lenA);
              if (s === 'zero' || s === 'wrap') add(5, 'IO_ZERO_LENGTH', `IO entry ${lenA === 0n ? a : b} has length 0 (checked against entry ${lenA === 0n ? b : a})`, { root: i, entry: a, other: b });
              else if (s === 'overlap') add(5, 'IO_OVERLAP', `IO entries ${b} (0x${d[b].ioAddress.toString(16)}, ${d[b].lengthOrWidth}) and ${a} (0x${d[a].ioAddress.toString(16)}, ${d[a].lengthOrWidth}) overlap`, { root: i, entry: a, other: b });
            }
          }
          if (d[a].reserved !== 0) add(5, 'IO_RESERVED_NONZERO', `IO entry ${a} has Reserved 0x${d[a].reserved.toString(16)}`, { root: i, entry: a });
        }
        break;
      }
      case 'mem': {
        const d = root.descriptors;
        for (let a = 0; a < d.length; a++) {
          for (let b = 0; b < a; b++) {
            const s = overlapStatus(d[b].baseAddress, d[b].size, d[a].baseAddress, d[a].size);
            if (s === 'zero') add(6, 'MEM_ZERO_SIZE', `MEM entry ${d[a].size === 0n ? a : b} has size 0`, { root: i, entry: a, other: b });
            else if (s === 'wrap') add(6, 'MEM_WRAP', `MEM entry ${a} or ${b} wraps past 2^64`, { root: i, entry: a, other: b });
            else if (s === 'overlap') add(6, 'MEM_OVERLAP', `MEM entries ${b} (0x${d[b].baseAddress.toString(16)}+0x${d[b].size.toString(16)}) and ${a} (0x${d[a].baseAddress.toString(16)}+0x${d[a].size.toString(16)}) overlap`, { root: i, entry: a, other: b });
          }
          if (d[a].reserved !== 0) add(6, 'MEM_RESERVED_NONZERO', `MEM entry ${a} has Reserved 0x${d[a].reserved.toString(16)}`, { root: i, entry: a });
        }
        break;
      }
      case 'msr': {
        const d = root.descriptors;
        for (let a = 0; a < d.length; a++) {
          for (let b = 0; b < a; b++) {
            const s = overlapStatus(BigInt(d[b].msrAddress), BigInt(d[b].length), BigInt(d[a].msrAddress), BigInt(d[a].length));
            if (s === 'zero' || s === 'wrap') add(7, 'MSR_ZERO_LENGTH', `MSR entry ${d[a].length === 0 ? a : b} has length 0`, { root: i, entry: a, other: b });
            else if (s === 'overlap') add(7, 'MSR_OVERLAP', `MSR entries ${b} (0x${d[b].msrAddress.toString(16)}×${d[b].length}) and ${a} (0x${d[a].msrAddress.toString(16)}×${d[a].length}) overlap`, { root: i, entry: a, other: b });
          }
        }
        break;
      }
      case 'instruction': {
        const d = root.descriptors;
        for (let a = 0; a < d.length; a++) {
          for (let b = 0; b < a; b++) {
            if (d[a].instructionIndex === d[b].instructionIndex) add(8, 'INSTRUCTION_DUPLICATE', `instruction entries ${b} and ${a} both name index ${d[a].instructionIndex}`, { root: i, entry: a, other: b });
          }
          if (d[a].reserved !== 0) add(8, 'INSTRUCTION_RESERVED_NONZERO', `instruction entry ${a} has Reserved 0x${d[a].reserved.toString(16)}`, { root: i, entry: a });
        }
        break;
      }
      case 'save-state': {
        const d = root.descriptors;
        for (let a = 0; a < d.length; a++) {
          for (let b = 0; b < a; b++) {
            if (d[a].mapField === d[b].mapField) add(9, 'SAVE_STATE_DUPLICATE_FIELD', `save-state entries ${b} and ${a} both name map field ${d[a].mapField}`, { root: i, entry: a, other: b });
          }
          const at = d[a].attributes;
          if (at & (PolicyAttr.WRITE | PolicyAttr.COND_WRITE)) add(9, 'SAVE_STATE_WRITE_ATTRIBUTE', `save-state entry ${a} carries WRITE or COND_WRITE (attributes 0x${at.toString(16)})`, { root: i, entry: a });
          else if ((at & (PolicyAttr.READ | PolicyAttr.COND_READ)) === (PolicyAttr.READ | PolicyAttr.COND_READ)) add(9, 'SAVE_STATE_READ_AND_COND_READ', `save-state entry ${a} carries both READ and COND_READ`, { root: i, entry: a });
          if ((at & PolicyAttr.COND_READ) === 0 && d[a].accessCondition !== SaveStateCondition.UNCONDITIONAL) {
            add(9, 'SAVE_STATE_CONDITION_WITHOUT_COND_READ', `save-state entry ${a} has condition ${d[a].accessCondition} without COND_READ`, { root: i, entry: a });
          }
          if (d[a].reserved !== 0) add(9, 'SAVE_STATE_RESERVED_NONZERO', `save-state entry ${a} has Reserved 0x${d[a].reserved.toString(16)}`, { root: i, entry: a });
        }
        break;
      }
      case 'unknown':
        // Rule 3: a Type outside 1..5.
        add(3, 'UNKNOWN_ROOT_TYPE', `root ${i} has unknown Type ${root.type}`, { root: i });
        break;
    }
    if (root.kind !== 'unknown') scanned += rootCount(root) * DESCRIPTOR_SIZE[root.kind];
    scanned += ROOT_SIZE;
    // Rule 4: root Reserved bytes must be zero (checked after the root's descriptors, as the supervisor does).
    if (root.reserved !== 0) add(4, 'ROOT_RESERVED_NONZERO', `root ${i} (${name}) has Reserved bytes 0x${root.reserved.toString(16).padStart(6, '0')}`, { root: i });
  });
  // Rule 10: no legacy memory policy.
  if (p.memoryPolicyCount !== 0) add(10, 'LEGACY_MEMORY_POLICY', `header MemoryPolicyCount is ${p.memoryPolicyCount} (legacy memory policy is not supported)`);
  // Rule 11: the structures account for every byte of Size, no more, no less.
  // A root of unknown type has descriptors of unknown size, so the sum is undefined: the supervisor has
  // already stopped at rule 3 by then, and rule 11 is not reported on top of it.
  if (!p.roots.some((r) => r.kind === 'unknown') && scanned !== p.size) add(11, 'SIZE_MISMATCH', `header Size is 0x${p.size.toString(16)} but header, roots and descriptors add up to 0x${scanned.toString(16)}`);
  return result(v);
}

function result(violations: PolicyViolation[]): PolicyValidation {
  const status: PolicyStatusName = violations.length === 0 ? 'EFI_SUCCESS' : 'EFI_SECURITY_VIOLATION';
  return { ok: violations.length === 0, status, statusValue: policyStatusValue(status), violations };
}

