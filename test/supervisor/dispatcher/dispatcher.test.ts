import { describe, it } from 'node:test';
import { expect } from 'chai';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { compileDepex } from '../../../src/firmware/depex';
import { FfsFileType } from '../../../src/firmware/fv';
import { guidToBytes } from '../../../src/firmware/guid';
import { MemoryView } from '../../../src/platform/memory-view';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { SupervisorGuids as G } from '../../../src/supervisor/core/supervisor-guids';
import { MmDispatcher, SupervisorProtocolDatabase, discoverStandaloneMmDrivers, type DiscoveredDriver } from '../../../src/supervisor/dispatcher';
import { LocalCommSize } from '../../../src/supervisor/handler';
import { FakeInvoker } from '../fakes';
import { ffs, fvBytes } from '../fv-fixtures';

const g = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const PE = new Uint8Array([0x4d, 0x5a]);
const drv = (name: string, depex: string | Uint8Array, type: number = FfsFileType.MM_STANDALONE) =>
  ffs(name, type, [{ kind: 'pe32', data: PE }, { kind: 'mmDepex', data: typeof depex === 'string' ? compileDepex(depex) : depex }]);

function placeFvs(fvs: Uint8Array[]) {
  const view = new MemoryView(new SparseMemory(), true);
  const hobs = fvs.map((b, i) => {
    const base = 0x1000_0000n + BigInt(i) * 0x10_0000n;
    view.write(Number(base), b);
    return { baseAddress: base, length: BigInt(b.length) };
  });
  return { view, hobs };
}

/** Dispatcher with a fake loader/invoker; entry behaviour is scripted per driver (TESTS ONLY). */
function dispatcherFor(drivers: DiscoveredDriver[], o: { entry?: (name: string, args: readonly bigint[]) => bigint; loadFail?: Set<string>; systemTable?: () => bigint | undefined } = {}) {
  const protocols = new SupervisorProtocolDatabase();
  const byEntry = new Map<bigint, string>();
  const unloaded: string[] = [];
  let next = 0x7f00_0000n;
  const loader = {
    loadImage: (d: { fileName: string }) => {
      if (o.loadFail?.has(d.fileName)) return { error: EFI.OUT_OF_RESOURCES };
      next += 0x10000n;
      byEntry.set(next + 0x1000n, d.fileName);
      return { base: next, size: 0x4000n, entryPoint: next + 0x1000n };
    },
    unloadImage: (img: { entryPoint: bigint }) => { unloaded.push(byEntry.get(img.entryPoint)!); },
  };
  const invoker = new FakeInvoker((routine, args) => (o.entry ? o.entry(byEntry.get(routine)!, args) : EFI.SUCCESS));
  const smm = new MemoryView(new SparseMemory(), true);
  const d = new MmDispatcher({ drivers, protocols, loader, invoker, systemTable: { userSystemTable: o.systemTable ?? (() => undefined) }, smm });
  return { d, protocols, invoker, unloaded, smm };
}

const discovered = (files: ReturnType<typeof drv>[]) => {
  const { view, hobs } = placeFvs([fvBytes(files)]);
  return discoverStandaloneMmDrivers(hobs, view).drivers;
};

describe('supervisor dispatcher: FV discovery (supervisor-facts §1.10, §2.1)', () => {
  it('items 21/22: only MM_STANDALONE files with an MM_DEPEX are drivers; SMM (0x0A) files are ignored', () => {
    const { view, hobs } = placeFvs([fvBytes([
      drv(g(1), 'TRUE'),
      drv(g(2), 'TRUE', FfsFileType.MM),
      ffs(g(3), FfsFileType.MM_STANDALONE, [{ kind: 'pe32', data: PE }]),
      drv(g(4), 'TRUE'),
    ])]);
    const r = discoverStandaloneMmDrivers(hobs, view);
    expect(r.drivers.map((x) => x.fileName)).to.deep.equal([g(1), g(4)]);
    expect(r.skipped.map((s) => s.reason)).to.deep.equal(['no MM_DEPEX section']);
  });
  it('§1.10: the FV holding the core file is the standalone BFV; an FV with a repeated ext-header name is skipped; FVs without MM files are not ingested', () => {
    const core = ffs(G.core, FfsFileType.MM_CORE_STANDALONE, [{ kind: 'pe32', data: PE }]);
    const { view, hobs } = placeFvs([
      fvBytes([drv(g(9), 'TRUE', FfsFileType.DRIVER)]),
      fvBytes([core, drv(g(1), 'TRUE')], g(100)),
      fvBytes([drv(g(2), 'TRUE')], g(100)),
      fvBytes([drv(g(3), 'TRUE')], g(101)),
    ]);
    const r = discoverStandaloneMmDrivers(hobs, view);
    expect(r.standaloneBfv?.baseAddress).to.equal(hobs[1].baseAddress);
    expect(r.drivers.map((x) => x.fileName)).to.deep.equal([g(1), g(3)]);
    expect(r.skipped.map((s) => s.reason)).to.deep.equal(['no MM_CORE_STANDALONE or MM_STANDALONE file', `FV name ${g(100)} already processed`]);
  });
});

describe('supervisor dispatcher: MmDispatcher (supervisor-facts §2.2–§2.4)', () => {
  it('item 23: drivers satisfied together start in FV order; later passes pick up newly satisfied drivers', () => {
    const drivers = discovered([drv(g(1), `${g(50)}`), drv(g(2), 'TRUE'), drv(g(3), 'TRUE')]);
    const h = dispatcherFor(drivers, { entry: (n) => { if (n === g(3)) h.protocols.installProtocolOnNewHandle(g(50)); return EFI.SUCCESS; } });
    expect(h.d.dispatch()).to.equal(EFI.SUCCESS);
    expect(h.d.started).to.deep.equal([g(2), g(3), g(1)]);
  });
  it('item 24: a depex with SOR never evaluates TRUE', () => {
    const sor = new Uint8Array([0x09, 0x06, 0x08]);
    const h = dispatcherFor(discovered([drv(g(1), sor)]));
    h.d.dispatch();
    expect(h.d.started).to.deep.equal([]);
    expect(h.d.dispatchRequested).to.equal(true);
  });
  it('item 25: stack underflow, running past the end and unknown opcodes evaluate FALSE', () => {
    const h = dispatcherFor(discovered([drv(g(1), new Uint8Array([0x03, 0x08])), drv(g(2), new Uint8Array([0x06])), drv(g(3), new Uint8Array([0x0a, 0x08])), drv(g(4), 'TRUE')]));
    h.d.dispatch();
    expect(h.d.started).to.deep.equal([g(4)]);
  });
  it('item 26/30: a PUSH of a GUID installed in the supervisor DB (as SMM_INST_PROT does) is TRUE; drivers wait for gMmRing3HandlerReadyProtocol', () => {
    const drivers = discovered([drv(g(1), `${G.ring3HandlerReady} AND TRUE`), drv(g(2), 'TRUE')]);
    const h = dispatcherFor(drivers, { entry: (n) => { if (n === g(2)) h.protocols.installProtocolOnNewHandle(G.ring3HandlerReady, 0n); return EFI.SUCCESS; } });
    h.d.dispatch();
    expect(h.d.started).to.deep.equal([g(2), g(1)]);
  });
  it('item 27: BEFORE-X starts immediately before X, AFTER-X immediately after, recursively; an absent target never dispatches', () => {
    const depexBA = (op: number, target: string) => new Uint8Array([op, ...guidToBytes(target), 0x08]);
    const drivers = discovered([
      drv(g(1), 'TRUE'),
      drv(g(2), depexBA(0x01, g(3))), // AFTER 3
      drv(g(3), 'TRUE'),
      drv(g(4), depexBA(0x00, g(3))), // BEFORE 3
      drv(g(5), depexBA(0x00, g(4))), // BEFORE 4 (recursive)
      drv(g(6), depexBA(0x01, g(99))), // AFTER a driver that never exists
    ]);
    const h = dispatcherFor(drivers);
    h.d.dispatch();
    expect(h.d.started).to.deep.equal([g(1), g(5), g(4), g(3), g(2)]);
  });
  it('item 29: entries get (ImageHandle, NULL) before SMM_SET_CPL3_TBL, the registered table afterwards; run on the BSP', () => {
    let table: bigint | undefined;
    const drivers = discovered([drv(g(1), 'TRUE'), drv(g(2), `${g(50)}`)]);
    const h = dispatcherFor(drivers, {
      systemTable: () => table,
      entry: (n) => { if (n === g(1)) { table = 0x7f12_3000n; h.protocols.installProtocolOnNewHandle(g(50)); } return EFI.SUCCESS; },
    });
    h.d.dispatch();
    expect(h.invoker.calls.map((c) => c.args[1])).to.deep.equal([0n, 0x7f12_3000n]);
    expect(h.invoker.calls.every((c) => c.cpu === 0)).to.equal(true);
    const ih = h.invoker.calls[0].args[0];
    expect(h.protocols.handlesFor(G.loadedImageProtocol)).to.include(ih);
  });
  it('item 32/33: the dispatch MMI writes the status into the first 8 payload bytes; with nothing left it is EFI_NOT_FOUND', () => {
    const h = dispatcherFor(discovered([drv(g(1), 'TRUE')]));
    const at = 0x7f20_0000n;
    h.smm.setU64(Number(at), 0xffn);
    expect(h.d.driverDispatchHandler(0n, 0n, at, new LocalCommSize(8n))).to.equal(EFI.SUCCESS);
    expect(h.smm.u64(Number(at))).to.equal(EFI.SUCCESS);
    expect(h.d.driverDispatchHandler(0n, 0n, at, new LocalCommSize(8n))).to.equal(EFI.SUCCESS);
    expect(h.smm.u64(Number(at))).to.equal(EFI.NOT_FOUND);
    h.smm.setU64(Number(at), 0x77n);
    h.d.driverDispatchHandler(0n, 0n, at, new LocalCommSize(7n)); // payload < 8: nothing written
    expect(h.smm.u64(Number(at))).to.equal(0x77n);
  });
  it('§2.4 step 1: the dispatcher is not re-entrant (EFI_ALREADY_STARTED)', () => {
    let nested: bigint | undefined;
    const h = dispatcherFor(discovered([drv(g(1), 'TRUE')]), { entry: () => { nested = h.d.dispatch(); return EFI.SUCCESS; } });
    h.d.dispatch();
    expect(nested).to.equal(EFI.ALREADY_STARTED);
  });
  it('§2.4 steps 2/6: a load failure marks the driver initialized and skips it; an entry error unloads the image and uninstalls its LoadedImage', () => {
    const h = dispatcherFor(discovered([drv(g(1), 'TRUE'), drv(g(2), 'TRUE'), drv(g(3), 'TRUE')]), {
      loadFail: new Set([g(1)]), entry: (n) => (n === g(2) ? EFI.UNSUPPORTED : EFI.SUCCESS),
    });
    h.d.dispatch();
    expect(h.d.started).to.deep.equal([g(2), g(3)]);
    expect(h.unloaded).to.deep.equal([g(2)]);
    expect(h.d.entries.map((e) => e.initialized)).to.deep.equal([true, true, true]);
    expect(h.protocols.handlesFor(G.loadedImageProtocol)).to.have.length(1);
    expect(h.d.dispatch()).to.equal(EFI.NOT_FOUND);
  });
});
