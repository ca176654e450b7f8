import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { MmspecError } from '../../common/errors';
import { MEMORY_TYPE_NAMES } from '../../firmware/hob/hob-types';
import { didYouMean } from '../../firmware/text/suggest';
import {
  type ConfigMemoryRange, DXE_MODULES, type DxeMemoryTypeRange, MODULE_ALIASES, PEI_MODULES, type PlatformConfig,
} from './platform-config';

/** A platform fixture that is not valid YAML or does not describe a usable platform. */
export class PlatformConfigError extends MmspecError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string,
    readonly expected: string,
  ) {
    super('PLATFORM_CONFIG_INVALID', `${file}:${line}:${column}: ${field}: ${expected}`);
  }
}

/** Where the boot firmware itself lives in low DRAM (firmware context, below 1 MiB). */
const LOW_FIRMWARE_END = 0x100000n;
/** Addresses the machine handles as JavaScript numbers must stay below 2^52. */
const ADDRESS_LIMIT = 1n << 52n;

const TOP_KEYS = [
  'name', 'description', 'cpus', 'saveStateMap', 'physicalAddressBits', 'memory', 'tseg', 'smbase', 'peiMemory',
  'dxeRuntimeMemory', 'dxeMemoryMap', 'commBuffers', 'peiMemoryBinsEnable', 'smiCommand', 'fatalViolation', 'supervisor',
  'firmware', 'policy',
];

/** Reads and validates a platform fixture file. */
export function loadPlatformConfig(file: string): PlatformConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PlatformConfigError(path, 1, 1, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  return parsePlatformConfig(text, path);
}

/**
 * Parses platform YAML. Numbers keep 64-bit precision (integers are read as bigint); every error names
 * file:line:column, the field path and what was expected. Relative paths (the policy) resolve against the
 * file's directory.
 */
export function parsePlatformConfig(text: string, source = '<inline>'): PlatformConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = at(e.pos[0]);
    throw new PlatformConfigError(source, p.line, p.col, '(document)', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const v = new Validator(source, at, text);
  const root = doc.contents as YamlNode | null;
  if (!root || !isMap(root)) v.fail(root, '(document)', 'a mapping of platform fields');
  const top = root as YAMLMap;
  v.keys(top, TOP_KEYS, '');
  const baseDir = source === '<inline>' ? process.cwd() : dirname(source);

  const cpus = v.int(top, 'cpus', 1n, 64n, 2n);
  const memoryNode = v.child(top, 'memory');
  const memoryMap: ConfigMemoryRange[] = memoryNode
    ? v.seq(memoryNode, 'memory').map((n, i) => {
      const f = `memory[${i}]`;
      v.mapping(n, f);
      v.keys(n as YAMLMap, ['name', 'kind', 'base', 'size'], f);
      return {
        name: v.str(n as YAMLMap, 'name', `${f}.`, `range ${i}`),
        kind: v.oneOf(n as YAMLMap, 'kind', ['dram', 'mmio', 'reserved'], `${f}.`) as ConfigMemoryRange['kind'],
        base: v.addr(n as YAMLMap, 'base', `${f}.`),
        size: v.addr(n as YAMLMap, 'size', `${f}.`, undefined, 1n),
      };
    })
    : defaultMemoryMap();
  memoryMap.forEach((r, i) => memoryMap.forEach((o, j) => {
    if (j > i && r.base < o.base + o.size && o.base < r.base + r.size) {
      v.fail(v.child(v.seq(memoryNode!, 'memory')[j] as YAMLMap, 'base'), `memory[${j}].base`, `a range that does not overlap memory[${i}] (${r.name})`);
    }
  }));
  const dramHas = (base: bigint, size: bigint) => memoryMap.some((r) => r.kind === 'dram' && base >= r.base && base + size <= r.base + r.size);
  const lowDram = memoryMap.find((r) => r.kind === 'dram' && r.base === 0n);

  const tsegNode = v.child(top, 'tseg');
  let tseg = { base: 0x3f800000n, size: 0x800000n };
  if (lowDram && !tsegNode) tseg = { base: lowDram.size - 0x800000n, size: 0x800000n };
  if (tsegNode) {
    v.mapping(tsegNode, 'tseg');
    v.keys(tsegNode as YAMLMap, ['base', 'size'], 'tseg');
    tseg = { base: v.addr(tsegNode as YAMLMap, 'base', 'tseg.', 0x100000n), size: v.addr(tsegNode as YAMLMap, 'size', 'tseg.', 0x100000n, 0x100000n) };
  }
  if (!dramHas(tseg.base, tseg.size) || tseg.base + tseg.size > 1n << 32n) {
    v.fail(tsegNode ?? top, 'tseg', 'a 1 MiB-aligned range inside one DRAM range below 4 GiB (TSEG is the top of low DRAM, x86-smm-facts §2.1)');
  }

  const smbaseNode = v.child(top, 'smbase');
  let smbase: PlatformConfig['smbase'] = { kind: 'staggered', stride: 0x2000n };
  if (smbaseNode && isSeq(smbaseNode)) {
    const bases = v.seq(smbaseNode, 'smbase').map((n, i) => v.scalarAddr(n, `smbase[${i}]`, 0x1000n));
    if (bases.length !== Number(cpus)) v.fail(smbaseNode, 'smbase', `one SMBASE per CPU (${cpus}), got ${bases.length}`);
    smbase = { kind: 'explicit', bases };
  } else if (smbaseNode) {
    v.mapping(smbaseNode, 'smbase');
    v.keys(smbaseNode as YAMLMap, ['scheme', 'stride'], 'smbase');
    v.oneOf(smbaseNode as YAMLMap, 'scheme', ['staggered'], 'smbase.');
    smbase = { kind: 'staggered', stride: v.addr(smbaseNode as YAMLMap, 'stride', 'smbase.', 0x400n, 0x400n, 0x2000n) };
  }
  const bases = smbaseList(smbase, tseg.base, Number(cpus));
  bases.forEach((b, i) => {
    // the entry point (SMBASE+0x8000) and the save state map (up to SMBASE+0xFFFF) must lie in TSEG (x86-smm-facts §1.1)
    if (b + 0x8000n < tseg.base || b + 0x10000n > tseg.base + tseg.size) {
      v.fail(smbaseNode ?? top, 'smbase', `SMBASE of CPU ${i} (0x${b.toString(16)}) to put SMBASE+0x8000..SMBASE+0xFFFF inside TSEG`);
    }
  });

  const window = (key: 'peiMemory' | 'dxeRuntimeMemory', dflt: { base: bigint; size: bigint }) => {
    const n = v.child(top, key);
    let w = dflt;
    if (n) {
      v.mapping(n, key);
      v.keys(n as YAMLMap, ['base', 'size'], key);
      w = { base: v.addr(n as YAMLMap, 'base', `${key}.`, 0x1000n), size: v.addr(n as YAMLMap, 'size', `${key}.`, 0x1000n, 0x10000n) };
    }
    const overlaps = (b: bigint, s: bigint) => w.base < b + s && b < w.base + w.size;
    if (!dramHas(w.base, w.size) || overlaps(tseg.base, tseg.size) || overlaps(0n, LOW_FIRMWARE_END)) {
      v.fail(n ?? top, key, `a page-aligned DRAM window outside TSEG and above 1 MiB, got 0x${w.base.toString(16)} + 0x${w.size.toString(16)}`);
    }
    return w;
  };
  const peiMemory = window('peiMemory', { base: 0x01000000n, size: 0x0f000000n });
  const dxeDefaultTop = tseg.base > 0x20000000n ? tseg.base : 0x20000000n;
  const dxeRuntimeMemory = window('dxeRuntimeMemory', { base: 0x20000000n, size: dxeDefaultTop - 0x20000000n || 0x1000000n });
  if (peiMemory.base < dxeRuntimeMemory.base + dxeRuntimeMemory.size && dxeRuntimeMemory.base < peiMemory.base + peiMemory.size) {
    v.fail(v.child(top, 'dxeRuntimeMemory') ?? top, 'dxeRuntimeMemory', 'a window that does not overlap peiMemory');
  }

  const dmmNode = v.child(top, 'dxeMemoryMap');
  const dxeMemoryMap: DxeMemoryTypeRange[] = dmmNode
    ? v.seq(dmmNode, 'dxeMemoryMap').map((n, i) => {
      const f = `dxeMemoryMap[${i}]`;
      v.mapping(n, f);
      v.keys(n as YAMLMap, ['base', 'size', 'type', 'readOnly'], f);
      return {
        base: v.addr(n as YAMLMap, 'base', `${f}.`, 0x1000n),
        size: v.addr(n as YAMLMap, 'size', `${f}.`, 0x1000n, 0x1000n),
        type: v.memoryType(n as YAMLMap, 'type', `${f}.`),
        readOnly: v.bool(n as YAMLMap, 'readOnly', `${f}.`, false),
      };
    })
    : [
      { base: 0x10000000n, size: 0x10000000n, type: 6, readOnly: false },
      { base: tseg.base, size: tseg.size, type: 0, readOnly: false },
    ];

  const cbNode = v.child(top, 'commBuffers');
  let commBuffers = { supervisorPages: 16n, userPages: 16n };
  if (cbNode) {
    v.mapping(cbNode, 'commBuffers');
    v.keys(cbNode as YAMLMap, ['supervisorPages', 'userPages'], 'commBuffers');
    commBuffers = {
      supervisorPages: v.int(cbNode as YAMLMap, 'supervisorPages', 1n, 0x1000n, 16n, 'commBuffers.'),
      userPages: v.int(cbNode as YAMLMap, 'userPages', 1n, 0x1000n, 16n, 'commBuffers.'),
    };
  }

  const supNode = v.child(top, 'supervisor');
  let supervisor = { version: 0x00170027, patchLevel: 0x00010001, maxSupervisorRequestLevel: 4n, allowVersionZero: false };
  if (supNode) {
    v.mapping(supNode, 'supervisor');
    const s = supNode as YAMLMap;
    v.keys(s, ['version', 'patchLevel', 'maxSupervisorRequestLevel', 'allowVersionZero'], 'supervisor');
    supervisor = {
      version: Number(v.int(s, 'version', 0n, 0xffffffffn, 0x00170027n, 'supervisor.')),
      patchLevel: Number(v.int(s, 'patchLevel', 0n, 0xffffffffn, 0x00010001n, 'supervisor.')),
      maxSupervisorRequestLevel: v.int(s, 'maxSupervisorRequestLevel', 0n, (1n << 64n) - 1n, 4n, 'supervisor.'),
      allowVersionZero: v.bool(s, 'allowVersionZero', 'supervisor.', false),
    };
  }

  const fwNode = v.child(top, 'firmware');
  let firmware = {
    pei: ['MmCommunicationBufferPei', 'MmIplPei'],
    dxe: ['MmDxeSupport', 'StandaloneMmUnblockMem', 'MmCommunicationDxe'],
    mm: ['MmSupervisorCore', 'MmSupervisorRing3Broker', 'MmSupervisorErrorReport'],
  };
  if (fwNode) {
    v.mapping(fwNode, 'firmware');
    const f = fwNode as YAMLMap;
    v.keys(f, ['pei', 'dxe', 'mm'], 'firmware');
    const names = (key: 'pei' | 'dxe' | 'mm', known: readonly string[] | null) => {
      const n = v.child(f, key);
      if (!n) return firmware[key];
      return v.seq(n, `firmware.${key}`).map((x, i) => {
        const raw = v.scalarStr(x, `firmware.${key}[${i}]`);
        const name = MODULE_ALIASES[raw] ?? raw;
        if (known && !known.includes(name)) v.fail(x, `firmware.${key}[${i}]`, `one of ${known.join(', ')}, got ${JSON.stringify(raw)}${didYouMean(raw, known)}`);
        return name;
      });
    };
    firmware = { pei: names('pei', PEI_MODULES), dxe: names('dxe', DXE_MODULES), mm: names('mm', null) };
    if (firmware.mm.length === 0 || firmware.mm[0] !== 'MmSupervisorCore') {
      v.fail(v.child(f, 'mm') ?? f, 'firmware.mm', 'a list of MM files starting with MmSupervisorCore (the MM_CORE_STANDALONE file)');
    }
  }

  const policyNode = v.child(top, 'policy');
  const policyText = policyNode ? v.scalarStr(policyNode, 'policy') : '../policies/MmIsolationPoliciesExample.xml';
  const policyBase = policyNode ? baseDir : resolve(__dirname, '..', '..', '..', 'fixtures', 'platforms');
  const policy = resolve(policyBase, policyText);
  if (!existsSync(policy)) v.fail(policyNode ?? top, 'policy', `a path (relative to the fixture) of an existing policy file, ${policy} does not exist`);

  return {
    name: v.str(top, 'name', '', 'unnamed'),
    source,
    description: v.str(top, 'description', '', ''),
    cpus: Number(cpus),
    saveStateMap: v.oneOf(top, 'saveStateMap', ['intel', 'amd'], '', 'intel') as 'intel' | 'amd',
    physicalAddressBits: Number(v.int(top, 'physicalAddressBits', 32n, 52n, 39n)),
    memoryMap,
    tseg,
    smbase,
    peiMemory,
    dxeRuntimeMemory,
    dxeMemoryMap,
    commBuffers,
    peiMemoryBinsEnable: v.bool(top, 'peiMemoryBinsEnable', '', false),
    smiCommand: Number(v.int(top, 'smiCommand', 0n, 0xffn, 0n)),
    fatalViolation: v.oneOf(top, 'fatalViolation', ['reset', 'hang'], '', 'reset') as 'reset' | 'hang',
    supervisor,
    firmware,
    policy,
  };
}

/** The SMBASE of every CPU under a scheme. */
export function smbaseList(scheme: PlatformConfig['smbase'], tsegBase: bigint, cpus: number): bigint[] {
  if (scheme.kind === 'explicit') return scheme.bases.slice(0, cpus);
  return Array.from({ length: cpus }, (_, i) => tsegBase + BigInt(i) * scheme.stride);
}

function defaultMemoryMap(): ConfigMemoryRange[] {
  return [
    { name: 'low DRAM', kind: 'dram', base: 0n, size: 0x40000000n },
    { name: 'PCIe ECAM', kind: 'mmio', base: 0xe0000000n, size: 0x10000000n },
    { name: 'IOAPIC', kind: 'mmio', base: 0xfec00000n, size: 0x1000n },
    { name: 'HPET', kind: 'mmio', base: 0xfed00000n, size: 0x1000n },
    { name: 'local APIC', kind: 'mmio', base: 0xfee00000n, size: 0x100000n },
    { name: 'firmware flash', kind: 'mmio', base: 0xffc00000n, size: 0x400000n },
  ];
}

/** Field-by-field reads of the YAML tree, each failing with the node's position. */
class Validator {
  constructor(private readonly source: string, private readonly at: (offset: number) => { line: number; col: number }, private readonly text: string) {}

  fail(node: YamlNode | null | undefined, field: string, expected: string): never {
    const off = node?.range?.[0] ?? 0;
    const p = this.at(off);
    const got = node && isScalar(node) && node.range ? `, got ${JSON.stringify(this.text.slice(node.range[0], node.range[1]))}` : '';
    throw new PlatformConfigError(this.source, p.line, p.col, field, `expected ${expected}${expected.includes(', got') ? '' : got}`);
  }

  child(map: YAMLMap, key: string): YamlNode | undefined {
    const n = map.get(key, true) as YamlNode | undefined;
    return n === null ? undefined : n;
  }

  keys(map: YAMLMap, allowed: string[], where: string): void {
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!allowed.includes(k)) {
        const p = this.at((pair.key as YamlNode | null)?.range?.[0] ?? 0);
        throw new PlatformConfigError(this.source, p.line, p.col, where ? `${where}.${k}` : k, `unknown field; expected one of ${allowed.join(', ')}${didYouMean(k, allowed)}`);
      }
    }
  }

  mapping(n: YamlNode | null | undefined, field: string): void {
    if (!n || !isMap(n)) this.fail(n, field, 'a mapping');
  }

  seq(n: YamlNode, field: string): YamlNode[] {
    if (!isSeq(n)) this.fail(n, field, 'a list');
    return (n as unknown as { items: YamlNode[] }).items;
  }

  scalarStr(n: YamlNode, field: string): string {
    if (!isScalar(n) || typeof n.value !== 'string' || n.value.trim() === '') this.fail(n, field, 'a non-empty string');
    return (n as unknown as { value: string }).value.trim();
  }

  str(map: YAMLMap, key: string, prefix: string, dflt: string): string {
    const n = this.child(map, key);
    if (!n) return dflt;
    if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'bigint')) this.fail(n, prefix + key, 'a string');
    return String((n as unknown as { value: unknown }).value);
  }

  bool(map: YAMLMap, key: string, prefix: string, dflt: boolean): boolean {
    const n = this.child(map, key);
    if (!n) return dflt;
    if (!isScalar(n) || typeof n.value !== 'boolean') this.fail(n, prefix + key, 'true or false');
    return (n as unknown as { value: boolean }).value;
  }

  oneOf(map: YAMLMap, key: string, allowed: string[], prefix: string, dflt?: string): string {
    const n = this.child(map, key);
    if (!n) {
      if (dflt !== undefined) return dflt;
      this.fail(map, prefix + key, `the field ${key} (one of ${allowed.join(', ')})`);
    }
    const s = isScalar(n) ? String(n.value) : '';
    if (!allowed.includes(s)) this.fail(n, prefix + key, `one of ${allowed.join(', ')}${didYouMean(s, allowed)}`);
    return s;
  }

  private number(n: YamlNode, field: string): bigint {
    if (isScalar(n)) {
      if (typeof n.value === 'bigint') return n.value;
      if (typeof n.value === 'string' && /^\s*(0x[0-9a-f_]+|[0-9_]+)\s*$/i.test(n.value)) return BigInt(n.value.trim().replace(/_/g, ''));
    }
    return this.fail(n, field, 'an unsigned integer (decimal or 0x…)');
  }

  int(map: YAMLMap, key: string, min: bigint, max: bigint, dflt: bigint, prefix = ''): bigint {
    const n = this.child(map, key);
    if (!n) return dflt;
    const x = this.number(n, prefix + key);
    if (x < min || x > max) this.fail(n, prefix + key, `an integer from ${min} to 0x${max.toString(16)}`);
    return x;
  }

  scalarAddr(n: YamlNode, field: string, align = 1n, min = 0n): bigint {
    const x = this.number(n, field);
    if (x < min || x >= ADDRESS_LIMIT || x % align !== 0n) {
      this.fail(n, field, `an address${align > 1n ? ` aligned to 0x${align.toString(16)}` : ''}${min > 0n ? ` of at least 0x${min.toString(16)}` : ''} below 2^52`);
    }
    return x;
  }

  addr(map: YAMLMap, key: string, prefix: string, align = 1n, min = 0n, dflt?: bigint): bigint {
    const n = this.child(map, key);
    if (!n) {
      if (dflt !== undefined) return dflt;
      return this.fail(map, prefix + key, `the field ${key} (an address or size)`);
    }
    return this.scalarAddr(n, prefix + key, align, min);
  }

  memoryType(map: YAMLMap, key: string, prefix: string): number {
    const n = this.child(map, key);
    if (!n) return this.fail(map, prefix + key, `the field ${key} (an EFI memory type name such as EfiRuntimeServicesData)`);
    if (isScalar(n) && typeof n.value === 'bigint' && n.value < 16n) return Number(n.value);
    const s = isScalar(n) ? String(n.value) : '';
    const i = MEMORY_TYPE_NAMES.indexOf(s);
    if (i < 0) this.fail(n, prefix + key, `an EFI memory type (${MEMORY_TYPE_NAMES.join(', ')})${didYouMean(s, MEMORY_TYPE_NAMES)}`);
    return i;
  }
}
