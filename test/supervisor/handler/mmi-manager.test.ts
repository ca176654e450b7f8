import { describe, it } from 'node:test';
import { expect } from 'chai';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { LocalCommSize, MmiHandlerDatabase, MmiManager } from '../../../src/supervisor/handler';
import { FakeInvoker, FakePageAttributes, SUPERVISOR_RW, USER_RW } from '../fakes';

const GUID_A = '11111111-2222-3333-4444-555555555555';
const USER_BUF = 0x7000_0000n;
const SUP_BUF = 0x7100_0000n;
const TRAMPOLINE = 0x7f00_1000n;

function setup(trampoline: bigint | null = TRAMPOLINE) {
  const db = new MmiHandlerDatabase();
  const attrs = new FakePageAttributes().mark(USER_BUF, 0x2000n, USER_RW).mark(SUP_BUF, 0x2000n, SUPERVISOR_RW);
  const userStatus = new Map<bigint, bigint>();
  const invoker = new FakeInvoker((_r, args) => userStatus.get(args[4]) ?? EFI.SUCCESS);
  const mgr = new MmiManager({ database: db, attributes: attrs, invoker, trampolines: { mmiHandlerTrampoline: () => trampoline ?? undefined } });
  return { db, attrs, invoker, mgr, userStatus };
}

describe('supervisor handler: MmiManage (supervisor-facts §8.5)', () => {
  it('item 57: registration returns opaque non-zero handles; unregister of an unknown or other-owner handle → EFI_INVALID_PARAMETER', () => {
    const { db } = setup();
    const u = db.registerUser(0x1000n, GUID_A);
    const s = db.registerSupervisor(() => EFI.SUCCESS, GUID_A);
    expect(u).to.not.equal(0n);
    expect(s).to.not.equal(u);
    expect(db.unregister(s, 'user')).to.equal(EFI.INVALID_PARAMETER);
    expect(db.unregister(u, 'supervisor')).to.equal(EFI.INVALID_PARAMETER);
    expect(db.unregister(0xdeadn, 'user')).to.equal(EFI.INVALID_PARAMETER);
    expect(db.unregister(u, 'user')).to.equal(EFI.SUCCESS);
    expect(db.unregister(u, 'user')).to.equal(EFI.INVALID_PARAMETER);
  });

  it('item 105: size 0 dispatches nothing and returns EFI_NOT_FOUND; a buffer without size pointer too', () => {
    const { db, mgr, invoker } = setup();
    db.registerUser(0x1000n, GUID_A);
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, new LocalCommSize(0n))).to.equal(EFI.NOT_FOUND);
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, null)).to.equal(EFI.NOT_FOUND);
    expect(invoker.calls).to.have.length(0);
  });

  it('item 105: mixed page attributes under the buffer → EFI_NOT_FOUND, nothing dispatched', () => {
    const { db, mgr, attrs, invoker } = setup();
    attrs.mark(USER_BUF + 0x1000n, 0x1000n, SUPERVISOR_RW);
    db.registerUser(0x1000n, GUID_A);
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, new LocalCommSize(0x1800n))).to.equal(EFI.NOT_FOUND);
    expect(invoker.calls).to.have.length(0);
  });

  it('item 108: user-owned buffer runs only user handlers (through the broker trampoline with 5 args); supervisor-owned runs only supervisor handlers', () => {
    const { db, mgr, invoker } = setup();
    const calls: string[] = [];
    const u = db.registerUser(0xabc000n, GUID_A);
    db.registerSupervisor((h, _c, buf) => { calls.push(`sup ${h} ${buf}`); return EFI.SUCCESS; }, GUID_A);
    const size = { read: () => 16n, write: () => undefined, address: 0x7e00_0000n };
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, size)).to.equal(EFI.SUCCESS);
    expect(calls).to.deep.equal([]);
    expect(invoker.calls).to.deep.equal([{ cpu: 0, routine: TRAMPOLINE, args: [u, 0n, USER_BUF, 0x7e00_0000n, 0xabc000n] }]);
    expect(mgr.mmiManage(GUID_A, 0n, SUP_BUF, new LocalCommSize(16n))).to.equal(EFI.SUCCESS);
    expect(calls).to.have.length(1);
    expect(invoker.calls).to.have.length(1);
  });

  it('item 108: a NULL comm buffer (asynchronous MMI) takes the user path', () => {
    const { db, mgr, invoker } = setup();
    let supCalled = false;
    db.registerSupervisor(() => { supCalled = true; return EFI.SUCCESS; }, null);
    db.registerUser(0x5000n, null);
    expect(mgr.mmiManage(null, 0n, null, null)).to.equal(EFI.SUCCESS);
    expect(supCalled).to.equal(false);
    expect(invoker.calls).to.have.length(1);
  });

  it('item 107: GUIDed dispatch stops at the first SUCCESS; root dispatch continues', () => {
    const { db, mgr, invoker, userStatus } = setup();
    db.registerUser(0x1000n, GUID_A);
    db.registerUser(0x2000n, GUID_A);
    db.registerUser(0x3000n, GUID_A);
    userStatus.set(0x1000n, EFI.UNSUPPORTED);
    const size = new LocalCommSize(8n);
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, size)).to.equal(EFI.SUCCESS);
    expect(invoker.calls.map((c) => c.args[4])).to.deep.equal([0x1000n, 0x2000n]);
    db.registerUser(0x4000n, null);
    db.registerUser(0x5000n, null);
    invoker.calls.length = 0;
    expect(mgr.mmiManage(null, 0n, null, null)).to.equal(EFI.SUCCESS);
    expect(invoker.calls.map((c) => c.args[4])).to.deep.equal([0x4000n, 0x5000n]);
  });

  it('item 106: status folding — QUIESCED counts as SUCCESS, PENDING and errors do not (§8.5.5)', () => {
    const fold = (statuses: bigint[], guided: boolean) => {
      const { db, mgr, userStatus } = setup();
      statuses.forEach((s, i) => { db.registerUser(BigInt(0x1000 * (i + 1)), guided ? GUID_A : null); userStatus.set(BigInt(0x1000 * (i + 1)), s); });
      return guided ? mgr.mmiManage(GUID_A, 0n, USER_BUF, new LocalCommSize(8n)) : mgr.mmiManage(null, 0n, null, null);
    };
    expect(fold([EFI.WARN_INTERRUPT_SOURCE_QUIESCED], true)).to.equal(EFI.SUCCESS);
    expect(fold([EFI.WARN_INTERRUPT_SOURCE_PENDING], true)).to.equal(EFI.WARN_INTERRUPT_SOURCE_PENDING);
    expect(fold([EFI.WARN_INTERRUPT_SOURCE_QUIESCED, EFI.WARN_INTERRUPT_SOURCE_PENDING], true)).to.equal(EFI.SUCCESS);
    expect(fold([EFI.INTERRUPT_PENDING, EFI.SUCCESS], true)).to.equal(EFI.INTERRUPT_PENDING);
    expect(fold([EFI.SUCCESS, EFI.INTERRUPT_PENDING], false)).to.equal(EFI.SUCCESS);
    expect(fold([EFI.WARN_INTERRUPT_SOURCE_PENDING, EFI.INTERRUPT_PENDING], false)).to.equal(EFI.INTERRUPT_PENDING);
    expect(fold([EFI.INTERRUPT_PENDING, EFI.WARN_INTERRUPT_SOURCE_PENDING], false)).to.equal(EFI.WARN_INTERRUPT_SOURCE_PENDING);
    expect(fold([EFI.UNSUPPORTED, EFI.ACCESS_DENIED], true)).to.equal(EFI.NOT_FOUND);
    expect(fold([], false)).to.equal(EFI.NOT_FOUND);
  });

  it('item 106: without the broker trampoline user handlers return EFI_NOT_READY (not invoked) → EFI_NOT_FOUND', () => {
    const { db, mgr, invoker } = setup(null);
    db.registerUser(0x1000n, GUID_A);
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, new LocalCommSize(8n))).to.equal(EFI.NOT_FOUND);
    expect(invoker.calls).to.have.length(0);
    expect(mgr.lastReport?.invoked[0].status).to.equal(EFI.NOT_READY);
  });

  it('an unknown handler GUID → EFI_NOT_FOUND (§8.5 step 3)', () => {
    const { mgr } = setup();
    expect(mgr.mmiManage(GUID_A, 0n, USER_BUF, new LocalCommSize(8n))).to.equal(EFI.NOT_FOUND);
  });

  it('unregistration during dispatch is deferred until the outermost MmiManage returns (§8.5.6)', () => {
    const { db, mgr } = setup();
    const order: string[] = [];
    let h2 = 0n;
    const h1 = db.registerSupervisor((h) => {
      order.push('h1');
      expect(db.unregister(h, 'supervisor')).to.equal(EFI.SUCCESS);
      expect(db.unregister(h2, 'supervisor')).to.equal(EFI.SUCCESS);
      // nested MmiManage keeps the deferred state
      mgr.mmiManage('99999999-2222-3333-4444-555555555555', 0n, SUP_BUF, new LocalCommSize(8n));
      expect(db.lookup(h)).to.not.equal(undefined);
      return EFI.UNSUPPORTED;
    }, null);
    h2 = db.registerSupervisor(() => { order.push('h2'); return EFI.UNSUPPORTED; }, null);
    const size = new LocalCommSize(8n);
    mgr.mmiManage(null, 0n, SUP_BUF, size);
    expect(order).to.deep.equal(['h1', 'h2']);
    expect(db.lookup(h1)).to.equal(undefined);
    expect(db.lookup(h2)).to.equal(undefined);
    expect(db.handlersFor(null)).to.have.length(0);
  });
});
