import { describe, it } from 'node:test';
import { expect } from 'chai';
import { parseHobList, type Hob } from '../../src/firmware/hob';
import { wellKnownGuid } from '../../src/firmware/guid/guid-registry';
import { ZERO_GUID } from '../../src/firmware/guid/guid';
import { MILESTONES } from '../../src/platform/boot/milestones';
import { ESMRAMC, MCH_ESMRAMC, MCH_SMRAM, SMRAMC } from '../../src/platform/chipset/q35-chipset';
import { PciConfigPorts } from '../../src/platform/devices/pci-config';
import { runOutsideMm } from '../../src/platform/firmware-context';
import { MmramState } from '../../src/platform/firmware/mm-access';
import { BOOT_MMI_SEQUENCE, q35Fixture, sentMmis } from './helpers/boot-fixture';

const wk = (n: string) => wellKnownGuid(n)!;
const ERR = 0x8000000000000000n;

function hobsOf(f: ReturnType<typeof q35Fixture>): Hob[] {
  return parseHobList(f.machine.outside.read(Number(f.boot.hobListAddress), 0x10000));
}

describe('platform boot: MMRAM state', () => {
  it('is closed at PEI, opened by the IPL for loading, then closed and locked for every later milestone', () => {
    const f = q35Fixture();
    const seen: Record<string, string> = {};
    for (const m of MILESTONES) {
      f.boot.runTo(m);
      seen[m] = f.boot.mmramState;
    }
    expect(seen).to.deep.equal({
      PEI: 'closed', 'end of PEI': 'locked', DXE: 'locked', 'end of DXE': 'locked', 'ready to lock': 'locked',
      'ready to boot': 'locked', 'exit boot services': 'locked', runtime: 'locked',
    });
    const ipl = f.machine.trace.ofType('ipl').map((e) => [e.data.step, e.data.state]).filter(([, s]) => s !== undefined);
    expect(ipl).to.deep.equal([['open MMRAM', 'open'], ['close MMRAM', 'closed'], ['lock MMRAM', 'locked']]);
    // each milestone event carries the state
    expect(f.machine.trace.ofType('milestone').map((e) => e.data.smram)).to.deep.equal(['closed', ...new Array(7).fill('locked')]);
  });

  it('after the lock, TSEG reads as 0xFF from outside SMM (host view and a real CPU load) while SMM sees the core', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    const core = f.boot.pei!.ipl!.core!;
    expect(Array.from(f.machine.outside.read(Number(core.base), 32))).to.deep.equal(new Array(32).fill(0xff));
    expect(Array.from(f.machine.smm.read(Number(core.base), 2))).to.deep.equal([0x4d, 0x5a]); // 'MZ'
    const tseg = f.machine.chipset.tsegBase;
    const r = runOutsideMm(f.machine, 1, Uint8Array.of(0x48, 0x8b, 0x03), { rbx: BigInt(tseg) }); // mov rax, [rbx]
    expect(r.rax).to.equal(0xffffffffffffffffn);
    f.machine.outside.setU32(Number(core.base), 0); // dropped
    expect(f.machine.smm.u16(Number(core.base))).to.equal(0x5a4d);
  });

  it('reopening after the lock fails through the MM Access PPI and through raw config writes', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    expect(f.boot.mmAccess.open()).to.equal(false);
    const w = (off: number, v: number) => {
      f.machine.ports.write(0xcf8, 4, PciConfigPorts.address(off), null);
      f.machine.ports.write(0xcfc + (off & 3), 1, v, null);
    };
    w(MCH_ESMRAMC, 0x38); // clear T_EN
    w(MCH_SMRAM, SMRAMC.D_OPEN | SMRAMC.G_SMRAME); // open, drop D_LCK
    expect(f.boot.mmramState).to.equal('locked');
    expect(f.machine.chipset.esmramc & ESMRAMC.T_EN).to.equal(ESMRAMC.T_EN);
    expect(f.machine.outside.u8(f.machine.chipset.tsegBase)).to.equal(0xff);
  });
});

describe('platform boot: SMIs', () => {
  for (const cpus of [1, 2, 4]) {
    it(`every MMI trigger is an OUT to 0xB2 that brings all ${cpus} CPU(s) into SMM`, () => {
      const f = q35Fixture({ cpus });
      f.boot.runTo('end of PEI');
      const smis = f.machine.trace.ofType('smi');
      expect(smis.length).to.equal(3); // VERSION_INFO, dispatch, EndOfPei
      for (const s of smis) expect(s.data).to.include({ source: 'apm', port: 0xb2, cpu: 0, cpus });
      expect(f.core.smiEntries).to.deep.equal(Array.from({ length: 3 }, () => [...Array(cpus).keys()]).flat());
      expect(f.machine.trace.ofType('cpu-rsm').length).to.equal(3 * cpus);
      expect(f.machine.cpus.every((c) => !c.inSmm)).to.equal(true);
    });
  }
});

describe('platform boot: the MMIs the IPL and the DXE support driver send (supervisor-facts §1.3, §1.7, §10.7)', () => {
  it('VERSION_INFO, dispatch (PEI); EndOfPei (user); VERSION_INFO, COMM_UPDATE, VERSION_INFO (DXE); ready-to-lock; ExitBootServices', () => {
    const f = q35Fixture();
    f.boot.boot();
    expect(sentMmis(f.machine).map((m) => [m.name, m.channel, m.milestone, m.request ?? null])).to.deep.equal(BOOT_MMI_SEQUENCE);
    // each MMI has its result in the trace, right after the SMI it caused
    expect(f.machine.trace.ofType('mmi-result').length).to.equal(8);
    expect(f.machine.trace.ofType('mmi-result')[4].data).to.include({ result: 'EFI_SUCCESS', repliedIn: 'new buffers' });
  });

  it('with PcdPeiMemoryBinsEnable the DXE driver does not move the buffers (no COMM_UPDATE)', () => {
    const f = q35Fixture({ config: (c) => ({ ...c, peiMemoryBinsEnable: true }) });
    f.boot.runTo('DXE');
    expect(sentMmis(f.machine).filter((m) => m.milestone === 'DXE').map((m) => m.request)).to.deep.equal(['VERSION_INFO']);
    expect(f.boot.memory.allocations.filter((a) => a.owner.startsWith('MmCommunicationBufferPei')).every((a) => a.type === 6)).to.equal(true);
  });
});

describe('platform boot: IPL (supervisor-facts §12 items 14–17)', () => {
  it('item 14: closes and then locks MMRAM right after the core entry returns, before any MMI', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    const ev = f.machine.trace.events.filter((e) => ['ipl', 'smram', 'mmi'].includes(e.type)).map((e) => (e.type === 'ipl' ? e.data.step : e.type === 'smram' ? `smram ${e.data.state}` : 'mmi'));
    const i = ev.indexOf('core entry returned');
    expect(ev.slice(i, i + 5)).to.deep.equal(['core entry returned', 'smram closed', 'close MMRAM', 'smram locked', 'lock MMRAM']);
    expect(ev.indexOf('mmi')).to.be.greaterThan(i);
  });

  it('the core entry is a real CPU call outside SMM with the HOB list in RCX; the image sits at the top of TSEG', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    expect(f.core.entered).to.deep.equal([{ cpu: 0, inSmm: false, hobList: f.boot.hobListAddress }]);
    const core = f.boot.pei!.ipl!.core!;
    expect(core.hostModule).to.equal(true);
    expect(core.base + core.pages * 0x1000n).to.equal(BigInt(f.machine.chipset.tsegEnd));
    expect(f.machine.trace.ofType('cpu-exception')).to.deep.equal([]);
  });

  it('builds the HOB list: PHIT, CPU, resources, FV, rewritten SMRAM HOB, MP info, SMBASE, comm buffers, core module HOB', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    const hobs = hobsOf(f);
    expect(hobs[0].kind).to.equal('handoff');
    const core = f.boot.pei!.ipl!.core!;
    const guidHobs = hobs.filter((h) => h.kind === 'guidExtension') as Extract<Hob, { kind: 'guidExtension' }>[];
    const smram = guidHobs.filter((h) => h.name === wk('gEfiSmmSmramMemoryGuid'));
    expect(smram.length).to.equal(1); // the old one's GUID was erased
    expect(guidHobs.some((h) => h.name === ZERO_GUID && h.payload.kind === 'raw')).to.equal(true);
    const d = (smram[0].payload as { descriptors: { physicalStart: bigint; physicalSize: bigint; regionState: bigint }[] }).descriptors;
    expect(d[d.length - 1]).to.deep.include({ physicalStart: core.base, physicalSize: core.pages * 0x1000n });
    expect(d[d.length - 1].regionState & MmramState.ALLOCATED).to.equal(MmramState.ALLOCATED);
    const mod = hobs.find((h) => h.kind === 'memoryAllocationModule');
    expect(mod).to.deep.include({ moduleName: wk('gMmSupervisorCoreGuid'), memoryBaseAddress: core.base, entryPoint: core.entryPoint });
    const mp = guidHobs.find((h) => h.name === wk('gMpInformation2HobGuid'))!.payload as { entries: unknown[] };
    expect(mp.entries.length).to.equal(2);
    const sb = guidHobs.find((h) => h.name === wk('gSmmBaseHobGuid'))!.payload as { smBase: bigint[] };
    expect(sb.smBase).to.deep.equal(f.machine.cpus.map((c) => BigInt(c.smm.smbase)));
    const region = guidHobs.find((h) => h.name === wk('gMmCommonRegionHobGuid'))!.payload as { regionType: bigint; pages: bigint; address: bigint; statusRegionAddress: bigint };
    expect(region.regionType).to.equal(0n);
    expect(region.pages).to.equal(16n);
    const tseg = BigInt(f.machine.chipset.tsegBase);
    expect(region.address < tseg && region.statusRegionAddress < tseg).to.equal(true);
    expect(hobs.filter((h) => h.kind === 'fv').length).to.equal(1);
    expect(hobs.filter((h) => h.kind === 'resourceDescriptor').length).to.equal(6);
  });

  it('item 15: a Version 0 supervisor gets no PPIs, no dispatch MMI (EFI_SECURITY_VIOLATION)', () => {
    const f = q35Fixture({ double: { version: 0 } });
    f.boot.runTo('end of PEI');
    expect(f.boot.pei!.ipl!.status).to.equal(ERR | 26n);
    expect(f.boot.services.ppi('gPeiMmSupervisorCommunicationPpiGuid')).to.equal(undefined);
    expect(f.boot.services.ppi('gEfiPeiSmmCommunicationPpiGuid')).to.equal(undefined);
    expect(sentMmis(f.machine).map((m) => m.request ?? m.name)).to.deep.equal(['VERSION_INFO']);
    // DXE then has no MM foundation to talk to
    f.boot.runTo('DXE');
    expect(f.boot.services.protocol('gMmSupervisorCommunicationProtocolGuid')).to.equal(undefined);
  });

  it('item 15: Version 0 is accepted on a GCC build (allowVersionZero)', () => {
    const f = q35Fixture({ double: { version: 0 }, config: (c) => ({ ...c, supervisor: { ...c.supervisor, allowVersionZero: true } }) });
    f.boot.runTo('end of PEI');
    expect(f.boot.services.ppi('gPeiMmSupervisorCommunicationPpiGuid')).to.not.equal(undefined);
  });

  it('item 15: a VERSION_INFO error Result stops the IPL before the PPIs', () => {
    const f = q35Fixture({ double: { versionResult: ERR | 15n } });
    f.boot.runTo('end of PEI');
    expect(f.boot.pei!.ipl!.status).to.equal(ERR | 15n);
    expect(f.boot.services.ppi('gPeiMmSupervisorCommunicationPpiGuid')).to.equal(undefined);
  });

  it('item 15: the PPIs appear only after VERSION_INFO succeeded (trace order)', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    const ev = f.machine.trace.events;
    const ppi = ev.findIndex((e) => e.type === 'ppi' && e.data.name === 'gPeiMmSupervisorCommunicationPpiGuid');
    const version = ev.findIndex((e) => e.type === 'mmi-result' && e.data.result === 'EFI_SUCCESS');
    expect(version).to.be.greaterThan(-1);
    expect(ppi).to.be.greaterThan(version);
  });

  it('a failing core entry point: MMRAM still closed and locked, no MMI, no PPI', () => {
    const f = q35Fixture({ double: { entryStatus: ERR | 3n } });
    f.boot.runTo('end of PEI');
    expect(f.boot.pei!.ipl!.status).to.equal(ERR | 3n);
    expect(f.boot.mmramState).to.equal('locked');
    expect(sentMmis(f.machine)).to.deep.equal([]);
    expect(f.boot.services.ppi('gPeiMmSupervisorCommunicationPpiGuid')).to.equal(undefined);
  });

  it('item 16: exactly one driver-dispatch MMI, on the supervisor channel, MessageLength 1 and data byte 0', () => {
    const f = q35Fixture();
    f.boot.boot();
    const dispatch = f.core.mmis.filter((m) => m.guid === wk('gMmSupervisorDriverDispatchGuid'));
    expect(dispatch).to.deep.equal([{ channel: 'supervisor', guid: wk('gMmSupervisorDriverDispatchGuid'), messageLength: 1n, data: [0], cpu: 0 }]);
    const vi = sentMmis(f.machine).findIndex((m) => m.request === 'VERSION_INFO');
    const di = sentMmis(f.machine).findIndex((m) => m.name === 'gMmSupervisorDriverDispatchGuid');
    expect(di).to.equal(vi + 1);
  });

  it('item 17: EndOfPei sends gEfiMmEndOfPeiProtocol on the user channel', () => {
    const f = q35Fixture();
    f.boot.runTo('end of PEI');
    const user = f.core.mmis.filter((m) => m.channel === 'user');
    expect(user.map((m) => [m.guid, m.messageLength])).to.deep.equal([[wk('gEfiMmEndOfPeiProtocol'), 1n]]);
  });

  it('PEI unblock requests become gMmSupvUnblockRegionHob HOBs before the IPL, and are denied afterwards', () => {
    const f = q35Fixture();
    f.boot.runTo('PEI');
    const caller = wk('MmSupvRequestUnitTestApp');
    expect(f.boot.peiUnblock(0x10000000n, 2n, caller)).to.equal(0n);
    const h = hobsOf(f).find((x) => x.kind === 'guidExtension' && x.name === wk('gMmSupvUnblockRegionHobGuid'));
    expect(h && h.kind === 'guidExtension' && h.payload).to.deep.equal({
      kind: 'unblockParams', memoryType: 0, physicalStart: 0x10000000n, virtualStart: 0n, numberOfPages: 2n, attribute: 0n, identifierGuid: caller,
    });
    f.boot.runTo('end of PEI');
    expect(f.boot.peiUnblock(0x10002000n, 1n, caller)).to.equal(ERR | 15n);
  });
});

describe('platform boot: DXE support driver (items 18, 19; §1.7)', () => {
  it('COMM_UPDATE moves both buffers into runtime pages, rewrites gMmCommBufferHob and installs the update protocol', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const support = f.boot.dxe!.support!;
    expect(support.commUpdate).to.deep.equal({ status: 0n, result: 0n });
    const user = f.core.user!;
    const hob = hobsOf(f).find((h) => h.kind === 'guidExtension' && h.name === wk('gMmCommBufferHobGuid'));
    expect(hob && hob.kind === 'guidExtension' && hob.payload).to.deep.equal({ kind: 'mmCommBuffer', physicalStart: user.buffer, numberOfPages: 16n, status: user.mailbox });
    expect(f.boot.services.protocol('gMmCommBufferUpdateProtocolGuid')).to.deep.equal({ version: 1, physicalStart: user.buffer, numberOfPages: 16n, status: user.mailbox });
    const map = f.boot.dxe!.context.memoryMap;
    expect(map.at(user.buffer)!.type).to.equal(6);
    expect(map.at(f.core.sup!.mailbox)!.type).to.equal(6);
    // the second VERSION_INFO went through the new supervisor buffer
    expect(support.versions.length).to.equal(2);
    expect(support.communicator!.channels.supervisor).to.deep.equal(f.core.sup);
    // COMM_UPDATE descriptors: Type 6, Attribute XP|SP, non-zero GUID (supervisor-facts §6.5)
    const p = f.core.mmis.find((m) => m.data.length >= 24 + 224 && m.data[8] === 4)!;
    const dv = new DataView(Uint8Array.from(p.data).buffer);
    for (let i = 0; i < 4; i++) {
      expect(dv.getUint32(24 + i * 56, true)).to.equal(6);
      expect(dv.getBigUint64(24 + i * 56 + 32, true)).to.equal(0x44000n);
    }
  });

  it('item 18: ready-to-lock goes to the supervisor channel once; a second signal and ReadyToBoot send nothing', () => {
    const f = q35Fixture();
    f.boot.runTo('ready to lock');
    f.boot.services.signal('DxeMmReadyToLock');
    f.boot.runTo('ready to boot');
    const lockish = sentMmis(f.machine).filter((m) => m.name === 'gEfiDxeMmReadyToLockProtocolGuid' || m.name === 'gEfiEventReadyToBootGuid');
    expect(lockish).to.deep.equal([{ guid: wk('gEfiDxeMmReadyToLockProtocolGuid'), name: 'gEfiDxeMmReadyToLockProtocolGuid', channel: 'supervisor', milestone: 'ready to lock' }]);
    expect(f.core.locked).to.equal(true);
    expect(f.machine.trace.ofType('assert')).to.deep.equal([]);
  });

  it('quirk §11.10: ReadyToBoot before ready-to-lock sends 7CE88FB3-… on the supervisor channel and closes the lock notifications', () => {
    const f = q35Fixture();
    f.boot.runTo('end of DXE');
    f.boot.services.signal('ReadyToBoot');
    f.boot.runTo('ready to lock');
    const names = sentMmis(f.machine).filter((m) => m.milestone !== 'PEI' && m.milestone !== 'DXE' && m.milestone !== 'end of PEI').map((m) => [m.name, m.channel]);
    expect(names).to.deep.equal([['gEfiEventReadyToBootGuid', 'supervisor']]);
    expect(f.core.locked).to.equal(false); // no supervisor handler for that GUID
    expect(f.machine.trace.ofType('mmi-result').pop()!.data.status).to.equal('EFI_NOT_FOUND');
  });

  it('ready-to-lock before EndOfDxe: error status code and assert, the MMI is still sent', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    f.boot.services.signal('DxeMmReadyToLock');
    expect(f.machine.trace.ofType('assert').length).to.equal(1);
    expect(sentMmis(f.machine).pop()!.name).to.equal('gEfiDxeMmReadyToLockProtocolGuid');
  });

  it('item 19: ExitBootServices sends 27ABF055-… on the supervisor channel', () => {
    const f = q35Fixture();
    f.boot.runTo('exit boot services');
    const last = sentMmis(f.machine).pop()!;
    expect(last).to.deep.equal({ guid: wk('gEfiEventExitBootServicesGuid'), name: 'gEfiEventExitBootServicesGuid', channel: 'supervisor', milestone: 'exit boot services' });
    expect(f.core.runtime).to.equal(true);
  });

  it('after ExitBootServices the supervisor leaves its mailbox valid, so the next supervisor call is refused locally (§8.3.3a, item 113)', () => {
    const f = q35Fixture();
    f.boot.runTo('runtime');
    const comm = f.boot.supervisorChannel!;
    const first = comm.supervisorRequest('VERSION_INFO', new Uint8Array(16));
    expect(first.returnStatus).to.not.equal(null); // triggered, but the mailbox was never answered
    const smis = f.machine.smiCount;
    const second = comm.supervisorRequest('VERSION_INFO', new Uint8Array(16));
    expect(second.status).to.equal(ERR | 2n);
    expect(f.machine.smiCount).to.equal(smis);
    // the user channel keeps working
    const u = f.boot.dxe!.communication!.send(wk('gEfiEndOfDxeEventGroupGuid'), Uint8Array.of(0));
    expect(u.status).to.equal(ERR | 14n);
    expect(f.machine.smiCount).to.equal(smis + 1);
  });
});

describe('platform boot: driving the boot', () => {
  it('runTo refuses an earlier milestone and records milestones in the trace', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    expect(() => f.boot.runTo('PEI')).to.throw(/already past/);
    expect(f.machine.trace.milestone).to.equal('DXE');
    expect(f.boot.continueTo('runtime')).to.deep.equal({ reached: 'runtime', stopped: null });
    expect(f.machine.trace.ofType('milestone').map((e) => e.data.name)).to.deep.equal([...MILESTONES]);
  });

  it('a machine stop during the boot ends it there as an observable state', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    // make the next SMI reset the machine (as a supervisor's fatal path would)
    for (const c of f.machine.cpus) f.machine.ram.setHostTrap(c.smm.smbase + 0x8000, () => f.machine.stop('warm-reset', 'test: fatal violation'));
    const r = f.boot.runTo('runtime');
    expect(r).to.deep.equal({ reached: 'ready to lock', stopped: { kind: 'warm-reset', reason: 'test: fatal violation' } });
    expect(f.machine.state.kind).to.equal('warm-reset');
  });
});
