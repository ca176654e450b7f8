import { ReportInputError } from '../report-error';
import type { ScenarioResult } from '../messages/scenario-results';

/** Scenario id (`uri:line:name`) → evidence digest (`sha256:…`), keys sorted: the content of digests.json. */
export type DigestMap = Record<string, string>;

/** The digests of the scenarios that attached evidence, keyed by scenario id, in sorted key order. */
export function digestMap(scenarios: readonly Pick<ScenarioResult, 'id' | 'evidence'>[]): DigestMap {
  const entries = scenarios.filter((s) => s.evidence !== undefined).map((s) => [s.id, s.evidence!.digest] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

export interface DigestComparison {
  /** Same digest in both runs. */
  same: string[];
  /** In both runs with different digests: the behaviour of the machine changed. */
  changed: { id: string; a: string; b: string }[];
  onlyInA: string[];
  onlyInB: string[];
  /** No change, nothing added or removed. */
  identical: boolean;
}

/** Compares the digests of two runs, scenario by scenario (all lists sorted by scenario id). */
export function compareDigests(a: DigestMap, b: DigestMap): DigestComparison {
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: DigestComparison = { same: [], changed: [], onlyInA: [], onlyInB: [], identical: true };
  for (const id of ids) {
    const inA = Object.prototype.hasOwnProperty.call(a, id), inB = Object.prototype.hasOwnProperty.call(b, id);
    if (inA && inB) {
      if (a[id] === b[id]) out.same.push(id);
      else out.changed.push({ id, a: a[id], b: b[id] });
    } else if (inA) out.onlyInA.push(id);
    else out.onlyInB.push(id);
  }
  out.identical = out.changed.length === 0 && out.onlyInA.length === 0 && out.onlyInB.length === 0;
  return out;
}

/** Reads a digests.json text back; a non-object or non-string value is REPORT_BAD_DIGESTS naming the key. */
export function parseDigestMap(text: string, source = 'digests.json'): DigestMap {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError('REPORT_BAD_DIGESTS', `${source}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ReportInputError('REPORT_BAD_DIGESTS', `${source}: expected an object of scenario id → digest`);
  for (const [k, d] of Object.entries(v)) {
    if (typeof d !== 'string') throw new ReportInputError('REPORT_BAD_DIGESTS', `${source}: the digest of ${JSON.stringify(k)} is not a string`);
  }
  return v as DigestMap;
}
