import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadPolicy, writePolicy } from '../../firmware/policy';
import { detectPolicyFormat } from '../../firmware/policy/policy-file';
import { closeWords } from '../driver/close-words';
import { ScenarioError } from './scenario-errors';

/** The isolation policy a scenario puts into the MM FV: its blob and a name for evidence and coverage. */
export interface ScenarioPolicy {
  name: string;
  blob: Uint8Array;
}

export const POLICY_FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'policies');

/** A policy file: a path, or a name under fixtures/policies (XML, YAML or binary). */
export function policyFromFile(name: string, fixtures = POLICY_FIXTURES): ScenarioPolicy {
  const candidates = isAbsolute(name) ? [name] : [resolve(name), join(fixtures, name)];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    const known = existsSync(fixtures) ? readdirSync(fixtures).filter((f) => /\.(xml|ya?ml|bin)$/i.test(f)) : [];
    const close = closeWords(name, known);
    throw new ScenarioError('SCENARIO_UNKNOWN_POLICY', `unknown isolation policy file "${name}" (looked in ${fixtures})${close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : `; known: ${known.join(', ')}`}`);
  }
  const bytes = readFileSync(path);
  return { name: path.startsWith(fixtures) ? `fixtures/policies/${path.slice(fixtures.length + 1)}` : name, blob: toBlob(name, bytes) };
}

/** An inline policy (doc string): XML in the SupervisorPolicyMaker schema, or the same content as YAML. */
export function policyFromText(text: string, source: string): ScenarioPolicy {
  const xml = text.trimStart().startsWith('<');
  return { name: source, blob: toBlob(`${source}.${xml ? 'xml' : 'yaml'}`, new TextEncoder().encode(text)) };
}

function toBlob(name: string, bytes: Uint8Array): Uint8Array {
  // A binary file goes in byte for byte (it may be deliberately malformed); XML and YAML get the encoder's layout.
  if (detectPolicyFormat(name, bytes) === 'bin') return new Uint8Array(bytes);
  return writePolicy(loadPolicy(name, bytes).policy);
}
