import type { MachineEvent } from '../../platform/machine-trace';
import type { ScenarioPlatform } from './scenario-platform';

/** Why the supervisor stopped the system, read from the trace (§3.8 fatal syscall, §9.1 exception). */
export interface SupervisorStop {
  /** 'policy-violation' = the fatal syscall path; 'exception' = a CPU exception in MM. */
  kind: 'policy-violation' | 'exception';
  /** Exception vector (for the fatal syscall path in reboot mode: 3, the INT3 the supervisor raises). */
  vector: number | null;
  detail: string;
  event: MachineEvent;
}

export function supervisorStop(p: ScenarioPlatform): SupervisorStop | undefined {
  const events = p.machine?.trace.events ?? [];
  for (const e of events) {
    if (e.type === 'syscall-fatal') return { kind: 'policy-violation', vector: null, detail: String(e.data.syscall), event: e };
    if (e.type === 'fault') return { kind: 'exception', vector: e.data.vector as number, detail: String(e.data.detail), event: e };
  }
  return undefined;
}

/** The MSVT telemetry the supervisor produced (the first record), as the trace shows it. */
export function telemetry(p: ScenarioPlatform): MachineEvent | undefined {
  return p.machine?.trace.events.find((e) => e.type === 'telemetry');
}

/** The machine's end state: running, or reset / hang with the reason. */
export function machineState(p: ScenarioPlatform): { kind: string; reason?: string } {
  const s = p.machine?.state;
  if (s === undefined) return { kind: 'not started' };
  return s.kind === 'running' ? { kind: 'running' } : { kind: s.kind, reason: s.reason };
}

/** The last N events of the given types, one line each — shown when an assertion fails. */
export function traceExcerpt(p: ScenarioPlatform, types?: readonly string[], n = 12): string {
  const events = (p.machine?.trace.events ?? []).filter((e) => types === undefined || types.includes(e.type));
  const lines = events.slice(-n).map((e) => `  #${e.seq} [${e.milestone}] ${e.type} ${JSON.stringify(e.data)}`.slice(0, 240));
  return lines.length === 0 ? '  (no matching trace events)' : lines.join('\n');
}

/** How many times a handler registered for `guid` was invoked (MmiManage reports in the trace). */
export function handlerRuns(p: ScenarioPlatform, guid: string): number {
  let n = 0;
  for (const e of p.machine?.trace.events ?? []) {
    if (e.type !== 'mmi' || e.data.action !== 'manage' || e.data.handlerType !== guid) continue;
    n += ((e.data.invoked as { owner: string }[]) ?? []).filter((i) => i.owner === 'user').length;
  }
  return n;
}
