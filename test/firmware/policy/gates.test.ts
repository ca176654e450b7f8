import { describe, it } from 'node:test';
import { expect } from 'chai';
import { examplePolicy, ins, io, msr, policyOf, svst } from './helpers';
import {
  IO_INFO_NOT_FOUND, SaveStateRegister, isInstructionExecutionAllowed, isIoReadWriteAllowed, isMsrReadWriteAllowed,
  isSaveStateReadAllowed, isSaveStateWriteAllowed,
} from '../../../src/firmware/policy/policy-gates';

const R = 1, W = 2, X = 4, SW = 8, CR = 0x10;
const ALLOW = 0, DENY = 1;
const B = 0, WD = 1, DW = 2; // EFI_MM_IO_WIDTH
const ok = 'EFI_SUCCESS', denied = 'EFI_ACCESS_DENIED', inval = 'EFI_INVALID_PARAMETER';

describe('policy gates: consequences of the example policy (supervisor-facts §4.8)', () => {
  const p = examplePolicy();
  it('dword write to 0xCF8 denied by the strict entry; byte write allowed (§12 item 45)', () => {
    const d = isIoReadWriteAllowed(p, 0xcf8, DW, W);
    expect(d).to.include({ status: denied, root: 0, entry: 0 });
    expect(d.value).to.equal(0x800000000000000fn);
    const b = isIoReadWriteAllowed(p, 0xcf8, B, W);
    expect(b.status).to.equal(ok);
    expect(b.entry).to.equal(undefined);
    expect(isIoReadWriteAllowed(p, 0xcf8, WD, W).status).to.equal(ok);
  });
  it('any write touching 0xCFC–0xCFF denied; reads allowed (§12 item 46)', () => {
    for (const [port, w] of [[0xcfc, B], [0xcfd, B], [0xcfe, WD], [0xcff, B], [0xcfc, DW], [0xcfb, WD], [0xcfa, DW]] as const) {
      expect(isIoReadWriteAllowed(p, port, w, W), `write 0x${port.toString(16)} width ${w}`).to.include({ status: denied, entry: 1 });
      expect(isIoReadWriteAllowed(p, port, w, R).status, `read 0x${port.toString(16)}`).to.equal(ok);
    }
    expect(isIoReadWriteAllowed(p, 0xcf8, DW, R).status).to.equal(ok);
    expect(isIoReadWriteAllowed(p, 0xd00, B, W).status).to.equal(ok);
  });
  it('any access to a listed MSR denied; unlisted MSRs allowed (deny list)', () => {
    for (const m of [0xc0000080, 0xc0000081, 0xc0000084, 0x1d9, 0x6a8, 0xc0000102]) {
      expect(isMsrReadWriteAllowed(p, m, R).status, `read 0x${m.toString(16)}`).to.equal(denied);
      expect(isMsrReadWriteAllowed(p, m, W).status, `write 0x${m.toString(16)}`).to.equal(denied);
    }
    expect(isMsrReadWriteAllowed(p, 0xc0000085, R).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(p, 0x10, W).status).to.equal(ok);
  });
  it('CLI, WBINVD and HLT allowed (allow list); index 3 invalid', () => {
    for (const i of [0, 1, 2]) expect(isInstructionExecutionAllowed(p, i)).to.include({ status: ok, root: 2, entry: i });
    expect(isInstructionExecutionAllowed(p, 3).status).to.equal(inval);
  });
});

describe('policy gates: SmmPolicyGateLib host unit tests (supervisor-facts §5.8)', () => {
  const ioP = (a: number) => policyOf(io(a, [0x72, 1, R]));
  const msrP = (a: number) => policyOf(msr(a, [0xc0000080, 2, R]));
  const insP = (a: number) => policyOf(ins(a, [0, X]));
  it('AllowIO', () => {
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0x72, B, R).status).to.equal(ok);
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0x72, B, W).status).to.equal(denied);
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0x71, B, R).status).to.equal(denied);
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0x71, B, W).status).to.equal(denied);
  });
  it('DenyIO', () => {
    expect(isIoReadWriteAllowed(ioP(DENY), 0x72, B, R).status).to.equal(denied);
    expect(isIoReadWriteAllowed(ioP(DENY), 0x72, B, W).status).to.equal(ok);
    expect(isIoReadWriteAllowed(ioP(DENY), 0x71, B, R).status).to.equal(ok);
    expect(isIoReadWriteAllowed(ioP(DENY), 0x71, B, W).status).to.equal(ok);
  });
  it('OverflowIO (and §12 item 44)', () => {
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0xfffd, DW, R).status).to.equal(inval);
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0xffff, WD, R).status).to.equal(inval);
    expect(isIoReadWriteAllowed(ioP(ALLOW), 0xffff, B, R).status).to.equal(denied);
    expect(isIoReadWriteAllowed(ioP(DENY), 0xffff, B, R).status).to.equal(ok);
    expect(isIoReadWriteAllowed(ioP(DENY), 0x10000, B, R).status).to.equal(inval);
  });
  it('AllowMsr', () => {
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0xc0000080, R).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0xc0000081, R).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0xc0000080, W).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0xc0000081, W).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0x71, R).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(msrP(ALLOW), 0x71, W).status).to.equal(denied);
  });
  it('DenyMsr', () => {
    expect(isMsrReadWriteAllowed(msrP(DENY), 0xc0000080, R).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(msrP(DENY), 0xc0000081, R).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(msrP(DENY), 0xc0000080, W).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(msrP(DENY), 0xc0000081, W).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(msrP(DENY), 0x71, R).status).to.equal(ok);
    expect(isMsrReadWriteAllowed(msrP(DENY), 0x71, W).status).to.equal(ok);
  });
  it('AllowIns / DenyIns', () => {
    expect(isInstructionExecutionAllowed(insP(ALLOW), 0).status).to.equal(ok);
    expect(isInstructionExecutionAllowed(insP(ALLOW), 2).status).to.equal(denied);
    expect(isInstructionExecutionAllowed(insP(DENY), 0).status).to.equal(denied);
    expect(isInstructionExecutionAllowed(insP(DENY), 2).status).to.equal(ok);
  });
});

describe('policy gates: §4.7 details and §12 requirement items', () => {
  it('masks without READ or WRITE and width codes outside 0..2 are invalid (§4.7.1, item 43)', () => {
    const p = policyOf(io(DENY, [0x80, 1, W]));
    expect(isIoReadWriteAllowed(p, 0x80, B, X).status).to.equal(inval);
    expect(isIoReadWriteAllowed(p, 0x80, 3, R).status).to.equal(inval);
    expect(isMsrReadWriteAllowed(policyOf(msr(DENY, [1, 1, R])), 1, 0).status).to.equal(inval);
  });
  it('no root of the type denies IO, MSR and instructions (items 41, 47, 48)', () => {
    const p = policyOf();
    expect(isIoReadWriteAllowed(p, 0x80, B, R).status).to.equal(denied);
    expect(isMsrReadWriteAllowed(p, 0x10, R).status).to.equal(denied);
    expect(isInstructionExecutionAllowed(p, 0).status).to.equal(denied);
  });
  it('item 42: only the first descriptor whose range contains the MSR decides', () => {
    const p = policyOf(msr(DENY, [0x100, 4, W], [0x102, 1, R | W]));
    const d = isMsrReadWriteAllowed(p, 0x102, R);
    expect(d).to.include({ status: ok, entry: 0 }); // entry 0 matches the MSR but has no READ bit: the walk stops
    expect(isMsrReadWriteAllowed(p, 0x102, W)).to.include({ status: denied, entry: 0 });
  });
  it('§4.7.1 [Q]: an access strictly enclosing a short descriptor is not matched; a strict entry that does not match is skipped', () => {
    const p = policyOf(io(DENY, [0x81, 1, W]));
    expect(isIoReadWriteAllowed(p, 0x80, DW, W).status).to.equal(ok);
    expect(isIoReadWriteAllowed(p, 0x80, WD, W).status).to.equal(denied);
    const q = policyOf(io(DENY, [0x80, 4, W | SW], [0x80, 1, W]));
    expect(isIoReadWriteAllowed(q, 0x80, B, W)).to.include({ status: denied, entry: 1 });
  });
  it('a root whose AccessAttr is neither ALLOW nor DENY denies nothing', () => {
    const p = policyOf(io(7, [0x80, 1, W]));
    expect(isIoReadWriteAllowed(p, 0x80, B, W).status).to.equal(ok);
    expect(isIoReadWriteAllowed(p, 0x90, B, W).status).to.equal(ok);
  });

  const ex = examplePolicy();
  const ioWrite = (ioWidth: number) => ({ ioWidth, ioType: 2 });
  const ioRead = (ioWidth: number) => ({ ioWidth, ioType: 1 });
  it('item 66: with no SAVE_STATE root, save-state reads are never denied', () => {
    const p = policyOf(io(DENY));
    expect(isSaveStateReadAllowed(p, SaveStateRegister.RAX, 8, IO_INFO_NOT_FOUND).status).to.equal(ok);
    expect(isSaveStateReadAllowed(p, 5, 8, IO_INFO_NOT_FOUND).status).to.equal(ok);
  });
  it('item 67: PROCESSOR_ID reads are never denied', () => {
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.PROCESSOR_ID, 8, IO_INFO_NOT_FOUND).status).to.equal(ok);
  });
  it('item 68: under an ALLOW root, other registers are denied (not fatal)', () => {
    for (const reg of [0, 27, 39, 100, 513]) expect(isSaveStateReadAllowed(ex, reg, 8, ioWrite(2)).status).to.equal(denied);
    // Under a DENY root an unknown register is allowed.
    expect(isSaveStateReadAllowed(policyOf(svst(DENY, [0, CR, 2])), 27, 8, ioWrite(2)).status).to.equal(ok);
  });
  it('item 69: RAX only on an IO-write trap and only up to the IoWidth enum value [Q §4.7.4 3b]', () => {
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 2, ioWrite(2))).to.include({ status: ok, root: 3, entry: 0 });
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 1, ioWrite(2)).status).to.equal(ok);
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 4, ioWrite(2)).status).to.equal(denied); // 4-byte read of a 32-bit OUT
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 1, ioWrite(0)).status).to.equal(denied);
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 0, ioWrite(0)).status).to.equal(ok);
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 1, ioRead(2))).to.include({ status: denied, entry: 0 });
  });
  it('item 70: the IO pseudo-register after an IO-read trap is denied (the RAX recursion fails)', () => {
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.IO, 24, ioRead(2)).status).to.equal(denied);
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.IO, 24, ioWrite(2))).to.include({ status: ok, entry: 1 });
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.IO, 25, ioWrite(2)).status).to.equal(denied);
  });
  it('item 71: RAX or IO on a CPU without an IO trap returns the lookup error', () => {
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.RAX, 1, IO_INFO_NOT_FOUND)).to.include({ status: 'EFI_NOT_FOUND', entry: 0 });
    expect(isSaveStateReadAllowed(ex, SaveStateRegister.IO, 24, IO_INFO_NOT_FOUND).status).to.equal('EFI_NOT_FOUND');
  });
  it('a READ entry with a condition is EFI_INVALID_PARAMETER; writes are always denied', () => {
    const p = policyOf(svst(ALLOW, [0, R, 2]));
    expect(isSaveStateReadAllowed(p, SaveStateRegister.RAX, 1, ioWrite(2)).status).to.equal(inval);
    expect(isSaveStateWriteAllowed(ex, 0).status).to.equal(denied);
  });
});
