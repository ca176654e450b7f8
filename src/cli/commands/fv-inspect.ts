import { readInputFile } from '../cli-files';
import { CliCommand, parseOptions, UsageError } from '../command';
import { disassembleDepex } from '../../firmware/depex/depex-disassembler';
import { DispatchCandidate, predictDispatchOrder } from '../../firmware/depex/dispatch-order';
import { parseFirmwareVolume } from '../../firmware/fv/fv-parser';
import { ffsFileData } from '../../firmware/fv/fv-writer';
import { fileTypeName, FVB_ERASE_POLARITY, isRawFileType, sectionTypeName } from '../../firmware/fv/fv-types';
import { sectionTypeOf } from '../../firmware/fv/sections';
import { Guid } from '../../firmware/guid/guid';
import { GuidRegistry } from '../../firmware/guid/guid-registry';
import { fvOnePositional, fvParseOrUsage } from './fv-common';

/** What the supervisor's broker installs on entry (supervisor-facts §2.6), assumed for the prediction. */
const BUILT_IN_INSTALLS: Record<string, string[]> = {
  MmSupervisorRing3Broker: ['gEfiMmCpuProtocolGuid', 'gMmRing3HandlerReadyProtocol'],
};

function parseInstalls(text: string | undefined, reg: GuidRegistry): Map<string, Guid[]> {
  const m = new Map<string, Guid[]>();
  if (!text) return m;
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--installs expects NAME=GUID[,GUID…][;NAME=…], got ${JSON.stringify(part)}`);
    const who = reg.resolve(part.slice(0, eq).trim());
    const list = part.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean).map((g) => reg.resolve(g));
    m.set(who, [...(m.get(who) ?? []), ...list]);
  }
  return m;
}

export const fvInspectCommand: CliCommand = {
  name: 'fv inspect',
  summary: 'list the files of a firmware volume with types, sizes, DEPEX, checksums and predicted dispatch order',
  usage: [
    'usage: mmspec fv inspect <volume.fv> [--strict] [--installs "NAME=GUID,…;NAME=…"] [--installed GUID,…]',
    '                         [--names NAME,…]',
    '',
    'Lists the volume header (length, file system, attributes, header checksum) and every FFS file: offset,',
    'type, size, GUID and name (USER_INTERFACE section), sections, header/data checksum status and the decoded',
    'MM_DEPEX. Then the order in which the MM Supervisor would dispatch the MM_STANDALONE drivers',
    '(supervisor-facts §2.3–§2.4, a prediction) and the files it would never start, with the reason.',
    '',
    'The prediction needs to know which protocols each driver installs: MmSupervisorRing3Broker installs',
    'gEfiMmCpuProtocolGuid and gMmRing3HandlerReadyProtocol; --installs adds more (names or GUIDs);',
    '--installed lists protocols present before dispatch. --names lists other symbolic names whose',
    'name-derived GUIDs the DEPEX listing should show by name (files and well-known GUIDs are always named).',
    '',
    'Checksum mismatches and malformed sections are listed as problems (exit status 1); with --strict the',
    'first one is an error. Exit status: 0 clean, 1 problems found, 2 bad arguments or an unreadable or',
    'malformed file.',
  ].join('\n'),
  async run(args, io) {
    const o = parseOptions(args, { flags: ['--strict'], options: ['--installs', '--installed', '--names'] });
    const input = fvOnePositional(o.positionals, 'firmware volume file');
    const bytes = readInputFile(input);
    const parsed = fvParseOrUsage(() => parseFirmwareVolume(bytes, { source: input, lenient: !o.flags.has('--strict') }));
    const v = parsed.volume;
    const reg = new GuidRegistry();
    const uiName = (i: number): string | undefined => {
      const c = v.files[i].content;
      if (!('sections' in c)) return undefined;
      const ui = c.sections.find((s) => s.kind === 'ui');
      return ui && ui.kind === 'ui' ? ui.name : undefined;
    };
    for (const [i, f] of v.files.entries()) {
      const n = uiName(i);
      if (n && GuidRegistry.isSymbolicName(n) && reg.lookup(n) === undefined) reg.define(n, f.name);
    }
    for (const n of (o.options.get('--names') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!GuidRegistry.isSymbolicName(n)) throw new UsageError(`--names expects symbolic names, got ${JSON.stringify(n)}`);
      if (reg.lookup(n) === undefined) reg.define(n, reg.resolve(n));
    }
    const installs = parseInstalls(o.options.get('--installs'), reg);
    const initially = (o.options.get('--installed') ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((g) => reg.resolve(g));
    const describe = (g: Guid) => reg.describe(g);

    const lines: string[] = [];
    lines.push(`${input}: firmware volume, FvLength 0x${parsed.fvLength.toString(16)}, HeaderLength 0x${parsed.headerLength.toString(16)}, header checksum ${parsed.headerChecksumOk ? 'ok' : 'BAD'}`);
    lines.push(`  file system ${describe(v.fileSystemGuid)}, attributes 0x${v.attributes.toString(16).padStart(8, '0')} (erase polarity ${v.attributes & FVB_ERASE_POLARITY ? 1 : 0}), blocks ${v.blockMap.map((b) => `${b.numBlocks}×0x${b.length.toString(16)}`).join(' + ')}`);
    if (v.extHeader) lines.push(`  FvName ${describe(v.extHeader.fvName)}${v.extHeader.entries.length ? `, ${v.extHeader.entries.length} extension entr${v.extHeader.entries.length === 1 ? 'y' : 'ies'}` : ''}`);
    lines.push(`${v.files.length} file(s):`);
    const candidates: DispatchCandidate[] = [];
    for (const [i, f] of v.files.entries()) {
      const info = parsed.files[i];
      const name = uiName(i) ?? reg.nameOf(f.name) ?? f.name;
      const checks = `header checksum ${info.headerChecksumOk ? 'ok' : 'BAD'}, data checksum ${info.dataChecksumOk ? 'ok' : 'BAD'}${f.attributes & 0x40 ? '' : ' (fixed 0xAA)'}`;
      lines.push(`  [${i}] 0x${info.offset.toString(16).padStart(6, '0')} ${fileTypeName(f.type).padEnd(18)} size 0x${info.size.toString(16).padStart(6, '0')} ${f.name} ${name}`);
      lines.push(`        state ${info.stateName}, ${checks}`);
      let depex: Uint8Array | undefined;
      if ('sections' in f.content) {
        lines.push(`        sections: ${f.content.sections.map((s) => `${sectionTypeName(sectionTypeOf(s))}(${s.kind === 'ui' ? JSON.stringify(s.name) : s.kind === 'version' ? JSON.stringify(s.version) : `${'data' in s ? s.data.length : 0} bytes`})`).join(', ') || 'none'}`);
        const d = f.content.sections.find((s) => s.kind === 'mmDepex');
        if (d && d.kind === 'mmDepex') {
          depex = d.data;
          lines.push(`        depex: ${disassembleDepex(d.data, describe).text}`);
        }
      } else {
        lines.push(`        ${isRawFileType(f.type) ? 'raw data' : 'unparsed data'}: ${ffsFileData(f).length} bytes`);
      }
      candidates.push({ name, guid: f.name, type: f.type, ...(depex ? { depex } : {}) });
    }
    const prediction = predictDispatchOrder(candidates, (c) => {
      const builtIn = (BUILT_IN_INSTALLS[c.name] ?? []).map((n) => reg.resolve(n));
      return [...builtIn, ...(installs.get(c.guid) ?? [])];
    }, { initiallyInstalled: initially });
    lines.push('Predicted dispatch order (supervisor-facts §2.3–§2.4):');
    if (prediction.order.length === 0) lines.push('  (none)');
    prediction.order.forEach((n, k) => lines.push(`  ${k + 1}. ${n}`));
    if (prediction.notDispatched.length) {
      lines.push('Never dispatched:');
      for (const n of prediction.notDispatched) lines.push(`  ${n.name}: ${n.reason}`);
    }
    if (parsed.problems.length) {
      lines.push(`${parsed.problems.length} problem(s):`);
      for (const p of parsed.problems) lines.push(`  ${p.kind === 'checksum' ? 'CHECKSUM' : 'FORMAT'} at offset 0x${p.offset.toString(16)}: field ${p.field}: ${p.reason}`);
    }
    io.out(lines.join('\n') + '\n');
    return parsed.problems.length ? 1 : 0;
  },
};
