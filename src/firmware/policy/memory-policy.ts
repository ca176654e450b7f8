import { parsePolicy, writePolicy } from './policy-binary';
import { MemDescriptor, PolicyAttr, PolicyType, ROOT_SIZE, SecurePolicy, clonePolicy } from './policy-types';
import { PolicyStatusName, policyStatusValue } from './policy-status';

/** One reportable page range as the page-table walk produces it (supervisor-facts §4.10 steps 1–2). */
export interface MemoryRange {
  baseAddress: bigint;
  size: bigint;
  /** READ always; WRITE iff writable at every level; EXECUTE iff NX is clear at every level. */
  attributes: number;
}

/** Placeholder base of the first descriptor before any page is reported (supervisor-facts §4.10 step 5). */
export const MEM_DESC_UNINIT_BASEADDR = 0xdeadbeefn;

/**
 * Merges ranges in walk order (supervisor-facts §4.10 step 3): a range that starts exactly where the previous
 * descriptor ends and has identical attributes extends it; anything else starts a new descriptor. Ranges are
 * not sorted first: the walk is ascending, and so must the input be for the result to match.
 */
export function mergeMemoryRanges(ranges: MemoryRange[]): MemDescriptor[] {
  const out: MemDescriptor[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r.baseAddress === last.baseAddress + last.size && r.attributes === last.memAttributes) last.size += r.size;
    else out.push({ baseAddress: r.baseAddress, size: r.size, memAttributes: r.attributes, reserved: 0 });
  }
  return out;
}

/**
 * The validation overlap test (supervisor-facts §4.6 `OverlapStatus`): inclusive ends; a zero size or a
 * range wrapping past 2^64 is an error rather than an answer.
 */
export function memoryRangesOverlap(a: { baseAddress: bigint; size: bigint }, b: { baseAddress: bigint; size: bigint }): boolean | 'invalid' {
  const M = (1n << 64n) - 1n;
  if (a.size === 0n || b.size === 0n) return 'invalid';
  const ea = (a.baseAddress + a.size - 1n) & M;
  const eb = (b.baseAddress + b.size - 1n) & M;
  if (ea < a.baseAddress || eb < b.baseAddress) return 'invalid';
  return a.baseAddress <= eb && b.baseAddress <= ea;
}

/**
 * The measurement overlap test (supervisor-facts §5.5): a descriptor overlaps a region if its start lies in
 * [rs, re) or its end lies in (rs, re]. [Q] A descriptor strictly containing the region is not detected.
 */
export function measurementOverlap(region: { base: bigint; size: bigint }, d: { baseAddress: bigint; size: bigint }): boolean {
  const rs = region.base;
  const re = region.base + region.size;
  const ds = d.baseAddress;
  const de = d.baseAddress + d.size;
  return (rs <= ds && re > ds) || (rs < de && re >= de);
}

export interface AppendMemoryResult {
  status: PolicyStatusName;
  value: bigint;
  /** The FETCH_POLICY layout (present when status is EFI_SUCCESS). */
  policy?: Uint8Array;
  reason: string;
}

/**
 * Fills the MEM root the way `PopulateMemoryPolicyEntries` does for FETCH_POLICY (supervisor-facts §4.10
 * step 4): the first MEM root becomes ALLOW, Version 1, PolicyRootSize 0x18; its Offset is set to the header
 * Size if it was 0; the descriptors (already merged) are written at Offset; Count = number of descriptors;
 * header Size = Offset + 24 × Count; MemoryPolicyCount = 0. [Q] With no descriptor one placeholder remains,
 * BaseAddress 0xDEADBEEF and the rest zero (the buffer is zeroed first), §4.10 step 5 / §11 item 16.
 * `maxPolicySize` is the destination capacity; the generator's boundary test (the start of the last
 * descriptor must lie below capacity − 1) failing gives EFI_OUT_OF_RESOURCES (§4.10 step 6). The returned
 * blob is header Size bytes long.
 */
export function appendMemoryPolicy(policyBlob: Uint8Array, memDescriptors: MemDescriptor[], maxPolicySize = Number.MAX_SAFE_INTEGER): AppendMemoryResult {
  const p: SecurePolicy = clonePolicy(parsePolicy(policyBlob));
  const index = p.roots.findIndex((r) => r.type === PolicyType.MEM);
  if (index < 0) return { status: 'EFI_NOT_FOUND', value: policyStatusValue('EFI_NOT_FOUND'), reason: 'the policy has no MEM root to fill' };
  const root = p.roots[index];
  if (root.kind !== 'mem') throw new Error('unreachable: MEM root kind');
  root.accessAttr = 0;
  if (root.offset === 0) root.offset = p.size;
  root.rootSize = ROOT_SIZE;
  root.version = 1;
  const descriptors = memDescriptors.length > 0
    ? memDescriptors.map((d) => ({ ...d }))
    : [{ baseAddress: MEM_DESC_UNINIT_BASEADDR, size: 0n, memAttributes: 0, reserved: 0 }];
  if (memDescriptors.length > 0 && root.offset + 24 * (descriptors.length - 1) >= maxPolicySize - 1) {
    return { status: 'EFI_OUT_OF_RESOURCES', value: policyStatusValue('EFI_OUT_OF_RESOURCES'), reason: `${descriptors.length} memory descriptors at offset 0x${root.offset.toString(16)} do not fit ${maxPolicySize} bytes` };
  }
  root.descriptors = descriptors;
  p.size = root.offset + 24 * descriptors.length;
  p.memoryPolicyCount = 0;
  // writePolicy lays uncovered bytes down first, so the descriptors overwrite whatever was at Offset.
  const full = writePolicy(p);
  const out = new Uint8Array(p.size);
  out.set(full.subarray(0, Math.min(full.length, p.size)));
  return { status: 'EFI_SUCCESS', value: 0n, policy: out, reason: `MEM root ${index} filled with ${descriptors.length} descriptor(s)` };
}

/** True when a MEM descriptor grants both WRITE and EXECUTE (never produced by the supervisor, §12 item 96). */
export function isWritableExecutable(d: MemDescriptor): boolean {
  return (d.memAttributes & (PolicyAttr.WRITE | PolicyAttr.EXECUTE)) === (PolicyAttr.WRITE | PolicyAttr.EXECUTE);
}
