import { readFileSync } from 'node:fs';
import { isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { DepexSyntaxError, parseDepexText } from '../../firmware/depex';
import { FILE_TYPE_NAMES, fileTypeFromName } from '../../firmware/fv';
import { type Guid, GuidRegistry, isGuidText } from '../../firmware/guid';
import { closeWords } from './close-words';
import { parseActionNodes, parseGuidField, type ParseActionsOptions } from './action-parser';
import type { HandlerSpec } from './driver-action';
import { DriverActionError } from './driver-errors';
import { type DriverFileSpec, driverGuidFor } from './driver-file';
import { YamlSource } from './yaml-source';

const KEYS = ['name', 'guid', 'type', 'depex', 'linkBrokerReady', 'installs', 'entry', 'handlers'];

/**
 * Reads a driver defined in YAML (fixtures/drivers/*.yaml):
 *
 * ```yaml
 * name: MsrReader                 # required; the USER_INTERFACE name
 * guid: 5B1F…                     # optional: registry-format GUID or name (default: well-known or name-derived)
 * type: MM_STANDALONE             # optional FFS file type (default MM_STANDALONE)
 * depex: TRUE                     # optional (default TRUE); "" or null: no MM_DEPEX section
 * linkBrokerReady: true           # optional: AND the depex with gMmRing3HandlerReadyProtocol (default true)
 * installs: [gMyProtocol]         # optional: protocols the entry point installs (list or space separated)
 * entry:                          # optional: actions the entry point runs
 *   - rdmsr: 0x1B
 * handlers:                       # optional: MMI handlers the entry point registers
 *   - guid: gMyMmi                #   null: a root handler
 *     actions:
 *       - io_write: {port: 0x80, width: 1, value: 0x42}
 * ```
 *
 * Every error is a DriverActionError naming file:line:column and the field.
 */
export function loadDriverFixture(path: string, options: ParseActionsOptions = {}): DriverFileSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DriverActionError('DRIVER_FIXTURE_INVALID', { file: path, line: 1, column: 1 }, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  return parseDriverFixture(text, path, options);
}

/** Parses the text of a driver fixture (see loadDriverFixture). */
export function parseDriverFixture(text: string, file: string, options: ParseActionsOptions = {}): DriverFileSpec {
  const registry = options.registry ?? new GuidRegistry();
  const opts = { ...options, registry };
  const src = new YamlSource(text, { file, lineBefore: 0, column: 1 }, 'DRIVER_FIXTURE_INVALID');
  const top = src.mapping(src.root, '', KEYS, 'a mapping with the driver fields (name, depex, entry, handlers …)');
  const node = (k: string) => top.get(k)?.value ?? null;
  if (!top.has('name')) src.fail(src.root, 'name', 'is missing (the driver name)');
  const name = src.string(node('name'), 'name', 'a driver name', true).trim();
  if (!GuidRegistry.isSymbolicName(name)) src.fail(node('name'), 'name', `expected a name made of letters, digits, _ and . (it is also a GUID name), got ${JSON.stringify(name)}`);
  const guid: Guid = top.has('guid') ? parseGuidField(src, node('guid'), 'guid', registry) : driverGuidFor(name, registry);

  let type: number | undefined;
  if (top.has('type')) {
    const t = node('type');
    if (isScalar(t) && typeof t.value === 'bigint') type = Number(src.integer(t, 'type', 0xffn, 'an FFS file type'));
    else {
      const word = src.string(t, 'type', 'an FFS file type name such as MM_STANDALONE');
      type = fileTypeFromName(word);
      if (type === undefined) src.fail(t, 'type', `unknown FFS file type ${JSON.stringify(word)}`, closeWords(word, FILE_TYPE_NAMES));
    }
  }

  let depex: string | undefined = 'TRUE';
  if (top.has('depex')) {
    const d = node('depex');
    depex = !d || (isScalar(d) && d.value === null) ? undefined : src.string(d, 'depex', 'DEPEX text such as TRUE or "gA AND gB"', true);
    if (isScalar(d) && typeof d.value === 'boolean') depex = d.value ? 'TRUE' : 'FALSE';
    if (depex !== undefined && depex.trim() !== '') {
      try {
        parseDepexText(depex, (n) => registry.resolve(n));
      } catch (e) {
        if (!(e instanceof DepexSyntaxError)) throw e;
        const quoted = isScalar(d) && (d.type === 'QUOTE_DOUBLE' || d.type === 'QUOTE_SINGLE') ? 1 : 0;
        const at = src.at((d?.range?.[0] ?? 0) + quoted + e.column);
        throw new DriverActionError('DRIVER_FIXTURE_INVALID', at, 'depex', e.problem, [], { cause: e });
      }
    }
  }

  let linkBrokerReady: boolean | undefined;
  if (top.has('linkBrokerReady')) {
    const l = node('linkBrokerReady');
    if (!isScalar(l) || typeof l.value !== 'boolean') src.fail(l, 'linkBrokerReady', 'expected true or false');
    linkBrokerReady = (l as { value: boolean }).value;
  }

  let installs: Guid[] = [];
  if (top.has('installs')) {
    const i = node('installs');
    if (isSeq(i)) installs = src.sequence(i, 'installs', 'a list of protocol GUIDs').map((n, k) => parseGuidField(src, n, `installs[${k}]`, registry, opts));
    else {
      const words = src.string(i, 'installs', 'a list of protocol GUIDs (or one string, space separated)');
      installs = words.split(/\s+/).filter(Boolean).map((w) => {
        if (!GuidRegistry.isSymbolicName(w) && !isGuidText(w)) src.fail(i, 'installs', `expected registry-format GUIDs or symbolic names, got ${JSON.stringify(w)}`);
        return registry.resolve(w);
      });
    }
  }

  const entry = top.has('entry') && node('entry') !== null && !(isScalar(node('entry')) && (node('entry') as { value: unknown }).value === null)
    ? parseActionNodes(src, node('entry')!, 'entry', opts) : [];

  const handlers: HandlerSpec[] = [];
  if (top.has('handlers')) {
    src.sequence(node('handlers'), 'handlers', 'a list of {guid, actions}').forEach((h: YamlNode, k) => {
      const f = `handlers[${k}]`;
      const m = src.mapping(h, f, ['guid', 'actions'], 'a mapping {guid, actions}');
      if (!m.has('guid')) src.fail(h, `${f}.guid`, 'is missing (the MMI GUID; null for a root handler)');
      const g = m.get('guid')!.value;
      const hguid = !g || (isScalar(g) && g.value === null) ? null : parseGuidField(src, g, `${f}.guid`, registry, opts);
      const a = m.get('actions')?.value;
      handlers.push({ guid: hguid, actions: a && !(isScalar(a) && a.value === null) ? parseActionNodes(src, a, `${f}.actions`, opts) : [] });
    });
  }

  return {
    name, guid, entry, handlers, installs, depex,
    ...(type !== undefined ? { type } : {}),
    ...(linkBrokerReady !== undefined ? { linkBrokerReady } : {}),
    resolve: (n: string) => registry.resolve(n),
  };
}
