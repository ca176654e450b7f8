import { writeOutputFile } from '../cli-files';
import { readFileSync } from 'node:fs';
import { CliCommand, parseOptions, UsageError } from '../command';
import { writeFirmwareVolume } from '../../firmware/fv/fv-writer';
import { fvOnePositional, fvParseOrUsage } from './fv-common';
import { fvBuildFromYaml } from './fv-yaml';

export const fvBuildCommand: CliCommand = {
  name: 'fv build',
  summary: 'build a firmware volume (FFS files, sections, DEPEX, PE32+ images) from a YAML description',
  usage: [
    'usage: mmspec fv build <volume.yaml> -o <volume.fv>',
    '',
    'The YAML lists the files in FV order:',
    '  attributes: 0x0004FEFF     # optional EFI_FVB_ATTRIBUTES_2 (default: erase polarity 1)',
    '  blockSize: 0x1000          # optional; FvLength is a whole number of blocks',
    '  fileSystem: FFS2           # optional: FFS2, FFS3 or a GUID',
    '  fvName: MyVolume           # optional: adds the extended header with this FvName',
    '  files:',
    '    - name: MmSupervisorRing3Broker   # required; symbolic name and USER_INTERFACE text',
    '      guid: BB3D60C4-210B-4076-B596-3DD298AFEA49  # optional; default: well-known or name-derived GUID',
    '      type: MM_STANDALONE   # optional FFS type name or number (MM_STANDALONE, MM_CORE_STANDALONE,',
    '                            #   SMM, FREEFORM, RAW, FFS_PAD, …); default MM_STANDALONE',
    '      depex: TRUE           # MM_DEPEX text, e.g. "gA AND (gB OR NOT gC)", "BEFORE Name", "AFTER Name";',
    '                            #   no depex key → no MM_DEPEX section (the supervisor then never loads it)',
    '      pe:                   # optional PE32+ image (executable types get "xor eax,eax; ret" by default)',
    '        code: "31c0c3"      #   .text bytes in hex; data: "…" for .data; entry: offset into code',
    '        subsystemVersion: "23.39"   # Major/MinorSubsystemVersion; imageVersion: "1.1"',
    '        relocations: [{section: text, offset: 2}]   # DIR64 fixups; imageBase: 0x…',
    '      pe32: "4d5a…"         # or: raw PE32 section bytes',
    '      ui: false             # leave out USER_INTERFACE; version: "1.0" adds a VERSION section',
    '      freeform: {guid: Name, data: "00"}   # FREEFORM_SUBTYPE_GUID section',
    '      raw: "0011"           # RAW section; for RAW and FFS_PAD files the whole file data',
    '      checksum: true        # real data checksum instead of the fixed 0xAA',
    '',
    'DEPEX names resolve to the files of the volume, then well-known PI and supervisor GUIDs, then a GUID',
    'derived from the name. Exit status: 0 written, 2 bad arguments or an unreadable or invalid YAML file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { options: ['--output'], aliases: { '-o': '--output' } });
    const input = fvOnePositional(o.positionals, 'YAML file');
    const output = o.options.get('--output');
    if (!output) throw new UsageError('missing -o <volume.fv>');
    let text: string;
    try {
      text = input === '-' ? await io.readStdin() : readFileSync(input, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot read ${input}${code === 'ENOENT' ? ': no such file' : code ? `: ${code}` : ''}`);
    }
    const { volume } = fvBuildFromYaml(text, input);
    const bytes = fvParseOrUsage(() => writeFirmwareVolume(volume));
    writeOutputFile(output, bytes);
    io.out(`wrote ${output}: ${volume.files.length} file(s), 0x${bytes.length.toString(16)} bytes\n`);
    return 0;
  },
};
