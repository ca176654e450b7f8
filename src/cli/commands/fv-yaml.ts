import { parse as parseYaml } from 'yaml';
import { isMmspecError } from '../../common/errors';
import { parseHexBytes } from '../../common/hex';
import { UsageError } from '../command';
import { compileDepex } from '../../firmware/depex/depex-compiler';
import {
  DEFAULT_FV_ATTRIBUTES, FfsFile, FfsFileType, fileTypeFromName, FILE_TYPE_NAMES, FirmwareVolume, isRawFileType, Section,
} from '../../firmware/fv/fv-types';
import { blockMapFor, fvRequiredSize } from '../../firmware/fv/fv-writer';
import { Guid } from '../../firmware/guid/guid';
import { GuidRegistry } from '../../firmware/guid/guid-registry';
import { didYouMean } from '../../firmware/text/suggest';
import { writePeImage } from '../../firmware/pe/pe-writer';
import { PeImageSpec, PeVersion } from '../../firmware/pe/pe-types';

/**
 * The `mmspec fv build` input (YAML). Every key is optional except `files` and each file's `name`:
 *
 *   attributes: 0x0004FEFF        # EFI_FVB_ATTRIBUTES_2 (default: erase polarity 1, memory mapped)
 *   blockSize: 0x1000             # FvLength is rounded up to whole blocks
 *   fileSystem: FFS2              # FFS2 | FFS3 | a GUID
 *   fvName: MyVolume              # name or GUID → extended header carrying FvName
 *   files:
 *     - name: MmSupervisorRing3Broker   # symbolic name; also the USER_INTERFACE text
 *       guid: BB3D60C4-210B-4076-B596-3DD298AFEA49   # default: the well-known GUID of `name`, else derived from it
 *       type: MM_STANDALONE             # FFS type name or number (default MM_STANDALONE)
 *       depex: TRUE                     # MM_DEPEX text; no `depex` key → no MM_DEPEX section
 *       pe: { code: "31c0c3", data: "", entry: 0, imageBase: 0, subsystemVersion: "23.39",
 *             imageVersion: "1.1", relocations: [{ section: text, offset: 2 }] }
 *       pe32: "4d5a…"                   # raw PE32 section bytes instead of `pe`
 *       ui: false                       # leave out the USER_INTERFACE section
 *       version: "1.0"                  # VERSION section (versionBuild: N for its BuildNumber)
 *       freeform: { guid: Name, data: "00ff" }   # FREEFORM_SUBTYPE_GUID section
 *       raw: "00ff"                     # RAW section (for RAW and FFS_PAD files: the whole file data)
 *       checksum: true                  # real data checksum (CHECKSUM attribute) instead of 0xAA
 *
 * Executable types (MM_STANDALONE, MM_CORE_STANDALONE, MM, DRIVER, …) without `pe`/`pe32` get a minimal PE32+
 * image whose entry point returns EFI_SUCCESS (`xor eax, eax; ret`). Sections are written in the order PE32,
 * MM_DEPEX, USER_INTERFACE, VERSION, FREEFORM_SUBTYPE_GUID, RAW. DEPEX names resolve to the files of this
 * volume first, then the well-known GUIDs, then name-derived GUIDs.
 */
export interface FvBuildResult {
  volume: FirmwareVolume;
  registry: GuidRegistry;
}

const TOP_KEYS = ['attributes', 'blockSize', 'fileSystem', 'fvName', 'files'];
const FILE_KEYS = ['name', 'guid', 'type', 'depex', 'pe', 'pe32', 'ui', 'version', 'versionBuild', 'freeform', 'raw', 'checksum'];
const PE_KEYS = ['code', 'data', 'entry', 'imageBase', 'subsystem', 'subsystemVersion', 'imageVersion', 'relocations', 'sectionAlignment', 'fileAlignment'];
const EXECUTABLE_TYPES = new Set<number>([0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x0e, 0x0f]);
const DEFAULT_CODE = Uint8Array.from([0x31, 0xc0, 0xc3]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fvBuildFromYaml(text: string, source: string): FvBuildResult {
  const fail = (where: string, msg: string): never => {
    throw new UsageError(`${source}: ${where}${where ? ': ' : ''}${msg}`);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return fail('', `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObj(doc)) return fail('', 'expected a mapping with a `files` list');
  const checkKeys = (o: Obj, allowed: string[], where: string) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(where, `unknown key ${JSON.stringify(k)}${didYouMean(k, allowed)}`);
  };
  checkKeys(doc, TOP_KEYS, '');
  const num = (v: unknown, where: string, max = 0xffffffff): number => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > max) fail(where, `expected a number from 0 to 0x${max.toString(16)}, got ${JSON.stringify(v)}`);
    return n;
  };
  const big = (v: unknown, where: string): bigint => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim()) && BigInt(v.trim()) < 1n << 64n) return BigInt(v.trim());
    return fail(where, `expected a 64-bit number, got ${JSON.stringify(v)}`);
  };
  const hexBytes = (v: unknown, where: string): Uint8Array => {
    if (v === null || v === undefined || v === '') return new Uint8Array(0);
    if (typeof v !== 'string') return fail(where, 'expected a string of hex bytes');
    try {
      return parseHexBytes(v);
    } catch {
      return fail(where, `malformed hex bytes ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`);
    }
  };
  const version = (v: unknown, where: string): PeVersion => {
    if (isObj(v)) return { major: num(v.major, `${where}.major`, 0xffff), minor: num(v.minor, `${where}.minor`, 0xffff) };
    const m = typeof v === 'string' || typeof v === 'number' ? /^(\d+)\.(\d+)$/.exec(String(v)) : null;
    if (!m) return fail(where, `expected "major.minor" (decimal) or {major, minor}, got ${JSON.stringify(v)}`);
    return { major: num(m[1], where, 0xffff), minor: num(m[2], where, 0xffff) };
  };

  const registry = new GuidRegistry();
  const files = doc.files;
  if (!Array.isArray(files)) return fail('files', 'expected a list of files');
  // First pass: names → GUIDs so DEPEX can refer to any file of the volume.
  const guids: Guid[] = files.map((f, i) => {
    const where = `files[${i}]`;
    if (!isObj(f)) return fail(where, 'expected a mapping');
    checkKeys(f, FILE_KEYS, where);
    if (typeof f.name !== 'string' || f.name.trim() === '') return fail(`${where}.name`, 'required (a non-empty string)');
    const guid = f.guid === undefined ? registry.resolve(f.name) : typeof f.guid === 'string' ? registry.resolve(f.guid) : fail(`${where}.guid`, 'expected a GUID or a name');
    if (GuidRegistry.isSymbolicName(f.name)) {
      try {
        registry.define(f.name, guid);
      } catch (e) {
        if (isMmspecError(e)) fail(`${where}.guid`, e.message);
        throw e;
      }
    }
    return guid;
  });

  const out: FfsFile[] = files.map((f: Obj, i) => {
    const where = `files[${i}]`;
    const name = f.name as string;
    let type: number = FfsFileType.MM_STANDALONE;
    if (f.type !== undefined) {
      const t = typeof f.type === 'number' ? (f.type <= 0xff && f.type >= 0 ? f.type : undefined) : fileTypeFromName(String(f.type));
      if (t === undefined) fail(`${where}.type`, `unknown file type ${JSON.stringify(f.type)}${didYouMean(String(f.type), FILE_TYPE_NAMES)}`);
      type = t!;
    }
    const attributes = f.checksum === true ? 0x40 : 0;
    if (isRawFileType(type)) {
      for (const k of ['depex', 'pe', 'pe32', 'version', 'freeform']) if (f[k] !== undefined) fail(`${where}.${k}`, 'a RAW or FFS_PAD file has no sections; use `raw`');
      return { name: guids[i], type, attributes, state: 0x07, content: { raw: hexBytes(f.raw, `${where}.raw`) } };
    }
    const sections: Section[] = [];
    if (f.pe !== undefined && f.pe32 !== undefined) fail(where, 'give either `pe` or `pe32`, not both');
    if (f.pe32 !== undefined) sections.push({ kind: 'pe32', data: hexBytes(f.pe32, `${where}.pe32`) });
    else if (f.pe !== undefined || EXECUTABLE_TYPES.has(type)) {
      const pe = f.pe === undefined ? {} : f.pe;
      if (!isObj(pe)) return fail(`${where}.pe`, 'expected a mapping');
      checkKeys(pe, PE_KEYS, `${where}.pe`);
      const spec: PeImageSpec = { code: pe.code === undefined ? DEFAULT_CODE : hexBytes(pe.code, `${where}.pe.code`) };
      if (pe.data !== undefined) spec.data = hexBytes(pe.data, `${where}.pe.data`);
      if (pe.entry !== undefined) spec.entryOffset = num(pe.entry, `${where}.pe.entry`);
      if (pe.imageBase !== undefined) spec.imageBase = big(pe.imageBase, `${where}.pe.imageBase`);
      if (pe.subsystem !== undefined) spec.subsystem = num(pe.subsystem, `${where}.pe.subsystem`, 0xffff);
      if (pe.sectionAlignment !== undefined) spec.sectionAlignment = num(pe.sectionAlignment, `${where}.pe.sectionAlignment`);
      if (pe.fileAlignment !== undefined) spec.fileAlignment = num(pe.fileAlignment, `${where}.pe.fileAlignment`);
      if (pe.subsystemVersion !== undefined) spec.subsystemVersion = version(pe.subsystemVersion, `${where}.pe.subsystemVersion`);
      if (pe.imageVersion !== undefined) spec.imageVersion = version(pe.imageVersion, `${where}.pe.imageVersion`);
      if (pe.relocations !== undefined) {
        if (!Array.isArray(pe.relocations)) fail(`${where}.pe.relocations`, 'expected a list');
        spec.relocations = (pe.relocations as unknown[]).map((r, k) => {
          const w = `${where}.pe.relocations[${k}]`;
          if (!isObj(r) || (r.section !== 'text' && r.section !== 'data')) return fail(w, 'expected {section: text|data, offset: N}');
          return { section: r.section, offset: num(r.offset, `${w}.offset`) };
        });
      }
      try {
        sections.push({ kind: 'pe32', data: writePeImage(spec) });
      } catch (e) {
        if (isMmspecError(e)) fail(`${where}.pe`, e.message);
        throw e;
      }
    }
    if (f.depex !== undefined) {
      const text = typeof f.depex === 'boolean' ? (f.depex ? 'TRUE' : 'FALSE') : typeof f.depex === 'string' ? f.depex : fail(`${where}.depex`, 'expected DEPEX text');
      try {
        sections.push({ kind: 'mmDepex', data: compileDepex(text, (n) => registry.resolve(n)) });
      } catch (e) {
        if (isMmspecError(e)) fail(`${where}.depex`, e.message);
        throw e;
      }
    }
    if (f.ui !== false) sections.push({ kind: 'ui', name: typeof f.ui === 'string' ? f.ui : name });
    if (f.version !== undefined) {
      sections.push({ kind: 'version', buildNumber: f.versionBuild === undefined ? 0 : num(f.versionBuild, `${where}.versionBuild`, 0xffff), version: String(f.version) });
    }
    if (f.freeform !== undefined) {
      const ff = f.freeform;
      if (!isObj(ff) || typeof ff.guid !== 'string') return fail(`${where}.freeform`, 'expected {guid: NAME-or-GUID, data: HEX}');
      sections.push({ kind: 'freeformSubtypeGuid', subtypeGuid: registry.resolve(ff.guid), data: hexBytes(ff.data, `${where}.freeform.data`) });
    }
    if (f.raw !== undefined) sections.push({ kind: 'raw', data: hexBytes(f.raw, `${where}.raw`) });
    return { name: guids[i], type, attributes, state: 0x07, content: { sections } };
  });

  let fileSystemGuid = registry.resolve('FFS2');
  if (doc.fileSystem !== undefined) {
    const fs = String(doc.fileSystem);
    fileSystemGuid = /^ffs[23]$/i.test(fs) ? registry.resolve(fs.toUpperCase()) : registry.resolve(fs);
  }
  const volume: FirmwareVolume = {
    fileSystemGuid,
    attributes: doc.attributes === undefined ? DEFAULT_FV_ATTRIBUTES : num(doc.attributes, 'attributes'),
    blockMap: [],
    ...(doc.fvName !== undefined ? { extHeader: { fvName: registry.resolve(String(doc.fvName)), entries: [] } } : {}),
    files: out,
  };
  const blockSize = doc.blockSize === undefined ? 0x1000 : num(doc.blockSize, 'blockSize');
  if (blockSize === 0) fail('blockSize', 'must not be 0');
  volume.blockMap = blockMapFor(fvRequiredSize({ ...volume, blockMap: [{ numBlocks: 1, length: blockSize }] }), blockSize);
  return { volume, registry };
}
