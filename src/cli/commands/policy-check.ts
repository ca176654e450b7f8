import { CliCommand, parseOptions, UsageError } from '../command';
import { measurePolicy } from '../../firmware/policy/measurement';
import { validatePolicy } from '../../firmware/policy/policy-validate';
import { choice, INPUT_FORMATS, one, readPolicyFile } from './policy-common';

export const policyCheckCommand: CliCommand = {
  name: 'policy check',
  summary: 'validate an isolation policy and measure its Secured-core level rule by rule',
  usage: [
    'usage: mmspec policy check <policy.xml|policy.yaml|policy.bin> [--level 10|20|30] [--vendor intel|amd] [--from xml|yaml|bin]',
    '',
    "Runs the supervisor's SecurityPolicyCheck (supervisor-facts §4.6), then the Secured-core measurement",
    'of MmSupvRequestUnitTestApp (§5) on the policy as FETCH_POLICY would report it (an unfilled MEM root',
    'gets the supervisor\'s placeholder descriptor), printing every rule with PASS/FAIL and why.',
    '',
    'Options:',
    '  --level N     required level (default 30, the highest level the measurement defines; the test app',
    '                itself only requires a level above 0)',
    '  --vendor V    intel (default) or amd: selects the MSR lists and the TXT check',
    'Platform facts use the defaults: empty Memory Attributes Table, an IOMMU table without units, TXT',
    'heap and DPR registers reading 0.',
    '',
    'Exit status: 0 valid and the level is met, 1 invalid or the level is not met, 2 bad arguments or an',
    'unreadable or malformed file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { options: ['--level', '--vendor', '--from'] });
    const input = one(o.positionals, 'policy file');
    const levelText = o.options.get('--level') ?? '30';
    if (!/^(10|20|30)$/.test(levelText)) throw new UsageError(`--level must be 10, 20 or 30 (got ${JSON.stringify(levelText)})`);
    const required = Number(levelText);
    const vendor = choice(o.options.get('--vendor'), ['intel', 'amd'] as const, '--vendor', 'intel');
    const from = o.options.has('--from') ? choice(o.options.get('--from'), INPUT_FORMATS, '--from', 'bin') : undefined;
    const { policy } = readPolicyFile(input, from);
    const v = validatePolicy(policy);
    const out: string[] = [];
    out.push(`Validation (SecurityPolicyCheck): ${v.ok ? 'PASS' : `FAIL, ${v.status}`}`);
    for (const x of v.violations) out.push(`  FAIL  rule ${x.rule} ${x.reason}: ${x.message}`);
    const m = measurePolicy(policy, { vendor });
    out.push(`Measurement (vendor ${vendor}):`);
    for (const r of m.rules) out.push(`  ${r.pass ? 'PASS' : 'FAIL'}  ${r.id}: ${r.why}`);
    const met = v.ok && m.level >= required;
    out.push(`Result: level ${m.level}; required ${required}: ${met ? 'met' : !v.ok ? 'not met (the policy is invalid)' : 'not met'}`);
    io.out(out.join('\n') + '\n');
    return met ? 0 : 1;
  },
};
