import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar, YAMLMap } from 'yaml';
import { PolicyConversionError, PolicySourceError } from './policy-errors';
import { layoutPolicy, PolicySpec, PolicySpecHeader, PolicySpecRoot, specFromPolicy } from './policy-layout';
import { writePolicy } from './policy-binary';
import {
  AccessAttr, InstructionDescriptor, IoDescriptor, MemDescriptor, MsrDescriptor, PolicyAttr, ROOT_SIZE, RootKind,
  SaveStateDescriptor, SecurePolicy, TYPE_OF_KIND,
} from './policy-types';

/*
 * The YAML form of an isolation policy: the same content as the SupervisorPolicyMaker XML (supervisor-facts
 * §4.8), plus what only a binary can carry (MEM entries, header and reserved fields), in words a firmware
 * engineer reads at a glance:
 *
 *   io:
 *     access: deny                 # allow | deny (a deny list allows everything it does not match)
 *     entries:
 *       - { port: 0xCF8, size: 4, attributes: [write, strict-width] }
 *   msr:
 *     access: deny
 *     entries:
 *       - { msr: 0xC0000080, count: 1, attributes: [read, write, execute] }
 *   instruction:
 *     access: allow
 *     entries:
 *       - { instruction: cli, attributes: [execute] }
 *   save-state:
 *     access: allow
 *     entries:
 *       - { field: rax, attributes: [cond-read], condition: io-write }
 *       - { field: io-trap, attributes: [read] }
 *
 * Categories become roots in the order written; without a `memory` category the encoder appends the empty
 * DENY MEM placeholder last, exactly as SupervisorPolicyMaker does. Attribute words: read, write, execute,
 * strict-width, cond-read (alias limited-read), cond-write (alias limited-write); or a number. Numbers are
 * decimal or 0x… and are read exactly (bigint). Optional everywhere: `reserved`; per category `version`,
 * `root-size`; a top-level `header` with version-minor, version-major, flags, capabilities, reserved,
 * memory-policy-offset, memory-policy-count. This form does not check entry values (e.g. Size 0): validation
 * (`validatePolicy`) does.
 */

const CATEGORY_KEYS: Record<string, Exclude<RootKind, 'unknown'>> = {
  io: 'io', msr: 'msr', instruction: 'instruction', 'save-state': 'save-state', memory: 'mem',
};
const KEY_OF_KIND: Record<Exclude<RootKind, 'unknown'>, string> = { io: 'io', msr: 'msr', instruction: 'instruction', 'save-state': 'save-state', mem: 'memory' };

const ATTR_WORDS: Record<string, number> = {
  read: PolicyAttr.READ, write: PolicyAttr.WRITE, execute: PolicyAttr.EXECUTE, 'strict-width': PolicyAttr.STRICT_WIDTH,
  'cond-read': PolicyAttr.COND_READ, 'limited-read': PolicyAttr.COND_READ, 'cond-write': PolicyAttr.COND_WRITE, 'limited-write': PolicyAttr.COND_WRITE,
};
const INSTRUCTIONS = ['cli', 'wbinvd', 'hlt'];
const FIELDS = ['rax', 'io-trap'];
const CONDITIONS = ['unconditional', 'io-read', 'io-write'];

class YamlReader {
  readonly lc = new LineCounter();
  constructor(readonly file: string) {}

  fail(node: Node | null | undefined, where: string, reason: string, offset?: number): never {
    const o = offset ?? node?.range?.[0] ?? 0;
    const { line, col } = this.lc.linePos(o);
    throw new PolicySourceError('YAML', this.file, line, col, where, reason);
  }

  map(node: Node | null | undefined, where: string, allowed: string[], parentOffset: number): Map<string, Node | null> {
    if (!isMap(node)) this.fail(node, where, 'expected a mapping', node ? undefined : parentOffset);
    const out = new Map<string, Node | null>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : this.fail(key, where, 'keys must be plain words');
      if (!allowed.includes(name)) this.fail(key, `${where}.${name}`, `unknown key (expected one of: ${allowed.join(', ')})`);
      if (out.has(name)) this.fail(key, `${where}.${name}`, 'duplicate key');
      out.set(name, (pair.value as Node | null) ?? null);
    }
    return out;
  }

  uint(node: Node | null | undefined, where: string, bits: number, at: number): bigint {
    if (!isScalar(node)) return this.fail(node, where, 'expected a number', node ? undefined : at);
    const v = (node as Scalar).value;
    let b: bigint | undefined;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'string' && /^(0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*|[0-9]+(_[0-9]+)*)$/.test(v.trim())) b = BigInt(v.trim().replace(/_/g, ''));
    if (b === undefined) this.fail(node, where, `cannot read ${JSON.stringify(v)} as a number (decimal or 0x…)`);
    if (b! < 0n || b! >= 1n << BigInt(bits)) this.fail(node, where, `${b} does not fit in ${bits} bits`);
    return b!;
  }
  num(node: Node | null | undefined, where: string, bits: number, at: number): number {
    return Number(this.uint(node, where, bits, at));
  }

  /** A word from `names` (index) or a number. */
  named(node: Node | null | undefined, where: string, names: string[], bits: number, at: number): number {
    if (isScalar(node) && typeof node.value === 'string' && !/^[0-9]/.test(node.value)) {
      const i = names.indexOf(node.value.toLowerCase());
      if (i < 0) this.fail(node, where, `unknown value ${JSON.stringify(node.value)} (expected ${names.join(', ')} or a number)`);
      return i;
    }
    return this.num(node, where, bits, at);
  }

  attributes(node: Node | null | undefined, where: string, bits: number, at: number): number {
    if (node === null || node === undefined) return 0;
    if (isSeq(node)) {
      let a = 0;
      for (const item of node.items as Node[]) {
        const w = isScalar(item) ? String(item.value).toLowerCase() : this.fail(item, where, 'expected an attribute word');
        const bit = ATTR_WORDS[w] ?? this.fail(item, where, `unknown attribute ${JSON.stringify(w)} (read, write, execute, strict-width, cond-read, cond-write)`);
        a |= bit;
      }
      return a;
    }
    return this.num(node, where, bits, at);
  }

  access(node: Node | null | undefined, where: string, at: number): number {
    if (isScalar(node) && typeof node.value === 'string') {
      const v = node.value.toLowerCase();
      if (v === 'allow') return AccessAttr.ALLOW;
      if (v === 'deny') return AccessAttr.DENY;
      this.fail(node, where, `expected allow or deny, got ${JSON.stringify(node.value)}`);
    }
    return this.num(node, where, 8, at);
  }
}

function requireKey(r: YamlReader, m: Map<string, Node | null>, key: string, where: string, at: number): Node | null {
  if (!m.has(key)) r.fail(null, where, `missing ${key}`, at);
  return m.get(key) ?? null;
}

/** Parses the YAML form into a policy spec; errors name file:line:column and the field. */
export function parsePolicyYaml(text: string, file = 'policy.yaml'): PolicySpec {
  const r = new YamlReader(file);
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter: r.lc, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = r.lc.linePos(e.pos[0]);
    throw new PolicySourceError('YAML', file, line, col, 'YAML syntax', e.message.split('\n')[0]);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { roots: [] };
  const top = r.map(doc.contents as Node | null, 'policy', ['header', ...Object.keys(CATEGORY_KEYS)], 0);
  const spec: PolicySpec = { roots: [] };
  for (const [key, node] of top) {
    const at = node?.range?.[0] ?? 0;
    if (key === 'header') {
      const h = r.map(node, 'header', ['version-minor', 'version-major', 'flags', 'capabilities', 'reserved', 'memory-policy-offset', 'memory-policy-count'], at);
      const header: PolicySpecHeader = {};
      const f = (k: string, bits: number) => r.num(h.get(k), `header.${k}`, bits, at);
      if (h.has('version-minor')) header.versionMinor = f('version-minor', 16);
      if (h.has('version-major')) header.versionMajor = f('version-major', 16);
      if (h.has('flags')) header.flags = f('flags', 32);
      if (h.has('capabilities')) header.capabilities = f('capabilities', 32);
      if (h.has('reserved')) header.reserved = r.uint(h.get('reserved'), 'header.reserved', 64, at);
      if (h.has('memory-policy-offset')) header.memoryPolicyOffset = f('memory-policy-offset', 32);
      if (h.has('memory-policy-count')) header.memoryPolicyCount = f('memory-policy-count', 32);
      spec.header = header;
      continue;
    }
    const kind = CATEGORY_KEYS[key];
    const c = r.map(node, key, ['access', 'entries', 'reserved', 'version', 'root-size'], at);
    const accessAttr = r.access(requireKey(r, c, 'access', key, at), `${key}.access`, at);
    const rootFields = {
      kind, type: TYPE_OF_KIND[kind], accessAttr,
      version: c.has('version') ? r.num(c.get('version'), `${key}.version`, 32, at) : 1,
      rootSize: c.has('root-size') ? r.num(c.get('root-size'), `${key}.root-size`, 32, at) : ROOT_SIZE,
      reserved: c.has('reserved') ? r.num(c.get('reserved'), `${key}.reserved`, 24, at) : 0,
    };
    const entriesNode = c.get('entries') ?? null;
    const items: Node[] = entriesNode === null ? [] : isSeq(entriesNode) ? (entriesNode.items as Node[]) : r.fail(entriesNode, `${key}.entries`, 'expected a list');
    const descriptors = items.map((item, j) => {
      const w = `${key}.entries[${j}]`;
      const ia = item?.range?.[0] ?? at;
      const reservedOf = (e: Map<string, Node | null>, bits: number) => (e.has('reserved') ? r.num(e.get('reserved'), `${w}.reserved`, bits, ia) : 0);
      switch (kind) {
        case 'io': {
          const e = r.map(item, w, ['port', 'size', 'attributes', 'reserved'], ia);
          return {
            ioAddress: r.num(requireKey(r, e, 'port', w, ia), `${w}.port`, 16, ia),
            lengthOrWidth: r.num(requireKey(r, e, 'size', w, ia), `${w}.size`, 16, ia),
            attributes: r.attributes(e.get('attributes'), `${w}.attributes`, 16, ia),
            reserved: reservedOf(e, 16),
          } satisfies IoDescriptor;
        }
        case 'msr': {
          const e = r.map(item, w, ['msr', 'count', 'attributes'], ia);
          return {
            msrAddress: r.num(requireKey(r, e, 'msr', w, ia), `${w}.msr`, 32, ia),
            length: r.num(requireKey(r, e, 'count', w, ia), `${w}.count`, 16, ia),
            attributes: r.attributes(e.get('attributes'), `${w}.attributes`, 16, ia),
          } satisfies MsrDescriptor;
        }
        case 'instruction': {
          const e = r.map(item, w, ['instruction', 'attributes', 'reserved'], ia);
          return {
            instructionIndex: r.named(requireKey(r, e, 'instruction', w, ia), `${w}.instruction`, INSTRUCTIONS, 16, ia),
            attributes: r.attributes(e.get('attributes'), `${w}.attributes`, 16, ia),
            reserved: reservedOf(e, 32),
          } satisfies InstructionDescriptor;
        }
        case 'save-state': {
          const e = r.map(item, w, ['field', 'attributes', 'condition', 'reserved'], ia);
          return {
            mapField: r.named(requireKey(r, e, 'field', w, ia), `${w}.field`, FIELDS, 32, ia),
            attributes: r.attributes(e.get('attributes'), `${w}.attributes`, 32, ia),
            accessCondition: e.has('condition') ? r.named(e.get('condition'), `${w}.condition`, CONDITIONS, 32, ia) : 0,
            reserved: reservedOf(e, 32),
          } satisfies SaveStateDescriptor;
        }
        case 'mem': {
          const e = r.map(item, w, ['base', 'size', 'attributes', 'reserved'], ia);
          return {
            baseAddress: r.uint(requireKey(r, e, 'base', w, ia), `${w}.base`, 64, ia),
            size: r.uint(requireKey(r, e, 'size', w, ia), `${w}.size`, 64, ia),
            memAttributes: r.attributes(e.get('attributes'), `${w}.attributes`, 32, ia),
            reserved: reservedOf(e, 32),
          } satisfies MemDescriptor;
        }
      }
    });
    spec.roots.push({ ...rootFields, descriptors } as PolicySpecRoot);
  }
  return spec;
}

/** The v1.0 bytes of a YAML policy (SupervisorPolicyMaker layout, supervisor-facts §4.8). */
export function compileYaml(text: string, file = 'policy.yaml'): Uint8Array {
  return writePolicy(layoutPolicy(parsePolicyYaml(text, file)));
}

const hx = (v: number | bigint) => '0x' + v.toString(16).toUpperCase();

function attrYaml(a: number): string {
  if (a & ~0x3f) return hx(a);
  const words: string[] = [];
  if (a & PolicyAttr.READ) words.push('read');
  if (a & PolicyAttr.WRITE) words.push('write');
  if (a & PolicyAttr.EXECUTE) words.push('execute');
  if (a & PolicyAttr.STRICT_WIDTH) words.push('strict-width');
  if (a & PolicyAttr.COND_READ) words.push('cond-read');
  if (a & PolicyAttr.COND_WRITE) words.push('cond-write');
  return `[${words.join(', ')}]`;
}

/**
 * Writes a policy (or spec) in the YAML form. Compiling the result gives the SupervisorPolicyMaker layout of
 * the same content. Throws PolicyConversionError for roots a YAML mapping cannot hold (unknown types, a type
 * that appears twice).
 */
export function writePolicyYaml(policy: SecurePolicy | PolicySpec): string {
  const spec = 'policyRootOffset' in policy ? specFromPolicy(policy as SecurePolicy) : (policy as PolicySpec);
  const out: string[] = ['# MM Supervisor isolation policy (mmspec YAML form; compiles to the v1.0 blob SupervisorPolicyMaker writes)'];
  const h = spec.header ?? {};
  if (Object.keys(h).length > 0) {
    out.push('header:');
    if (h.versionMinor !== undefined) out.push(`  version-minor: ${hx(h.versionMinor)}`);
    if (h.versionMajor !== undefined) out.push(`  version-major: ${hx(h.versionMajor)}`);
    if (h.flags !== undefined) out.push(`  flags: ${hx(h.flags)}`);
    if (h.capabilities !== undefined) out.push(`  capabilities: ${hx(h.capabilities)}`);
    if (h.reserved !== undefined) out.push(`  reserved: ${hx(h.reserved)}`);
    if (h.memoryPolicyOffset !== undefined) out.push(`  memory-policy-offset: ${hx(h.memoryPolicyOffset)}`);
    if (h.memoryPolicyCount !== undefined) out.push(`  memory-policy-count: ${hx(h.memoryPolicyCount)}`);
  }
  const seen = new Set<string>();
  spec.roots.forEach((r, i) => {
    if (r.kind === 'unknown') throw new PolicyConversionError(`root[${i}]: type ${r.type} cannot be expressed in the YAML form`);
    const key = KEY_OF_KIND[r.kind];
    if (seen.has(key)) throw new PolicyConversionError(`root[${i}]: a second ${key} root cannot be expressed in the YAML form`);
    seen.add(key);
    out.push(`${key}:`);
    const access = r.accessAttr === AccessAttr.ALLOW ? 'allow' : r.accessAttr === AccessAttr.DENY ? 'deny' : hx(r.accessAttr);
    const note = r.accessAttr === AccessAttr.ALLOW ? '  # allow list: only what an entry matches is allowed'
      : r.accessAttr === AccessAttr.DENY ? '  # deny list: what an entry matches is denied, everything else allowed' : '';
    out.push(`  access: ${access}${note}`);
    if (r.version !== 1) out.push(`  version: ${hx(r.version)}`);
    if (r.rootSize !== ROOT_SIZE) out.push(`  root-size: ${hx(r.rootSize)}`);
    if (r.reserved !== 0) out.push(`  reserved: ${hx(r.reserved)}`);
    if (r.descriptors.length === 0) { out.push('  entries: []'); return; }
    out.push('  entries:');
    for (const d of r.descriptors as unknown[]) {
      let fields: string[];
      switch (r.kind) {
        case 'io': { const e = d as IoDescriptor; fields = [`port: ${hx(e.ioAddress)}`, `size: ${e.lengthOrWidth}`, `attributes: ${attrYaml(e.attributes)}`]; if (e.reserved) fields.push(`reserved: ${hx(e.reserved)}`); break; }
        case 'msr': { const e = d as MsrDescriptor; fields = [`msr: ${hx(e.msrAddress)}`, `count: ${e.length}`, `attributes: ${attrYaml(e.attributes)}`]; break; }
        case 'instruction': { const e = d as InstructionDescriptor; fields = [`instruction: ${INSTRUCTIONS[e.instructionIndex] ?? e.instructionIndex}`, `attributes: ${attrYaml(e.attributes)}`]; if (e.reserved) fields.push(`reserved: ${hx(e.reserved)}`); break; }
        case 'save-state': { const e = d as SaveStateDescriptor; fields = [`field: ${FIELDS[e.mapField] ?? e.mapField}`, `attributes: ${attrYaml(e.attributes)}`]; if (e.accessCondition) fields.push(`condition: ${CONDITIONS[e.accessCondition] ?? e.accessCondition}`); if (e.reserved) fields.push(`reserved: ${hx(e.reserved)}`); break; }
        case 'mem': { const e = d as MemDescriptor; fields = [`base: ${hx(e.baseAddress)}`, `size: ${hx(e.size)}`, `attributes: ${attrYaml(e.memAttributes)}`]; if (e.reserved) fields.push(`reserved: ${hx(e.reserved)}`); break; }
      }
      out.push(`    - { ${fields.join(', ')} }`);
    }
  });
  if (out.length === 1) out.push('{}');
  return out.join('\n') + '\n';
}
