import { describe, it } from 'node:test';
import { expect } from 'chai';
import { isMmspecError } from '../../../src/common/errors';
import { GuidRegistry, guidFromName, wellKnownGuid } from '../../../src/firmware/guid';
import { type Action, DriverActionError, parseActionList } from '../../../src/scenario/driver';

const SRC = { file: 'features/drivers.feature', line: 20, column: 7 };
const parse = (yaml: string, options = {}) => parseActionList(yaml, SRC, options);
const strip = (as: Action[]) => as.map(({ at: _at, ...rest }) => (rest.kind === 'asm' ? { kind: 'asm', text: rest.text } : rest));

/** The DriverActionError a parse raises (fails the test if none). */
function error(yaml: string): DriverActionError {
  try {
    parse(yaml);
  } catch (e) {
    expect(e).to.be.instanceOf(DriverActionError);
    return e as DriverActionError;
  }
  throw new Error('expected a DriverActionError');
}

describe('driver action language: parsing (DESIGN.md "Driver action language")', () => {
  it('reads every action with its fields, exactly', () => {
    const actions = parse(`
- rdmsr: 0x1B
- wrmsr: {msr: 0xC0000101, value: 0xFFFFFFFFFFFFFFFF}
- io_read: {port: 0xCFC, width: 4}
- io_write: {port: 0x80, width: 1, value: 0x42}
- instruction: cli
- instruction: WBINVD
- instruction: hlt
- read: 0x10000000
- read: {address: 0x10000008, width: 2}
- write: {address: 0x10000000, value: 0x1122334455667788}
- write: {address: 0x10000010, value: 0xAB, width: 1}
- execute: 0x10001000
- install_protocol: gEfiMmEndOfDxeProtocolGuid
- install_protocol: "01234567-89ab-cdef-0123-456789ABCDEF"
- save_state_read: {register: RAX, cpu: 1}
- save_state_read: {register: EFI_MM_SAVE_STATE_REGISTER_IO, cpu: current}
- save_state_read: {register: 514, width: 4}
- allocate_pages: {pages: 2}
- allocate_pages: {pages: 1, type: EfiRuntimeServicesCode}
- asm: |
    rdmsr
- return: EFI_ACCESS_DENIED
`);
    expect(strip(actions)).to.deep.equal([
      { kind: 'rdmsr', msr: 0x1bn },
      { kind: 'wrmsr', msr: 0xc0000101n, value: 0xffffffffffffffffn },
      { kind: 'io_read', port: 0xcfc, width: 4 },
      { kind: 'io_write', port: 0x80, width: 1, value: 0x42n },
      { kind: 'instruction', instruction: 'cli' },
      { kind: 'instruction', instruction: 'wbinvd' },
      { kind: 'instruction', instruction: 'hlt' },
      { kind: 'read', address: 0x10000000n, width: 8 },
      { kind: 'read', address: 0x10000008n, width: 2 },
      { kind: 'write', address: 0x10000000n, value: 0x1122334455667788n, width: 8 },
      { kind: 'write', address: 0x10000010n, value: 0xabn, width: 1 },
      { kind: 'execute', address: 0x10001000n },
      { kind: 'install_protocol', guid: wellKnownGuid('gEfiMmEndOfDxeProtocolGuid') },
      { kind: 'install_protocol', guid: '01234567-89ab-cdef-0123-456789abcdef' },
      { kind: 'save_state_read', register: 38, cpu: 1, width: 8 },
      { kind: 'save_state_read', register: 512, cpu: 'current', width: 24 },
      { kind: 'save_state_read', register: 514, cpu: 0, width: 4 },
      { kind: 'allocate_pages', pages: 2n, memoryType: 6 },
      { kind: 'allocate_pages', pages: 1n, memoryType: 5 },
      { kind: 'asm', text: 'rdmsr\n' },
      { kind: 'return', status: 0x800000000000000fn },
    ]);
  });

  it('keeps 64-bit numbers exact above 2^53 (hex, decimal and quoted)', () => {
    const [a, b, c] = parse(`
- write: {address: 0xFFFFFFFFFFFFFFF8, value: 18446744073709551615}
- wrmsr: {msr: 0x1D9, value: "0x8000000000000001"}
- return: 0x8000000000000002
`);
    expect(a).to.deep.include({ address: 0xfffffffffffffff8n, value: 0xffffffffffffffffn });
    expect(b).to.deep.include({ value: 0x8000000000000001n });
    expect(c).to.deep.include({ status: 0x8000000000000002n });
  });

  it('places each action at file:line:column of the feature file (offset from the doc string line and column)', () => {
    const actions = parse('- rdmsr: 0x1B\n-   io_read: {port: 0x80, width: 1}\n');
    expect(actions[0].at).to.deep.equal({ file: SRC.file, line: 21, column: 9 });
    expect(actions[1].at).to.deep.equal({ file: SRC.file, line: 22, column: 11 });
    expect(parseActionList('- rdmsr: 1', { file: 'f', line: 3 })[0].at).to.deep.equal({ file: 'f', line: 4, column: 3 });
  });

  it('resolves symbolic GUID names through the registry: well-known, defined, and name-derived', () => {
    const reg = new GuidRegistry().define('MyDriverProtocol', '00000000-1111-2222-3333-444444444444');
    const [a, b, c] = parse('- install_protocol: gEfiMmReadyToLockProtocolGuid\n- install_protocol: MyDriverProtocol\n- install_protocol: gSomethingNew\n', { registry: reg });
    expect(a).to.deep.include({ guid: wellKnownGuid('gEfiMmReadyToLockProtocolGuid') });
    expect(b).to.deep.include({ guid: '00000000-1111-2222-3333-444444444444' });
    expect(c).to.deep.include({ guid: guidFromName('gSomethingNew') });
  });

  it('warns (without failing) when an unknown GUID name is close to a known one', () => {
    const warnings: string[] = [];
    const [a] = parse('- install_protocol: gEfiMmCpuProtocolGuyd\n', { onWarning: (m: string, at: { line: number }) => warnings.push(`${at.line}: ${m}`) });
    expect(a).to.deep.include({ guid: guidFromName('gEfiMmCpuProtocolGuyd') });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^21: .*did you mean gEfiMmCpuProtocolGuid/);
  });

  it('an empty doc string is an empty list', () => {
    expect(parse('')).to.deep.equal([]);
    expect(parse('# nothing\n')).to.deep.equal([]);
  });

  describe('errors name file:line:column, the field and what was expected', () => {
    const cases: { yaml: string; code: string; at: [number, number]; message: RegExp; suggestions?: string[] }[] = [
      { yaml: '- rdmrs: 0x1B', code: 'DRIVER_ACTION_UNKNOWN', at: [21, 9], message: /\[0\]: unknown action "rdmrs"/, suggestions: ['rdmsr'] },
      { yaml: '- rdmsr: 1\n- io_wirte: {port: 1, width: 1, value: 0}', code: 'DRIVER_ACTION_UNKNOWN', at: [22, 9], message: /\[1\]: unknown action "io_wirte"/, suggestions: ['io_write'] },
      { yaml: '- instruction: clii', code: 'DRIVER_ACTION_INVALID', at: [21, 22], message: /instruction: unknown instruction "clii"/, suggestions: ['cli'] },
      { yaml: '- return: EFI_ACCES_DENIED', code: 'DRIVER_ACTION_INVALID', at: [21, 17], message: /return: unknown EFI_STATUS "EFI_ACCES_DENIED"/, suggestions: ['EFI_ACCESS_DENIED'] },
      { yaml: '- save_state_read: {register: RXA, cpu: 0}', code: 'DRIVER_ACTION_INVALID', at: [21, 37], message: /save_state_read.register: unknown save-state register "RXA"/, suggestions: ['RAX'] },
      { yaml: '- allocate_pages: {pages: 1, type: EfiRuntimeServiceData}', code: 'DRIVER_ACTION_INVALID', at: [21, 42], message: /allocate_pages.type: unknown memory type/, suggestions: ['EfiRuntimeServicesData'] },
      { yaml: '- io_write: {port: 0x80, widht: 1, value: 0}', code: 'DRIVER_ACTION_INVALID', at: [21, 32], message: /io_write.widht: unknown field/, suggestions: ['width'] },
      { yaml: '- io_write: {port: 0x80, value: 0}', code: 'DRIVER_ACTION_INVALID', at: [21, 19], message: /io_write.width: is missing/ },
      { yaml: '- io_read: {port: 0x80, width: 3}', code: 'DRIVER_ACTION_INVALID', at: [21, 38], message: /io_read.width: expected a port width in bytes \(1, 2 or 4\), got 3/ },
      { yaml: '- io_read: {port: 0x10000, width: 1}', code: 'DRIVER_ACTION_INVALID', at: [21, 25], message: /io_read.port: expected an I\/O port from 0 to 0xffff, got 0x10000/ },
      { yaml: '- io_write: {port: 0x80, width: 1, value: 0x100}', code: 'DRIVER_ACTION_INVALID', at: [21, 49], message: /io_write.value: expected a 1-byte value from 0 to 0xff/ },
      { yaml: '- rdmsr: 0x100000000', code: 'DRIVER_ACTION_INVALID', at: [21, 16], message: /rdmsr: expected an MSR index .* to 0xffffffff/ },
      { yaml: '- rdmsr: abc', code: 'DRIVER_ACTION_INVALID', at: [21, 16], message: /rdmsr: expected an MSR index \(0x… or decimal\), got "abc"/ },
      { yaml: '- write: {address: 0x10, value: -1}', code: 'DRIVER_ACTION_INVALID', at: [21, 39], message: /write.value: expected an 8-byte value from 0/ },
      { yaml: '- write: {address: 0xFFFFFFFFFFFFFFFFF, value: 1}', code: 'DRIVER_ACTION_INVALID', at: [21, 26], message: /write.address: expected an address .* to 0xffffffffffffffff/ },
      { yaml: '- read: {address: 0x10, width: 3}', code: 'DRIVER_ACTION_INVALID', at: [21, 38], message: /read.width: expected an access width in bytes \(1, 2, 4 or 8\), got 3/ },
      { yaml: '- wrmsr: 0x1B', code: 'DRIVER_ACTION_INVALID', at: [21, 16], message: /wrmsr: expected a mapping \{msr, value\}, got 0x1b/ },
      { yaml: '- install_protocol: "not a guid!"', code: 'DRIVER_ACTION_INVALID', at: [21, 27], message: /install_protocol: expected a registry-format GUID .* or a symbolic name/ },
      { yaml: '- install_protocol: 12', code: 'DRIVER_ACTION_INVALID', at: [21, 27], message: /install_protocol: expected a registry-format GUID or a symbolic GUID name, got 0xc/ },
      { yaml: '- save_state_read: {register: RAX, width: 65}', code: 'DRIVER_ACTION_INVALID', at: [21, 49], message: /save_state_read.width: expected a width in bytes from 0 to 0x40/ },
      { yaml: '- save_state_read: {register: RAX, cpu: next}', code: 'DRIVER_ACTION_INVALID', at: [21, 47], message: /save_state_read.cpu: expected a CPU index or `current`/ },
      { yaml: '- rdmsr: 1\n- return: EFI_SUCCESS\n- rdmsr: 2', code: 'DRIVER_ACTION_UNREACHABLE', at: [23, 9], message: /\[2\].rdmsr: an action after `return:` would never run/ },
      { yaml: '- rdmsr: 1\n  wrmsr: {msr: 1, value: 2}', code: 'DRIVER_ACTION_SYNTAX', at: [21, 9], message: /\[0\]: expected one action as a one-key mapping .*, got a mapping with 2 keys/ },
      { yaml: '- cli', code: 'DRIVER_ACTION_SYNTAX', at: [21, 9], message: /\[0\]: expected one action .*, got "cli"/ },
      { yaml: 'rdmsr: 0x1B', code: 'DRIVER_ACTION_INVALID', at: [21, 7], message: /\(document\): expected a list of actions/ },
      { yaml: '- rdmsr: [1', code: 'DRIVER_ACTION_SYNTAX', at: [21, 18], message: /\(document\): not valid YAML/ },
      { yaml: '- asm: |\n    mov rax, 1\n    mvo rbx, rax', code: 'DRIVER_ACTION_ASM', at: [23, 11], message: /asm: unknown mnemonic 'mvo' \(did you mean 'mov'\?\)/ },
      { yaml: '- asm: "nop\\njmp nowhere"', code: 'DRIVER_ACTION_ASM', at: [21, 14], message: /asm: line 2 of the block: .*nowhere/ },
      { yaml: '- asm: 5', code: 'DRIVER_ACTION_INVALID', at: [21, 14], message: /asm: expected Intel-syntax instructions/ },
    ];
    for (const c of cases) {
      it(`${c.code}: ${c.yaml.replace(/\n/g, ' ⏎ ')}`, () => {
        const e = error(c.yaml);
        expect(e.code, e.message).to.equal(c.code);
        expect([e.line, e.column], e.message).to.deep.equal(c.at);
        expect(e.file).to.equal(SRC.file);
        expect(e.message.startsWith(`${SRC.file}:${c.at[0]}:${c.at[1]}: `), e.message).to.equal(true);
        expect(e.message).to.match(c.message);
        if (c.suggestions) {
          expect(e.suggestions).to.deep.equal(c.suggestions);
          expect(e.message).to.include(`(did you mean ${c.suggestions.join(', ')}?)`);
        }
        expect(isMmspecError(e)).to.equal(true);
      });
    }
  });
});
