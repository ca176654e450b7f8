import { parsePolicy, looksLikePolicyBlob } from './policy-binary';
import { layoutPolicy } from './policy-layout';
import { parsePolicyXml } from './policy-xml';
import { parsePolicyYaml } from './policy-yaml';
import { SecurePolicy } from './policy-types';

export type PolicySourceFormat = 'xml' | 'yaml' | 'bin';

/**
 * Which form a policy file is in: by extension (.xml, .yaml/.yml, .bin/.raw), else by content (a v1.0
 * header → binary; `<` first → XML; otherwise YAML).
 */
export function detectPolicyFormat(name: string, bytes: Uint8Array): PolicySourceFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xml')) return 'xml';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.bin') || lower.endsWith('.raw')) return 'bin';
  if (looksLikePolicyBlob(bytes)) return 'bin';
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('<') ? 'xml' : 'yaml';
}

/** Loads a policy from the bytes of an XML, YAML or binary file (XML and YAML get the encoder's layout). */
export function loadPolicy(name: string, bytes: Uint8Array, format = detectPolicyFormat(name, bytes)): { policy: SecurePolicy; format: PolicySourceFormat } {
  if (format === 'bin') return { policy: parsePolicy(bytes, name), format };
  const text = new TextDecoder().decode(bytes);
  const spec = format === 'xml' ? parsePolicyXml(text, name) : parsePolicyYaml(text, name);
  return { policy: layoutPolicy(spec), format };
}
