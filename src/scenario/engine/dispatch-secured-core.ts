import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { measurePolicy, type MeasurementResult } from '../../firmware/policy/measurement';
import { policyFromText, POLICY_FIXTURES, type ScenarioPolicy } from './policy-source';
import { ScenarioError } from './scenario-errors';
import type { ScenarioPlatform } from './scenario-platform';

/**
 * Secured-core measurement of the policy the OS sees (supervisor-facts §5: MmSupvRequestUnitTestApp measures the
 * FETCH_POLICY reply, choosing the MSR lists by CPU vendor) and platform policies derived from the platform's own
 * XML by leaving out what the Level 3 (30) criteria need — an entry, a whole category — or flipping a category
 * between Allow and Deny. The edits are made on the XML text, so the result goes through the same
 * SupervisorPolicyMaker encoding as any policy file.
 */

export type PolicyEdit =
  | { kind: 'drop-entry'; category: 'IO' | 'MSR'; start: bigint }
  | { kind: 'drop-category'; category: string }
  | { kind: 'access'; category: string; value: 'Allow' | 'Deny' };

const num = (s: string) => BigInt(s.trim());

function categoryBlock(xml: string, category: string): { start: number; end: number } {
  const re = new RegExp(`<SmmCategory\\s+name="${category}"\\s*>`, 'i');
  const m = re.exec(xml);
  if (m === null) throw new ScenarioError('SCENARIO_POLICY_EDIT', `the policy has no ${category} category`);
  const end = xml.indexOf('</SmmCategory>', m.index);
  return { start: m.index, end: end + '</SmmCategory>'.length };
}

/** Applies one edit to SupervisorPolicyMaker XML text. */
export function editPolicyXml(xml: string, edit: PolicyEdit): string {
  const block = categoryBlock(xml, edit.category);
  const body = xml.slice(block.start, block.end);
  let edited: string;
  if (edit.kind === 'drop-category') edited = '';
  else if (edit.kind === 'access') edited = body.replace(/<PolicyAccessAttribute\s+Value="[^"]*"\s*\/>/, `<PolicyAccessAttribute Value="${edit.value}"/>`);
  else {
    const entries = [...body.matchAll(/<PolicyEntry>[\s\S]*?<\/PolicyEntry>/g)];
    const hit = entries.find((e) => {
      const s = /<StartAddress\s+Value="([^"]+)"/.exec(e[0]);
      return s !== null && num(s[1]) === edit.start;
    });
    if (hit === undefined) throw new ScenarioError('SCENARIO_POLICY_EDIT', `the ${edit.category} category has no entry starting at 0x${edit.start.toString(16)}`);
    edited = body.slice(0, hit.index) + body.slice(hit.index! + hit[0].length);
  }
  return xml.slice(0, block.start) + edited + xml.slice(block.end);
}

const variants = new WeakMap<ScenarioPlatform, { source: string; xml: string; edits: string[] }>();

/** Sets the platform's policy to its own XML policy file with `edit` applied (edits accumulate). */
export function usePlatformPolicyWith(p: ScenarioPlatform, edit: PolicyEdit, label: string): ScenarioPolicy {
  let v = variants.get(p);
  if (v === undefined) {
    const file = p.config?.policy ?? 'MmIsolationPoliciesExample.xml';
    const path = isAbsolute(file) ? file : join(POLICY_FIXTURES, file);
    if (!/\.xml$/i.test(path)) throw new ScenarioError('SCENARIO_POLICY_EDIT', `the platform policy ${file} is not XML`);
    v = { source: path, xml: readFileSync(path, 'utf8'), edits: [] };
    variants.set(p, v);
  }
  v.xml = editPolicyXml(v.xml, edit);
  v.edits.push(label);
  const policy = policyFromText(v.xml, `${v.source} ${v.edits.join(', ')}`);
  p.setPolicy(policy);
  return policy;
}

/** The Secured-core level of the last FETCH_POLICY reply, measured as on `vendor` processors (§5.2–§5.6). */
export function measureFetchedPolicy(p: ScenarioPlatform, vendor: 'intel' | 'amd'): MeasurementResult {
  const d = p.last?.data;
  if (d === undefined || d.length < 40) throw new ScenarioError('SCENARIO_NO_FETCHED_POLICY', 'no FETCH_POLICY reply to measure (say "DXE sends the supervisor request FETCH_POLICY" first)');
  return measurePolicy(d, { vendor }, { simulateFetch: false });
}
