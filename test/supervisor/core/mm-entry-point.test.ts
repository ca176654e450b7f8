import { describe, it } from 'node:test';
import { expect } from 'chai';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { SupervisorGuids } from '../../../src/supervisor/core/supervisor-guids';
import { H, entryHarness } from '../entry-harness';

const GUID_A = '11111111-2222-3333-4444-555555555555';
const data = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

describe('supervisor core: MmEntryPoint (supervisor-facts §8.3)', () => {
  it('user channel: the whole external buffer is copied into the MMRAM user copy; handler sees the copy and a size variable in the scratch page', () => {
    const h = entryHarness();
    h.view.fill(Number(H.USER_BUF) + 0x800, 16, 0x77); // beyond the message: still copied
    let seen: { buf: bigint; sizeAddr: bigint; size: bigint } | undefined;
    h.registerUser(GUID_A, (view, buf, sizeAddr) => {
      seen = { buf, sizeAddr, size: view.u64(Number(sizeAddr)) };
      view.setU8(Number(buf), 0x42); // reply in place
      view.setU64(Number(sizeAddr), 4n);
      return EFI.SUCCESS;
    });
    h.post('user', GUID_A, data(10));
    const r = h.entry.run();
    expect(r.path).to.equal('user');
    expect(seen).to.deep.equal({ buf: H.USER_COPY + 24n, sizeAddr: H.SCRATCH, size: 10n });
    expect(h.view.u8(Number(H.USER_COPY) + 0x800)).to.equal(0x77);
    expect(h.mailbox('user')).to.deep.equal({ valid: false, returnStatus: EFI.SUCCESS, returnBufferSize: 28n });
    expect(h.view.u8(Number(H.USER_BUF) + 24)).to.equal(0x42);
  });

  it('item 102: a user-channel V3 header is dispatched by MessageGuid with BufferSize as the total', () => {
    const h = entryHarness();
    let size = 0n;
    let buf = 0n;
    h.registerUser(GUID_A, (view, b, s) => { size = view.u64(Number(s)); buf = b; return EFI.SUCCESS; });
    h.postV3('user', GUID_A, data(8), 100n);
    const r = h.entry.run();
    expect(r.dispatchGuid).to.equal(GUID_A);
    expect(buf).to.equal(H.USER_COPY + 56n);
    expect(size).to.equal(44n);
    expect(h.mailbox('user')).to.deep.equal({ valid: false, returnStatus: EFI.SUCCESS, returnBufferSize: 100n });
  });

  it('item 103: a supervisor-channel V3 header → ReturnStatus EFI_UNSUPPORTED, ReturnBufferSize 0', () => {
    const h = entryHarness();
    let called = false;
    h.database.registerSupervisor(() => { called = true; return EFI.SUCCESS; }, GUID_A);
    h.postV3('supervisor', GUID_A, data(8));
    h.entry.run();
    expect(called).to.equal(false);
    expect(h.mailbox('supervisor')).to.deep.equal({ valid: false, returnStatus: EFI.UNSUPPORTED, returnBufferSize: 0n });
  });

  it('item 104: 24 + MessageLength beyond the channel buffer (or overflowing) → EFI_BAD_BUFFER_SIZE, size 0, on both channels', () => {
    for (const channel of ['user', 'supervisor'] as const) {
      for (const len of [0x1000n - 23n, (1n << 64n) - 1n]) {
        const h = entryHarness();
        h.post(channel, GUID_A, data(4), len);
        h.entry.run();
        expect(h.mailbox(channel), `${channel} ${len}`).to.deep.equal({ valid: false, returnStatus: EFI.BAD_BUFFER_SIZE, returnBufferSize: 0n });
      }
    }
    const h = entryHarness();
    h.postV3('user', GUID_A, data(4), 40n); // BufferSize smaller than the V3 header
    h.entry.run();
    expect(h.mailbox('user').returnStatus).to.equal(EFI.BAD_BUFFER_SIZE);
  });

  it('item 105: MessageLength 0 dispatches no handler and returns EFI_NOT_FOUND', () => {
    const h = entryHarness();
    let called = false;
    h.registerUser(GUID_A, () => { called = true; return EFI.SUCCESS; });
    h.post('user', GUID_A, new Uint8Array(0));
    h.entry.run();
    expect(called).to.equal(false);
    expect(h.mailbox('user')).to.deep.equal({ valid: false, returnStatus: EFI.NOT_FOUND, returnBufferSize: 24n });
  });

  it('item 106: any handler status other than SUCCESS is reported as EFI_NOT_FOUND', () => {
    const h = entryHarness();
    h.registerUser(GUID_A, () => EFI.ACCESS_DENIED);
    h.post('user', GUID_A, data(4));
    h.entry.run();
    expect(h.mailbox('user').returnStatus).to.equal(EFI.NOT_FOUND);
  });

  it('item 82/108: the request GUID on the user channel reaches no (supervisor) handler → EFI_NOT_FOUND', () => {
    const h = entryHarness();
    let called = false;
    h.database.registerSupervisor(() => { called = true; return EFI.SUCCESS; }, SupervisorGuids.requestHandler);
    h.post('user', SupervisorGuids.requestHandler, data(24));
    h.entry.run();
    expect(called).to.equal(false);
    expect(h.mailbox('user').returnStatus).to.equal(EFI.NOT_FOUND);
  });

  it('item 108: a supervisor-channel MMI runs supervisor handlers only, at the supervisor copy', () => {
    const h = entryHarness();
    let userCalled = false;
    let got: bigint | null = null;
    h.registerUser(GUID_A, () => { userCalled = true; return EFI.SUCCESS; });
    h.database.registerSupervisor((_h, _c, buf, size) => { got = buf; size?.write(8n); return EFI.SUCCESS; }, GUID_A);
    h.post('supervisor', GUID_A, data(16));
    const r = h.entry.run();
    expect(r.path).to.equal('supervisor');
    expect(userCalled).to.equal(false);
    expect(got).to.equal(H.SUP_COPY + 24n);
    expect(h.mailbox('supervisor')).to.deep.equal({ valid: false, returnStatus: EFI.SUCCESS, returnBufferSize: 32n });
  });

  it('item 109: root user handlers run on user-channel and asynchronous MMIs, not on the supervisor path', () => {
    const h = entryHarness();
    let roots = 0;
    h.registerUser(null, () => { roots++; return EFI.SUCCESS; });
    h.database.registerSupervisor(() => EFI.SUCCESS, GUID_A);
    h.entry.run(); // neither mailbox valid: asynchronous
    expect(roots).to.equal(1);
    h.post('user', GUID_A, data(4));
    h.entry.run();
    expect(roots).to.equal(2);
    h.post('supervisor', GUID_A, data(4));
    h.entry.run();
    expect(roots).to.equal(2);
  });

  it('item 110: with both mailboxes valid only the user channel is serviced and the supervisor mailbox is unchanged', () => {
    const h = entryHarness();
    let supCalled = false;
    h.database.registerSupervisor(() => { supCalled = true; return EFI.SUCCESS; }, GUID_A);
    h.registerUser(GUID_A, () => EFI.SUCCESS);
    h.post('supervisor', GUID_A, data(4));
    h.post('user', GUID_A, data(4));
    h.entry.run();
    expect(supCalled).to.equal(false);
    expect(h.mailbox('supervisor')).to.deep.equal({ valid: true, returnStatus: 0x55n, returnBufferSize: 0x66n });
    expect(h.mailbox('user').valid).to.equal(false);
  });

  it('item 111 / §11 item 8: after ExitBootServices a supervisor-channel MMI leaves the supervisor mailbox untouched', () => {
    const h = entryHarness();
    let called = false;
    h.database.registerSupervisor(() => { called = true; return EFI.SUCCESS; }, GUID_A);
    h.state.markRuntime();
    h.post('supervisor', GUID_A, data(4));
    const r = h.entry.run();
    expect(r.path).to.equal('supervisor-refused');
    expect(called).to.equal(false);
    expect(h.mailbox('supervisor')).to.deep.equal({ valid: true, returnStatus: 0x55n, returnBufferSize: 0x66n });
    expect(r.mailboxWritten).to.equal('user');
    // named deviation: reply ACCESS_DENIED
    const d = entryHarness({ replyToRefusedSupervisorCall: true });
    d.state.markRuntime();
    d.post('supervisor', GUID_A, data(4));
    d.entry.run();
    expect(d.mailbox('supervisor')).to.deep.equal({ valid: false, returnStatus: EFI.ACCESS_DENIED, returnBufferSize: 0n });
  });

  it('§8.3 step 2e quirk: an oversized reply is not copied back but its total is reported', () => {
    const h = entryHarness();
    h.registerUser(GUID_A, (view, b, s) => { view.setU8(Number(b), 0x99); view.setU64(Number(s), 0x2000n); return EFI.SUCCESS; });
    h.post('user', GUID_A, data(4, 0x11));
    h.entry.run();
    expect(h.mailbox('user')).to.deep.equal({ valid: false, returnStatus: EFI.SUCCESS, returnBufferSize: 0x2018n });
    expect(h.view.u8(Number(H.USER_BUF) + 24)).to.equal(0x11);
  });

  it('§11 item 12: the edk2 packed mailbox layout is a named option', () => {
    const h = entryHarness({ mailboxLayout: 'edk2' });
    h.registerUser(GUID_A, () => EFI.SUCCESS);
    h.post('user', GUID_A, data(4)); // writes Mu layout: valid byte at 0 is shared
    h.entry.run();
    expect(h.view.u8(Number(H.USER_MB))).to.equal(0);
    expect(h.view.u64(Number(H.USER_MB) + 1)).to.equal(0n);
    expect(h.view.u64(Number(H.USER_MB) + 9)).to.equal(28n);
  });
});
