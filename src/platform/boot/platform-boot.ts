import { MmspecError } from '../../common/errors';
import type { EfiStatus } from '../../firmware/efi-status';
import { type Guid } from '../../firmware/guid/guid';
import type { SmramState } from '../chipset/q35-chipset';
import { PAGE, type PlatformConfig } from '../config/platform-config';
import { smbaseList } from '../config/platform-config-loader';
import { DxeMemoryMap } from '../firmware/dxe/dxe-memory-map';
import type { DxeContext } from '../firmware/dxe/dxe-context';
import { MmCommunicationDxe } from '../firmware/dxe/mm-communication-dxe';
import { MmDxeSupport } from '../firmware/dxe/mm-dxe-support';
import { StandaloneMmUnblockMem } from '../firmware/dxe/standalone-mm-unblock-mem';
import { FirmwareMemory } from '../firmware/firmware-memory';
import { HobListBuilder } from '../firmware/hob-list-builder';
import { MmAccess, smbaseAreaEnd } from '../firmware/mm-access';
import { EfiMemoryType, g } from '../firmware/mm-comm-layout';
import { MmControl } from '../firmware/mm-control';
import type { MmCommunicator } from '../firmware/mm-communicator';
import { type PeiCommBuffers, runMmCommunicationBufferPei } from '../firmware/pei/mm-communication-buffer-pei';
import { MmIplPei, type SupervisorCommunication } from '../firmware/pei/mm-ipl-pei';
import type { PeiContext } from '../firmware/pei/pei-context';
import { peiUnblockMemoryRequest } from '../firmware/pei/pei-unblock';
import { PlatformServices } from '../firmware/platform-services';
import type { Machine, MachineState } from '../machine';
import { MachineStop } from '../machine-stop';
import { isMilestone, type Milestone, MILESTONES, milestoneIndex } from './milestones';
import { platformHobs } from './platform-hobs';

/** Bytes reserved for the HOB list at the bottom of the PEI window. */
export const HOB_LIST_CAPACITY = 0x10000;

export class BootError extends MmspecError {
  constructor(message: string) {
    super('PLATFORM_BOOT', message);
  }
}

export interface BootOptions {
  /** The MM firmware volume (the supervisor core, the broker, drivers, the policy file): copied into DRAM and described by an FV HOB. */
  mmFv: Uint8Array;
}

/** Where a boot is: the last milestone reached, and the machine state if it stopped (reset, hang). */
export interface BootProgress {
  reached: Milestone | 'power-on';
  stopped: MachineState | null;
}

/**
 * The boot driver: runs PEI, DXE, BDS and the OS hand-off of a platform up to named milestones (see
 * milestones.ts), so a scenario can stop, act and continue. A fatal machine stop (a supervisor reset or hang, a
 * shutdown) ends the boot where it happened and is reported as `stopped`, never thrown.
 */
export class PlatformBoot {
  readonly services: PlatformServices;
  readonly memory: FirmwareMemory;
  readonly mmAccess: MmAccess;
  readonly mmControl: MmControl;
  hobs: HobListBuilder | null = null;
  fv: { base: bigint; length: bigint } | null = null;
  pei: { commBuffers: PeiCommBuffers | null; ipl: MmIplPei | null; context: PeiContext } | null = null;
  dxe: {
    context: DxeContext;
    support: MmDxeSupport | null;
    unblock: StandaloneMmUnblockMem | null;
    communication: MmCommunicationDxe | null;
  } | null = null;
  reached: Milestone | 'power-on' = 'power-on';
  stopped: MachineState | null = null;

  constructor(readonly machine: Machine, readonly config: PlatformConfig, private readonly options: BootOptions) {
    if (machine.cpus.length !== config.cpus) throw new BootError(`the machine has ${machine.cpus.length} CPUs but the platform ${config.name} describes ${config.cpus}`);
    this.services = new PlatformServices(machine);
    this.memory = new FirmwareMemory(config.peiMemory, config.dxeRuntimeMemory);
    this.mmAccess = new MmAccess(machine, smbaseAreaEnd(smbaseList(config.smbase, config.tseg.base, config.cpus)));
    this.mmControl = new MmControl(machine, config.smiCommand);
  }

  /** Boots until `target` has been reached (no-op if it already was). Throws BootError for an earlier milestone. */
  runTo(target: Milestone): BootProgress {
    if (!isMilestone(target)) throw new BootError(`unknown milestone ${JSON.stringify(target)} (expected one of ${MILESTONES.join(', ')})`);
    if (milestoneIndex(target) < milestoneIndex(this.reached)) {
      throw new BootError(`the boot is already past ${JSON.stringify(target)} (it reached ${JSON.stringify(this.reached)})`);
    }
    while (this.stopped === null && milestoneIndex(this.reached) < milestoneIndex(target)) {
      const next = MILESTONES[milestoneIndex(this.reached) + 1];
      try {
        this.advance(next);
        this.machine.trace.record('milestone', { name: next, smram: this.machine.chipset.smramState() });
      } catch (e) {
        if (!(e instanceof MachineStop)) throw e;
        this.stopped = this.machine.state.kind === 'running' ? { kind: e.kind, reason: e.reason } : this.machine.state;
        this.machine.trace.record('boot-stopped', { at: this.machine.trace.milestone, kind: this.stopped.kind });
      }
    }
    return { reached: this.reached, stopped: this.stopped };
  }

  /** Continues a started boot to `target` (the same as runTo). */
  continueTo(target: Milestone): BootProgress {
    return this.runTo(target);
  }

  /** Boots to runtime (through ExitBootServices). */
  boot(): BootProgress {
    return this.runTo('runtime');
  }

  private reach(m: Milestone): void {
    this.reached = m;
    this.machine.trace.milestone = m;
  }

  private advance(next: Milestone): void {
    switch (next) {
      case 'PEI':
        this.reach('PEI');
        this.startPei();
        return;
      case 'end of PEI':
        // the IPL's post-shadow work belongs to PEI (its MMIs are tagged "PEI")
        if (this.config.firmware.pei.includes('MmIplPei')) this.runIpl();
        this.reach('end of PEI');
        this.services.signal('EndOfPei');
        return;
      case 'DXE':
        this.reach('DXE');
        this.startDxe();
        return;
      case 'end of DXE':
        this.reach('end of DXE');
        this.services.signal('EndOfDxe');
        return;
      case 'ready to lock':
        this.reach('ready to lock');
        this.services.installProtocol('gEfiDxeSmmReadyToLockProtocolGuid', {}, 'BDS');
        this.services.signal('DxeMmReadyToLock');
        return;
      case 'ready to boot':
        this.reach('ready to boot');
        this.services.signal('ReadyToBoot');
        return;
      case 'exit boot services':
        this.reach('exit boot services');
        this.services.signal('ExitBootServices');
        return;
      case 'runtime':
        this.reach('runtime');
        return;
    }
  }

  private startPei(): void {
    const { machine, config } = this;
    this.mmAccess.initialize();
    const hobBase = config.peiMemory.base;
    const fvPages = (BigInt(this.options.mmFv.length) + PAGE - 1n) / PAGE;
    const fvBase = this.memory.allocatePages('PEI', fvPages, EfiMemoryType.BootServicesData, 'MM firmware volume');
    machine.outside.write(Number(fvBase), this.options.mmFv);
    this.fv = { base: fvBase, length: BigInt(this.options.mmFv.length) };
    this.hobs = new HobListBuilder(machine, hobBase, HOB_LIST_CAPACITY, {
      version: 0x0009, bootMode: 0, memoryTop: config.peiMemory.base + config.peiMemory.size, memoryBottom: config.peiMemory.base,
      freeMemoryTop: this.memory.peiFreeTop, freeMemoryBottom: hobBase + BigInt(HOB_LIST_CAPACITY),
    });
    for (const h of platformHobs(config, this.mmAccess, this.fv)) this.hobs.add(h);
    const context: PeiContext = { machine, config, memory: this.memory, hobs: this.hobs, services: this.services, mmAccess: this.mmAccess, mmControl: this.mmControl };
    this.services.installPpi('gEfiPeiMmAccessPpiGuid', this.mmAccess, 'platform');
    this.services.installPpi('gEfiPeiMmControlPpiGuid', this.mmControl, 'platform');
    this.pei = { commBuffers: null, ipl: null, context };
    if (config.firmware.pei.includes('MmCommunicationBufferPei')) this.pei.commBuffers = runMmCommunicationBufferPei(context);
  }

  private runIpl(): void {
    const pei = this.pei!;
    // depex: MmAccess PPI AND MmControl PPI AND CommBufferReady PPI (supervisor-facts §0.5)
    const missing = ['gEfiPeiMmAccessPpiGuid', 'gEfiPeiMmControlPpiGuid', 'gMmCommunicationBufferReadyPpiGuid'].find((n) => this.services.ppi(n) === undefined);
    if (missing !== undefined) {
      this.machine.trace.record('not-dispatched', { module: 'MmIplPei', reason: `depex: ${missing} is not installed` });
      return;
    }
    pei.ipl = new MmIplPei(pei.context);
    pei.ipl.run();
  }

  private startDxe(): void {
    const { machine, config } = this;
    const context: DxeContext = {
      machine, config, memory: this.memory, hobs: this.hobs!, services: this.services, mmControl: this.mmControl,
      memoryMap: new DxeMemoryMap(config, this.memory),
    };
    this.services.installProtocol('gEfiSmmControl2ProtocolGuid', this.mmControl, 'platform');
    this.dxe = { context, support: null, unblock: null, communication: null };
    for (const name of config.firmware.dxe) {
      if (name === 'MmDxeSupport') {
        this.dxe.support = new MmDxeSupport(context);
        this.dxe.support.start();
      } else if (name === 'StandaloneMmUnblockMem') {
        this.dxe.unblock = new StandaloneMmUnblockMem(context);
        this.dxe.unblock.start();
      } else if (name === 'MmCommunicationDxe') {
        this.dxe.communication = new MmCommunicationDxe(context);
        this.dxe.communication.start();
      }
    }
  }

  // ---- what scenarios act through ----

  /** The chipset's MMRAM state now. */
  get mmramState(): SmramState {
    return this.machine.chipset.smramState();
  }

  /** The PEI unblock library (before the IPL installs the supervisor PPI; afterwards EFI_ACCESS_DENIED). */
  peiUnblock(address: bigint, pages: bigint, caller: Guid = g('MmCommunicationBufferPei')): EfiStatus {
    if (!this.pei) throw new BootError('PEI has not started: boot to "PEI" first');
    return peiUnblockMemoryRequest(this.pei.context, address, pages, caller);
  }

  /** The supervisor channel as firmware sees it now: the DXE protocol once installed, else the PEI PPI. */
  get supervisorChannel(): MmCommunicator | null {
    const p = this.services.protocol<SupervisorCommunication>('gMmSupervisorCommunicationProtocolGuid')
      ?? this.services.ppi<SupervisorCommunication>('gPeiMmSupervisorCommunicationPpiGuid');
    return p?.communicator ?? null;
  }

  /** The DXE unblock protocol, if installed. */
  get unblockProtocol(): StandaloneMmUnblockMem | null {
    return this.services.protocol<StandaloneMmUnblockMem>('gMmSupervisorUnblockMemoryProtocolGuid') ?? null;
  }

  /** The HOB list address (what the core's entry point received). */
  get hobListAddress(): bigint {
    if (!this.hobs) throw new BootError('PEI has not started');
    return this.hobs.base;
  }
}
