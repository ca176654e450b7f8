import { readInputFile } from '../cli-files';
import { CliCommand, parseOptions } from '../command';
import { formatHobList } from '../../firmware/hob/hob-format';
import { parseHobListDetailed } from '../../firmware/hob/hob-list';
import { fvOnePositional, fvParseOrUsage } from './fv-common';

export const hobDumpCommand: CliCommand = {
  name: 'hob dump',
  summary: 'list a HOB list file: PHIT, resources, allocations, FVs and the supervisor GUID HOBs decoded',
  usage: [
    'usage: mmspec hob dump <hobs.bin> [--raw]',
    '',
    'Walks the HOB list (x86-smm-facts §4.2) until END_OF_HOB_LIST and prints each HOB with its offset, type',
    'and length: the PHIT, resource descriptors (v1 and Mu v2), memory allocations (module form too), FV/FV2/FV3,',
    'CPU, and GUID HOBs, with the supervisor payloads decoded (supervisor-facts §1.4): MMRAM ranges, supervisor',
    'comm region, user comm buffer, unblock parameters, protected regions, MP information 2, SMBASE.',
    '--raw shows GUID HOB payloads as bytes instead.',
    '',
    'Exit status: 0 listed, 2 bad arguments or an unreadable or malformed file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { flags: ['--raw'] });
    const input = fvOnePositional(o.positionals, 'HOB list file');
    const bytes = readInputFile(input);
    const hobs = fvParseOrUsage(() => parseHobListDetailed(bytes, { source: input, decodePayloads: !o.flags.has('--raw') }));
    io.out(formatHobList(hobs));
    return 0;
  },
};
