import { MachineStop } from '../../platform/machine-stop';
import { runOutsideMm } from '../../platform/firmware-context';
import type { PortDevice } from '../../platform/devices/port-bus';
import { efiStatusFromName } from '../../firmware/efi-status';
import type { PolicyValidation } from '../../firmware/policy';
import { ERROR_REPORT_DATA, ERROR_REPORT_FILE_GUID } from '../../supervisor/package/error-report-driver';
import { decodeTelemetry, TELEMETRY_SCRATCH_OFFSET, TELEMETRY_SIZE } from '../../supervisor/telemetry/telemetry-record';
import type { MachineEvent } from '../../platform/machine-trace';
import { FFS_STATE_COMMITTED, FfsFileType, type FfsFile } from '../../firmware/fv';
import { SupervisorGuids } from '../../supervisor/core/supervisor-guids';
import { ScenarioError } from './scenario-errors';
import type { ScenarioPlatform } from './scenario-platform';

/*
 * Questions the isolation-policy, syscall, save-state and fault scenarios ask of a booted ScenarioPlatform. Every
 * answer comes from the machine: the trace the supervisor model and the CPUs wrote, MMRAM bytes, the live page
 * tables. Nothing here looks at a driver's action list.
 */

const toBig = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number | string));

/** The images the supervisor loaded, by FFS file GUID (lower case). */
function imageOf(p: ScenarioPlatform, guid: string) {
  return p.core?.runtime?.images.images.find((i) => i.guid.toLowerCase() === guid.toLowerCase());
}

/**
 * What the driver's entry point returned in RAX (supervisor-facts §3.2 step 6): the demotion that called it is the
 * last one before the dispatcher's 'entry' event for that driver.
 */
export function entryPointReturn(p: ScenarioPlatform, name: string): bigint | undefined {
  const guid = p.scenarioDrivers.guidOf(name);
  const events = p.machine?.trace.events ?? [];
  const i = events.findIndex((e) => e.type === 'dispatch' && e.data.action === 'entry' && e.data.driver === guid);
  if (i < 0) return undefined;
  for (let k = i - 1; k >= 0; k--) if (events[k].type === 'demotion') return toBig(events[k].data.status);
  return undefined;
}

/**
 * What the last invocation of one of the driver's user MMI handlers returned (MmiManage's report in the trace,
 * §8.5): the handle's entry address lies inside the driver's loaded image.
 */
export function handlerReturn(p: ScenarioPlatform, name: string): bigint | undefined {
  const rt = p.core?.runtime;
  const img = imageOf(p, p.scenarioDrivers.guidOf(name));
  if (!rt || !img) return undefined;
  const events = p.machine?.trace.events ?? [];
  let last: bigint | undefined;
  for (const e of events) {
    if (e.type !== 'mmi' || e.data.action !== 'manage') continue;
    for (const inv of (e.data.invoked as { handle: bigint | number; owner: string; status: string }[]) ?? []) {
      const h = rt.handlers.lookup(toBig(inv.handle));
      const entry = h && h.owner === 'user' ? h.entry : undefined;
      if (entry !== undefined && entry >= img.base && entry < img.base + BigInt(img.size)) last = statusValueOf(inv.status);
    }
  }
  return last;
}

/** The trace stores statuses by EFI name; turn one back into its value. */
function statusValueOf(s: string): bigint {
  try {
    return efiStatusFromName(s);
  } catch {
    return BigInt(s);
  }
}

/** The supervisor's `InitializePolicy` outcome (§4.5) as the trace recorded it, plus its SecurityPolicyCheck (§4.6). */
export interface PolicyLoadOutcome {
  event: MachineEvent | undefined;
  loaded: boolean;
  /** Status of a failed load (EFI name). */
  status?: string;
  reason?: string;
  /** The blob in force (Header.Size bytes copied out of the RAW section) and its check, when loaded. */
  blob?: Uint8Array;
  validation?: PolicyValidation;
}

export function policyLoad(p: ScenarioPlatform): PolicyLoadOutcome {
  const event = p.machine?.trace.events.find((e) => e.type === 'policy' && e.data.action === 'load');
  const l = p.core?.runtime?.policyLoad;
  if (l === undefined || event === undefined) return { event, loaded: false, status: 'none', reason: 'the supervisor never loaded a policy' };
  if (!l.loaded) return { event, loaded: false, status: String(event.data.status), reason: l.reason };
  return { event, loaded: true, blob: l.firmwarePolicy.blob, validation: l.firmwarePolicy.validation };
}

/** One SMM_SUPV_POLICY_ROOT_V1 of a blob (§4.2), read straight from its bytes. */
export interface PolicyRootBytes {
  type: number;
  offset: number;
  count: number;
  accessAttr: number;
}

/** Header.Size and the root array of a v1.0 policy blob (§4.1, §4.2), read straight from the bytes. */
export function policyLayout(blob: Uint8Array): { size: number; roots: PolicyRootBytes[] } {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const size = dv.getUint32(4, true);
  const rootOffset = dv.getUint32(0x20, true);
  const rootCount = dv.getUint32(0x24, true);
  const roots: PolicyRootBytes[] = [];
  for (let i = 0; i < rootCount; i++) {
    const o = rootOffset + 0x18 * i;
    roots.push({ type: dv.getUint32(o + 8, true), offset: dv.getUint32(o + 12, true), count: dv.getUint32(o + 16, true), accessAttr: blob[o + 20] });
  }
  return { size, roots };
}

/**
 * A chipset I/O trap (the PCH's IOTRn registers): an access to `port` raises an SMI while the CPU is executing the
 * IN/OUT, so the CPU records the I/O-trap information in its save state (x86-smm-facts §1.9). Reads float high.
 */
class IoTrap implements PortDevice {
  constructor(private readonly raise: () => void) {}
  read(_port: number, size: number): number {
    this.raise();
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }
  write(): void {
    this.raise();
  }
}

const IN = { 1: [0xec], 2: [0x66, 0xed], 4: [0xed] } as const; // in al/ax/eax, dx
const OUT = { 1: [0xee], 2: [0x66, 0xef], 4: [0xef] } as const; // out dx, al/ax/eax

/**
 * Code outside MM on CPU 0 executes a real `in`/`out` of `width` bytes at `port`, which the chipset traps to MM
 * (the SMI is handled on every CPU before this returns). A fatal stop in MM ends the boot, as with every DXE action.
 */
export function trappedIoAccess(p: ScenarioPlatform, port: number, width: 1 | 2 | 4, write: boolean, value = 0n): void {
  const machine = p.machine;
  const boot = p.booted;
  if (!machine) throw new ScenarioError('SCENARIO_NOT_BOOTED', 'the platform has not booted yet');
  if (boot.stopped) throw new ScenarioError('SCENARIO_MACHINE_STOPPED', `cannot access port 0x${port.toString(16)}: the machine stopped (${boot.stopped.kind})`);
  if (![1, 2, 4].includes(width)) throw new ScenarioError('SCENARIO_BAD_WIDTH', `an I/O width is 1, 2 or 4 bytes (got ${width})`);
  machine.ports.attach(port, width, new IoTrap(() => machine.raiseSmi('io-trap', { port, width, write })));
  const imm32 = (v: bigint) => Array.from({ length: 4 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const code = Uint8Array.from([
    0xba, ...imm32(BigInt(port)), // mov edx, port
    0xb8, ...imm32(value & 0xffffffffn), // mov eax, value
    ...(write ? OUT[width] : IN[width]),
  ]);
  try {
    runOutsideMm(machine, 0, code);
    machine.trace.record('io-trap', { port, width, write, value: write ? value : null });
  } catch (e) {
    if (!(e instanceof MachineStop)) throw e;
    boot.stopped = machine.state.kind === 'running' ? { kind: e.kind, reason: e.reason } : machine.state;
    machine.trace.record('boot-stopped', { at: machine.trace.milestone, kind: boot.stopped.kind });
  }
}

/** The MSVT record at offset 8 of the user scratch page (§9.3), read from MMRAM. */
export function scratchTelemetry(p: ScenarioPlatform): ReturnType<typeof decodeTelemetry> | undefined {
  const rt = p.core?.runtime;
  if (!rt || !p.machine) return undefined;
  const bytes = p.machine.smm.read(Number(rt.buffers.scratchPage) + TELEMETRY_SCRATCH_OFFSET, TELEMETRY_SIZE);
  return decodeTelemetry(bytes);
}

/** The RIP of the CPU exception that stopped the system (the 'fault' event the CPU delivered), if any. */
export function faultRip(p: ScenarioPlatform): bigint | undefined {
  const f = p.machine?.trace.events.find((e) => e.type === 'fault');
  return f ? toBig(f.data.rip) : undefined;
}

/**
 * What MmSupervisorErrorReport (real CPL3 code) kept of the reports it received: its count, the CPU index and a copy
 * of the last record, read from its data section in MMRAM; and the privilege level its report routine returned from.
 */
export function errorReports(p: ScenarioPlatform): { count: bigint; cpu: bigint; record: ReturnType<typeof decodeTelemetry>; cpl: number | null } | undefined {
  const img = imageOf(p, ERROR_REPORT_FILE_GUID);
  const reporter = p.core?.runtime?.syscalls.registrations.errorReporter;
  if (!img || !p.machine || img.writableSections.length === 0) return undefined;
  const data = img.writableSections[0].base;
  const smm = p.machine.smm;
  const demotion = [...p.machine.trace.events].reverse().find((e) => e.type === 'demotion' && reporter !== null && reporter !== undefined && toBig(e.data.routine) === reporter);
  return {
    count: smm.u64(data + ERROR_REPORT_DATA.count),
    cpu: smm.u64(data + ERROR_REPORT_DATA.cpu),
    record: decodeTelemetry(smm.read(data + ERROR_REPORT_DATA.record, TELEMETRY_SIZE)),
    cpl: demotion ? (demotion.data.returnedFromCpl as number | null) : null,
  };
}

/** The image base the supervisor loaded a driver at. */
export function imageBase(p: ScenarioPlatform, name: string): bigint | undefined {
  return imageOf(p, p.scenarioDrivers.guidOf(name))?.base;
}

/** The MMRAM copy of the HOB list (§1.4, §3.7 SMM_QRY_HOB). */
export function hobListCopy(p: ScenarioPlatform): bigint | undefined {
  return p.core?.runtime?.hobListCopy;
}

/** The MMRAM ranges SMM_ALOC_PAGE handed out (§3.7). */
export function userPageAllocations(p: ScenarioPlatform): { base: number; pages: number }[] {
  return (p.core?.runtime?.allocator.allocations() ?? []).filter((a) => a.owner === 'user' && a.purpose === 'user pages (SMM_ALOC_PAGE)');
}

/**
 * Puts one more FREEFORM file named gMmSupervisorPolicyFileGuid (81FF0793-…) into the MM FV, after the platform's
 * files and the scenario's drivers, with one RAW section per blob in this order (supervisor-facts §4.5 step 1:
 * the supervisor takes the first such file and its first RAW section).
 */
export function addPolicyFile(p: ScenarioPlatform, blobs: readonly Uint8Array[]): void {
  if (p.machine !== undefined) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', 'policy files must be added before the platform boots');
  const file: FfsFile = {
    name: SupervisorGuids.policyFile, type: FfsFileType.FREEFORM, attributes: 0, state: FFS_STATE_COMMITTED,
    content: { sections: blobs.map((data) => ({ kind: 'raw' as const, data })) },
  };
  const drivers = p.scenarioDrivers;
  const files = drivers.files.bind(drivers);
  drivers.files = () => [...files(), file];
}
