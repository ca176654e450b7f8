import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  EFI_STATUS_VALUES, efiStatusFromName, efiStatusName, isEfiError, isEfiWarning, suggestEfiStatus, UnknownEfiStatusError,
} from '../../src/firmware/efi-status';
import { u64Arb } from './format-fuzz';

describe('EFI_STATUS (x86-smm-facts §4.8)', () => {
  it('has the X64 values of the facts table', () => {
    expect(efiStatusFromName('EFI_SUCCESS')).to.equal(0n);
    expect(efiStatusFromName('EFI_ACCESS_DENIED')).to.equal(0x800000000000000fn);
    expect(efiStatusFromName('EFI_SECURITY_VIOLATION')).to.equal(0x800000000000001an);
    expect(efiStatusFromName('EFI_COMPROMISED_DATA')).to.equal(0x8000000000000021n);
    expect(efiStatusFromName('EFI_HTTP_ERROR')).to.equal(0x8000000000000023n);
    expect(efiStatusFromName('EFI_END_OF_FILE')).to.equal(0x800000000000001fn);
    expect(efiStatusFromName('EFI_NOT_AVAILABLE_YET')).to.equal(0xa000000000000002n);
    expect(efiStatusFromName('EFI_INTERRUPT_PENDING')).to.equal(0xa000000000000000n);
    expect(efiStatusFromName('EFI_WARN_INTERRUPT_SOURCE_QUIESCED')).to.equal(0x2000000000000001n);
    expect(efiStatusFromName('EFI_WARN_RESET_REQUIRED')).to.equal(7n);
    expect(EFI_STATUS_VALUES.size).to.equal(46);
  });
  it('accepts lower case, missing EFI_ prefix and numbers', () => {
    expect(efiStatusFromName('access_denied')).to.equal(0x800000000000000fn);
    expect(efiStatusFromName('0x8000000000000002')).to.equal(0x8000000000000002n);
  });
  it('round-trips every name and every value', () => {
    for (const [n, v] of EFI_STATUS_VALUES) { expect(efiStatusName(v)).to.equal(n); expect(efiStatusFromName(n)).to.equal(v); }
    fc.assert(fc.property(u64Arb, (v) => { expect(efiStatusFromName(efiStatusName(v))).to.equal(v); }), { numRuns: 10000 });
  });
  it('names unknown values in hex', () => {
    expect(efiStatusName(0x8000000000000099n)).to.equal('0x8000000000000099');
    expect(efiStatusName(0x55n)).to.equal('0x55');
  });
  it('classifies errors and warnings by the top bit', () => {
    expect(isEfiError(0x8000000000000002n)).to.equal(true);
    expect(isEfiError(0xa000000000000002n)).to.equal(true);
    expect(isEfiError(0n)).to.equal(false);
    expect(isEfiWarning(0x2000000000000000n)).to.equal(true);
    expect(isEfiWarning(0n)).to.equal(false);
  });
  it('suggests names for typos', () => {
    expect(suggestEfiStatus('EFI_ACESS_DENIED')[0]).to.equal('EFI_ACCESS_DENIED');
    expect(() => efiStatusFromName('EFI_NOT_FOUNDD')).to.throw(UnknownEfiStatusError, /did you mean EFI_NOT_FOUND/);
  });
});
