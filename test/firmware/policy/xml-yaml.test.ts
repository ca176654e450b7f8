import { describe, it } from 'node:test';
import { expect } from 'chai';
import { compileXml, parsePolicyXml, parsePythonInt } from '../../../src/firmware/policy/policy-xml';
import { parsePolicyYaml } from '../../../src/firmware/policy/policy-yaml';
import { PolicySourceError } from '../../../src/firmware/policy/policy-errors';

const cat = (name: string, access: string, entries: string) => `<Anything><SmmCategory name="${name}"><PolicyAccessAttribute Value="${access}"/>${entries}</SmmCategory></Anything>`;
const ioEntry = (a: string, s: string, attrs: string) => `<PolicyEntry><StartAddress Value="${a}"/><Size Value="${s}"/><SecurityAttributes Value="${attrs}"/></PolicyEntry>`;
function xmlError(xml: string): PolicySourceError {
  try { compileXml(xml, 'p.xml'); } catch (e) { expect(e).to.be.instanceOf(PolicySourceError); return e as PolicySourceError; }
  throw new Error('expected an error');
}

describe('SupervisorPolicyMaker XML rules (supervisor-facts §4.8)', () => {
  it('the root element may have any name; SmmCategory is found at any depth', () => {
    const s = parsePolicyXml(`<X><Y>${cat('IO', 'Deny', ioEntry('0x80', '1', 'Write'))}</Y></X>`.replace('<Anything>', '').replace('</Anything>', ''));
    expect(s.roots).to.have.length(1);
  });
  it('MEMORY and unknown categories, duplicates and a missing name are errors with line and column', () => {
    const e = xmlError('<P>\n  <SmmCategory name="MEMORY"/>\n</P>');
    expect(e).to.include({ line: 2, column: 3 });
    expect(e.message).to.match(/^p\.xml:2:3: <SmmCategory name>: category "MEMORY"/);
    expect(xmlError('<P><SmmCategory name="io"/></P>').message).to.match(/category "io"/);
    expect(xmlError('<P><SmmCategory name="IO"/><SmmCategory name="IO"/></P>').message).to.match(/duplicate category IO/);
    expect(xmlError('<P><SmmCategory/></P>').message).to.match(/missing name attribute/);
  });
  it('PolicyAccessAttribute: ALLOW iff the value contains "Allow"; missing → DENY', () => {
    const access = (v: string | null) => parsePolicyXml(`<P><SmmCategory name="IO">${v === null ? '' : `<PolicyAccessAttribute Value="${v}"/>`}</SmmCategory></P>`).roots[0].accessAttr;
    expect(access('Allow')).to.equal(0);
    expect(access('NotAllowed')).to.equal(0);
    expect(access('allow')).to.equal(1);
    expect(access('Deny')).to.equal(1);
    expect(access(null)).to.equal(1);
  });
  it('attribute words by substring: LimitedRead sets only COND_READ; StrictWidth only for IO; Execute not for SAVESTATE', () => {
    const attrs = (name: string, words: string) => {
      const entry = name === 'IO' || name === 'MSR' ? ioEntry('0x10', '1', words)
        : name === 'INSTRUCTION' ? `<PolicyEntry><Instruction Value="cli"/><SecurityAttributes Value="${words}"/></PolicyEntry>`
          : `<PolicyEntry><SaveStateField Value="rax"/><SecurityAttributes Value="${words}"/></PolicyEntry>`;
      const r = parsePolicyXml(cat(name, 'Allow', entry)).roots[0];
      return r.kind !== 'unknown' ? (r.descriptors[0] as { attributes: number }).attributes : -1;
    };
    expect(attrs('IO', 'LimitedRead')).to.equal(0x10);
    expect(attrs('IO', 'LimitedRead | Read')).to.equal(0x10);
    expect(attrs('IO', 'LimitedWrite')).to.equal(0x20);
    expect(attrs('IO', 'Read|Write|Execute|StrictWidth')).to.equal(0x0f);
    expect(attrs('IO', 'ReadOnlyWriter')).to.equal(0x03);
    expect(attrs('MSR', 'Read | StrictWidth')).to.equal(0x01);
    expect(attrs('INSTRUCTION', 'Execute')).to.equal(0x04);
    expect(attrs('SAVESTATE', 'Read | Execute')).to.equal(0x01);
    expect(attrs('IO', 'read write')).to.equal(0);
  });
  it('numbers with base auto-detect like Python int(x, 0); Size 0 and out-of-range values are errors', () => {
    expect(parsePythonInt('0xCF8')).to.equal(0xcf8n);
    expect(parsePythonInt(' 0o17 ')).to.equal(15n);
    expect(parsePythonInt('0b101')).to.equal(5n);
    expect(parsePythonInt('1_000')).to.equal(1000n);
    expect(parsePythonInt('0x_ff')).to.equal(255n);
    expect(parsePythonInt('00')).to.equal(0n);
    expect(parsePythonInt('010')).to.equal(undefined);
    expect(parsePythonInt('1__0')).to.equal(undefined);
    expect(parsePythonInt('0x')).to.equal(undefined);
    expect(xmlError(cat('IO', 'Deny', ioEntry('0x80', '0', 'Write'))).message).to.match(/<Size Value>: Size 0 is invalid/);
    expect(xmlError(cat('MSR', 'Deny', ioEntry('0x80', '0x0', 'Write'))).message).to.match(/Size 0/);
    expect(xmlError(cat('IO', 'Deny', ioEntry('0x10000', '1', 'Write'))).message).to.match(/<StartAddress Value>: 65536 does not fit the 16-bit field/);
    expect(xmlError(cat('IO', 'Deny', ioEntry('-1', '1', 'Write'))).message).to.match(/does not fit/);
    expect(xmlError(cat('IO', 'Deny', ioEntry('0xZZ', '1', 'Write'))).message).to.match(/cannot read "0xZZ" as a number/);
  });
  it('instruction names and save-state fields are case-insensitive; unknown names are errors; conditions default to 0', () => {
    const s = parsePolicyXml(`<P><SmmCategory name="INSTRUCTION"><PolicyEntry><Instruction Value="wbInvd"/><SecurityAttributes Value="Execute"/></PolicyEntry></SmmCategory>
      <SmmCategory name="SAVESTATE"><PolicyEntry><SaveStateField Value="io_trap"/><SecurityAttributes Value="Read"/><AccessCondition Value="bogus"/></PolicyEntry>
      <PolicyEntry><SaveStateField Value="Rax"/><SecurityAttributes Value="LimitedRead"/><AccessCondition Value="ioread"/></PolicyEntry></SmmCategory></P>`);
    expect(s.roots[0].kind === 'instruction' && s.roots[0].descriptors[0].instructionIndex).to.equal(1);
    expect(s.roots[1].kind === 'save-state' && s.roots[1].descriptors).to.deep.equal([
      { mapField: 1, attributes: 1, accessCondition: 0, reserved: 0 },
      { mapField: 0, attributes: 0x10, accessCondition: 1, reserved: 0 },
    ]);
    expect(xmlError('<P><SmmCategory name="INSTRUCTION"><PolicyEntry><Instruction Value="RDMSR"/><SecurityAttributes Value="Execute"/></PolicyEntry></SmmCategory></P>').message).to.match(/unknown instruction "RDMSR"/);
    expect(xmlError('<P><SmmCategory name="SAVESTATE"><PolicyEntry><SaveStateField Value="RBX"/><SecurityAttributes Value="Read"/></PolicyEntry></SmmCategory></P>').message).to.match(/unknown save-state field "RBX"/);
  });
  it('missing children and attributes, and malformed XML, name the element with a position', () => {
    expect(xmlError(cat('IO', 'Deny', '<PolicyEntry><Size Value="1"/></PolicyEntry>')).message).to.match(/<PolicyEntry>: missing <StartAddress> child/);
    expect(xmlError(cat('IO', 'Deny', '<PolicyEntry><StartAddress/><Size Value="1"/><SecurityAttributes Value="Read"/></PolicyEntry>')).message).to.match(/<StartAddress>: missing Value attribute/);
    const e = xmlError('<P>\n<SmmCategory name="IO">\n</P>');
    expect(e.message).to.match(/^p\.xml:3:\d+: XML syntax:/);
  });
});

describe('policy YAML form', () => {
  it('reads words, numbers and names exactly', () => {
    const s = parsePolicyYaml([
      'io:', '  access: deny', '  entries:', '    - { port: 0xCF8, size: 4, attributes: [write, strict-width] }',
      'memory:', '  access: allow', '  entries:', '    - { base: 0xFFFFFFFFFFFFF000, size: 0x1000, attributes: [read, write] }',
      'save-state:', '  access: allow', '  entries:', '    - { field: rax, attributes: [limited-read], condition: io-write }',
    ].join('\n'));
    expect(s.roots.map((r) => r.kind)).to.deep.equal(['io', 'mem', 'save-state']);
    expect(s.roots[1].kind === 'mem' && s.roots[1].descriptors[0].baseAddress).to.equal(0xfffffffffffff000n);
    expect(s.roots[2].kind === 'save-state' && s.roots[2].descriptors[0]).to.deep.equal({ mapField: 0, attributes: 0x10, accessCondition: 2, reserved: 0 });
  });
  it('errors name file:line:column and the field', () => {
    const err = (t: string) => { try { parsePolicyYaml(t, 'p.yaml'); } catch (e) { return (e as Error).message; } return ''; };
    expect(err('io:\n  access: deny\n  entries:\n    - { port: 1, size: 1, attributes: [reed] }\n')).to.match(/^p\.yaml:4:\d+: io\.entries\[0\]\.attributes: unknown attribute "reed"/);
    expect(err('io:\n  access: sometimes\n')).to.match(/^p\.yaml:2:11: io\.access:/);
    expect(err('dma:\n  access: deny\n')).to.match(/^p\.yaml:1:1: policy\.dma: unknown key/);
    expect(err('io:\n  entries: []\n')).to.match(/^p\.yaml:\d+:\d+: io: missing access/);
    expect(err('msr:\n  access: deny\n  entries:\n    - { msr: 1.5, count: 1 }\n')).to.match(/msr\.entries\[0\]\.msr: cannot read/);
  });
});
