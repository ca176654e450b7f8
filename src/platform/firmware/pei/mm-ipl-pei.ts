import type { EfiStatus } from '../../../firmware/efi-status';
import { FormatError } from '../../../firmware/binary/format-error';
import { FfsFileType, parseFirmwareVolume } from '../../../firmware/fv';
import type { Hob, MmramDescriptor } from '../../../firmware/hob';
import { loadPeImage } from '../../../firmware/pe';
import { MmspecError } from '../../../common/errors';
import { PAGE } from '../../config/platform-config';
import { bindHostModule, callEntryPoint } from '../host-module';
import { MmramState } from '../mm-access';
import { type ChannelBuffers, EfiMemoryType, g, VERSION_INFO_SIZE } from '../mm-comm-layout';
import {
  EFI_NOT_FOUND, EFI_SECURITY_VIOLATION, EFI_SUCCESS, MmCommunicator,
} from '../mm-communicator';
import { recordModuleError, type PeiContext } from './pei-context';

const EFI_OUT_OF_RESOURCES = 0x8000000000000009n;
const EFI_LOAD_ERROR = 0x8000000000000001n;
const MODULE = 'MmIplPei';

/** The supervisor as the IPL loaded it. */
export interface LoadedCore {
  fileGuid: string;
  base: bigint;
  pages: bigint;
  entryPoint: bigint;
  /** True when a TypeScript host module answers the entry point. */
  hostModule: boolean;
  entryStatus: EfiStatus;
}

/** The PEI supervisor communication PPI (MM_SUPERVISOR_COMMUNICATION_PPI, supervisor-facts §8.1) as platform state. */
export interface SupervisorCommunication {
  signature: 'MSCP';
  version: 1;
  /** CommunicationRegion: the supervisor comm buffer (Type 6, Physical = Virtual = start, Attribute 0). */
  communicationRegion: { type: number; physicalStart: bigint; virtualStart: bigint; numberOfPages: bigint; attribute: bigint };
  communicator: MmCommunicator;
}

/** Reads the comm-buffer HOBs the way the IPL does (supervisor-facts §1.3.2): first gMmCommonRegionHob, type 0 only. */
export function commBuffersFromHobs(hobs: readonly Hob[]): { supervisor: ChannelBuffers; user: ChannelBuffers } | string {
  const first = (name: string) => hobs.find((h) => h.kind === 'guidExtension' && h.name === g(name));
  const sup = first('gMmCommonRegionHobGuid');
  const user = first('gMmCommBufferHobGuid');
  if (!sup || sup.kind !== 'guidExtension' || sup.payload.kind !== 'mmCommonRegion') return 'no gMmCommonRegionHob';
  if (sup.payload.regionType !== 0n) return `the first gMmCommonRegionHob has type ${sup.payload.regionType}, not 0 (supervisor)`;
  if (!user || user.kind !== 'guidExtension' || user.payload.kind !== 'mmCommBuffer') return 'no gMmCommBufferHob';
  return {
    supervisor: { buffer: sup.payload.address, pages: sup.payload.pages, mailbox: sup.payload.statusRegionAddress },
    user: { buffer: user.payload.physicalStart, pages: user.payload.numberOfPages, mailbox: user.payload.status },
  };
}

/**
 * MmIplPei (supervisor-facts §1.3), post-shadow entry, steps 2–12 in order: comm-buffer HOBs; open MMRAM through
 * the MM Access PPI; pick the MMRAM range; find the MM_CORE_STANDALONE file; carve its pages off the top of the
 * largest free range of the gEfiSmmSmramMemoryGuid HOB (new HOB with an ALLOCATED descriptor, old GUID erased);
 * load and relocate the PE32+ image, build the module HOB and call the entry point with the HOB list (a real CPU
 * call; a host module answers if one is bound to the file GUID); close then lock every range; VERSION_INFO on
 * the supervisor channel (failure or Version 0 stops here); one driver-dispatch MMI; the two communication PPIs
 * and the EndOfPei notification (gEfiMmEndOfPeiProtocol on the user channel).
 */
export class MmIplPei {
  core: LoadedCore | null = null;
  communicator: MmCommunicator | null = null;
  version: { version: number; patchLevel: number; maxSupervisorRequestLevel: bigint } | null = null;
  dispatchStatus: EfiStatus | null = null;
  status: EfiStatus | null = null;

  constructor(private readonly ctx: PeiContext) {}

  run(): EfiStatus {
    this.status = this.entry();
    this.ctx.machine.trace.record('module', { name: MODULE, status: this.status });
    return this.status;
  }

  private fail(status: EfiStatus, reason: string): EfiStatus {
    return recordModuleError(this.ctx, MODULE, status, reason);
  }

  private entry(): EfiStatus {
    const { ctx } = this;
    // 2. comm-buffer HOBs
    const channels = commBuffersFromHobs(ctx.hobs.read());
    if (typeof channels === 'string') return this.fail(EFI_NOT_FOUND, channels);
    // 3. MmAccess / MmControl, capabilities, open every range
    const ranges = ctx.mmAccess.capabilities();
    ctx.mmAccess.open();
    ctx.machine.trace.record('ipl', { step: 'open MMRAM', state: ctx.machine.chipset.smramState() });
    let status = this.loadAndRunCore(ranges);
    // 8. on failure: MMRAM cacheability back to UC (no cache model here; recorded)
    if (status !== EFI_SUCCESS) ctx.machine.trace.record('ipl', { step: 'MMRAM cacheability reset to UC' });
    // 9. close every range, then lock every range immediately (item 14)
    for (let i = 0; i < ranges.length; i++) ctx.mmAccess.close();
    ctx.machine.trace.record('ipl', { step: 'close MMRAM', state: ctx.machine.chipset.smramState() });
    for (let i = 0; i < ranges.length; i++) ctx.mmAccess.lock();
    ctx.machine.trace.record('ipl', { step: 'lock MMRAM', state: ctx.machine.chipset.smramState() });
    if (status !== EFI_SUCCESS) return status;
    // 10. VERSION_INFO on the supervisor channel (item 15)
    const comm = new MmCommunicator(ctx.machine, ctx.mmControl, { ...channels }, MODULE);
    this.communicator = comm;
    const v = comm.supervisorRequest('VERSION_INFO', new Uint8Array(VERSION_INFO_SIZE));
    if (v.status !== EFI_SUCCESS) return this.fail(v.status, 'VERSION_INFO transport failed');
    if (v.result !== EFI_SUCCESS) return this.fail(v.result ?? EFI_NOT_FOUND, 'VERSION_INFO returned an error');
    if (v.payload.length < VERSION_INFO_SIZE) return this.fail(EFI_SECURITY_VIOLATION, 'VERSION_INFO reply too short');
    const dv = new DataView(v.payload.buffer, v.payload.byteOffset, VERSION_INFO_SIZE);
    this.version = { version: dv.getUint32(0, true), patchLevel: dv.getUint32(4, true), maxSupervisorRequestLevel: dv.getBigUint64(8, true) };
    if (this.version.version === 0 && !ctx.config.supervisor.allowVersionZero) return this.fail(EFI_SECURITY_VIOLATION, 'supervisor Version is 0 (supervisor-facts §10.1)');
    // 11. exactly one driver-dispatch MMI: MessageLength 1, data byte 0 (item 16)
    const d = comm.send('supervisor', g('gMmSupervisorDriverDispatchGuid'), Uint8Array.of(0));
    if (d.data.length >= 8 && d.returnBufferSize !== null && d.returnBufferSize >= 32n) this.dispatchStatus = new DataView(d.data.buffer, d.data.byteOffset).getBigUint64(0, true);
    ctx.machine.trace.record('ipl', { step: 'driver dispatch', status: d.status, dispatcherStatus: this.dispatchStatus });
    // 12. the communication PPIs and the EndOfPei notification (item 17)
    ctx.services.installPpi('gEfiPeiSmmCommunicationPpiGuid', { communicator: comm, channel: 'user' }, MODULE);
    const ppi: SupervisorCommunication = {
      signature: 'MSCP', version: 1, communicator: comm,
      communicationRegion: { type: EfiMemoryType.RuntimeServicesData, physicalStart: channels.supervisor.buffer, virtualStart: channels.supervisor.buffer, numberOfPages: channels.supervisor.pages, attribute: 0n },
    };
    ctx.services.installPpi('gPeiMmSupervisorCommunicationPpiGuid', ppi, MODULE);
    ctx.services.register('EndOfPei', MODULE, () => {
      comm.send('user', g('gEfiMmEndOfPeiProtocol'), Uint8Array.of(0));
    });
    return EFI_SUCCESS;
  }

  /** Steps 4–7. */
  private loadAndRunCore(ranges: MmramDescriptor[]): EfiStatus {
    const { ctx } = this;
    // 4. the largest usable MMRAM range
    const unusable = MmramState.ALLOCATED | MmramState.NEEDS_TESTING | MmramState.NEEDS_ECC_INITIALIZATION;
    const usable = ranges.filter((r) => (r.regionState & unusable) === 0n && r.physicalStart >= 0x100000n && r.physicalSize >= 0x40000n - PAGE);
    if (usable.length === 0) return this.fail(EFI_NOT_FOUND, 'no usable MMRAM range');
    // 5. the first MM_CORE_STANDALONE file in a PEI-visible FV, and its PE32 section
    const hobs = ctx.hobs.read();
    const core = this.findCore(hobs);
    if (typeof core === 'string') return this.fail(EFI_NOT_FOUND, core);
    let image;
    try {
      image = loadPeImage(core.pe32, 0n, `MM core file ${core.fileGuid}`);
    } catch (e) {
      if (e instanceof MmspecError) return this.fail(EFI_LOAD_ERROR, e.message);
      throw e;
    }
    const pages = (BigInt(image.info.sizeOfImage) + PAGE - 1n) / PAGE;
    // 6. carve the core's pages off the top of the largest free range of the gEfiSmmSmramMemoryGuid HOB
    const smramName = g('gEfiSmmSmramMemoryGuid');
    const smram = hobs.find((h) => h.kind === 'guidExtension' && h.name === smramName);
    if (!smram || smram.kind !== 'guidExtension' || smram.payload.kind !== 'mmramRanges') return this.fail(EFI_NOT_FOUND, 'no gEfiSmmSmramMemoryGuid HOB');
    const descriptors = smram.payload.descriptors.map((d) => ({ ...d }));
    let largest = -1;
    descriptors.forEach((d, i) => {
      if ((d.regionState & MmramState.ALLOCATED) === 0n && (largest < 0 || d.physicalSize > descriptors[largest].physicalSize)) largest = i;
    });
    if (largest < 0 || descriptors[largest].physicalSize < pages * PAGE) return this.fail(EFI_OUT_OF_RESOURCES, 'no free MMRAM range holds the core image');
    const free = descriptors[largest];
    free.physicalSize -= pages * PAGE;
    const base = free.physicalStart + free.physicalSize;
    descriptors.push({ physicalStart: base, cpuStart: free.cpuStart + free.physicalSize, physicalSize: pages * PAGE, regionState: free.regionState | MmramState.ALLOCATED });
    ctx.hobs.eraseGuidHob(smramName);
    ctx.hobs.add({ kind: 'guidExtension', name: smramName, payload: { kind: 'mmramRanges', descriptors } });
    // 7. load + relocate at the carved base, the module HOB, then call the entry point with the HOB list
    const loaded = loadPeImage(core.pe32, base, `MM core file ${core.fileGuid}`);
    ctx.machine.outside.write(Number(base), loaded.image);
    ctx.hobs.add({ kind: 'memoryAllocationModule', memoryBaseAddress: base, memoryLength: pages * PAGE, memoryType: EfiMemoryType.RuntimeServicesCode, moduleName: core.fileGuid, entryPoint: loaded.entryPoint });
    const hostModule = bindHostModule(ctx.machine, core.fileGuid, loaded.entryPoint);
    ctx.machine.trace.record('ipl', { step: 'call core entry', base, pages, entryPoint: loaded.entryPoint, hostModule });
    const entryStatus = callEntryPoint(ctx.machine, 0, loaded.entryPoint, [ctx.hobs.base]);
    this.core = { fileGuid: core.fileGuid, base, pages, entryPoint: loaded.entryPoint, hostModule, entryStatus };
    ctx.machine.trace.record('ipl', { step: 'core entry returned', status: entryStatus });
    if (entryStatus !== EFI_SUCCESS) return this.fail(entryStatus, 'the MM core entry point failed');
    return EFI_SUCCESS;
  }

  private findCore(hobs: readonly Hob[]): { fileGuid: string; pe32: Uint8Array } | string {
    for (const h of hobs) {
      if (h.kind !== 'fv') continue;
      let fv;
      try {
        fv = parseFirmwareVolume(this.ctx.machine.outside.read(Number(h.baseAddress), Number(h.length)), { source: `FV at 0x${h.baseAddress.toString(16)}` });
      } catch (e) {
        if (e instanceof FormatError) {
          this.ctx.machine.trace.record('ipl', { step: 'skip FV', reason: e.message });
          continue;
        }
        throw e;
      }
      const file = fv.volume.files.find((f) => f.type === FfsFileType.MM_CORE_STANDALONE);
      if (!file) continue;
      if (!('sections' in file.content)) return `MM core file ${file.name} has no sections`;
      const pe = file.content.sections.find((s) => s.kind === 'pe32');
      if (!pe || pe.kind !== 'pe32') return `MM core file ${file.name} has no PE32 section`;
      return { fileGuid: file.name, pe32: pe.data };
    }
    return 'no MM_CORE_STANDALONE file in any firmware volume';
  }
}

