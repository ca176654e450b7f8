import { SaxesParser, SaxesTagNS } from 'saxes';
import { PolicyConversionError, PolicySourceError } from './policy-errors';
import { layoutPolicy, PolicySpec, PolicySpecRoot, specFromPolicy } from './policy-layout';
import { writePolicy } from './policy-binary';
import {
  AccessAttr, InstructionDescriptor, IoDescriptor, MsrDescriptor, PolicyAttr, PolicyType, ROOT_SIZE, SaveStateDescriptor,
  SecurePolicy,
} from './policy-types';

/** One element of the parsed document, with the 1-based position of its `<`. */
interface XmlElement {
  name: string;
  local: string;
  uri: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  line: number;
  column: number;
}

function parseDom(text: string, file: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true, fileName: file });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let start = { line: 1, column: 1 };
  let error: PolicySourceError | undefined;
  parser.on('error', (e) => {
    if (!error) {
      const m = /:(\d+):(\d+): (.*)$/s.exec(e.message);
      error = new PolicySourceError('XML', file, m ? Number(m[1]) : parser.line, m ? Number(m[2]) + 1 : parser.column + 1, 'XML syntax', m ? m[3] : e.message);
    }
  });
  parser.on('opentagstart', (tag) => {
    start = { line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) }; // 1-based column of the `<`
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs = new Map<string, string>();
    for (const a of Object.values(tag.attributes)) if (a.prefix === '') attrs.set(a.local, a.value);
    const el: XmlElement = { name: tag.name, local: tag.local, uri: tag.uri, attrs, children: [], line: start.line, column: start.column };
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else root ??= el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (e) {
    if (!error) error = new PolicySourceError('XML', file, parser.line, parser.column + 1, 'XML syntax', e instanceof Error ? e.message : String(e));
  }
  if (error) throw error;
  if (!root) throw new PolicySourceError('XML', file, 1, 1, 'document', 'no root element');
  return root;
}

/** ElementTree-style tag match: no namespace, exact local name (a default namespace changes the tag). */
function is(el: XmlElement, name: string): boolean {
  return el.uri === '' && el.local === name;
}
function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (is(c, name)) out.push(c);
    descendants(c, name, out);
  }
  return out;
}

/**
 * Reads a number the way Python's `int(text, 0)` does (the tool's base auto-detect, supervisor-facts §4.8):
 * surrounding whitespace, an optional sign, `0x`/`0o`/`0b` prefixes, single underscores between digits,
 * no leading zeros on a non-zero decimal. Returns undefined when Python would raise ValueError.
 */
export function parsePythonInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*)$/.exec(text.trim());
  if (!m) return undefined;
  const body = m[2].replace(/_/g, '');
  const v = /^0[oO]/.test(body) ? BigInt('0o' + body.slice(2)) : BigInt(body);
  return m[1] === '-' ? -v : v;
}

/** Encoding of a `SecurityAttributes` value by substring, per category (supervisor-facts §4.8). */
function attributesFromWords(value: string, words: { execute: boolean; strictWidth: boolean }): number {
  let a = 0;
  // "LimitedRead" sets only COND_READ (the tool tests it first and skips the plain "Read" test).
  if (value.includes('LimitedRead')) a |= PolicyAttr.COND_READ;
  else if (value.includes('Read')) a |= PolicyAttr.READ;
  if (value.includes('LimitedWrite')) a |= PolicyAttr.COND_WRITE;
  else if (value.includes('Write')) a |= PolicyAttr.WRITE;
  if (words.execute && value.includes('Execute')) a |= PolicyAttr.EXECUTE;
  if (words.strictWidth && value.includes('StrictWidth')) a |= PolicyAttr.STRICT_WIDTH;
  return a;
}

type Category = 'IO' | 'MSR' | 'INSTRUCTION' | 'SAVESTATE';
const CATEGORY_WORDS: Record<Category, { execute: boolean; strictWidth: boolean }> = {
  IO: { execute: true, strictWidth: true },
  MSR: { execute: true, strictWidth: false },
  INSTRUCTION: { execute: true, strictWidth: false },
  SAVESTATE: { execute: false, strictWidth: false },
};

/** An entry as read, before the tool's encode-time checks (which run after the whole document is read). */
interface PendingEntry {
  el: XmlElement;
  encode: () => unknown;
}

/**
 * Parses SupervisorPolicyMaker XML (supervisor-facts §4.8) into a policy spec, with the tool's rules: the root
 * element may have any name; every `SmmCategory` descendant is a root, in document order; `name` must be IO,
 * MSR, INSTRUCTION or SAVESTATE (MEMORY and anything else is an error); one category per type; the first
 * `PolicyAccessAttribute` child gives ALLOW iff its Value contains "Allow"; direct `PolicyEntry` children are
 * the entries. Errors name the file, line, column and element/attribute.
 */
export function parsePolicyXml(text: string, file = 'policy.xml'): PolicySpec {
  const doc = parseDom(text, file);
  const fail = (el: XmlElement, where: string, reason: string): never => {
    throw new PolicySourceError('XML', file, el.line, el.column, where, reason);
  };
  const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => is(c, name));
  const need = (entry: XmlElement, name: string): XmlElement => child(entry, name) ?? fail(entry, `<PolicyEntry>`, `missing <${name}> child`);
  const value = (el: XmlElement): string => el.attrs.get('Value') ?? fail(el, `<${el.name}>`, 'missing Value attribute');
  const number = (el: XmlElement, text: string): bigint => parsePythonInt(text) ?? fail(el, `<${el.name} Value>`, `cannot read ${JSON.stringify(text)} as a number (decimal, 0x…, 0o… or 0b…)`);
  const fits = (el: XmlElement, v: bigint, bits: number): number => {
    if (v < 0n || v >= 1n << BigInt(bits)) fail(el, `<${el.name} Value>`, `${v} does not fit the ${bits}-bit field`);
    return Number(v);
  };

  const roots: PolicySpecRoot[] = [];
  const pending: PendingEntry[][] = [];
  const seen = new Set<string>();
  for (const cat of descendants(doc, 'SmmCategory')) {
    const pt = cat.attrs.get('name');
    const accessEl = child(cat, 'PolicyAccessAttribute');
    let accessAttr: number = AccessAttr.DENY;
    if (accessEl) {
      const v = accessEl.attrs.get('Value') ?? fail(accessEl, '<PolicyAccessAttribute>', 'missing Value attribute');
      if (v.includes('Allow')) accessAttr = AccessAttr.ALLOW;
    }
    if (pt === undefined) fail(cat, '<SmmCategory>', 'missing name attribute');
    if (pt !== 'IO' && pt !== 'MSR' && pt !== 'INSTRUCTION' && pt !== 'SAVESTATE') {
      fail(cat, `<SmmCategory name>`, `category ${JSON.stringify(pt)} cannot be encoded (SupervisorPolicyMaker accepts IO, MSR, INSTRUCTION, SAVESTATE)`);
    }
    const category = pt as Category;
    const words = CATEGORY_WORDS[category];
    const entries: PendingEntry[] = [];
    for (const e of cat.children.filter((c) => is(c, 'PolicyEntry'))) {
      if (category === 'IO' || category === 'MSR') {
        const addrEl = need(e, 'StartAddress');
        const addrText = value(addrEl);
        const sizeEl = need(e, 'Size');
        const sizeText = value(sizeEl);
        const attrEl = need(e, 'SecurityAttributes');
        const attributes = attributesFromWords(value(attrEl), words);
        const addr = number(addrEl, addrText);
        const size = number(sizeEl, sizeText);
        entries.push({
          el: e,
          encode: () => {
            // supervisor-facts §4.8 rule 4: Size 0 is "Invalid Data"; then the struct field ranges.
            if (size === 0n) fail(sizeEl, '<Size Value>', 'Size 0 is invalid (SupervisorPolicyMaker: "Invalid Data")');
            return category === 'IO'
              ? ({ ioAddress: fits(addrEl, addr, 16), lengthOrWidth: fits(sizeEl, size, 16), attributes, reserved: 0 } satisfies IoDescriptor)
              : ({ msrAddress: fits(addrEl, addr, 32), length: fits(sizeEl, size, 16), attributes } satisfies MsrDescriptor);
          },
        });
      } else if (category === 'INSTRUCTION') {
        const insEl = need(e, 'Instruction');
        const attrEl = need(e, 'SecurityAttributes');
        const attributes = attributesFromWords(value(attrEl), words);
        const name = insEl.attrs.get('Value');
        entries.push({
          el: e,
          encode: () => {
            const index = name === undefined ? -1 : ['CLI', 'WBINVD', 'HLT'].indexOf(name.toUpperCase());
            if (index < 0) fail(insEl, '<Instruction Value>', `unknown instruction ${JSON.stringify(name ?? null)} (CLI, WBINVD or HLT; SupervisorPolicyMaker: "Invalid Data")`);
            return { instructionIndex: index, attributes, reserved: 0 } satisfies InstructionDescriptor;
          },
        });
      } else {
        const fieldEl = need(e, 'SaveStateField');
        const attrEl = need(e, 'SecurityAttributes');
        const condEl = child(e, 'AccessCondition');
        const attributes = attributesFromWords(value(attrEl), words);
        const field = fieldEl.attrs.get('Value');
        // A missing or unknown AccessCondition encodes as UNCONDITIONAL (0), case-insensitively matched.
        const condText = condEl?.attrs.get('Value');
        const condition = condText === undefined ? 0 : Math.max(0, ['UNCONDITIONAL', 'IOREAD', 'IOWRITE'].indexOf(condText.toUpperCase()));
        entries.push({
          el: e,
          encode: () => {
            const mapField = field === undefined ? -1 : ['RAX', 'IO_TRAP'].indexOf(field.toUpperCase());
            if (mapField < 0) fail(fieldEl, '<SaveStateField Value>', `unknown save-state field ${JSON.stringify(field ?? null)} (RAX or IO_TRAP; SupervisorPolicyMaker: "Invalid Data")`);
            return { mapField, attributes, accessCondition: condition, reserved: 0 } satisfies SaveStateDescriptor;
          },
        });
      }
    }
    if (seen.has(category)) fail(cat, `<SmmCategory name="${category}">`, `duplicate category ${category} (one SmmCategory per type)`);
    seen.add(category);
    const kind = category === 'IO' ? 'io' : category === 'MSR' ? 'msr' : category === 'INSTRUCTION' ? 'instruction' : 'save-state';
    const type = { io: PolicyType.IO, msr: PolicyType.MSR, instruction: PolicyType.INSTRUCTION, 'save-state': PolicyType.SAVE_STATE }[kind];
    roots.push({ kind, type, version: 1, rootSize: ROOT_SIZE, accessAttr, reserved: 0, descriptors: [] } as PolicySpecRoot);
    pending.push(entries);
  }
  // Encode-time checks run in root order after the whole document was read, as in the tool.
  roots.forEach((r, i) => {
    if (r.kind !== 'unknown') (r.descriptors as unknown[]).push(...pending[i].map((p) => p.encode()));
  });
  return { roots };
}

/** SupervisorPolicyMaker's output for an XML document: exactly its v1.0 bytes (supervisor-facts §4.8). */
export function compileXml(text: string, file = 'policy.xml'): Uint8Array {
  return writePolicy(layoutPolicy(parsePolicyXml(text, file)));
}

function attributeWords(a: number, allowed: number, what: string): string {
  if (a & ~allowed) throw new PolicyConversionError(`${what}: attributes 0x${a.toString(16)} have bits the XML schema cannot express here`);
  if ((a & PolicyAttr.READ) && (a & PolicyAttr.COND_READ)) throw new PolicyConversionError(`${what}: READ together with COND_READ cannot be expressed in XML ("LimitedRead" hides "Read")`);
  if ((a & PolicyAttr.WRITE) && (a & PolicyAttr.COND_WRITE)) throw new PolicyConversionError(`${what}: WRITE together with COND_WRITE cannot be expressed in XML ("LimitedWrite" hides "Write")`);
  const w: string[] = [];
  if (a & PolicyAttr.READ) w.push('Read');
  if (a & PolicyAttr.COND_READ) w.push('LimitedRead');
  if (a & PolicyAttr.WRITE) w.push('Write');
  if (a & PolicyAttr.COND_WRITE) w.push('LimitedWrite');
  if (a & PolicyAttr.EXECUTE) w.push('Execute');
  if (a & PolicyAttr.STRICT_WIDTH) w.push('StrictWidth');
  return w.length > 0 ? w.join(' | ') : 'None';
}

const hx = (v: number, digits = 0) => '0x' + v.toString(16).toUpperCase().padStart(digits, '0');

/**
 * Writes a policy (or spec) in the SupervisorPolicyMaker XML schema, such that compiling the result gives the
 * SupervisorPolicyMaker layout of the same roots and entries. Throws PolicyConversionError for anything the
 * schema cannot carry: MEM roots other than the trailing placeholder, unknown types, non-default header or
 * reserved fields, attribute bits the category's words cannot produce, out-of-range names, Size 0.
 */
export function writePolicyXml(policy: SecurePolicy | PolicySpec, rootName = 'SmmIsolationPolicy'): string {
  const spec = 'roots' in policy && 'policyRootOffset' in policy ? specFromPolicy(policy as SecurePolicy) : (policy as PolicySpec);
  if (spec.header && Object.keys(spec.header).length > 0) throw new PolicyConversionError(`header fields ${Object.keys(spec.header).join(', ')} differ from the encoder's values and cannot be expressed in XML`);
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>', `<${rootName}>`];
  const seen = new Set<string>();
  spec.roots.forEach((r, i) => {
    const what = `root[${i}]`;
    if (r.kind === 'mem' || r.kind === 'unknown') throw new PolicyConversionError(`${what}: a ${r.kind === 'mem' ? 'MEM' : `type ${r.type}`} root cannot be expressed in the SupervisorPolicyMaker XML schema`);
    if (seen.has(r.kind)) throw new PolicyConversionError(`${what}: a second ${r.kind} root cannot be expressed in XML (one category per type)`);
    seen.add(r.kind);
    if (r.version !== 1 || r.rootSize !== ROOT_SIZE || r.reserved !== 0) throw new PolicyConversionError(`${what}: root Version/PolicyRootSize/Reserved differ from the encoder's values`);
    if (r.accessAttr !== AccessAttr.ALLOW && r.accessAttr !== AccessAttr.DENY) throw new PolicyConversionError(`${what}: AccessAttr 0x${r.accessAttr.toString(16)} is neither ALLOW nor DENY`);
    const name = { io: 'IO', msr: 'MSR', instruction: 'INSTRUCTION', 'save-state': 'SAVESTATE' }[r.kind];
    out.push(`  <SmmCategory name="${name}">`);
    out.push(`    <PolicyAccessAttribute Value="${r.accessAttr === AccessAttr.ALLOW ? 'Allow' : 'Deny'}"/>`);
    const rw = PolicyAttr.READ | PolicyAttr.WRITE | PolicyAttr.COND_READ | PolicyAttr.COND_WRITE;
    r.descriptors.forEach((d, j) => {
      const w = `${what}.entry[${j}]`;
      let body: string;
      if (r.kind === 'io') {
        const e = d as IoDescriptor;
        if (e.lengthOrWidth === 0 || e.reserved !== 0) throw new PolicyConversionError(`${w}: Size 0 or a non-zero Reserved field cannot be expressed in XML`);
        body = `<StartAddress Value="${hx(e.ioAddress)}"/> <Size Value="${hx(e.lengthOrWidth)}"/> <SecurityAttributes Value="${attributeWords(e.attributes, rw | PolicyAttr.EXECUTE | PolicyAttr.STRICT_WIDTH, w)}"/>`;
      } else if (r.kind === 'msr') {
        const e = d as MsrDescriptor;
        if (e.length === 0) throw new PolicyConversionError(`${w}: Size 0 cannot be expressed in XML`);
        body = `<StartAddress Value="${hx(e.msrAddress, 8)}"/> <Size Value="${hx(e.length)}"/> <SecurityAttributes Value="${attributeWords(e.attributes, rw | PolicyAttr.EXECUTE, w)}"/>`;
      } else if (r.kind === 'instruction') {
        const e = d as InstructionDescriptor;
        if (e.instructionIndex > 2 || e.reserved !== 0) throw new PolicyConversionError(`${w}: instruction index ${e.instructionIndex} or a non-zero Reserved field cannot be expressed in XML`);
        body = `<Instruction Value="${['CLI', 'WBINVD', 'HLT'][e.instructionIndex]}"/> <SecurityAttributes Value="${attributeWords(e.attributes, rw | PolicyAttr.EXECUTE, w)}"/>`;
      } else {
        const e = d as SaveStateDescriptor;
        if (e.mapField > 1 || e.accessCondition > 2 || e.reserved !== 0) throw new PolicyConversionError(`${w}: map field ${e.mapField}, condition ${e.accessCondition} or a non-zero Reserved field cannot be expressed in XML`);
        body = `<SaveStateField Value="${['RAX', 'IO_TRAP'][e.mapField]}"/> <SecurityAttributes Value="${attributeWords(e.attributes, rw, w)}"/>`;
        if (e.accessCondition !== 0) body += ` <AccessCondition Value="${['Unconditional', 'IoRead', 'IoWrite'][e.accessCondition]}"/>`;
      }
      out.push('    <PolicyEntry>', `      ${body}`, '    </PolicyEntry>');
    });
    out.push('  </SmmCategory>');
  });
  out.push(`</${rootName}>`, '');
  return out.join('\n');
}
