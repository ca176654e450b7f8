import { describe, it } from 'node:test';
import { expect } from 'chai';
import { isMmspecError } from '../../../src/common/errors';
import { EFI_STATUS_VALUES } from '../../../src/firmware/efi-status';
import { GuidRegistry, guidFromName, wellKnownGuid } from '../../../src/firmware/guid';
import { MILESTONES } from '../../../src/platform/boot/milestones';
import { NOT_PRESENT } from '../../../src/supervisor/mem/page-attributes';
import { SupervisorRequest } from '../../../src/supervisor/request/request-layout';
import {
  STOP_REASON_PHRASES, UnknownWordError, describePage, parseDriverName, parseEfiStatusWord, parseGuidWord, parseHexOrDecimal,
  parseMilestone, parsePageDescription, parseStopReason, parseSupervisorRequestWord,
} from '../../../src/scenario/vocabulary';

/** Runs `f`, expects an UnknownWordError, and returns it. */
function unknown(f: () => unknown): UnknownWordError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(UnknownWordError);
    expect(isMmspecError(e, 'SCENARIO_UNKNOWN_WORD')).to.equal(true);
    return e as UnknownWordError;
  }
  expect.fail('expected an UnknownWordError');
}

describe('scenario vocabulary: UnknownWordError', () => {
  it('names the word, the kind of word expected, and the alternatives', () => {
    const e = new UnknownWordError('EFI_ACCES_DENIED', 'EFI status', 'an EFI_STATUS name', ['EFI_ACCESS_DENIED']);
    expect(e.message).to.equal('unknown EFI status "EFI_ACCES_DENIED": expected an EFI_STATUS name (did you mean "EFI_ACCESS_DENIED"?)');
    expect(new UnknownWordError('x', 'number', '0x… or decimal', []).message).to.equal('unknown number "x": expected 0x… or decimal');
  });
});

describe('scenario vocabulary: {hex} numbers', () => {
  it('reads 0x… and decimal exactly as bigint, up to 2^64 - 1, with underscores between digit groups', () => {
    expect(parseHexOrDecimal('0x10000000')).to.equal(0x10000000n);
    expect(parseHexOrDecimal('0XFED00000')).to.equal(0xfed00000n);
    expect(parseHexOrDecimal('4096')).to.equal(4096n);
    expect(parseHexOrDecimal(' 0x1000_0000 ')).to.equal(0x10000000n);
    expect(parseHexOrDecimal('1_000_000')).to.equal(1000000n);
    expect(parseHexOrDecimal('0xffffffffffffffff')).to.equal(0xffffffffffffffffn);
    expect(parseHexOrDecimal('18446744073709551615')).to.equal(0xffffffffffffffffn);
    expect(parseHexOrDecimal('0x8000000000000001')).to.equal(0x8000000000000001n); // beyond 2^53: no precision lost
  });

  it('rejects everything else as an UnknownWordError, with the intended spelling for common slips', () => {
    for (const bad of ['', '0x', '-1', '1.5', '0x1g', '0x_1', '1__0', '0x10000000000000000', '18446744073709551616', 'ten']) {
      const e = unknown(() => parseHexOrDecimal(bad));
      expect(e.kind).to.equal('number');
      expect(e.message).to.include('0x… hexadecimal or decimal');
    }
    expect(unknown(() => parseHexOrDecimal('1000h')).alternatives).to.deep.equal(['0x1000']);
    expect(unknown(() => parseHexOrDecimal('fed00000')).alternatives).to.deep.equal(['0xfed00000']);
    expect(unknown(() => parseHexOrDecimal('1,024')).alternatives).to.deep.equal(['1024']);
    expect(unknown(() => parseHexOrDecimal('ten')).alternatives).to.deep.equal([]);
  });
});

describe('scenario vocabulary: {guid}', () => {
  const END_OF_DXE = wellKnownGuid('gEfiMmEndOfDxeProtocolGuid')!;

  it('registry text (quoted or not, either case) is normalised to lowercase', () => {
    expect(parseGuidWord('"0059B149-1117-47DC-80BB-1125E98B418C"')).to.equal('0059b149-1117-47dc-80bb-1125e98b418c');
    expect(parseGuidWord('0059b149-1117-47dc-80bb-1125e98b418c')).to.equal('0059b149-1117-47dc-80bb-1125e98b418c');
  });

  it('well-known names and aliases resolve to their real values; other names to the deterministic derived GUID', () => {
    expect(parseGuidWord('"gEfiMmEndOfDxeProtocolGuid"')).to.equal(END_OF_DXE);
    expect(parseGuidWord('gEfiSmmEndOfDxeProtocolGuid')).to.equal(END_OF_DXE);
    expect(parseGuidWord("'HandlerA'")).to.equal(guidFromName('HandlerA'));
    expect(parseGuidWord('HandlerA')).to.equal(parseGuidWord('HandlerA'));
    expect(parseGuidWord('HandlerB')).to.not.equal(parseGuidWord('HandlerA'));
    expect(parseGuidWord('My Test Handler')).to.equal(guidFromName('My Test Handler'));
  });

  it('a scenario registry adds its own names', () => {
    const r = new GuidRegistry().define('gMyProtocolGuid', '11111111-2222-3333-4444-555555555555');
    expect(parseGuidWord('gMyProtocolGuid', r)).to.equal('11111111-2222-3333-4444-555555555555');
    expect(parseGuidWord('gEfiMmEndOfDxeProtocolGuid', r)).to.equal(END_OF_DXE);
  });

  it('invalid registry-format text is an error, with the repaired GUID when the digits are all there', () => {
    const braces = unknown(() => parseGuidWord('{0059B149-1117-47DC-80BB-1125E98B418C}'));
    expect(braces.kind).to.equal('GUID');
    expect(braces.alternatives).to.deep.equal(['0059b149-1117-47dc-80bb-1125e98b418c']);
    expect(unknown(() => parseGuidWord('0059b149111747dc80bb1125e98b418c')).alternatives).to.deep.equal(['0059b149-1117-47dc-80bb-1125e98b418c']);
    expect(unknown(() => parseGuidWord('0059b1491-117-47dc-80bb-1125e98b418c')).alternatives).to.deep.equal(['0059b149-1117-47dc-80bb-1125e98b418c']);
    const short = unknown(() => parseGuidWord('0059b149-1117-47dc-80bb-1125e98b41'));
    expect(short.alternatives).to.deep.equal([]);
    expect(short.message).to.include('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
    expect(unknown(() => parseGuidWord('""')).kind).to.equal('GUID');
  });

  it('a near-miss of a well-known name (case or a typo) is an error instead of a silent derived GUID', () => {
    const typo = unknown(() => parseGuidWord('gEfiMmEndOfDxeProtocolGiud'));
    expect(typo.kind).to.equal('GUID name');
    expect(typo.alternatives[0]).to.equal('gEfiMmEndOfDxeProtocolGuid');
    expect(unknown(() => parseGuidWord('gefimmendofdxeprotocolguid')).alternatives).to.include('gEfiMmEndOfDxeProtocolGuid');
    expect(typo.message).to.match(/^unknown GUID name "gEfiMmEndOfDxeProtocolGiud": expected .* \(did you mean "gEfiMmEndOfDxeProtocolGuid"/);
  });
});

describe('scenario vocabulary: EFI status words', () => {
  it('every EFI status name maps to its X64 value', () => {
    expect(parseEfiStatusWord('EFI_SUCCESS')).to.equal(0n);
    expect(parseEfiStatusWord('EFI_ACCESS_DENIED')).to.equal(0x800000000000000fn);
    expect(parseEfiStatusWord('EFI_SECURITY_VIOLATION')).to.equal(0x800000000000001an);
    expect(parseEfiStatusWord('EFI_NOT_AVAILABLE_YET')).to.equal(0xa000000000000002n);
    for (const [name, value] of EFI_STATUS_VALUES) expect(parseEfiStatusWord(name), name).to.equal(value);
  });

  it('typos, other case and a missing EFI_ prefix suggest the real name', () => {
    const e = unknown(() => parseEfiStatusWord('EFI_ACCES_DENIED'));
    expect(e.kind).to.equal('EFI status');
    expect(e.alternatives[0]).to.equal('EFI_ACCESS_DENIED');
    expect(e.message).to.include('did you mean "EFI_ACCESS_DENIED"');
    expect(unknown(() => parseEfiStatusWord('efi_success')).alternatives[0]).to.equal('EFI_SUCCESS');
    expect(unknown(() => parseEfiStatusWord('ACCESS_DENIED')).alternatives[0]).to.equal('EFI_ACCESS_DENIED');
    expect(unknown(() => parseEfiStatusWord('EFI_SECURITY_VIOLATON')).alternatives[0]).to.equal('EFI_SECURITY_VIOLATION');
    expect(unknown(() => parseEfiStatusWord('banana')).alternatives).to.deep.equal([]);
  });
});

describe('scenario vocabulary: boot milestones', () => {
  it('every platform milestone name is accepted as written (src/platform/boot/milestones.ts)', () => {
    for (const m of MILESTONES) expect(parseMilestone(m)).to.equal(m);
    expect(parseMilestone(' ready to lock ')).to.equal('ready to lock');
  });

  it('other spellings suggest the platform name', () => {
    const e = unknown(() => parseMilestone('ready-to-lock'));
    expect(e.kind).to.equal('boot milestone');
    expect(e.alternatives).to.deep.equal(['ready to lock']); // same words: the only alternative
    expect(e.message).to.include('"PEI", "end of PEI", "DXE", "end of DXE", "ready to lock", "ready to boot", "exit boot services" or "runtime"');
    expect(unknown(() => parseMilestone('ReadyToBoot')).alternatives[0]).to.equal('ready to boot');
    expect(unknown(() => parseMilestone('End of DXE')).alternatives[0]).to.equal('end of DXE');
    expect(unknown(() => parseMilestone('ExitBootServices')).alternatives[0]).to.equal('exit boot services');
    expect(unknown(() => parseMilestone('end of dxe')).alternatives[0]).to.equal('end of DXE');
    expect(unknown(() => parseMilestone('ready to lok')).alternatives).to.include.members(['ready to lock']);
  });
});

describe('scenario vocabulary: supervisor request words', () => {
  it('the four MSUP requests map to their codes (supervisor-facts §6.1)', () => {
    expect(parseSupervisorRequestWord('UNBLOCK_MEM')).to.equal(1);
    expect(parseSupervisorRequestWord('FETCH_POLICY')).to.equal(2);
    expect(parseSupervisorRequestWord('VERSION_INFO')).to.equal(3);
    expect(parseSupervisorRequestWord('COMM_UPDATE')).to.equal(SupervisorRequest.COMM_UPDATE);
  });

  it('anything else is an error with the closest request word', () => {
    const e = unknown(() => parseSupervisorRequestWord('VERSION_INFOO'));
    expect(e.kind).to.equal('supervisor request');
    expect(e.alternatives[0]).to.equal('VERSION_INFO');
    expect(unknown(() => parseSupervisorRequestWord('unblock_mem')).alternatives[0]).to.equal('UNBLOCK_MEM');
    expect(unknown(() => parseSupervisorRequestWord('MM_SUPERVISOR_REQUEST_FETCH_POLICY')).alternatives).to.include('FETCH_POLICY');
    expect(unknown(() => parseSupervisorRequestWord('toString')).alternatives).to.deep.equal([]);
  });
});

describe('scenario vocabulary: page descriptions', () => {
  it('parses every phrase and describePage is its inverse', () => {
    expect(parsePageDescription('not present')).to.deep.equal(NOT_PRESENT);
    expect(parsePageDescription('not present').present).to.equal(false);
    expect(parsePageDescription('user read-write no-execute')).to.deep.equal({ present: true, user: true, writable: true, executable: false });
    expect(parsePageDescription('  supervisor   read-only executable ')).to.deep.equal({ present: true, user: false, writable: false, executable: true });
    for (const who of ['user', 'supervisor']) {
      for (const rw of ['read-only', 'read-write']) {
        for (const x of ['executable', 'no-execute']) {
          const phrase = `${who} ${rw} ${x}`;
          expect(describePage(parsePageDescription(phrase))).to.equal(phrase);
        }
      }
    }
    expect(describePage(parsePageDescription('not present'))).to.equal('not present');
  });

  it('a wrong word names the word and its slot, with the intended word', () => {
    const nx = unknown(() => parsePageDescription('user read-write nx'));
    expect([nx.word, nx.kind, nx.alternatives]).to.deep.equal(['nx', 'page execution', ['no-execute']]);
    expect(nx.message).to.include('as word 3 of');
    expect(unknown(() => parsePageDescription('user rw no-execute')).alternatives).to.deep.equal(['read-write']);
    expect(unknown(() => parsePageDescription('User read-write no-execute')).alternatives).to.deep.equal(['user']);
    expect(unknown(() => parsePageDescription('supervisr read-only executable')).alternatives).to.deep.equal(['supervisor']);
    expect(unknown(() => parsePageDescription('user read-write no-exec')).alternatives).to.deep.equal(['no-execute']);
  });

  it('words in the wrong order, or the wrong number of words, suggest the whole phrase', () => {
    const order = unknown(() => parsePageDescription('read-write user no-execute'));
    expect(order.alternatives).to.deep.equal(['user read-write no-execute']);
    const np = unknown(() => parsePageDescription('not-present'));
    expect([np.kind, np.alternatives]).to.deep.equal(['page description', ['not present']]);
    expect(unknown(() => parsePageDescription('user read-write')).kind).to.equal('page description');
    expect(unknown(() => parsePageDescription('')).kind).to.equal('page description');
  });
});

describe('scenario vocabulary: stop reasons', () => {
  it('policy violation and the exception phrases (with their vectors) of DESIGN.md', () => {
    expect(parseStopReason('policy violation')).to.deep.equal({ kind: 'policy-violation', phrase: 'policy violation' });
    expect(parseStopReason('general protection fault')).to.deep.include({ kind: 'exception', vector: 13, mnemonic: '#GP' });
    expect(parseStopReason('page fault')).to.deep.include({ vector: 14 });
    expect(parseStopReason('invalid opcode')).to.deep.include({ vector: 6 });
    expect(parseStopReason('#GP')).to.deep.include({ phrase: 'general protection fault' });
    for (const p of STOP_REASON_PHRASES) expect(parseStopReason(p).phrase).to.equal(p);
  });

  it('typos suggest the phrase', () => {
    const e = unknown(() => parseStopReason('general protection failure'));
    expect(e.kind).to.equal('stop reason');
    expect(e.alternatives[0]).to.equal('general protection fault');
    expect(unknown(() => parseStopReason('page-fault')).alternatives[0]).to.equal('page fault');
    expect(unknown(() => parseStopReason('policy-violation')).alternatives[0]).to.equal('policy violation');
    expect(unknown(() => parseStopReason('invalid opcod')).alternatives[0]).to.equal('invalid opcode');
  });
});

describe('scenario vocabulary: MM driver names', () => {
  const known = ['StandaloneMmUnblockMem', 'MmIplPei', 'MmSupervisorCore', 'MmSupervisorRing3Broker', 'MmSupervisorErrorReport', 'DriverA', 'DriverB'];

  it('accepts a known name exactly', () => {
    expect(parseDriverName('MmSupervisorCore', known)).to.equal('MmSupervisorCore');
    expect(parseDriverName(' DriverB ', known)).to.equal('DriverB');
  });

  it('a typo or other case suggests the driver', () => {
    const e = unknown(() => parseDriverName('MmSupervisorCroe', known));
    expect(e.kind).to.equal('MM driver');
    expect(e.alternatives[0]).to.equal('MmSupervisorCore');
    expect(e.message).to.include('did you mean "MmSupervisorCore"');
    expect(unknown(() => parseDriverName('mmsupervisorring3broker', known)).alternatives[0]).to.equal('MmSupervisorRing3Broker');
    expect(unknown(() => parseDriverName('DriverC', known)).alternatives).to.include.members(['DriverA', 'DriverB']);
    expect(unknown(() => parseDriverName('Anything', [])).message).to.include('this scenario has none');
  });
});
