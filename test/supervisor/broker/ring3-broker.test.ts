import { describe, it } from 'node:test';
import { expect } from 'chai';
import { guidFromBytes, wellKnownGuid } from '../../../src/firmware/guid';
import { MmImageLoader } from '../../../src/supervisor/mem/image-loader';
import { buildRing3BrokerImage, MMST, MMST_SIGNATURE, RING3_BROKER_FILE_GUID } from '../../../src/supervisor/broker/ring3-broker-image';
import { setupSupervisorCpu } from '../support/supervisor-cpu-harness';

function brokerMachine() {
  const protocols: string[] = [];
  const handlers: { handler: bigint; guid: string | null }[] = [];
  const t = setupSupervisorCpu('ret', {
    services: {
      installProtocol: (g) => {
        protocols.push(guidFromBytes(g));
        return 0n;
      },
      registerUserHandler: (h, g) => {
        handlers.push({ handler: h, guid: g === null ? null : guidFromBytes(g) });
        return 0x1000n + BigInt(handlers.length);
      },
    },
  });
  const loader = new MmImageLoader(t.m.smm, t.alloc, t.ptm);
  const broker = loader.load(buildRing3BrokerImage(), 'MmSupervisorRing3Broker', RING3_BROKER_FILE_GUID, 'user');
  return { t, broker, protocols, handlers };
}

const name = (g: string) => wellKnownGuid(g)!;

describe('Ring 3 broker (real x86-64 code at CPL3, §2.6 and §3.9)', () => {
  it('its entry registers the trampolines and the user MMST, installs its two protocols and five lifecycle handlers', () => {
    const { t, broker, protocols, handlers } = brokerMachine();
    const status = t.demotion.invokeDemoted(t.cpu, broker.entryPoint, [broker.base, 0n]);
    expect(status).to.equal(0n);
    const reg = t.dispatcher.registrations;
    expect(reg.mmiTrampoline !== null && reg.apTrampoline !== null && reg.cpl3Table !== null).to.equal(true);
    expect(protocols).to.deep.equal([name('gEfiMmCpuProtocolGuid'), name('gMmRing3HandlerReadyProtocol')]);
    expect(handlers.map((h) => h.guid)).to.deep.equal([
      name('gEfiDxeMmReadyToLockProtocolGuid'), name('gEfiMmEndOfPeiProtocol'), name('gEfiEndOfDxeEventGroupGuid'),
      name('gEfiEventExitBootServicesGuid'), name('gEfiEventReadyToBootGuid'),
    ]);
    // the MMST the broker registered has its services filled in (non-zero pointers into its own code)
    const mmst = Number(reg.cpl3Table);
    for (const f of [MMST.installProtocolInterface, MMST.locateProtocol, MMST.mmiHandlerRegister, MMST.allocatePages]) {
      const p = t.m.smm.u64(mmst + f);
      expect(p >= broker.base && p < broker.base + BigInt(broker.size), `MMST +0x${f.toString(16)}`).to.equal(true);
    }
    expect(t.m.smm.u64(mmst + MMST.mmiManage)).to.equal(0n);
  });

  it('the MMST it registers carries the standard table header (Signature SMST, HeaderSize = sizeof (EFI_MM_SYSTEM_TABLE), §3.9)', () => {
    const { t, broker } = brokerMachine();
    t.demotion.invokeDemoted(t.cpu, broker.entryPoint, [broker.base, 0n]);
    const mmst = Number(t.dispatcher.registrations.cpl3Table);
    expect(t.m.smm.u32(mmst)).to.equal(MMST_SIGNATURE);
    expect(t.m.smm.u32(mmst + 12)).to.equal(MMST.size);
  });

  it('the MMI trampoline calls the handler with (DispatchHandle, Context, CommBuffer, CommBufferSize) and returns its status', () => {
    const { t, broker, handlers } = brokerMachine();
    t.demotion.invokeDemoted(t.cpu, broker.entryPoint, [broker.base, 0n]);
    // the EndOfPei handler installs gEfiMmEndOfPeiProtocol through the same path
    const endOfPei = handlers[1].handler;
    const status = t.demotion.invokeDemoted(t.cpu, t.dispatcher.registrations.mmiTrampoline!, [0x1002n, 0n, 0n, 0n, endOfPei]);
    expect(status).to.equal(0n);
  });

  it('the DxeMmReadyToLock handler installs gEfiMmReadyToLockProtocolGuid and unregisters itself', () => {
    const unregistered: bigint[] = [];
    const { t, broker, handlers, protocols } = brokerMachine();
    (t.services as { unregisterUserHandler: (h: bigint) => bigint }).unregisterUserHandler = (h) => {
      unregistered.push(h);
      return 0n;
    };
    t.demotion.invokeDemoted(t.cpu, broker.entryPoint, [broker.base, 0n]);
    t.demotion.invokeDemoted(t.cpu, t.dispatcher.registrations.mmiTrampoline!, [0x1001n, 0n, 0n, 0n, handlers[0].handler]);
    expect(protocols[2]).to.equal(name('gEfiMmReadyToLockProtocolGuid'));
    expect(unregistered).to.deep.equal([0x1001n]);
  });
});
