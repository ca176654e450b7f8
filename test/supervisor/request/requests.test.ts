import { describe, it } from 'node:test';
import { expect } from 'chai';
import { AccessAttr, PolicyAttr, parsePolicy } from '../../../src/firmware/policy';
import { readMailbox } from '../../../src/supervisor/core/comm-mailbox';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { EFI_MEMORY_RO, EFI_MEMORY_RP, EFI_MEMORY_SP, EFI_MEMORY_XP } from '../../../src/supervisor/core/memory-attributes';
import { SupervisorGuids as G } from '../../../src/supervisor/core/supervisor-guids';
import { SupervisorRequest as R } from '../../../src/supervisor/request';
import { CORE_BASE, MMIO, MMRAM, requestHarness } from '../request-harness';

const FREE = 0x5000_0000n; // blocked (not present) non-MMRAM memory
const u64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(o, true);
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);

describe('supervisor requests: MSUP framing and validation order (supervisor-facts §6.2)', () => {
  it('item 83: wrong signature or revision → Result EFI_INVALID_PARAMETER, transport SUCCESS', () => {
    const h = requestHarness();
    for (const o of [{ signature: 0x12345678 }, { revision: 2 }]) {
      const r = h.send(R.VERSION_INFO, new Uint8Array(16), o);
      expect(r.result).to.equal(EFI.INVALID_PARAMETER);
      expect(r.mailbox.returnStatus).to.equal(EFI.SUCCESS);
    }
  });
  it('item 84: an unknown request code → Result EFI_UNSUPPORTED', () => {
    const r = requestHarness().send(0x77, new Uint8Array(16));
    expect(r.result).to.equal(EFI.UNSUPPORTED);
    expect(r.mailbox.returnStatus).to.equal(EFI.SUCCESS);
  });
  it('item 85: a payload too short for the request structure leaves Result EFI_ABORTED and ReturnStatus EFI_NOT_FOUND', () => {
    const r = requestHarness().send(R.VERSION_INFO, new Uint8Array(8));
    expect(r.result).to.equal(EFI.ABORTED);
    expect(r.mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
  });
  it('§6.2 step 3: a payload shorter than the MSUP header → handler EFI_INVALID_PARAMETER (ReturnStatus EFI_NOT_FOUND), Result untouched', () => {
    const r = requestHarness().send(R.VERSION_INFO, new Uint8Array(0), { payloadSize: 20n });
    expect(r.mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
    expect(r.result).to.equal(0x1234n);
  });
  it('§6.2 steps 1–2: NULL buffer/size → INVALID_PARAMETER; a payload outside the supervisor internal copy → SECURITY_VIOLATION', () => {
    const h = requestHarness();
    expect(h.request.handle(null, null)).to.equal(EFI.INVALID_PARAMETER);
    expect(h.request.handle(0x6000_0000n, { read: () => 48n, write: () => undefined, address: 0n })).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('item 82 is the user-channel counterpart (see mm-entry-point tests); the handler answers only on the supervisor channel', () => {
    const r = requestHarness().send(R.VERSION_INFO, new Uint8Array(16));
    expect(r.mailbox.returnStatus).to.equal(EFI.SUCCESS);
    expect(r.mailbox.returnBufferSize).to.equal(24n + 24n + 16n);
  });
});

describe('supervisor requests: VERSION_INFO (§6.3)', () => {
  it('item 86: MaxSupervisorRequestLevel 4, Version = PE subsystem version (0x00170027), PatchLevel = PE image version (0x00010001)', () => {
    const r = requestHarness().send(R.VERSION_INFO, new Uint8Array(16));
    expect(r.result).to.equal(EFI.SUCCESS);
    const d = r.data(16);
    expect(u32(d, 0)).to.equal(0x00170027);
    expect(u32(d, 4)).to.equal(0x00010001);
    expect(u64(d, 8)).to.equal(4n);
  });
  it('item 87: VERSION_INFO keeps working after ready-to-lock', () => {
    const h = requestHarness();
    h.sendMmi(G.dxeMmReadyToLock);
    expect(h.state.locked).to.equal(true);
    expect(h.send(R.VERSION_INFO, new Uint8Array(16)).result).to.equal(EFI.SUCCESS);
  });
  it('§6.3: before core init completes → EFI_ACCESS_DENIED; a corrupted PE header → EFI_COMPROMISED_DATA (level still written)', () => {
    expect(requestHarness({ coreInit: false }).send(R.VERSION_INFO, new Uint8Array(16)).result).to.equal(EFI.ACCESS_DENIED);
    // 'MZ' → 'NZ'; 'PE\0\0' → 'QE\0\0'; PE32+ magic 0x20B → PE32 0x10B
    for (const at of [(_nt: number) => 0, (nt: number) => nt, (nt: number) => nt + 25]) {
      const h = requestHarness();
      const nt = h.view.u32(Number(CORE_BASE) + 0x3c);
      const a = Number(CORE_BASE) + at(nt);
      h.view.setU8(a, at(nt) === nt + 25 ? 0x01 : h.view.u8(a) + 1);
      const r = h.send(R.VERSION_INFO, new Uint8Array(16));
      expect(r.result, `offset ${at(nt)}`).to.equal(EFI.COMPROMISED_DATA);
      expect(u64(r.data(16), 8)).to.equal(4n);
    }
  });
});

describe('supervisor requests: UNBLOCK_MEM and the unblock database (§7.2)', () => {
  it('item 88: after ready-to-lock → EFI_ACCESS_DENIED, before any parameter validation', () => {
    const h = requestHarness();
    h.sendMmi(G.dxeMmReadyToLock);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 1n, { guid: '00000000-0000-0000-0000-000000000000' })).result).to.equal(EFI.ACCESS_DENIED);
  });
  it('item 89: an all-zero IdentifierGuid → EFI_INVALID_PARAMETER', () => {
    expect(requestHarness().send(R.UNBLOCK_MEM, requestHarness().unblockBody(FREE, 1n, { guid: '00000000-0000-0000-0000-000000000000' })).result).to.equal(EFI.INVALID_PARAMETER);
  });
  it('item 90: a range entirely inside MMRAM → EFI_SECURITY_VIOLATION', () => {
    const h = requestHarness();
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(MMRAM.physicalStart + 0x5000n, 2n)).result).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('item 91: already-present pages (MMIO, a previous unblock) or read-only pages fail; mixed attributes → the lookup error', () => {
    const h = requestHarness();
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(MMIO, 1n)).result).to.equal(EFI.SECURITY_VIOLATION);
    h.attrs.mark(0x5100_0000n, 0x1000n, EFI_MEMORY_RP | EFI_MEMORY_RO);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(0x5100_0000n, 1n)).result).to.equal(EFI.SECURITY_VIOLATION);
    // partially inside MMRAM: passes step 3, fails step 5 (mixed attributes)
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(MMRAM.physicalStart - 0x1000n, 2n)).result).to.equal(EFI.NO_MAPPING);
  });
  it('item 94: success maps the range present, RW, NX and user; with EFI_MEMORY_SP supervisor', () => {
    const h = requestHarness();
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n)).result).to.equal(EFI.SUCCESS);
    expect(h.attrs.attributesOf(FREE, 0x2000n)).to.deep.equal({ attributes: EFI_MEMORY_XP });
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE + 0x10000n, 1n, { attribute: EFI_MEMORY_SP })).result).to.equal(EFI.SUCCESS);
    expect(h.attrs.attributesOf(FREE + 0x10000n, 0x1000n)).to.deep.equal({ attributes: EFI_MEMORY_XP | EFI_MEMORY_SP });
    expect(h.unblock.entries()).to.have.length(2);
  });
  it('item 92: a byte-identical repeat (even from another GUID) → SUCCESS, no new entry', () => {
    const h = requestHarness();
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n)).result).to.equal(EFI.SUCCESS);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n, { guid: '99999999-9999-9999-9999-999999999999' })).result).to.equal(EFI.SUCCESS);
    expect(h.unblock.entries()).to.have.length(1);
  });
  it('item 93: same range with a different descriptor (even only the padding) or a partial overlap → EFI_SECURITY_VIOLATION', () => {
    const h = requestHarness();
    h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n));
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n, { padding: 1 })).result).to.equal(EFI.SECURITY_VIOLATION);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 2n, { type: 0 })).result).to.equal(EFI.SECURITY_VIOLATION);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE + 0x1000n, 2n)).result).to.equal(EFI.SECURITY_VIOLATION);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE - 0x1000n, 2n)).result).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('§11 item 7: a request strictly enclosing an entry passes step 4 and fails on the attribute check', () => {
    const h = requestHarness();
    h.send(R.UNBLOCK_MEM, h.unblockBody(FREE + 0x1000n, 1n));
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 3n)).result).to.equal(EFI.NO_MAPPING);
  });
  it('§7.4: MmIsBufferOutsideMmValid — single entry only, never MMRAM, everything before core init', () => {
    const h = requestHarness();
    h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 1n));
    h.send(R.UNBLOCK_MEM, h.unblockBody(FREE + 0x1000n, 1n));
    expect(h.unblock.isBufferOutsideMmValid(FREE + 0x10n, 0x100n)).to.equal(true);
    expect(h.unblock.isBufferOutsideMmValid(FREE + 0x800n, 0x1000n)).to.equal(false);
    expect(h.unblock.isBufferOutsideMmValid(FREE, 0n)).to.equal(false);
    expect(h.unblock.isBufferOutsideMmValid(MMRAM.physicalStart, 0x10n)).to.equal(false);
    const early = requestHarness({ coreInit: false });
    expect(early.unblock.isBufferOutsideMmValid(0x4000_0000n, 0x10n)).to.equal(true);
  });
});

describe('supervisor requests: FETCH_POLICY (§6.4)', () => {
  it('item 95: FETCH before ready-to-lock performs it (a later UNBLOCK_MEM is denied; the dispatch MMI is gone)', () => {
    const h = requestHarness();
    const r = h.send(R.FETCH_POLICY, new Uint8Array(0x400));
    expect(r.result).to.equal(EFI.SUCCESS);
    expect(h.state.locked).to.equal(true);
    expect(h.send(R.UNBLOCK_MEM, h.unblockBody(FREE, 1n)).result).to.equal(EFI.ACCESS_DENIED);
    expect(h.sendMmi(G.driverDispatch).mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
  });
  it('items 96/98: the firmware policy with VersionMajor 1 plus a MEM root marked ALLOW; ReturnBufferSize = 48 + policy Size', () => {
    const h = requestHarness();
    const r = h.send(R.FETCH_POLICY, new Uint8Array(0x400));
    const size = u32(r.data(8), 4);
    const p = parsePolicy(r.data(size));
    expect(p.versionMajor).to.equal(1);
    const mem = p.roots.find((x) => x.kind === 'mem');
    expect(mem?.accessAttr).to.equal(AccessAttr.ALLOW);
    expect(mem && mem.kind === 'mem' && mem.descriptors).to.deep.equal([{ baseAddress: MMIO, size: 0x2000n, memAttributes: PolicyAttr.READ | PolicyAttr.WRITE, reserved: 0 }]);
    expect(mem && mem.kind === 'mem' && mem.descriptors.some((d) => d.memAttributes & PolicyAttr.EXECUTE)).to.equal(false);
    expect(r.mailbox.returnBufferSize).to.equal(24n + 24n + BigInt(size));
    expect(size).to.equal(h.fw!.blob.length + 24);
  });
  it('item 97: less than 48 + policy size bytes of payload → EFI_BUFFER_TOO_SMALL', () => {
    const h = requestHarness();
    const n = h.fw!.blob.length;
    expect(h.send(R.FETCH_POLICY, new Uint8Array(24 + n - 1)).result).to.equal(EFI.BUFFER_TOO_SMALL);
    expect(h.send(R.FETCH_POLICY, new Uint8Array(24 + n + 24)).result).to.equal(EFI.SUCCESS);
  });
  it('§6.4: a page table that changed since the snapshot → EFI_SECURITY_VIOLATION; no firmware policy → EFI_SECURITY_VIOLATION', () => {
    const h = requestHarness();
    h.sendMmi(G.dxeMmReadyToLock);
    h.generated.list = [{ baseAddress: MMIO, size: 0x3000n, memAttributes: 3, reserved: 0 }];
    expect(h.send(R.FETCH_POLICY, new Uint8Array(0x400)).result).to.equal(EFI.SECURITY_VIOLATION);
    expect(requestHarness({ policy: null }).send(R.FETCH_POLICY, new Uint8Array(0x400)).result).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('§6.4: overlapping generated descriptors fail the re-run of SecurityPolicyCheck', () => {
    const h = requestHarness();
    h.generated.list = [{ baseAddress: MMIO, size: 0x2000n, memAttributes: 3, reserved: 0 }, { baseAddress: MMIO + 0x1000n, size: 0x2000n, memAttributes: 1, reserved: 0 }];
    expect(h.send(R.FETCH_POLICY, new Uint8Array(0x400)).result).to.equal(EFI.SECURITY_VIOLATION);
  });
  it('§1.8 step 5: a failed snapshot still locks; its status is FETCH\'s Result', () => {
    const h = requestHarness();
    h.generated.list = Array.from({ length: 41 }, (_, i) => ({ baseAddress: BigInt(i) * 0x2000n + 0x1000_0000n, size: 0x1000n, memAttributes: 1, reserved: 0 }));
    expect(h.send(R.FETCH_POLICY, new Uint8Array(0x800)).result).to.equal(EFI.OUT_OF_RESOURCES);
    expect(h.state.locked).to.equal(true);
  });
});

describe('supervisor requests: COMM_UPDATE (§6.5)', () => {
  const NEW_SUP = 0x5800_0000n;
  const NEW_USER = 0x5810_0000n;
  const NEW_SUP_MB = 0x5820_0000n;
  const NEW_USER_MB = 0x5821_0000n;
  const XPSP = EFI_MEMORY_XP | EFI_MEMORY_SP;
  function prepared() {
    const h = requestHarness();
    // init-time unblocks of the current buffers and mailboxes (§1.6 step 3), supervisor RW NX
    for (const [a, n] of [[h.buffers.supervisor.address, 1n], [h.buffers.user.address, 1n], [h.buffers.supervisor.mailbox, 1n], [h.buffers.user.mailbox, 1n]] as const) {
      expect(h.unblock.processUnblockPages({ ...decode(h.unblockBody(a, n, { attribute: XPSP })) })).to.equal(EFI.SUCCESS);
    }
    return h;
  }
  const decode = (b: Uint8Array) => ({
    descriptorBytes: b.slice(0, 40), memoryType: u32(b, 0), physicalStart: u64(b, 8), virtualStart: u64(b, 16), numberOfPages: u64(b, 24), attribute: u64(b, 32), identifierGuid: G.core,
  });
  const body = (h: ReturnType<typeof prepared>, o: { pages?: bigint; attribute?: bigint; type?: number } = {}) => {
    const b = new Uint8Array(224);
    b.set(h.unblockBody(NEW_SUP_MB, 1n, { attribute: XPSP }), 0);
    b.set(h.unblockBody(NEW_USER_MB, 1n, { attribute: XPSP }), 56);
    b.set(h.unblockBody(NEW_SUP, o.pages ?? 1n, { attribute: o.attribute ?? XPSP, type: o.type }), 112);
    b.set(h.unblockBody(NEW_USER, 1n, { attribute: XPSP }), 168);
    return b;
  };

  it('item 101: success re-blocks the old buffers and mailboxes, and the reply appears in the new supervisor mailbox', () => {
    const h = prepared();
    const oldSupMb = h.buffers.supervisor.mailbox;
    const oldSup = h.buffers.supervisor.address;
    h.send(R.COMM_UPDATE, body(h));
    expect(h.buffers.supervisor.address).to.equal(NEW_SUP);
    expect(h.buffers.user.address).to.equal(NEW_USER);
    expect(h.buffers.supervisor.mailbox).to.equal(NEW_SUP_MB);
    expect(h.buffers.user.mailbox).to.equal(NEW_USER_MB);
    const reply = readMailbox(h.view, NEW_SUP_MB);
    expect(reply).to.deep.equal({ valid: false, returnStatus: EFI.SUCCESS, returnBufferSize: 24n + 24n + 224n });
    expect(h.view.u64(Number(NEW_SUP) + 40)).to.equal(EFI.SUCCESS); // Result, written back to the new buffer
    expect(readMailbox(h.view, oldSupMb).valid).to.equal(true); // the old mailbox got no reply
    for (const a of [oldSup, oldSupMb]) expect(h.attrs.attributesOf(a, 0x1000n)).to.deep.equal({ attributes: EFI_MEMORY_RP | XPSP });
    expect(h.attrs.attributesOf(NEW_SUP, 0x1000n)).to.deep.equal({ attributes: XPSP });
  });
  it('item 99: COMM_UPDATE succeeds at most once, and never after ready-to-lock', () => {
    const h = prepared();
    h.send(R.COMM_UPDATE, body(h));
    const second = h.send(R.COMM_UPDATE, body(h));
    expect(second.result).to.equal(EFI.ACCESS_DENIED);
    const l = prepared();
    l.sendMmi(G.dxeMmReadyToLock);
    expect(l.send(R.COMM_UPDATE, body(l)).result).to.equal(EFI.ACCESS_DENIED);
  });
  it('item 100: a new buffer differing in page count, attribute or type → EFI_SECURITY_VIOLATION', () => {
    for (const o of [{ pages: 2n }, { attribute: EFI_MEMORY_XP }, { type: 4 }]) {
      const h = prepared();
      expect(h.send(R.COMM_UPDATE, body(h, o)).result, JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).to.equal(EFI.SECURITY_VIOLATION);
      expect(h.buffers.supervisor.address).to.not.equal(NEW_SUP);
    }
  });
  it('§6.5 step 4 quirk: a failure after the buffers moved leaves them moved, mailboxes unchanged, and the request can be retried', () => {
    const h = prepared();
    const b = body(h);
    b.set(h.unblockBody(NEW_USER_MB, 2n, { attribute: XPSP }), 56); // bad mailbox page count
    const oldMb = h.buffers.supervisor.mailbox;
    h.send(R.COMM_UPDATE, b);
    expect(h.buffers.supervisor.address).to.equal(NEW_SUP);
    expect(h.buffers.user.address).to.equal(NEW_USER);
    expect(h.buffers.supervisor.mailbox).to.equal(oldMb);
    expect(readMailbox(h.view, oldMb).returnStatus).to.equal(EFI.SUCCESS); // transport SUCCESS, Result in the (new) buffer
    expect(h.view.u64(Number(NEW_SUP) + 40)).to.equal(EFI.SECURITY_VIOLATION);
  });
});

describe('supervisor: ready-to-lock and ExitBootServices MMIs (§1.8, §1.9, §8.6)', () => {
  it('item 34: after ready-to-lock a dispatch MMI reaches no handler (EFI_NOT_FOUND); a second ready-to-lock too', () => {
    const h = requestHarness();
    h.setDispatchStatus(EFI.SUCCESS);
    expect(h.sendMmi(G.driverDispatch, 8n).mailbox.returnStatus).to.equal(EFI.SUCCESS);
    expect(h.sendMmi(G.dxeMmReadyToLock).mailbox.returnStatus).to.equal(EFI.SUCCESS);
    expect(h.sendMmi(G.driverDispatch, 8n).mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
    expect(h.sendMmi(G.dxeMmReadyToLock).mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
  });
  it('§11 item 10: the ReadyToBoot GUID has no supervisor handler → EFI_NOT_FOUND and no lock', () => {
    const h = requestHarness();
    expect(h.sendMmi('7ce88fb3-4bd7-4679-87a8-a8d8dee50d2b').mailbox.returnStatus).to.equal(EFI.NOT_FOUND);
    expect(h.state.locked).to.equal(false);
  });
  it('item 111: ExitBootServices sets the runtime flag; the next supervisor-channel MMI leaves the mailbox untouched', () => {
    const h = requestHarness();
    expect(h.sendMmi(G.exitBootServices).mailbox.returnStatus).to.equal(EFI.SUCCESS);
    expect(h.state.runtime).to.equal(true);
    const r = h.sendMmi(G.requestHandler, 40n);
    expect(r.mailbox).to.deep.equal({ valid: true, returnStatus: 0n, returnBufferSize: 0n });
  });
});
