import { describe, it } from 'node:test';
import { expect } from 'chai';
import { guidFromName, wellKnownGuid } from '../../../src/firmware/guid';
import { parsePeImage } from '../../../src/firmware/pe';
import { MachineStop } from '../../../src/platform/machine-stop';
import { buildDriverImage, DriverActionError, parseActionList } from '../../../src/scenario/driver';
import { MMST } from '../../../src/supervisor/broker/ring3-broker-image';
import { MmImageLoader } from '../../../src/supervisor/mem/image-loader';
import { Syscall } from '../../../src/supervisor/privilege/syscall-dispatcher';
import { withBroker } from './broker-harness';

const wk = (n: string) => wellKnownGuid(n)!;
const acts = (yaml: string) => parseActionList(yaml, { file: 'image.feature', line: 1 });
const DRIVER = '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3';
const EFI_ACCESS_DENIED = 0x800000000000000fn;

describe('driver images: PE32+ built from actions (supervisor-facts §2.5, §2.6, §3.9)', () => {
  it('has .text (code, RX) and .data (RW), no base relocations, and the entry point inside .text', () => {
    const bytes = buildDriverImage({ name: 'Pe', guid: DRIVER, entry: acts('- rdmsr: 0x1B'), handlers: [{ guid: guidFromName('gPeMmi'), actions: [] }], installs: [guidFromName('gPeProtocol')] });
    const pe = parsePeImage(bytes);
    expect(pe.sections.map((s) => [s.name, s.executable, s.writable])).to.deep.equal([['.text', true, false], ['.data', false, true]]);
    expect(pe.relocations).to.deep.equal([]);
    const text = pe.sections[0];
    expect(pe.entryPointRva >= text.virtualAddress && pe.entryPointRva < text.virtualAddress + text.virtualSize).to.equal(true);
    expect(buildDriverImage({ name: 'Pe', guid: DRIVER, entry: acts('- rdmsr: 0x1B'), handlers: [{ guid: guidFromName('gPeMmi'), actions: [] }], installs: [guidFromName('gPeProtocol')] })).to.deep.equal(bytes);
  });

  it('is mapped by the supervisor loader as user RX code and user RW NX data', () => {
    const { t, image } = withBroker({ name: 'Map', guid: DRIVER, entry: [] });
    const pe = parsePeImage(buildDriverImage({ name: 'Map', guid: DRIVER, entry: [] }));
    const at = (rva: number) => t.ptm.uniformAttributes(Number(image.base) + rva, 0x1000);
    expect(at(pe.sections[0].virtualAddress)).to.deep.include({ present: true, user: true, writable: false, executable: true });
    expect(at(pe.sections[1].virtualAddress)).to.deep.include({ present: true, user: true, writable: true, executable: false });
  });

  it('the entry point saves the MMST, installs its protocols, registers its handlers, runs its actions, returns the status', () => {
    const d = withBroker({
      name: 'Entry', guid: DRIVER,
      installs: [guidFromName('gEntryProtocolA'), wk('gEfiMmEndOfDxeProtocolGuid')],
      handlers: [{ guid: guidFromName('gEntryMmi'), actions: [] }, { guid: null, actions: [] }],
      entry: acts('- rdmsr: 0x1B\n- return: EFI_ACCESS_DENIED'),
    });
    expect(d.entry()).to.equal(EFI_ACCESS_DENIED);
    // installs go through the broker's MmInstallProtocolInterface, which mirrors them with SMM_INST_PROT (§2.2 rule 2)
    expect(d.protocols.slice(d.brokerProtocols)).to.deep.equal([guidFromName('gEntryProtocolA'), wk('gEfiMmEndOfDxeProtocolGuid')]);
    // MmiHandlerRegister → SMM_REG_HNDL with a handler in the driver's code and the GUID (root: NULL)
    expect(d.handlers.map((h) => h.guid)).to.deep.equal([guidFromName('gEntryMmi'), null]);
    for (const h of d.handlers) expect(h.handler > d.image.base && h.handler < d.image.base + BigInt(d.image.size)).to.equal(true);
    expect(d.syscalls.map((s) => s.index)).to.deep.equal([Syscall.INST_PROT, Syscall.INST_PROT, Syscall.REG_HNDL, Syscall.REG_HNDL, Syscall.RDMSR]);
  });

  it('a handler runs its actions when its MMI arrives and returns its status (default EFI_SUCCESS)', () => {
    const d = withBroker({
      name: 'Handler', guid: DRIVER,
      handlers: [
        { guid: guidFromName('gPortMmi'), actions: acts('- io_write: {port: 0x80, width: 1, value: 0x5A}') },
        { guid: guidFromName('gDeniedMmi'), actions: acts('- return: EFI_ACCESS_DENIED') },
      ],
    });
    expect(d.entry()).to.equal(0n);
    expect(d.ports).to.deep.equal([]);
    expect(d.mmi(0)).to.equal(0n);
    expect(d.ports).to.deep.equal([{ port: 0x80, size: 1, value: 0x5a }]);
    expect(d.mmi(0)).to.equal(0n);
    expect(d.ports).to.have.length(2);
    expect(d.mmi(1)).to.equal(EFI_ACCESS_DENIED);
  });

  it('install_protocol calls MMST->MmInstallProtocolInterface (user database + SMM_INST_PROT mirror)', () => {
    const d = withBroker({ name: 'Inst', guid: DRIVER, entry: acts('- install_protocol: gInstalledByAction') });
    expect(d.entry()).to.equal(0n);
    expect(d.protocols.slice(d.brokerProtocols)).to.deep.equal([guidFromName('gInstalledByAction')]);
    const [sc] = d.syscalls;
    expect(sc.index).to.equal(Syscall.INST_PROT);
    expect(sc.args[0] > d.image.base && sc.args[0] < d.image.base + BigInt(d.image.size)).to.equal(true); // the GUID in the driver's data
  });

  it('allocate_pages calls MMST->AllocatePages → SMM_ALOC_PAGE(AllocateAnyPages, EfiRuntimeServicesData, pages)', () => {
    const d = withBroker({ name: 'Alloc', guid: DRIVER, entry: acts('- allocate_pages: {pages: 3}') });
    expect(d.entry()).to.equal(0n);
    expect(d.syscalls).to.deep.equal([{ index: Syscall.ALOC_PAGE, args: [0n, 6n, 3n] }]);
  });

  it('allocate_pages of EfiRuntimeServicesCode is fatal in the supervisor (§3.7)', () => {
    const d = withBroker({ name: 'Alloc5', guid: DRIVER, entry: acts('- allocate_pages: {pages: 1, type: EfiRuntimeServicesCode}') });
    expect(() => d.entry()).to.throw(MachineStop);
  });

  it('save_state_read locates EFI_MM_CPU_PROTOCOL and calls ReadSaveState → SVST_READ then SVST_READ_2; RAX is its status', () => {
    const d = withBroker({ name: 'Ss', guid: DRIVER, entry: acts('- save_state_read: {register: RAX, cpu: 0, width: 1}') }, { saveStateStatus: EFI_ACCESS_DENIED });
    expect(d.entry()).to.equal(EFI_ACCESS_DENIED); // non-fatal, returned (§3.7 SVST_READ_2)
    expect(d.syscalls.map((s) => s.index)).to.deep.equal([Syscall.SVST_READ, Syscall.SVST_READ_2]);
    const [first, second] = d.saveState;
    expect(first).to.deep.include({ register: 38, cpuIndex: 0 });
    expect(first.protocol > d.broker.base && first.protocol < d.broker.base + BigInt(d.broker.size)).to.equal(true);
    expect(second).to.deep.include({ protocol: first.protocol, width: 1n });
    // the buffer is in the driver's own data (a user range, or SVST_READ_2 would have been fatal)
    expect(second.buffer! > d.image.base && second.buffer! < d.image.base + BigInt(d.image.size)).to.equal(true);
  });

  it('save_state_read with cpu: current passes MMST->CurrentlyExecutingCpu, and IO reads 24 bytes', () => {
    const d = withBroker({ name: 'SsIo', guid: DRIVER, entry: acts('- save_state_read: {register: IO, cpu: current}') });
    d.t.m.smm.setU64(Number(d.mmst) + MMST.currentlyExecutingCpu, 0n);
    expect(d.entry()).to.equal(0n);
    expect(d.saveState[0]).to.deep.include({ register: 512, cpuIndex: 0 });
    expect(d.saveState[1]).to.deep.include({ width: 24n });
  });

  it('is position independent: two copies at different bases both work', () => {
    const spec = { name: 'Twice', guid: DRIVER, handlers: [{ guid: guidFromName('gTwiceMmi'), actions: acts('- io_write: {port: 0x80, width: 1, value: 7}') }] };
    const d = withBroker(spec);
    const loader = new MmImageLoader(d.t.m.smm, d.t.alloc, d.t.ptm);
    const second = loader.load(buildDriverImage(spec), 'Twice2', DRIVER, 'user');
    expect(second.base).to.not.equal(d.image.base);
    expect(d.entry()).to.equal(0n);
    expect(d.t.demotion.invokeDemoted(d.t.cpu, second.entryPoint, [second.base, d.mmst])).to.equal(0n);
    expect(d.mmi(0)).to.equal(0n);
    expect(d.mmi(1)).to.equal(0n);
    expect(d.ports.map((p) => p.value)).to.deep.equal([7, 7]);
    expect(d.handlers[1].handler - second.base).to.equal(d.handlers[0].handler - d.image.base);
  });

  it('an assembly error that only shows in the whole image (a label defined by two asm: blocks) names the second block', () => {
    const entry = parseActionList('- asm: |\n    shared:\n    nop\n- asm: |\n    nop\n    shared:\n', { file: 'dup.feature', line: 10, column: 5 });
    try {
      buildDriverImage({ name: 'Dup', guid: DRIVER, entry });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(DriverActionError);
      expect((e as DriverActionError).code).to.equal('DRIVER_ACTION_ASM');
      expect((e as DriverActionError).message).to.match(/^dup\.feature:16:9: asm: .*shared/);
    }
  });

  it('a driver dispatched before the broker gets a NULL MMST and faults on its first service call, as a real one would', () => {
    const d = withBroker({ name: 'Early', guid: DRIVER, installs: [guidFromName('gEarly')] });
    expect(() => d.t.demotion.invokeDemoted(d.t.cpu, d.image.entryPoint, [d.image.base, 0n])).to.throw(MachineStop);
    expect(d.t.m.trace.ofType('fault')[0].data).to.deep.include({ vector: 14 });
  });
});
