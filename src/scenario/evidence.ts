/**
 * The evidence contract between the scenario engine and the reports (DESIGN.md "Requirements and reports"):
 * every scenario attaches, once, in an After hook, the event trace of what happened in the machine (SMIs,
 * syscalls, policy decisions, faults, page-table changes), optionally the memory map and the driver dispatch
 * order, with a digest over the events so two runs can be compared:
 *
 *   this.attach(JSON.stringify(evidence), EVIDENCE_MEDIA_TYPE)
 *
 * `src/report` reads these attachments back from the Cucumber message stream with `parseEvidence`.
 * Everything here is deterministic: no wall-clock time, no randomness; the digest depends only on the events.
 */
import { createHash } from 'node:crypto';
import { MmspecError } from '../common/errors';

/** Media type of the evidence attachment (one per scenario). */
export const EVIDENCE_MEDIA_TYPE = 'application/vnd.mmspec.evidence+json';

/** Version of the evidence layout below. */
export const EVIDENCE_SCHEMA = 1;

/** One thing that happened in the machine, in the order it happened. */
export interface EvidenceEvent {
  /** 0-based position in the trace. */
  seq: number;
  /** What happened, kebab-case: `smi`, `syscall`, `policy-decision`, `fault`, `page-table-change`, … */
  type: string;
  /** The boot milestone the machine had reached ("PEI", "DXE", "ready to lock", "runtime", …). */
  milestone: string;
  /** Details; plain JSON (64-bit values as `0x…` hex strings). */
  data: Record<string, unknown>;
}

export type MemoryRegionKind = 'mmram' | 'comm-buffer' | 'mailbox' | 'unblocked' | 'mmio' | 'dram' | 'other';

/** A range of physical memory as the scenario saw it; `attributes` are the MM page attributes (e.g. "user RW NX"). */
export interface MemoryRegion {
  /** `0x…` hex. */
  base: string;
  /** `0x…` hex, in bytes. */
  size: string;
  kind: MemoryRegionKind;
  label: string;
  attributes?: string;
}

/** A driver as the MM dispatcher handled it, in dispatch order. */
export interface DispatchEntry {
  name: string;
  guid: string;
  /** e.g. "started", "EFI_SUCCESS", "never started", "EFI_ACCESS_DENIED". */
  status: string;
}

/**
 * An entry of an isolation policy that decided something in the scenario. `policy` names the policy (a file
 * path relative to the repository, such as `fixtures/policies/MmIsolationPoliciesExample.xml`, or a name the
 * scenario gave an inline policy); `kind` is the root kind (`mem`, `io`, `msr`, `instruction`, `save-state`);
 * `index` is the 0-based position of the descriptor among the descriptors of that kind, in policy order.
 */
export interface PolicyEntryRef {
  policy: string;
  kind: string;
  index: number;
}

export interface ScenarioEvidence {
  schema: 1;
  /** `sha256:<hex>` over `canonicalJson(events)`. */
  digest: string;
  events: EvidenceEvent[];
  memoryMap?: { regions: MemoryRegion[] };
  dispatchOrder?: DispatchEntry[];
  policyEntries?: PolicyEntryRef[];
  requirementIds?: string[];
}

/** An evidence attachment that is not what this contract describes. */
export class EvidenceError extends MmspecError {
  constructor(message: string) {
    super('EVIDENCE_MALFORMED', message);
  }
}

const REGION_KINDS: ReadonlySet<string> = new Set<MemoryRegionKind>(['mmram', 'comm-buffer', 'mailbox', 'unblocked', 'mmio', 'dram', 'other']);

/**
 * Turns a value into plain JSON data: bigint → `0x…` hex string (negative as `-0x…`), Uint8Array → hex
 * bytes, undefined object members dropped (undefined array items → null), non-finite numbers → null, Map →
 * object. Cycles and functions are rejected.
 */
export function toJsonValue(value: unknown, seen: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case 'bigint': return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
    case 'number': return Number.isFinite(value) ? value : null;
    case 'string': case 'boolean': return value;
    case 'undefined': return null;
    case 'function': case 'symbol': throw new EvidenceError(`evidence: a ${typeof value} is not evidence data`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Uint8Array) return Array.from(obj, (b) => b.toString(16).padStart(2, '0')).join('');
  if (seen.has(obj)) throw new EvidenceError('evidence: data contains a cycle');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => toJsonValue(v, seen));
    const entries: [string, unknown][] = obj instanceof Map ? [...obj.entries()].map(([k, v]) => [String(k), v]) : Object.entries(obj);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) if (v !== undefined) out[k] = toJsonValue(v, seen);
    return out;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Deterministic JSON text: object keys sorted (by UTF-16 code units), no whitespace, values normalised as
 * `toJsonValue` does. The same data always gives the same text, whatever order its keys were set in.
 */
export function canonicalJson(value: unknown): string {
  return write(toJsonValue(value));
}

function write(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(o[k])}`).join(',')}}`;
}

/** `sha256:<hex>` over the canonical JSON of the events. */
export function evidenceDigest(events: readonly EvidenceEvent[]): string {
  return `sha256:${createHash('sha256').update(canonicalJson(events), 'utf8').digest('hex')}`;
}

/** An event as the engine records it; `seq` is assigned from the position when absent. */
export interface EvidenceEventInput {
  seq?: number;
  type: string;
  milestone: string;
  data?: Record<string, unknown>;
}

export interface EvidenceInput {
  events: readonly EvidenceEventInput[];
  memoryMap?: { regions: readonly MemoryRegion[] };
  dispatchOrder?: readonly DispatchEntry[];
  policyEntries?: readonly PolicyEntryRef[];
  requirementIds?: readonly string[];
}

/**
 * Builds the evidence of one scenario: events numbered in order and normalised to plain JSON, the digest
 * computed, optional parts copied (policy entries de-duplicated and sorted so the attachment is stable).
 */
export function buildEvidence(input: EvidenceInput): ScenarioEvidence {
  const events: EvidenceEvent[] = input.events.map((e, i) => ({
    seq: e.seq ?? i,
    type: e.type,
    milestone: e.milestone,
    data: (toJsonValue(e.data ?? {}) as Record<string, unknown>),
  }));
  const evidence: ScenarioEvidence = { schema: 1, digest: evidenceDigest(events), events };
  if (input.memoryMap) evidence.memoryMap = { regions: input.memoryMap.regions.map((r) => ({ ...r })) };
  if (input.dispatchOrder) evidence.dispatchOrder = input.dispatchOrder.map((d) => ({ ...d }));
  if (input.policyEntries) {
    const seen = new Map<string, PolicyEntryRef>();
    for (const p of input.policyEntries) seen.set(`${p.policy}\u0000${p.kind}\u0000${p.index}`, { policy: p.policy, kind: p.kind, index: p.index });
    evidence.policyEntries = [...seen.values()].sort((a, b) => cmp(a.policy, b.policy) || cmp(a.kind, b.kind) || a.index - b.index);
  }
  if (input.requirementIds) evidence.requirementIds = [...new Set(input.requirementIds)].sort();
  return evidence;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Appends events as the machine runs and builds the evidence at the end of the scenario. One per World
 * (never shared between scenarios).
 */
export class EvidenceLog {
  private readonly events: EvidenceEventInput[] = [];
  /** Records one event; `data` is normalised when the evidence is built. */
  record(type: string, milestone: string, data: Record<string, unknown> = {}): void {
    this.events.push({ type, milestone, data });
  }
  get length(): number {
    return this.events.length;
  }
  build(extra: Omit<EvidenceInput, 'events'> = {}): ScenarioEvidence {
    return buildEvidence({ ...extra, events: this.events });
  }
}

/** The digest in `e` matches its events. */
export function digestMatches(e: ScenarioEvidence): boolean {
  return e.digest === evidenceDigest(e.events);
}

/**
 * Reads an evidence attachment body back (the report side). Checks the shape field by field and throws
 * EvidenceError naming the field; does not check the digest (see `digestMatches`).
 */
export function parseEvidence(body: string, where = 'evidence'): ScenarioEvidence {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw new EvidenceError(`${where}: not JSON (${(e as Error).message})`);
  }
  const fail = (field: string, what: string): never => {
    throw new EvidenceError(`${where}: field ${field} ${what}`);
  };
  if (!isObject(v)) return fail('(root)', 'is not an object');
  if (v.schema !== EVIDENCE_SCHEMA) fail('schema', `is ${JSON.stringify(v.schema)}, expected ${EVIDENCE_SCHEMA}`);
  if (typeof v.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(v.digest)) fail('digest', 'is not sha256:<64 hex digits>');
  if (!Array.isArray(v.events)) fail('events', 'is not an array');
  (v.events as unknown[]).forEach((e, i) => {
    if (!isObject(e)) return fail(`events[${i}]`, 'is not an object');
    if (typeof e.seq !== 'number') fail(`events[${i}].seq`, 'is not a number');
    if (typeof e.type !== 'string') fail(`events[${i}].type`, 'is not a string');
    if (typeof e.milestone !== 'string') fail(`events[${i}].milestone`, 'is not a string');
    if (!isObject(e.data)) fail(`events[${i}].data`, 'is not an object');
  });
  if (v.memoryMap !== undefined) {
    if (!isObject(v.memoryMap) || !Array.isArray(v.memoryMap.regions)) fail('memoryMap.regions', 'is not an array');
    ((v.memoryMap as { regions: unknown[] }).regions).forEach((r, i) => {
      const f = `memoryMap.regions[${i}]`;
      if (!isObject(r)) return fail(f, 'is not an object');
      for (const k of ['base', 'size'] as const) {
        if (typeof r[k] !== 'string' || !/^0x[0-9a-fA-F]+$/.test(r[k] as string)) fail(`${f}.${k}`, 'is not a 0x… hex string');
      }
      if (typeof r.kind !== 'string' || !REGION_KINDS.has(r.kind)) fail(`${f}.kind`, `is not one of ${[...REGION_KINDS].join(', ')}`);
      if (typeof r.label !== 'string') fail(`${f}.label`, 'is not a string');
      if (r.attributes !== undefined && typeof r.attributes !== 'string') fail(`${f}.attributes`, 'is not a string');
    });
  }
  if (v.dispatchOrder !== undefined) {
    if (!Array.isArray(v.dispatchOrder)) fail('dispatchOrder', 'is not an array');
    (v.dispatchOrder as unknown[]).forEach((d, i) => {
      if (!isObject(d)) return fail(`dispatchOrder[${i}]`, 'is not an object');
      for (const k of ['name', 'guid', 'status'] as const) if (typeof d[k] !== 'string') fail(`dispatchOrder[${i}].${k}`, 'is not a string');
    });
  }
  if (v.policyEntries !== undefined) {
    if (!Array.isArray(v.policyEntries)) fail('policyEntries', 'is not an array');
    (v.policyEntries as unknown[]).forEach((p, i) => {
      if (!isObject(p)) return fail(`policyEntries[${i}]`, 'is not an object');
      if (typeof p.policy !== 'string') fail(`policyEntries[${i}].policy`, 'is not a string');
      if (typeof p.kind !== 'string') fail(`policyEntries[${i}].kind`, 'is not a string');
      if (!Number.isInteger(p.index) || (p.index as number) < 0) fail(`policyEntries[${i}].index`, 'is not a non-negative integer');
    });
  }
  if (v.requirementIds !== undefined) {
    if (!Array.isArray(v.requirementIds) || !(v.requirementIds as unknown[]).every((x) => typeof x === 'string')) fail('requirementIds', 'is not an array of strings');
  }
  return v as unknown as ScenarioEvidence;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
