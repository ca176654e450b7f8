import type { Cpu } from '../../cpu/cpu';
import { parsePeImage } from '../../firmware/pe';
import { wellKnownGuid } from '../../firmware/guid';
import { cpuidLookup } from '../../cpu/cpuid';
import { MmspecError } from '../../common/errors';
import type { SecurePolicy } from '../../firmware/policy';
import type { Machine } from '../../platform/machine';
import { MMST } from '../broker/ring3-broker-image';
import { discoverStandaloneMmDrivers, type FvDiscovery } from '../dispatcher/fv-discovery';
import { MmDispatcher, type DriverImageLoader } from '../dispatcher/mm-dispatcher';
import { SupervisorProtocolDatabase } from '../dispatcher/protocol-database';
import { MmiHandlerDatabase } from '../handler/mmi-handler-database';
import { MmiManager } from '../handler/mmi-manager';
import { imageMappings, MmImageLoader } from '../mem/image-loader';
import { checkNonSmmMemoryMap, lockMmCoreBeforeExit, MemoryMapInconsistency } from '../mem/lock-mm-core';
import { MmramAllocator, MmramExhausted, PAGE } from '../mem/mmram-allocator';
import type { PageAttributes } from '../mem/page-attributes';
import { PageTableAttributes } from '../mem/page-table-attributes';
import { PageTableManager } from '../mem/page-table-manager';
import { loadFirmwarePolicy, type FirmwarePolicyLoad } from '../policy/firmware-policy-loader';
import { PageTableMemoryPolicyGenerator } from '../policy/memory-policy-generator';
import { MemoryPolicySnapshot } from '../policy/memory-policy-snapshot';
import { Demotion } from '../privilege/demotion';
import { FatalSyscall, SyscallDispatcher } from '../privilege/syscall-dispatcher';
import { SmmCpuManager } from '../relocate/smm-cpu-manager';
import { MmSaveStateReader } from '../relocate/smram-save-state';
import { CommUpdateRequest } from '../request/comm-update';
import { FetchPolicyRequest } from '../request/fetch-policy';
import { MmSupvRequestHandler } from '../request/supervisor-request-handler';
import { UnblockDatabase } from '../request/unblock-database';
import { UnblockMemoryRequest } from '../request/unblock-memory';
import { VersionInfoRequest } from '../request/version-info';
import { SupervisorExceptionHandler } from '../telemetry/exception-handler';
import { COMM_BUFFER_ATTRIBUTE, COMM_BUFFER_MEMORY_TYPE, prepareCommonBuffers, type CommBufferRegistry } from './comm-buffers';
import { coreSyscallServices } from './core-syscall-services';
import { EFI, efiStatusName } from './efi-codes';
import { checkCoreHobs, encodeUnblockParams, type CoreHobInputs } from './hob-checks';
import type { MmramPageAllocator } from './mmram-page-allocator';
import { MmEntryPoint } from './mm-entry-point';
import { MmExitBootServicesHandler, MmReadyToLockHandler } from './ready-to-lock';
import { SupervisorGuids } from './supervisor-guids';
import { registerSupervisorMmiHandlers } from './supervisor-mmi-handlers';
import type { SupervisorOptions } from './supervisor-options';
import { SupervisorState } from './supervisor-state';

const ALLOCATED = 0x10n;
const LOAD_ERROR = 0x8000000000000001n;
const HOB_END = 0xffff;
/** The reset control register and its full-reset value (x86-smm-facts; platform/devices/reset-control). */
const RESET_CONTROL_PORT = 0xcf9;
const RESET_COLD = 0x0e;
const SUP = (writable: boolean, executable: boolean): PageAttributes => ({ present: true, writable, user: false, executable });
const USER_RO_NX: PageAttributes = { present: true, writable: false, user: true, executable: false };

/** Everything the core built at entry (for scenarios, the paging audit and tests). */
export interface SupervisorRuntime {
  inputs: CoreHobInputs;
  allocator: MmramAllocator;
  ptm: PageTableManager;
  attributes: PageTableAttributes;
  discovery: FvDiscovery;
  policyLoad: FirmwarePolicyLoad;
  cpus: SmmCpuManager;
  demotion: Demotion;
  syscalls: SyscallDispatcher;
  handlers: MmiHandlerDatabase;
  mmi: MmiManager;
  entry: MmEntryPoint;
  protocols: SupervisorProtocolDatabase;
  dispatcher: MmDispatcher;
  unblock: UnblockDatabase;
  buffers: CommBufferRegistry;
  images: MmImageLoader;
  hobListCopy: bigint;
  coreImage: { base: bigint; length: bigint };
}

/**
 * `MmSupervisorCore`: the MM Supervisor core (Core/MmSupervisorCore.c) bound to one machine. `install` registers
 * it as the host module of the core's FFS file GUID, so the platform's IPL, which loaded the core image from the
 * FV, reaches `MmSupervisorMain` when it calls the entry point with the HOB list (docs/execution-model.md).
 */
export class MmSupervisorCore {
  readonly state = new SupervisorState();
  runtime: SupervisorRuntime | undefined;
  /** Status the entry returned, and why when it failed. */
  entryResult: { status: bigint; reason?: string } | undefined;
  private bsp = 0;

  constructor(private readonly machine: Machine, readonly options: SupervisorOptions = {}) {}

  /** Binds the core's entry to its FFS file GUID (4E4C89DC-…, supervisor-facts §0.5). */
  install(): this {
    this.machine.hostModules.set(SupervisorGuids.core.toLowerCase(), (_m, cpu, args) => this.main(cpu, args[0]));
    return this;
  }

  get policy(): SecurePolicy | null {
    const l = this.runtime?.policyLoad;
    return l?.loaded ? l.firmwarePolicy.policy ?? null : null;
  }

  /** `MmSupervisorMain` (supervisor-facts §1.5), steps 1–16 in order. Returns the entry's EFI_STATUS. */
  main(_cpu: Cpu, hobList: bigint): bigint {
    const { machine } = this;
    const fail = (status: bigint, reason: string): bigint => {
      this.entryResult = { status, reason };
      machine.trace.record('core', { step: 'entry', status: efiStatusName(status), reason });
      return status;
    };
    // 2. HOB checks (items 1–5) over the HOB list bytes.
    const hobBytes = readHobList(machine, hobList);
    const checked = checkCoreHobs(hobBytes, { validateSupervisorCommBuffer: this.options.validateSupervisorCommBuffer });
    if (!checked.ok) return fail(checked.status, `${checked.step}: ${checked.reason}`);
    const inputs = checked.inputs;
    const mmram = inputs.mmramRanges.map((r) => ({ base: Number(r.physicalStart), size: Number(r.physicalSize) }));
    // The IPL's ALLOCATED descriptors (the core image, the SMBASE area) are not the core's to hand out.
    const free = inputs.mmramRanges.filter((r) => (r.regionState & ALLOCATED) === 0n).map((r) => ({ base: Number(r.physicalStart), size: Number(r.physicalSize) }));
    const allocator = new MmramAllocator(free);
    const physBits = physicalAddressBits(machine.cpus[0]);
    const ptm = new PageTableManager(machine.smm, allocator, () => machine.cpus.forEach((c) => c.flushTlb()), physBits);
    const attributes = new PageTableAttributes(ptm, machine.trace);
    const pageAllocator = mmramPageAllocator(allocator);
    try {
      return this.build(inputs, mmram, allocator, ptm, attributes, pageAllocator, hobBytes);
    } catch (e) {
      if (e instanceof MmramExhausted) return fail(EFI.OUT_OF_RESOURCES, e.message);
      throw e;
    }
  }

  private build(
    inputs: CoreHobInputs, mmram: { base: number; size: number }[], allocator: MmramAllocator, ptm: PageTableManager,
    attributes: PageTableAttributes, pageAllocator: MmramPageAllocator, hobBytes: Uint8Array,
  ): bigint {
    const { machine, options, state } = this;
    const trace = machine.trace;
    const mmramRanges = inputs.mmramRanges;
    // 3. The HOB list copy: code-type pages, mapped user RO NX at step 14 (§1.4).
    const hobPages = Math.ceil(hobBytes.length / PAGE);
    const hobCopy = allocator.allocatePages(hobPages, 'user', 'code', 'HOB list copy');
    machine.smm.write(hobCopy, hobBytes);
    const configurationTable = new Map<string, { table: bigint; size: bigint }>([[wellKnownGuid('gEfiHobListGuid')!, { table: BigInt(hobCopy), size: BigInt(hobBytes.length) }]]);
    // 5. FV discovery (§2.1, §1.10).
    const discovery = discoverStandaloneMmDrivers(inputs.firmwareVolumes, machine.smm, SupervisorGuids.core);
    trace.record('dispatch', { action: 'discovered', drivers: discovery.drivers.map((d) => d.fileName), skipped: discovery.skipped.map((s) => ({ file: s.fileName ?? null, reason: s.reason })) });
    // 12 (loaded here so the syscall services see it; nothing in between reads it). §1.10: only the core's FV.
    const policyLoad: FirmwarePolicyLoad = discovery.standaloneBfv
      ? loadFirmwarePolicy(discovery.standaloneBfv.volume, { enforceInvalidPolicy: options.enforceInvalidPolicy, store: { allocator: pageAllocator, smm: machine.smm } })
      : { loaded: false, status: EFI.NOT_FOUND, reason: 'the FV holding the core was not found' };
    trace.record('policy', policyLoad.loaded
      ? { action: 'load', size: policyLoad.firmwarePolicy.blob.length, valid: policyLoad.firmwarePolicy.validation.ok, enforcedInvalid: policyLoad.enforcedInvalid }
      : { action: 'load', status: efiStatusName(policyLoad.status), reason: policyLoad.reason });
    const policy = (): SecurePolicy | null => (policyLoad.loaded ? policyLoad.firmwarePolicy.policy ?? null : null);

    const handlers = new MmiHandlerDatabase();
    const protocols = new SupervisorProtocolDatabase();
    const images = new MmImageLoader(machine.smm, allocator, ptm);
    const unblock = new UnblockDatabase({ mmram: mmramRanges, state, attributes, editor: attributes, physicalAddressBits: ptm.physBits, trace });
    const saveState = new MmSaveStateReader(machine.cpus, machine.smm, policy, trace);
    let buffers!: CommBufferRegistry;
    let demotion!: Demotion;
    let syscalls!: SyscallDispatcher;
    let exceptions!: SupervisorExceptionHandler;
    let entry!: MmEntryPoint;
    // 7. SMM CPU init: per-CPU GDT/TSS, IDT, stacks, SMI entry at SMBASE+0x8000.
    const cpus = new SmmCpuManager(machine, allocator, ptm, {
      onSmi: (cpu) => {
        this.bsp = cpu.index;
        const r = entry.run();
        trace.record('smi', { action: 'mmi-entry', bsp: cpu.index, path: r.path, guid: r.dispatchGuid ?? null, rootHandlers: r.rootHandlers, mailbox: r.mailboxWritten, status: efiStatusName(r.reply.returnStatus) });
      },
      onException: (cpu, frame) => exceptions.onException(cpu, frame),
      onSyscall: (cpu) => {
        try {
          return syscalls.dispatch(cpu);
        } catch (e) {
          if (e instanceof FatalSyscall) exceptions.onFatalSyscall(cpu, e, BigInt(cpus.stubs.syscallEntry));
          throw e;
        }
      },
    }, { tssIoMapBase: options.tssIoMapBase });
    demotion = new Demotion(machine, cpus, options.userCodeBudget ?? 20_000_000);
    syscalls = new SyscallDispatcher(machine, ptm, coreSyscallServices({
      machine, allocator, ptm, policy, handlers, protocols, registrations: () => syscalls.registrations, demotion: () => demotion,
      buffers: () => buffers, unblock: () => unblock, saveState, hobListCopy: BigInt(hobCopy), configurationTable, handlerProfile: options.handlerProfile ?? false,
    }));
    const invoker = { invokeDemoted: (cpuIndex: number, routine: bigint, args: readonly bigint[]) => demotion.invokeDemoted(machine.cpus[cpuIndex], routine, args) };
    const loader: DriverImageLoader = {
      loadImage: ({ fileName, pe32 }) => {
        try {
          const img = images.load(pe32, driverName(fileName, discovery), fileName, 'user');
          trace.record('dispatch', { action: 'load', driver: fileName, base: img.base, size: img.size, entryPoint: img.entryPoint });
          return { base: img.base, size: BigInt(img.size), entryPoint: img.entryPoint };
        } catch (e) {
          if (e instanceof MmramExhausted) return { error: EFI.OUT_OF_RESOURCES };
          if (e instanceof MmspecError) return { error: LOAD_ERROR };
          throw e;
        }
      },
      unloadImage: (img) => {
        const loaded = images.imageAt(img.base);
        if (loaded) images.unload(loaded);
      },
    };
    const dispatcher = new MmDispatcher({
      drivers: discovery.drivers, protocols, loader, invoker, smm: machine.smm, trace,
      systemTable: { userSystemTable: () => syscalls.registrations.cpl3Table ?? undefined }, bspIndex: 0,
    });
    // 8. The four supervisor MMI handlers, in the documented order.
    const generator = new PageTableMemoryPolicyGenerator(machine.smm, { pagingState: () => pagingState(machine.cpus[this.bsp]) }, mmramRanges, { physicalAddressBits: ptm.physBits });
    const snapshot = new MemoryPolicySnapshot();
    const readyToLock = new MmReadyToLockHandler({ state, database: handlers, generator, snapshot, trace });
    // 10. Comm buffers: MMRAM internal copies and the user scratch page.
    const prepared = prepareCommonBuffers(inputs.supervisorCommRegion, inputs.userCommBuffer, pageAllocator);
    if ('error' in prepared) {
      this.entryResult = { status: prepared.error, reason: 'PrepareCommonBuffers failed' };
      return prepared.error;
    }
    buffers = prepared;
    const versionInfo = new VersionInfoRequest({ smm: machine.smm, buffers, state, coreImageBase: inputs.coreImage?.base ?? 0n, maxSupervisorRequestLevel: options.maxSupervisorRequestLevel });
    const fetchPolicy = new FetchPolicyRequest({ smm: machine.smm, buffers, state, readyToLock, firmwarePolicy: () => (policyLoad.loaded ? policyLoad.firmwarePolicy : undefined), generator, snapshot });
    const request = new MmSupvRequestHandler({
      smm: machine.smm, buffers, versionInfo, fetchPolicy, unblockMemory: new UnblockMemoryRequest(machine.smm, unblock),
      commUpdate: new CommUpdateRequest({ smm: machine.smm, buffers, state, unblock }), trace,
    });
    const handles = registerSupervisorMmiHandlers(handlers, {
      dispatch: dispatcher.driverDispatchHandler, readyToLock: readyToLock.handler, request: request.handler,
      exitBootServices: new MmExitBootServicesHandler(state, trace).handler,
    });
    readyToLock.attach(handles);
    const mmi = new MmiManager({
      database: handlers, attributes, invoker, trace, executingCpu: () => this.bsp,
      trampolines: { mmiHandlerTrampoline: () => syscalls.registrations.mmiTrampoline ?? undefined },
    });
    entry = new MmEntryPoint({
      smm: machine.smm, buffers, mmi, state, trace,
      entryContext: { syncEntryContext: () => this.syncEntryContext(syscalls.registrations.cpl3Table) },
      options: { mailboxLayout: options.mailboxLayout, replyToRefusedSupervisorCall: options.replyToRefusedSupervisorCall },
    });
    // 11. The core image (loaded by the IPL): its sections give the supervisor mappings of step 14.
    const coreImage = { base: inputs.coreImage?.base ?? 0n, length: inputs.coreImage?.length ?? 0n };
    const telemetryImages = {
      imageAt: (a: bigint) => {
        if (a >= coreImage.base && a < coreImage.base + coreImage.length) return { guid: SupervisorGuids.core, base: coreImage.base, name: 'MmSupervisorCore' };
        if (a >= BigInt(cpus.stubs.page) && a < BigInt(cpus.stubs.page + PAGE)) return { guid: SupervisorGuids.core, base: coreImage.base, name: 'MmSupervisorCore' };
        const img = images.imageAt(a);
        return img ? { guid: img.guid, base: img.base, name: img.name } : undefined;
      },
    };
    // 13. Exception handling for every vector; the scratch page receives the telemetry record.
    exceptions = new SupervisorExceptionHandler(machine, demotion, syscalls.registrations, Number(buffers.scratchPage), telemetryImages, mmram, { rebootOnException: options.rebootOnException ?? true });
    demotion.identify = (rip) => telemetryImages.imageAt(rip);
    // 14. LockMmCoreBeforeExit (§1.6).
    const overrides = [
      ...cpus.mappings(),
      ...coreImageMappings(machine, coreImage),
      { base: hobCopy, size: hobPages * PAGE, attributes: USER_RO_NX, what: 'HOB list copy' },
      ...(policyLoad.loaded && policyLoad.firmwarePolicy.address !== undefined
        ? [{ base: Number(policyLoad.firmwarePolicy.address), size: Math.ceil(policyLoad.firmwarePolicy.blob.length / PAGE) * PAGE, attributes: SUP(false, false), what: 'firmware policy' }]
        : []),
    ];
    // §1.6 step 2 / item 6: an inconsistent memory map makes init cold-reset (ResetCold: 0x0E to port 0xCF9).
    try {
      checkNonSmmMemoryMap(inputs.resourceDescriptors.map((r) => ({ type: r.resourceType, base: Number(r.physicalStart), size: Number(r.resourceLength) })), mmram);
    } catch (e) {
      if (!(e instanceof MemoryMapInconsistency)) throw e;
      trace.record('core', { step: 'memory map check', reason: e.why });
      machine.ports.write(RESET_CONTROL_PORT, 1, RESET_COLD, null);
    }
    lockMmCoreBeforeExit(ptm, {
      mmram,
      resources: inputs.resourceDescriptors.map((r) => ({ type: r.resourceType, base: Number(r.physicalStart), size: Number(r.resourceLength) })),
      // §1.6 step 3 goes through the unblock procedure (below) so COMM_UPDATE can later re-block the exact entries.
      commRegions: [],
      protectedRegions: inputs.protectedRegions.iommu.map((p) => ({ base: Number(p.address), size: Number(p.pages) * PAGE })),
      allocations: allocator.allocations(),
      overrides,
      physBits: ptm.physBits,
      // §1.6 step 4 / §1.4: each PEI unblock HOB goes through the unblock procedure; errors only assert.
      processPeiUnblocks: () => {
        // §1.6 step 3: comm buffers and mailboxes, supervisor RW NX (XP|SP), type EfiRuntimeServicesData; a failure
        // (e.g. a mailbox overlapping a buffer → SECURITY_VIOLATION) only asserts and stops the remaining ones.
        const comm = [
          { start: inputs.supervisorCommRegion.address, pages: inputs.supervisorCommRegion.pages },
          { start: inputs.userCommBuffer.address, pages: inputs.userCommBuffer.pages },
          { start: inputs.supervisorCommRegion.mailbox, pages: 1n },
          { start: inputs.userCommBuffer.mailbox, pages: 1n },
        ];
        for (const c of comm) {
          const params = { memoryType: COMM_BUFFER_MEMORY_TYPE, physicalStart: c.start, virtualStart: c.start, numberOfPages: c.pages, attribute: COMM_BUFFER_ATTRIBUTE, identifierGuid: SupervisorGuids.core };
          const s = unblock.processUnblockPages({ ...params, descriptorBytes: encodeUnblockParams(params).slice(0, 40) });
          if (s !== EFI.SUCCESS) break;
        }
        // §1.6 step 4 / §1.4: each PEI unblock HOB goes through the unblock procedure; errors only assert.
        for (const u of inputs.unblockRequests) unblock.processUnblockPages(u);
      },
    });
    ptm.restrictTablePages();
    // 15.
    state.markCoreInitComplete();
    this.runtime = {
      inputs, allocator, ptm, attributes, discovery, policyLoad, cpus, demotion, syscalls, handlers, mmi, entry, protocols, dispatcher,
      unblock, buffers, images, hobListCopy: BigInt(hobCopy), coreImage,
    };
    // 16. The first SMI (SMBASE relocation) is not fired: the platform model programs every SMBASE before the IPL
    // runs (the SMBASE HOB already names them), so there is nothing for it to do.
    this.entryResult = { status: EFI.SUCCESS };
    trace.record('core', { step: 'entry', status: 'EFI_SUCCESS', drivers: discovery.drivers.length, policy: policyLoad.loaded });
    return EFI.SUCCESS;
  }

  /** §8.3 step 1 / §3.9: EFI_MM_ENTRY_CONTEXT into the user MMST; save-state fields NULL, StartupThisAp kept. */
  private syncEntryContext(mmst: bigint | null): void {
    if (mmst === null) return;
    const smm = this.machine.smm;
    const base = Number(mmst);
    smm.setU64(base + MMST.currentlyExecutingCpu, BigInt(this.bsp));
    smm.setU64(base + MMST.numberOfCpus, BigInt(this.machine.cpus.length));
    smm.setU64(base + MMST.cpuSaveStateSize, 0n);
    smm.setU64(base + MMST.cpuSaveState, 0n);
  }
}

/** The HOB list bytes: HOB headers (Type u16, Length u16) walked to END_OF_HOB_LIST (x86-smm-facts §4). */
function readHobList(machine: Machine, address: bigint): Uint8Array {
  const smm = machine.smm;
  let at = Number(address);
  for (let n = 0; n < 100_000; n++) {
    const type = smm.u16(at);
    const length = smm.u16(at + 2);
    if (type === HOB_END) return smm.read(Number(address), at + Math.max(length, 8) - Number(address));
    if (length < 8) break;
    at += length;
  }
  // Unterminated or malformed: hand the checker what is there; it reports the format error.
  return smm.read(Number(address), Math.min(at - Number(address) + 8, 0x100000));
}

function mmramPageAllocator(allocator: MmramAllocator): MmramPageAllocator {
  return {
    allocatePages: (pages, owner, purpose) => {
      try {
        return BigInt(allocator.allocatePages(Number(pages), owner, 'data', purpose));
      } catch (e) {
        if (e instanceof MmramExhausted) return { error: EFI.OUT_OF_RESOURCES };
        throw e;
      }
    },
    freePages: (base, pages) => {
      allocator.freePages(Number(base), Number(pages));
    },
  };
}

function driverName(fileName: string, discovery: FvDiscovery): string {
  const d = discovery.drivers.find((x) => x.fileName === fileName);
  return d?.uiName ?? fileName;
}

/** §1.6 step 6 / §2.5: the core image supervisor-owned, code RO+X, writable data RW+NX, the rest RO+NX. */
function coreImageMappings(machine: Machine, image: { base: bigint; length: bigint }): { base: number; size: number; attributes: PageAttributes; what: string }[] {
  if (image.length === 0n) return [];
  const base = Number(image.base);
  const size = Math.ceil(Number(image.length) / PAGE) * PAGE;
  try {
    const info = parsePeImage(machine.smm.read(base, Math.min(size, 0x1000)), 'core image headers');
    return imageMappings(info, base, size, 'supervisor').map((m) => ({ base: m.base, size: m.size, attributes: m.attributes, what: m.kind === 'image' ? 'core image' : `core ${m.name}` }));
  } catch (e) {
    if (!(e instanceof MmspecError)) throw e;
    return [{ base, size, attributes: SUP(false, false), what: 'core image' }];
  }
}

function pagingState(cpu: Cpu) {
  return { cr3: BigInt(cpu.cr3), longMode: (cpu.efer & 0x400) !== 0, paging: (cpu.cr0 & 0x80000000) !== 0, writeProtect: (cpu.cr0 & 0x10000) !== 0 };
}

/** MAXPHYADDR from CPUID 0x80000008 EAX[7:0], as the real core sizes its page tables (x86-smm-facts §1). */
function physicalAddressBits(cpu: Cpu): number {
  const bits = cpuidLookup(cpu.cpuid, 0x80000008, 0)[0] & 0xff;
  return bits >= 32 && bits <= 52 ? bits : 46;
}
