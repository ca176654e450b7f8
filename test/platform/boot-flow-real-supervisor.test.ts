/**
 * The platform's boot-flow acceptance (issue 4; supervisor-facts §1.3, §1.7, §12 items 14–19) against the REAL
 * supervisor model instead of the test double: the IPL and the DXE support driver see the supervisor's own answers.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { wellKnownGuid } from '../../src/firmware/guid/guid-registry';
import { BOOT_MMI_SEQUENCE, sentMmis } from './helpers/boot-fixture';
import { q35WithSupervisor } from './helpers/real-supervisor-fixture';

const ERR = 0x8000000000000000n;
const wk = (n: string) => wellKnownGuid(n)!;

describe('platform boot with the real supervisor model (items 14–19)', () => {
  it('the MMI sequence of §1.3 / §1.7 is sent and every MMI succeeds; COMM_UPDATE moves the buffers', () => {
    const f = q35WithSupervisor();
    expect(f.boot.boot()).to.deep.equal({ reached: 'runtime', stopped: null });
    expect(sentMmis(f.machine).map((m) => [m.name, m.channel, m.milestone, m.request ?? null])).to.deep.equal(BOOT_MMI_SEQUENCE);
    const results = f.machine.trace.ofType('mmi-result');
    expect(results.map((r) => r.data.returnStatus)).to.deep.equal(Array(8).fill('0x0'));
    expect(results[4].data).to.include({ result: 'EFI_SUCCESS', repliedIn: 'new buffers' });
    expect(f.machine.trace.ofType('firmware-error')).to.deep.equal([]);
  });

  it('item 14: MMRAM is closed and locked right after the core entry returned, before any MMI', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('end of PEI');
    const ev = f.machine.trace.events.filter((e) => ['ipl', 'smram', 'mmi'].includes(e.type)).map((e) => (e.type === 'ipl' ? e.data.step : e.type === 'smram' ? `smram ${e.data.state}` : 'mmi'));
    const i = ev.indexOf('core entry returned');
    expect(ev.slice(i, i + 5)).to.deep.equal(['core entry returned', 'smram closed', 'close MMRAM', 'smram locked', 'lock MMRAM']);
    expect(f.core.entryResult).to.deep.equal({ status: 0n });
    expect(f.machine.outside.read(Number(f.cfg.tseg.base), 16).every((b) => b === 0xff)).to.equal(true);
  });

  it('item 15: the IPL reads the version the core image carries (0x00170027 / 0x00010001, level 4)', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('end of PEI');
    expect(f.boot.pei!.ipl!.version).to.deep.equal({ version: 0x00170027, patchLevel: 0x00010001, maxSupervisorRequestLevel: 4n });
  });

  it('item 15: a core image with Version 0 gets no PPIs and no dispatch MMI', () => {
    const f = q35WithSupervisor({ config: (c) => ({ ...c, supervisor: { ...c.supervisor, version: 0 } }) });
    f.boot.runTo('end of PEI');
    expect(f.boot.pei!.ipl!.status).to.equal(ERR | 26n);
    expect(sentMmis(f.machine).map((m) => m.name)).to.deep.equal(['gMmSupervisorRequestHandlerGuid']);
    expect(f.boot.services.ppi('gPeiMmSupervisorCommunicationPpiGuid')).to.equal(undefined);
  });

  it('item 16: one dispatch MMI starts the broker then the error-report driver; the dispatcher reports EFI_SUCCESS', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('end of PEI');
    const started = f.core.runtime!.dispatcher.started;
    expect(started).to.deep.equal(['bb3d60c4-210b-4076-b596-3dd298afea49', '930a5e37-9771-4261-9c54-86f821e25b72']);
    expect(sentMmis(f.machine).filter((m) => m.name === 'gMmSupervisorDriverDispatchGuid').length).to.equal(1);
  });

  it('item 17: EndOfPei on the user channel reaches the broker\'s CPL3 handler, which answers EFI_SUCCESS', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('end of PEI');
    const manage = f.machine.trace.ofType('mmi').filter((e) => e.data.action === 'manage' && e.data.handlerType === wk('gEfiMmEndOfPeiProtocol'));
    expect(manage.length).to.equal(1);
    expect(manage[0].data).to.deep.include({ path: 'user', result: 'EFI_SUCCESS' });
  });

  it('item 18: ready-to-lock reaches the supervisor once and locks it; UNBLOCK_MEM is then denied', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('ready to boot');
    expect(f.core.state.locked).to.equal(true);
    expect(sentMmis(f.machine).filter((m) => m.name === 'gEfiDxeMmReadyToLockProtocolGuid').length).to.equal(1);
    const r = f.boot.supervisorChannel!.supervisorRequest('UNBLOCK_MEM', new Uint8Array(56));
    expect(r.result).to.equal(ERR | 15n);
  });

  it('item 19 and §8.3.3a: ExitBootServices sets runtime; the next supervisor call is left unanswered and then refused locally', () => {
    const f = q35WithSupervisor();
    f.boot.boot();
    expect(f.core.state.runtime).to.equal(true);
    const comm = f.boot.supervisorChannel!;
    const first = comm.supervisorRequest('VERSION_INFO', new Uint8Array(16));
    expect(first.returnStatus).to.not.equal(null);
    const second = comm.supervisorRequest('VERSION_INFO', new Uint8Array(16));
    expect(second.status).to.equal(ERR | 2n);
  });
});
