import { writeOutputFile } from '../cli-files';
import { CliCommand, parseOptions, UsageError } from '../command';
import { writePolicy } from '../../firmware/policy/policy-binary';
import { choice, one, readPolicyFile } from './policy-common';

export const policyCompileCommand: CliCommand = {
  name: 'policy compile',
  summary: 'compile an isolation policy (SupervisorPolicyMaker XML or YAML) to the v1.0 binary',
  usage: [
    'usage: mmspec policy compile <policy.xml|policy.yaml> -o <policy.bin> [--from xml|yaml]',
    '',
    'Encodes the policy exactly as SupervisorPolicyMaker does (supervisor-facts §4.8): roots in category',
    'order, an empty DENY MEM root appended last, descriptors grouped per root after the root array.',
    'The format comes from the file extension (or the content); --from forces it.',
    '',
    'Options:',
    '  -o, --output FILE   where to write the binary (required)',
    '  --from FORMAT       xml or yaml',
    '',
    'Exit status: 0 written, 2 bad arguments or an unreadable or malformed file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { options: ['--output', '--from'], aliases: { '-o': '--output' } });
    const input = one(o.positionals, 'input policy file');
    const output = o.options.get('--output');
    if (!output) throw new UsageError('missing -o <output.bin>');
    const from = o.options.has('--from') ? choice(o.options.get('--from'), ['xml', 'yaml'] as const, '--from', 'xml') : undefined;
    const { policy, format } = readPolicyFile(input, from);
    if (format === 'bin') throw new UsageError(`${input} is already a binary policy; compile takes XML or YAML`);
    const bytes = writePolicy(policy);
    writeOutputFile(output, bytes);
    io.out(`${output}: 0x${bytes.length.toString(16)} bytes, ${policy.roots.length} roots\n`);
    return 0;
  },
};
