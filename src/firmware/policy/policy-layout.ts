import {
  AccessAttr, DESCRIPTOR_SIZE, HEADER_SIZE, PolicyRoot, PolicyType, ROOT_SIZE, SecurePolicy, TYPE_OF_KIND, rootCount,
} from './policy-types';
import { writePolicy } from './policy-binary';

/** Optional header fields of a policy spec; absent ones take the encoder's values (supervisor-facts §4.8 rule 3). */
export interface PolicySpecHeader {
  versionMinor?: number;
  versionMajor?: number;
  flags?: number;
  capabilities?: number;
  reserved?: bigint;
  memoryPolicyOffset?: number;
  memoryPolicyCount?: number;
}

/** A root as XML/YAML express it: everything but the Offset, which the encoder assigns. */
export type PolicySpecRoot = PolicyRoot extends infer R ? (R extends PolicyRoot ? Omit<R, 'offset'> : never) : never;

/** What the XML and YAML forms describe: roots in order with their entries; offsets come from the encoder. */
export interface PolicySpec {
  header?: PolicySpecHeader;
  roots: PolicySpecRoot[];
}

/** The empty DENY memory root SupervisorPolicyMaker appends as the placeholder the supervisor fills (§4.8 rule 1). */
export function memPlaceholderRoot(): PolicySpecRoot {
  return { kind: 'mem', type: PolicyType.MEM, version: 1, rootSize: ROOT_SIZE, accessAttr: AccessAttr.DENY, reserved: 0, descriptors: [] };
}

/**
 * Lays a spec out exactly as SupervisorPolicyMaker does (supervisor-facts §4.8 encoder rules 1–3):
 * roots in spec order at 0x28, a MEM placeholder root (DENY, no entries) appended last when the spec has no
 * MEM root, descriptors after the root array grouped per root in root order, each root's Offset = the start
 * of its group (so an empty root's Offset is where the next group starts, the MEM placeholder's = header
 * Size), header Size = total, PolicyRootOffset 0x28, everything else 0, version 0x00010000.
 */
export function layoutPolicy(spec: PolicySpec): SecurePolicy {
  const specRoots = [...spec.roots];
  if (!specRoots.some((r) => r.type === PolicyType.MEM)) specRoots.push(memPlaceholderRoot());
  let offset = HEADER_SIZE + ROOT_SIZE * specRoots.length;
  const roots: PolicyRoot[] = specRoots.map((r) => {
    const root = { ...r, offset } as PolicyRoot;
    offset += rootCount(root) * DESCRIPTOR_SIZE[root.kind];
    return root;
  });
  const h = spec.header ?? {};
  return {
    versionMinor: h.versionMinor ?? 0,
    versionMajor: h.versionMajor ?? 1,
    size: offset,
    memoryPolicyOffset: h.memoryPolicyOffset ?? 0,
    memoryPolicyCount: h.memoryPolicyCount ?? 0,
    flags: h.flags ?? 0,
    capabilities: h.capabilities ?? 0,
    reserved: h.reserved ?? 0n,
    policyRootOffset: HEADER_SIZE,
    roots,
    uncovered: [],
  };
}

/** A spec root of the given kind with the tool's defaults (Version 1, PolicyRootSize 0x18, Reserved 0). */
export function specRoot<K extends Exclude<PolicySpecRoot['kind'], 'unknown'>>(kind: K, accessAttr: number, descriptors: Extract<PolicySpecRoot, { kind: K }> extends { descriptors: infer D } ? D : never): PolicySpecRoot {
  return { kind, type: TYPE_OF_KIND[kind], version: 1, rootSize: ROOT_SIZE, accessAttr, reserved: 0, descriptors } as unknown as PolicySpecRoot;
}

/**
 * The spec a policy expresses (roots in order, header fields that differ from the encoder's defaults). A
 * trailing MEM root equal to the encoder's placeholder is dropped, so spec → layout gives it back.
 */
export function specFromPolicy(p: SecurePolicy): PolicySpec {
  const roots: PolicySpecRoot[] = p.roots.map((r) => {
    const { offset: _offset, ...rest } = r;
    return (r.kind === 'unknown' ? { ...rest } : { ...rest, descriptors: r.descriptors.map((d) => ({ ...d })) }) as PolicySpecRoot;
  });
  const last = roots[roots.length - 1];
  if (last && isMemPlaceholder(last) && roots.filter((r) => r.type === PolicyType.MEM).length === 1) roots.pop();
  const header: PolicySpecHeader = {};
  if (p.versionMinor !== 0) header.versionMinor = p.versionMinor;
  if (p.versionMajor !== 1) header.versionMajor = p.versionMajor;
  if (p.flags !== 0) header.flags = p.flags;
  if (p.capabilities !== 0) header.capabilities = p.capabilities;
  if (p.reserved !== 0n) header.reserved = p.reserved;
  if (p.memoryPolicyOffset !== 0) header.memoryPolicyOffset = p.memoryPolicyOffset;
  if (p.memoryPolicyCount !== 0) header.memoryPolicyCount = p.memoryPolicyCount;
  return Object.keys(header).length > 0 ? { header, roots } : { roots };
}

function isMemPlaceholder(r: PolicySpecRoot): boolean {
  return r.kind === 'mem' && r.descriptors.length === 0 && r.accessAttr === AccessAttr.DENY && r.version === 1 && r.rootSize === ROOT_SIZE && r.reserved === 0;
}

/** True when the policy's bytes are exactly what the SupervisorPolicyMaker layout of its own spec gives. */
export function isCanonicalLayout(p: SecurePolicy): boolean {
  const a = writePolicy(p);
  const b = writePolicy(layoutPolicy(specFromPolicy(p)));
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
