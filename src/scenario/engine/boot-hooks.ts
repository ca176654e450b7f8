import type { Cpu } from '../../cpu/cpu';
import type { Hob } from '../../firmware/hob';
import type { HobListBuilder } from '../../platform/firmware/hob-list-builder';
import type { Milestone } from '../../platform/boot/milestones';
import type { BootProgress } from '../../platform/boot/platform-boot';
import { SupervisorGuids } from '../../supervisor/core/supervisor-guids';
import type { ScenarioPlatform } from './scenario-platform';
import { ScenarioError } from './scenario-errors';

/** MSRs the syscall probe reads (supervisor-facts §3.4). */
export const PROBED_MSRS = { EFER: 0xc0000080, STAR: 0xc0000081, LSTAR: 0xc0000082, GS_BASE: 0xc0000101, KERNEL_GS_BASE: 0xc0000102 } as const;

/** The CPU state seen when user code's SYSCALL reached the supervisor: what the user code ran with. */
export interface SyscallCpuSnapshot {
  cpu: number;
  syscall: bigint;
  cr4: number;
  msrs: Record<keyof typeof PROBED_MSRS, bigint>;
}

/** One edit of the HOB list: it works through the HOB list builder, so the bytes in DRAM are rewritten. */
export type HobEdit = { describe: string; apply: (hobs: HobListBuilder, p: ScenarioPlatform) => void };

interface BootHookState {
  /** Applied once PEI has built the HOB list (comm buffers, PEI unblock requests), before the MM IPL runs. */
  beforeIpl: HobEdit[];
  /** Applied when the IPL calls the core's entry point: the bytes the core reads, after the IPL's own checks. */
  atCoreEntry: HobEdit[];
  /** CPU state at every syscall, once the probe is on. */
  syscalls: SyscallCpuSnapshot[] | null;
  /** The HOB list bytes at the moment the core entry point was called, and the address it was given (RCX). */
  coreEntry: { hobList: bigint; bytes: Uint8Array } | null;
  started: boolean;
}

const STATE = Symbol('mmspec boot hooks');

type Hooked = ScenarioPlatform & { [STATE]?: BootHookState };

/**
 * Boot hooks of a scenario platform (instance-level, no change to ScenarioPlatform): on the first boot step the
 * platform boots to "PEI" (machine, HOB list, comm-buffer HOBs and PEI unblock HOBs exist), the hooks bind around
 * the core's entry point, the before-IPL HOB edits are made, and the boot goes on to the requested milestone.
 * Everything the hooks change is bytes the firmware reads (the HOB list in DRAM); the outcome still comes from
 * the IPL, the core and the CPU running on them.
 */
export function bootHooks(p: ScenarioPlatform): BootHookState {
  const hooked = p as Hooked;
  if (hooked[STATE]) return hooked[STATE];
  const state: BootHookState = { beforeIpl: [], atCoreEntry: [], syscalls: null, coreEntry: null, started: false };
  hooked[STATE] = state;
  const original = p.bootTo.bind(p);
  p.bootTo = (target: Milestone = 'runtime'): BootProgress => {
    if (!state.started) {
      if (p.machine !== undefined) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', 'boot hooks must be set before the platform boots');
      state.started = true;
      const r = original('PEI');
      if (r.stopped) return r;
      wrapCoreEntry(p, state);
      for (const e of state.beforeIpl) e.apply(p.booted.hobs!, p);
      if (state.beforeIpl.length > 0) p.machine!.trace.record('scenario-hob-edit', { when: 'before the MM IPL', edits: state.beforeIpl.map((e) => e.describe) });
      if (target === 'PEI') return r;
    }
    return original(target);
  };
  return state;
}

function wrapCoreEntry(p: ScenarioPlatform, state: BootHookState): void {
  const machine = p.machine!;
  const key = SupervisorGuids.core.toLowerCase();
  const entry = machine.hostModules.get(key);
  if (entry === undefined) return;
  machine.hostModules.set(key, (m, cpu, args) => {
    const hobs = p.booted.hobs!;
    for (const e of state.atCoreEntry) e.apply(hobs, p);
    if (state.atCoreEntry.length > 0) machine.trace.record('scenario-hob-edit', { when: 'at the MM core entry', edits: state.atCoreEntry.map((e) => e.describe) });
    state.coreEntry = { hobList: args[0], bytes: machine.outside.read(Number(hobs.base), hobs.length) };
    const status = entry(m, cpu, args);
    if (state.syscalls !== null) probeSyscalls(p, state.syscalls);
    return status;
  });
}

/** Wraps the core's syscall dispatcher (once it exists) to note the CPU state at each syscall. */
function probeSyscalls(p: ScenarioPlatform, out: SyscallCpuSnapshot[]): void {
  const syscalls = p.core?.runtime?.syscalls;
  if (!syscalls) return;
  const dispatch = syscalls.dispatch.bind(syscalls);
  syscalls.dispatch = (cpu: Cpu) => {
    const read = (msr: number) => cpu.msr.read(msr);
    out.push({
      cpu: cpu.index, syscall: cpu.getReg64(0), cr4: cpu.cr4,
      msrs: { EFER: read(PROBED_MSRS.EFER), STAR: read(PROBED_MSRS.STAR), LSTAR: read(PROBED_MSRS.LSTAR), GS_BASE: read(PROBED_MSRS.GS_BASE), KERNEL_GS_BASE: read(PROBED_MSRS.KERNEL_GS_BASE) },
    });
    return dispatch(cpu);
  };
}

/** Turns the syscall CPU-state probe on (before the boot). */
export function probeSyscallCpuState(p: ScenarioPlatform): SyscallCpuSnapshot[] {
  const s = bootHooks(p);
  if (s.started) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', 'the syscall probe must be set before the platform boots');
  s.syscalls ??= [];
  return s.syscalls;
}

export function syscallSnapshots(p: ScenarioPlatform): SyscallCpuSnapshot[] {
  return (p as Hooked)[STATE]?.syscalls ?? [];
}

export function coreEntryCall(p: ScenarioPlatform): { hobList: bigint; bytes: Uint8Array } | null {
  return (p as Hooked)[STATE]?.coreEntry ?? null;
}

export function editHobsBeforeIpl(p: ScenarioPlatform, edit: HobEdit): void {
  const s = bootHooks(p);
  if (s.started) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', 'HOB edits must be said before the platform boots');
  s.beforeIpl.push(edit);
}

export function editHobsAtCoreEntry(p: ScenarioPlatform, edit: HobEdit): void {
  const s = bootHooks(p);
  if (s.started) throw new ScenarioError('SCENARIO_ALREADY_BOOTED', 'HOB edits must be said before the platform boots');
  s.atCoreEntry.push(edit);
}

/** The HOBs as any consumer reads them now. */
export function currentHobs(p: ScenarioPlatform): Hob[] {
  return p.booted.hobs!.read();
}
