import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { efiStatusName } from '../../firmware/efi-status';
import type { Guid } from '../../firmware/guid';
import { PlatformBoot, type BootProgress } from '../../platform/boot/platform-boot';
import type { Milestone } from '../../platform/boot/milestones';
import { createPlatformMachine, withCpus } from '../../platform/config/machine-from-config';
import type { FatalViolationMode, PlatformConfig } from '../../platform/config/platform-config';
import { loadPlatformConfig } from '../../platform/config/platform-config-loader';
import { runOutsideMm } from '../../platform/firmware-context';
import { MmControl } from '../../platform/firmware/mm-control';
import type { MmiReply } from '../../platform/firmware/mm-communicator';
import type { Machine } from '../../platform/machine';
import { MachineStop } from '../../platform/machine-stop';
import { MmSupervisorCore } from '../../supervisor/core/mm-supervisor-core';
import type { SupervisorOptions } from '../../supervisor/core/supervisor-options';
import { describeAttributes, type PageAttributes } from '../../supervisor/mem/page-attributes';
import { buildMmFirmwareVolume } from '../../supervisor/package/mm-firmware-volume';
import { REQUEST_STRUCT_SIZE } from '../../supervisor/request/request-layout';
import { runPagingAudit, type PagingAuditFinding } from '../../supervisor/test-agents/paging-audit';
import { closeWords } from '../driver/close-words';
import { policyFromFile, type ScenarioPolicy } from './policy-source';
import { ScenarioDrivers } from './scenario-drivers';
import { ScenarioError } from './scenario-errors';

export const PLATFORM_FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'platforms');

/** What a DXE-side call returned (the last one is "the request result" / "the MMI return status"). */
export interface DxeCallResult {
  /** EFI_STATUS of the communicate call (transport). */
  status: bigint;
  /** Mailbox ReturnStatus (what MmiManage returned), null when no SMI happened. */
  returnStatus: bigint | null;
  /** MSUP Result, for supervisor requests; the protocol's return value for the DXE unblock call. */
  result: bigint | null;
  data: Uint8Array;
}

/**
 * One scenario's platform (DESIGN.md "Execution model"): a platform fixture, the policy and drivers the scenario
 * adds, and — from the first boot step on — one machine running the real supervisor model. Steps only describe
 * what the platform does; this class turns that into firmware actions on the machine and answers questions from
 * the machine's memory, page tables and event trace.
 */
export class ScenarioPlatform {
  config: PlatformConfig | undefined;
  private policy: ScenarioPolicy | null | undefined;
  private drivers: ScenarioDrivers | undefined;
  private fatal: FatalViolationMode | undefined;
  private readonly peiUnblocks: { address: bigint; size: bigint }[] = [];
  supervisorOptions: SupervisorOptions = {};
  machine: Machine | undefined;
  core: MmSupervisorCore | undefined;
  boot: PlatformBoot | undefined;
  /** The last DXE call's outcome. */
  last: DxeCallResult | undefined;
  readonly peiUnblockResults: { address: bigint; size: bigint; status: bigint }[] = [];

  constructor(private readonly platformDir = PLATFORM_FIXTURES) {}

  // ---- Given ----

  usePlatform(name: string): void {
    const file = join(this.platformDir, `${name}.yaml`);
    if (!existsSync(file)) {
      const known = readdirSync(this.platformDir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
      const close = closeWords(name, known);
      throw new ScenarioError('SCENARIO_UNKNOWN_PLATFORM', `unknown platform "${name}" (no ${file})${close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : `; known: ${known.join(', ')}`}`);
    }
    this.config = loadPlatformConfig(file);
    this.drivers = new ScenarioDrivers(this.config.firmware.mm);
  }

  private get cfg(): PlatformConfig {
    if (this.config === undefined) this.usePlatform('q35');
    return this.config!;
  }

  get scenarioDrivers(): ScenarioDrivers {
    void this.cfg;
    return this.drivers!;
  }

  private beforeBoot(what: string): void {
    if (this.machine !== undefined) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', `${what} must be said before the platform boots`);
  }

  setProcessors(n: number): void {
    this.beforeBoot('the processor count');
    this.config = withCpus(this.cfg, n);
  }

  setPolicy(policy: ScenarioPolicy | null): void {
    this.beforeBoot('the isolation policy');
    this.policy = policy;
  }

  setFatalViolation(mode: FatalViolationMode): void {
    this.beforeBoot('what a fatal violation does');
    this.fatal = mode;
  }

  addPeiUnblock(address: bigint, size: bigint): void {
    this.beforeBoot('a PEI unblock request');
    this.peiUnblocks.push({ address, size });
  }

  // ---- When: booting ----

  /** Builds the machine (once): the platform, the MM FV with the policy and the drivers, the supervisor model. */
  private start(): PlatformBoot {
    if (this.boot) return this.boot;
    const cfg = this.cfg;
    const policy = this.policy === undefined ? policyFromFile(cfg.policy) : this.policy;
    const machine = createPlatformMachine(cfg);
    const core = new MmSupervisorCore(machine, {
      rebootOnException: (this.fatal ?? cfg.fatalViolation) === 'reset',
      maxSupervisorRequestLevel: cfg.supervisor.maxSupervisorRequestLevel,
      ...this.supervisorOptions,
    }).install();
    const mmFv = buildMmFirmwareVolume({
      modules: cfg.firmware.mm, version: cfg.supervisor.version, patchLevel: cfg.supervisor.patchLevel,
      policyBlob: policy === null ? null : policy.blob, drivers: this.scenarioDrivers.files(),
    });
    machine.trace.record('scenario', { platform: cfg.name, cpus: cfg.cpus, policy: policy?.name ?? null, fatalViolation: this.fatal ?? cfg.fatalViolation });
    this.machine = machine;
    this.core = core;
    this.boot = new PlatformBoot(machine, cfg, { mmFv });
    this.policyName = policy?.name ?? null;
    return this.boot;
  }

  policyName: string | null = null;

  /** Boots to `target` (default runtime); PEI unblock requests are made as soon as PEI runs. */
  bootTo(target: Milestone = 'runtime'): BootProgress {
    const boot = this.start();
    if (this.peiUnblocks.length > 0 && boot.reached === 'power-on') {
      const p = boot.runTo('PEI');
      if (p.stopped) return p;
      for (const u of this.peiUnblocks) {
        const pages = (u.size + 0xfffn) / 0x1000n;
        this.peiUnblockResults.push({ ...u, status: boot.peiUnblock(u.address, pages) });
      }
    }
    return boot.runTo(target);
  }

  get booted(): PlatformBoot {
    if (!this.boot) throw new ScenarioError('SCENARIO_NOT_BOOTED', 'the platform has not booted yet (say "When the platform boots" or "… boots to \\"…\\"" first)');
    return this.boot;
  }

  get running(): boolean {
    return this.machine !== undefined && this.machine.state.kind === 'running';
  }

  /** Runs a firmware action; a fatal stop of the machine is recorded (the boot is over), not thrown. */
  private act<T>(what: string, fn: () => T): T | undefined {
    const boot = this.booted;
    if (boot.stopped) throw new ScenarioError('SCENARIO_MACHINE_STOPPED', `cannot ${what}: the machine stopped (${boot.stopped.kind}: ${'reason' in boot.stopped ? boot.stopped.reason : ''})`);
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof MachineStop)) throw e;
      boot.stopped = this.machine!.state.kind === 'running' ? { kind: e.kind, reason: e.reason } : this.machine!.state;
      this.machine!.trace.record('boot-stopped', { at: this.machine!.trace.milestone, kind: boot.stopped.kind });
      return undefined;
    }
  }

  // ---- When: DXE and the OS act ----

  private channel() {
    const c = this.booted.supervisorChannel;
    if (!c) throw new ScenarioError('SCENARIO_NO_CHANNEL', 'no MM communication channel is installed yet (boot to "DXE" or later)');
    return c;
  }

  /** An MSUP request with a zeroed payload of the request's size (§6.1), on the supervisor or user channel. */
  sendSupervisorRequest(code: number, channel: 'supervisor' | 'user' = 'supervisor'): DxeCallResult | undefined {
    const size = Number(REQUEST_STRUCT_SIZE[code] ?? 0n);
    const payload = new Uint8Array(code === 2 ? 0x1000 : size);
    return this.act('send a supervisor request', () => {
      const r = this.channel().supervisorRequest(code, payload, { channel, sender: 'scenario DXE driver' });
      this.last = { status: r.status, returnStatus: r.returnStatus, result: r.result, data: r.payload };
      return this.last;
    });
  }

  sendMmi(guid: Guid, channel: 'supervisor' | 'user', data: Uint8Array): DxeCallResult | undefined {
    return this.act('send an MMI', () => {
      const r: MmiReply = this.channel().send(channel, guid, data, { sender: 'scenario DXE driver' });
      this.last = { status: r.status, returnStatus: r.returnStatus, result: null, data: r.data };
      return this.last;
    });
  }

  /** A DXE driver calls the StandaloneMmUnblockMem protocol (§7.3): local checks, then MSUP UNBLOCK_MEM. */
  dxeUnblock(address: bigint, size: bigint, identifier: Guid = this.scenarioDrivers.registry.resolve('ScenarioDxeDriver')): DxeCallResult | undefined {
    const proto = this.booted.unblockProtocol;
    if (!proto) throw new ScenarioError('SCENARIO_NO_UNBLOCK_PROTOCOL', 'the StandaloneMmUnblockMem protocol is not installed yet (boot to "DXE" first)');
    return this.act('unblock memory', () => {
      const status = proto.unblockMemory(address, (size + 0xfffn) / 0x1000n, identifier);
      this.last = { status, returnStatus: null, result: status, data: new Uint8Array() };
      return this.last;
    });
  }

  /** Code outside MM reads `n` bytes at `address` with a real `rep movsb` on CPU 0 (the chipset decides what it sees). */
  readOutside(address: bigint, n: number): Uint8Array {
    const machine = this.machine!;
    const buffer = 0x7000n;
    if (n > 0x1000) throw new ScenarioError('SCENARIO_READ_TOO_LARGE', `at most 4096 bytes can be read at once (asked ${n})`);
    // rep movsb with RSI = address, RDI = buffer, RCX = n
    this.act('read memory', () => runOutsideMm(machine, 0, Uint8Array.of(0xf3, 0xa4), { rsi: address, rdi: buffer, rcx: BigInt(n) }));
    const bytes = machine.outside.read(Number(buffer), n);
    machine.trace.record('outside-read', { address, length: n, first: bytes[0] ?? null });
    return bytes;
  }

  /** Software SMI: `out 0xB2, value` by CPU 0 outside SMM (the MM Control trigger). */
  softwareSmi(value: number): void {
    this.act('raise a software SMI', () => new MmControl(this.machine!, value).trigger());
  }

  // ---- Then: questions ----

  /** Names of the drivers whose entry point was called, in order. */
  startedDrivers(): string[] {
    const rt = this.core?.runtime;
    if (!rt) return [];
    return rt.dispatcher.started.map((g) => this.driverName(g));
  }

  driverName(guid: Guid): string {
    const d = this.core?.runtime?.discovery.drivers.find((x) => x.fileName === guid);
    return d?.uiName ?? this.scenarioDrivers.registry.nameOf(guid) ?? guid;
  }

  /** The privilege level the driver's entry point returned from (the CS the call gate pushed), if it started. */
  entryCpl(name: string): number | undefined {
    const guid = this.scenarioDrivers.guidOf(name);
    const events = this.machine?.trace.events ?? [];
    const i = events.findIndex((e) => e.type === 'dispatch' && e.data.action === 'entry' && e.data.driver === guid);
    if (i < 0) return undefined;
    for (let k = i - 1; k >= 0; k--) {
      if (events[k].type === 'demotion') return events[k].data.returnedFromCpl as number;
    }
    return undefined;
  }

  pageAttributes(address: bigint): PageAttributes {
    const rt = this.core?.runtime;
    if (!rt) throw new ScenarioError('SCENARIO_NO_SUPERVISOR', `the supervisor has not built its page tables (its entry ${this.core?.entryResult ? `returned ${efiStatusName(this.core.entryResult.status)}` : 'has not run'})`);
    return rt.ptm.query(Number(address)).attributes;
  }

  describePage(address: bigint): string {
    return describeAttributes(this.pageAttributes(address));
  }

  /** The paging audit of §9.6 over the live page tables (run after every scenario). */
  pagingAudit(): PagingAuditFinding[] {
    const rt = this.core?.runtime;
    if (!rt) return [];
    const page = 0x1000;
    const commBuffers = [rt.buffers.supervisor, rt.buffers.user].flatMap((c) => [
      { base: c.address, size: c.pages * 0x1000n }, { base: c.mailbox & ~0xfffn, size: 0x1000n },
    ]);
    const coreImage = { base: Number(rt.coreImage.base), pages: Math.ceil(Number(rt.coreImage.length) / page), owner: 'supervisor' as const, type: 'code' as const, purpose: 'core image' };
    // The save-state pages live in the SMBASE area the platform reserved before the core ran (§1.6 step 6).
    const saveState = rt.cpus.perCpu.map((c) => ({ base: Math.floor((c.smbase + 0xfc00) / page) * page, pages: 1, owner: 'supervisor' as const, type: 'data' as const, purpose: `save state CPU ${c.index}` }));
    const findings = runPagingAudit({
      pageTables: rt.ptm,
      mmram: rt.inputs.mmramRanges.map((r) => ({ base: r.physicalStart, size: r.physicalSize })),
      allocations: [...rt.allocator.allocations(), coreImage, ...saveState],
      imageWritableSections: rt.images.images.flatMap((i) => i.writableSections),
      commBuffers,
      unblocked: rt.unblock.entries().map((e) => ({ base: e.physicalStart, size: e.numberOfPages * 0x1000n })),
      mmio: rt.inputs.resourceDescriptors.filter((r) => r.resourceType === 1 || r.resourceType === 3).map((r) => ({ base: r.physicalStart, size: r.resourceLength })),
      protectedRegions: rt.inputs.protectedRegions.iommu.map((p) => ({ base: p.address, size: p.pages * 0x1000n })),
    });
    return findings;
  }
}
