import type { ScenarioResult } from '../messages/scenario-results';

/** Entries of one kind (root type) of one policy that decided something in some scenario. */
export interface PolicyKindCoverage {
  kind: string;
  /** 0-based descriptor indices (within the kind) exercised, ascending. */
  exercised: number[];
  /** Number of descriptors of this kind in the policy, when the policy could be read. */
  total?: number;
  /** Indices never exercised, when the total is known. */
  unexercised?: number[];
}

export interface PolicyCoverage {
  policy: string;
  /** Scenarios whose evidence names an entry of this policy. */
  scenarios: number;
  kinds: PolicyKindCoverage[];
  /** Exercised and total entries over all kinds (total only when every kind's total is known). */
  exercised: number;
  total?: number;
}

/** Given a policy name from the evidence, the number of descriptors per kind, or undefined if unknown. */
export type PolicyShapeResolver = (policy: string) => Record<string, number> | undefined;

/**
 * Policy-entry coverage from the `policyEntries` of every scenario's evidence: which entries of each policy
 * were exercised, and (when `resolve` knows the policy) which were not. Kinds the policy has but no scenario
 * touched are listed with nothing exercised.
 */
export function buildPolicyCoverage(scenarios: readonly Pick<ScenarioResult, 'evidence'>[], resolve: PolicyShapeResolver = () => undefined): PolicyCoverage[] {
  const byPolicy = new Map<string, { scenarios: number; kinds: Map<string, Set<number>> }>();
  for (const s of scenarios) {
    const touched = new Set<string>();
    for (const p of s.evidence?.policyEntries ?? []) {
      let e = byPolicy.get(p.policy);
      if (e === undefined) byPolicy.set(p.policy, (e = { scenarios: 0, kinds: new Map() }));
      let set = e.kinds.get(p.kind);
      if (set === undefined) e.kinds.set(p.kind, (set = new Set()));
      set.add(p.index);
      touched.add(p.policy);
    }
    for (const p of touched) byPolicy.get(p)!.scenarios++;
  }
  const out: PolicyCoverage[] = [];
  for (const policy of [...byPolicy.keys()].sort()) {
    const e = byPolicy.get(policy)!;
    const shape = resolve(policy);
    const kindNames = [...new Set([...e.kinds.keys(), ...Object.keys(shape ?? {})])].sort();
    const kinds = kindNames.map((kind): PolicyKindCoverage => {
      const exercised = [...(e.kinds.get(kind) ?? [])].sort((a, b) => a - b);
      const total = shape?.[kind];
      if (total === undefined) return { kind, exercised };
      const hit = new Set(exercised);
      return { kind, exercised, total, unexercised: Array.from({ length: total }, (_, i) => i).filter((i) => !hit.has(i)) };
    });
    const exercised = kinds.reduce((n, k) => n + k.exercised.length, 0);
    const allKnown = shape !== undefined && kinds.every((k) => k.total !== undefined);
    out.push({ policy, scenarios: e.scenarios, kinds, exercised, ...(allKnown ? { total: kinds.reduce((n, k) => n + k.total!, 0) } : {}) });
  }
  return out;
}
