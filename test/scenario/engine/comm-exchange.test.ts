import { describe, it } from 'node:test';
import { expect } from 'chai';
import {
  channelBuffers, commHeader, commHeaderV3, handlerRunsInLastSmi, isCommCallResult, msupHeader, parseHexDoc, readMailboxAt, sendCommUpdate,
  sendFetchPolicy, sendRawComm, sendUnblockMem, V3_HEADER_SIZE, writeMailboxAt,
} from '../../../src/scenario/engine/comm-exchange';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';

const REQUEST_GUID = '8c633b23-1260-4ea6-830f-7ddc97382111';
const EFI_SUCCESS = 0n;
const EFI_INVALID_PARAMETER = 0x8000000000000002n;
const EFI_BAD_BUFFER_SIZE = 0x8000000000000004n;
const EFI_ACCESS_DENIED = 0x800000000000000fn;

function booted(): ScenarioPlatform {
  const p = new ScenarioPlatform();
  p.usePlatform('q35');
  p.bootTo('DXE');
  return p;
}

describe('scenario engine: comm exchange (byte-level MM communicate)', () => {
  it('parseHexDoc reads byte pairs and skips # comments; a bad token names its line', () => {
    expect([...parseHexDoc('4D 53 # sig\n\n55 50  # more', 'x')]).to.deep.equal([0x4d, 0x53, 0x55, 0x50]);
    expect(() => parseHexDoc('00 0g', 'doc')).to.throw(/doc, line 1: "0g"/);
  });

  it('builds the legacy, V3 and MSUP headers at the §6.1/§8.1 offsets', () => {
    const h = commHeader(REQUEST_GUID, 0x28n, Uint8Array.of(1));
    expect([...h.subarray(0, 4)]).to.deep.equal([0x23, 0x3b, 0x63, 0x8c]);
    expect(new DataView(h.buffer).getBigUint64(16, true)).to.equal(0x28n);
    expect(h[24]).to.equal(1);
    const v3 = commHeaderV3(REQUEST_GUID, 0x40n, 8n);
    expect(v3.length).to.equal(V3_HEADER_SIZE);
    expect([...v3.subarray(0, 4)]).to.deep.equal([0x53, 0xc8, 0xe8, 0x68]);
    expect([...v3.subarray(32, 36)]).to.deep.equal([0x23, 0x3b, 0x63, 0x8c]);
    const m = new DataView(msupHeader({ signature: 0x5055534d, revision: 1, request: 3, result: 7n }).buffer);
    expect([m.getUint32(0, true), m.getUint32(4, true), m.getUint32(8, true), m.getUint32(12, true)]).to.deep.equal([0x5055534d, 1, 3, 0]);
    expect(m.getBigUint64(16, true)).to.equal(7n);
  });

  it('sendRawComm sends a hand-built VERSION_INFO and reads the reply, the mailbox and the SMI count', () => {
    const p = booted();
    const msg = new Uint8Array(40);
    msg.set(msupHeader({ signature: 0x5055534d, revision: 1, request: 3, result: 0xffn }), 0);
    const r = sendRawComm(p, 'supervisor', commHeader(REQUEST_GUID, 40n, msg))!;
    expect(isCommCallResult(r)).to.equal(true);
    expect(r.status).to.equal(EFI_SUCCESS);
    expect(r.result).to.equal(EFI_SUCCESS);
    expect(r.smis).to.equal(1);
    expect(new DataView(r.data.buffer, r.data.byteOffset).getUint32(24, true)).to.equal(0x00170027);
    expect(readMailboxAt(p, channelBuffers(p, 'supervisor').mailbox)).to.include({ valid: 0, returnStatus: EFI_SUCCESS, returnBufferSize: 64n });
    expect(handlerRunsInLastSmi(p, 'root')).to.equal(0);
  });

  it('an oversized CommSize is refused by the IPL without an SMI; a mailbox marked valid likewise', () => {
    const p = booted();
    const big = sendRawComm(p, 'user', commHeader(REQUEST_GUID, 8n, new Uint8Array(8)), 0x10001n)!;
    expect([big.status, big.commSize, big.smis]).to.deep.equal([EFI_BAD_BUFFER_SIZE, 0x10000n, 0]);
    const mb = channelBuffers(p, 'user').mailbox;
    writeMailboxAt(p, mb, 1, 0n, 0n);
    const again = sendRawComm(p, 'user', commHeader(REQUEST_GUID, 8n, new Uint8Array(8)))!;
    expect([again.status, again.smis]).to.deep.equal([EFI_INVALID_PARAMETER, 0]);
  });

  it('sendUnblockMem and sendFetchPolicy carry whole payloads; FETCH_POLICY locks, so a later UNBLOCK_MEM is denied', () => {
    const p = booted();
    const id = p.scenarioDrivers.registry.resolve('UnitTest');
    const params = { memoryType: 6, physicalStart: 0x10000000n, virtualStart: 0n, numberOfPages: 1n, attribute: 0n, identifierGuid: id };
    expect(sendUnblockMem(p, params)!.result).to.equal(EFI_SUCCESS);
    expect(p.describePage(0x10000000n)).to.equal('user read-write no-execute');
    expect(sendFetchPolicy(p, 0x1000)!.result).to.equal(EFI_SUCCESS);
    expect(sendUnblockMem(p, { ...params, physicalStart: 0x10001000n })!.result).to.equal(EFI_ACCESS_DENIED);
  });

  it('sendCommUpdate moves the channels only when the supervisor accepts (a second one is denied)', () => {
    const p = booted(); // q35: MmDxeSupport already made the one COMM_UPDATE
    const before = { ...channelBuffers(p, 'supervisor') };
    const id = p.scenarioDrivers.registry.resolve('UnitTest');
    const d = (start: bigint, pages: bigint) => ({ memoryType: 6, physicalStart: start, virtualStart: 0n, numberOfPages: pages, attribute: 0x44000n, identifierGuid: id });
    const r = sendCommUpdate(p, { supervisorMailbox: d(0x11200000n, 1n), userMailbox: d(0x11201000n, 1n), supervisorBuffer: d(0x11000000n, 16n), userBuffer: d(0x11100000n, 16n) })!;
    expect(r.result).to.equal(EFI_ACCESS_DENIED);
    expect(channelBuffers(p, 'supervisor')).to.deep.equal(before);
  });
});
