import { CliCommand, parseOptions } from '../command';
import { describePolicy } from '../../firmware/policy/policy-text';
import { writePolicyXml } from '../../firmware/policy/policy-xml';
import { writePolicyYaml } from '../../firmware/policy/policy-yaml';
import { SecurePolicy } from '../../firmware/policy/policy-types';
import { choice, INPUT_FORMATS, one, readPolicyFile } from './policy-common';

/** JSON of the full model: bigints as 0x strings, byte runs as hex. */
export function policyJson(p: SecurePolicy): string {
  return JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v), 2) + '\n';
}

export const policyShowCommand: CliCommand = {
  name: 'policy show',
  summary: 'list an isolation policy (XML, YAML or binary): roots, entries, what each allows or denies',
  usage: [
    'usage: mmspec policy show <policy.xml|policy.yaml|policy.bin> [--format text|yaml|xml|json] [--from xml|yaml|bin]',
    '',
    'text (default): header, each root (allow or deny list) and each entry with its verdict, e.g.',
    '  "IO 0xCF8 width 4 write strict-width: DENIED (deny list)".',
    'yaml / xml: the policy converted to that form (xml fails for content the SupervisorPolicyMaker',
    '  schema cannot carry, such as filled MEM entries). json: the full binary model, every field.',
    '',
    'Exit status: 0 shown, 1 not expressible in the requested form, 2 bad arguments or an unreadable or',
    'malformed file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { options: ['--format', '--from'] });
    const input = one(o.positionals, 'policy file');
    const format = choice(o.options.get('--format'), ['text', 'yaml', 'xml', 'json'] as const, '--format', 'text');
    const from = o.options.has('--from') ? choice(o.options.get('--from'), INPUT_FORMATS, '--from', 'bin') : undefined;
    const { policy } = readPolicyFile(input, from);
    const text = format === 'yaml' ? writePolicyYaml(policy) : format === 'xml' ? writePolicyXml(policy) : format === 'json' ? policyJson(policy) : describePolicy(policy);
    io.out(text);
    return 0;
  },
};
