import { isMap, isScalar, type Node as YamlNode } from 'yaml';
import { assemble, AsmError } from '../../asm';
import { EFI_STATUS_VALUES, efiStatusFromName, UnknownEfiStatusError } from '../../firmware/efi-status';
import { type Guid, GuidRegistry, isGuidText, parseGuid } from '../../firmware/guid';
import { MEMORY_TYPE_NAMES } from '../../firmware/hob/hob-types';
import { type Action, ACTION_NAMES, type ActionKind, type InstructionName, type IoWidth, type MemoryWidth, type SourceLocation } from './driver-action';
import { closeWords } from './close-words';
import { DriverActionError } from './driver-errors';
import { defaultSaveStateWidth, MAX_SAVE_STATE_WIDTH, SAVE_STATE_REGISTERS, saveStateRegisterFromName } from './save-state-registers';
import { describe, YamlSource } from './yaml-source';

/** Where a doc string sits in its feature file. */
export interface DocStringSource {
  file: string;
  /** The line of the doc string's opening `"""` (Cucumber's `docString.location.line`); YAML line n is at line + n. */
  line: number;
  /** The column of the opening `"""` (default 1): Gherkin strips that much indentation from the content. */
  column?: number;
}

export interface ParseActionsOptions {
  /** Resolves symbolic GUID names (default: a fresh registry of the well-known names). */
  registry?: GuidRegistry;
  /** Told about a symbolic GUID name that is not known but close to one that is (it still gets its derived GUID). */
  onWarning?: (message: string, at: SourceLocation) => void;
}

const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;
const INSTRUCTIONS: readonly InstructionName[] = ['cli', 'wbinvd', 'hlt'];
/** EfiRuntimeServicesData: the only memory type SMM_ALOC_PAGE accepts (supervisor-facts §3.7). */
const DEFAULT_MEMORY_TYPE = 6;

/**
 * Parses the YAML list of a driver action doc string (DESIGN.md "Driver action language"):
 *
 * ```yaml
 * - rdmsr: 0x1B
 * - wrmsr: {msr: 0x1D9, value: 0}
 * - io_read: {port: 0x80, width: 1}            # width in bytes: 1, 2 or 4
 * - io_write: {port: 0xCF8, width: 4, value: 0x80000000}
 * - instruction: cli                           # cli | wbinvd | hlt
 * - read: 0x10000000                           # or {address, width: 1|2|4|8} (default 8)
 * - write: {address: 0x10000000, value: 0x55}  # width: 1|2|4|8 (default 8)
 * - execute: 0x10000000
 * - install_protocol: gMyProtocol              # registry-format GUID or symbolic name
 * - save_state_read: {register: RAX, cpu: 0}   # cpu: N or current; width: bytes (default 8, IO 24, XMM 16)
 * - allocate_pages: {pages: 1}                 # type: memory type name or number (default EfiRuntimeServicesData)
 * - return: EFI_ACCESS_DENIED
 * - asm: |
 *     rdmsr
 * ```
 *
 * Integers are exact 64-bit values. Every error is a DriverActionError naming file:line:column, the field,
 * what was expected and, for unknown words, the close alternatives.
 */
export function parseActionList(yamlText: string, source: DocStringSource, options: ParseActionsOptions = {}): Action[] {
  const src = new YamlSource(yamlText, { file: source.file, lineBefore: source.line, column: source.column ?? 1 }, 'DRIVER_ACTION_INVALID');
  if (src.root === null || (isScalar(src.root) && src.root.value === null)) return [];
  return parseActionNodes(src, src.root, '', options);
}

/** The actions of a YAML list node (also used for the lists inside a driver fixture). */
export function parseActionNodes(src: YamlSource, node: YamlNode, field: string, options: ParseActionsOptions = {}): Action[] {
  const registry = options.registry ?? new GuidRegistry();
  const items = src.sequence(node, field || '(document)', 'a list of actions such as `- rdmsr: 0x1B`');
  const actions: Action[] = [];
  let returned = false;
  items.forEach((item, i) => {
    const path = `${field}[${i}]`;
    if (!isMap(item) || item.items.length !== 1) {
      src.fail(item, path, `expected one action as a one-key mapping such as \`rdmsr: 0x1B\`, got ${isMap(item) ? `a mapping with ${item.items.length} keys` : describe(item)}`, [], 'DRIVER_ACTION_SYNTAX');
    }
    const pair = (item as import('yaml').YAMLMap).items[0];
    const keyNode = pair.key as YamlNode | null;
    const word = isScalar(keyNode) ? String(keyNode.value) : '';
    if (!(ACTION_NAMES as readonly string[]).includes(word)) {
      src.fail(keyNode, path, `unknown action ${JSON.stringify(word)} (expected one of ${ACTION_NAMES.join(', ')})`, closeWords(word, ACTION_NAMES), 'DRIVER_ACTION_UNKNOWN');
    }
    if (returned) src.fail(keyNode, `${path}.${word}`, 'an action after `return:` would never run; move `return:` to the end', [], 'DRIVER_ACTION_UNREACHABLE');
    const action = parseOne(src, word as ActionKind, (pair.value as YamlNode | null) ?? null, word, registry, options);
    action.at = src.where(keyNode);
    if (action.kind === 'return') returned = true;
    actions.push(action);
  });
  return actions;
}

function parseOne(src: YamlSource, kind: ActionKind, v: YamlNode | null, f: string, registry: GuidRegistry, options: ParseActionsOptions): Action {
  /** A scalar shorthand or a mapping with `key` (and the other allowed keys). */
  const fields = (allowed: string[], what: string, shorthand?: string) => {
    if (shorthand && !isMap(v)) return new Map([[shorthand, { value: v }]]) as Map<string, { value: YamlNode | null }>;
    return src.mapping(v, f, allowed, what) as Map<string, { value: YamlNode | null }>;
  };
  const required = (m: Map<string, { value: YamlNode | null }>, key: string): YamlNode | null => {
    const e = m.get(key);
    if (!e) src.fail(v, `${f}.${key}`, 'is missing');
    return e!.value;
  };
  const int = (node: YamlNode | null, key: string, max: bigint, what?: string) => src.integer(node, key ? `${f}.${key}` : f, max, what);
  const ioWidth = (node: YamlNode | null): IoWidth => {
    const w = int(node, 'width', 0xffn, 'a port width in bytes (1, 2 or 4)');
    if (w !== 1n && w !== 2n && w !== 4n) src.fail(node, `${f}.width`, `expected a port width in bytes (1, 2 or 4), got ${w}`);
    return Number(w) as IoWidth;
  };
  const memWidth = (node: YamlNode | null | undefined): MemoryWidth => {
    if (node === undefined) return 8;
    const w = int(node, 'width', 0xffn, 'an access width in bytes (1, 2, 4 or 8)');
    if (w !== 1n && w !== 2n && w !== 4n && w !== 8n) src.fail(node, `${f}.width`, `expected an access width in bytes (1, 2, 4 or 8), got ${w}`);
    return Number(w) as MemoryWidth;
  };
  const widthMax = (w: number) => (1n << BigInt(8 * w)) - 1n;

  switch (kind) {
    case 'rdmsr': {
      const m = fields(['msr'], 'an MSR index or {msr}', 'msr');
      return { kind, msr: int(required(m, 'msr'), isMap(v) ? 'msr' : '', U32, 'an MSR index (0x… or decimal)') };
    }
    case 'wrmsr': {
      const m = fields(['msr', 'value'], 'a mapping {msr, value}');
      return { kind, msr: int(required(m, 'msr'), 'msr', U32, 'an MSR index (0x… or decimal)'), value: int(required(m, 'value'), 'value', U64) };
    }
    case 'io_read': {
      const m = fields(['port', 'width'], 'a mapping {port, width}');
      return { kind, port: Number(int(required(m, 'port'), 'port', 0xffffn, 'an I/O port')), width: ioWidth(required(m, 'width')) };
    }
    case 'io_write': {
      const m = fields(['port', 'width', 'value'], 'a mapping {port, width, value}');
      const port = Number(int(required(m, 'port'), 'port', 0xffffn, 'an I/O port'));
      const width = ioWidth(required(m, 'width'));
      return { kind, port, width, value: int(required(m, 'value'), 'value', widthMax(width), `a ${width}-byte value`) };
    }
    case 'instruction': {
      const word = src.string(v, f, `one of ${INSTRUCTIONS.join(', ')}`);
      const w = word.trim().toLowerCase();
      if (!(INSTRUCTIONS as readonly string[]).includes(w)) {
        src.fail(v, f, `unknown instruction ${JSON.stringify(word)} (expected one of ${INSTRUCTIONS.join(', ')})`, closeWords(word, INSTRUCTIONS));
      }
      return { kind, instruction: w as InstructionName };
    }
    case 'read': {
      const m = fields(['address', 'width'], 'an address or {address, width}', 'address');
      return { kind, address: int(required(m, 'address'), isMap(v) ? 'address' : '', U64, 'an address (0x… or decimal)'), width: memWidth(m.get('width')?.value) };
    }
    case 'write': {
      const m = fields(['address', 'value', 'width'], 'a mapping {address, value}');
      const address = int(required(m, 'address'), 'address', U64, 'an address (0x… or decimal)');
      const width = memWidth(m.get('width')?.value);
      return { kind, address, width, value: int(required(m, 'value'), 'value', widthMax(width), `${width === 8 ? 'an' : 'a'} ${width}-byte value`) };
    }
    case 'execute': {
      const m = fields(['address'], 'an address or {address}', 'address');
      return { kind, address: int(required(m, 'address'), isMap(v) ? 'address' : '', U64, 'an address (0x… or decimal)') };
    }
    case 'install_protocol':
      return { kind, guid: parseGuidField(src, v, f, registry, options) };
    case 'save_state_read': {
      const m = fields(['register', 'cpu', 'width'], 'a mapping {register, cpu}');
      const regNode = required(m, 'register');
      let register: number;
      if (isScalar(regNode) && typeof regNode.value === 'string') {
        const r = saveStateRegisterFromName(regNode.value);
        if (r === undefined) {
          src.fail(regNode, `${f}.register`, `unknown save-state register ${JSON.stringify(regNode.value)} (an EFI_MM_SAVE_STATE_REGISTER name such as RAX, IO, PROCESSOR_ID, or a number)`,
            closeWords(regNode.value.replace(/^EFI_MM_SAVE_STATE_REGISTER_/i, ''), SAVE_STATE_REGISTERS.keys()));
        }
        register = r!;
      } else {
        register = Number(int(regNode, 'register', U32, 'a save-state register name or number'));
      }
      const cpuNode = m.get('cpu')?.value;
      let cpu: number | 'current' = 0;
      if (cpuNode !== undefined) {
        if (isScalar(cpuNode) && typeof cpuNode.value === 'string' && cpuNode.value.trim().toLowerCase() === 'current') cpu = 'current';
        else cpu = Number(int(cpuNode, 'cpu', U32, 'a CPU index or `current`'));
      }
      const widthNode = m.get('width')?.value;
      const width = widthNode === undefined ? defaultSaveStateWidth(register) : Number(int(widthNode, 'width', BigInt(MAX_SAVE_STATE_WIDTH), 'a width in bytes'));
      if (width === 0) src.fail(widthNode, `${f}.width`, `expected a width in bytes from 1 to ${MAX_SAVE_STATE_WIDTH}, got 0`);
      return { kind, register, cpu, width };
    }
    case 'allocate_pages': {
      const m = fields(['pages', 'type'], 'a page count or {pages, type}', 'pages');
      const pages = int(required(m, 'pages'), isMap(v) ? 'pages' : '', 0xfffffffffffffn, 'a page count');
      const typeNode = m.get('type')?.value;
      let memoryType = DEFAULT_MEMORY_TYPE;
      if (typeNode !== undefined && isScalar(typeNode) && typeof typeNode.value === 'string') {
        const i = MEMORY_TYPE_NAMES.findIndex((n) => n.toLowerCase() === (typeNode.value as string).trim().toLowerCase());
        if (i < 0) src.fail(typeNode, `${f}.type`, `unknown memory type ${JSON.stringify(typeNode.value)} (an EFI_MEMORY_TYPE name or number)`, closeWords(typeNode.value, MEMORY_TYPE_NAMES));
        memoryType = i;
      } else if (typeNode !== undefined) {
        memoryType = Number(int(typeNode, 'type', U32, 'a memory type name or number'));
      }
      return { kind, pages, memoryType };
    }
    case 'return': {
      if (isScalar(v) && typeof v.value === 'bigint') return { kind, status: src.integer(v, f, U64, 'an EFI_STATUS') };
      const name = src.string(v, f, 'an EFI_STATUS name such as EFI_SUCCESS or EFI_ACCESS_DENIED');
      try {
        return { kind, status: efiStatusFromName(name) };
      } catch (e) {
        if (e instanceof UnknownEfiStatusError) src.fail(v, f, `unknown EFI_STATUS ${JSON.stringify(name)} (expected a name such as EFI_SUCCESS or EFI_ACCESS_DENIED)`, closeWords(name, EFI_STATUS_VALUES.keys()));
        throw e;
      }
    }
    case 'asm': {
      const text = src.string(v, f, 'Intel-syntax instructions (use `asm: |` and one instruction per line)');
      const lines = asmLineLocations(src, v!, text);
      validateAsm(text, lines ?? src.where(v), f);
      return lines ? { kind, text, lines } : { kind, text };
    }
  }
}

/** A GUID field: a registry-format GUID, or a symbolic name resolved through the registry (unknown → name-derived). */
export function parseGuidField(src: YamlSource, node: YamlNode | null, field: string, registry: GuidRegistry, options: ParseActionsOptions = {}): Guid {
  const text = src.string(node, field, 'a registry-format GUID or a symbolic GUID name').trim();
  if (isGuidText(text)) return parseGuid(text);
  if (!GuidRegistry.isSymbolicName(text)) src.fail(node, field, `expected a registry-format GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or a symbolic name, got ${JSON.stringify(text)}`);
  if (!registry.has(text) && options.onWarning) {
    const close = registry.suggest(text);
    if (close.length) options.onWarning(`${field}: ${JSON.stringify(text)} is not a known GUID name, so it gets a name-derived GUID (did you mean ${close.join(', ')}?)`, src.where(node));
  }
  return registry.resolve(text);
}

/** File locations of each line of an `asm:` block scalar (undefined for a quoted or plain scalar, whose lines do not map). */
function asmLineLocations(src: YamlSource, node: YamlNode, text: string): SourceLocation[] | undefined {
  const n = text.split(/\r?\n/).length;
  const start = node.range ? node.range[0] : 0;
  const scalarType = isScalar(node) ? node.type : undefined;
  if (scalarType === 'BLOCK_LITERAL' || scalarType === 'BLOCK_FOLDED') {
    const header = src.at(start);
    // content starts on the line after the `|` header, indented by the block's indentation
    const after = src.text.indexOf('\n', start);
    const body = after < 0 ? '' : src.text.slice(after + 1);
    const firstLine = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    const indent = firstLine.length - firstLine.trimStart().length;
    return Array.from({ length: n }, (_, i) => ({ file: header.file, line: header.line + 1 + i, column: src.place.column + indent }));
  }
  return undefined;
}

/**
 * Assembles an `asm:` block on its own so that mistakes are reported where they were written: at the exact
 * line and column for a block scalar, at the start of the value otherwise (naming the block's line).
 */
function validateAsm(text: string, where: SourceLocation[] | SourceLocation, field: string): void {
  try {
    assemble(text, { origin: 0x1000n, source: Array.isArray(where) ? where[0]?.file : where.file });
  } catch (e) {
    if (!(e instanceof AsmError)) throw e;
    if (!Array.isArray(where)) throw new DriverActionError('DRIVER_ACTION_ASM', where, field, `line ${e.line} of the block: ${e.detail}`, [], { cause: e });
    const l = where[e.line - 1] ?? where[0];
    throw new DriverActionError('DRIVER_ACTION_ASM', { file: l.file, line: l.line, column: l.column + e.column - 1 }, field, e.detail, [], { cause: e });
  }
}
