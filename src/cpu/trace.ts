import type { Cpu } from './cpu';
import type { Insn } from './insn';

/** A system event a CPU reports to its tracer (evidence for reports). */
export type CpuEvent =
  | { type: 'exception'; cpu: number; vector: number; errorCode?: number; rip: bigint; reason: string; cpl: number }
  | { type: 'unsupported'; cpu: number; rip: bigint; text: string }
  | { type: 'smi-entry'; cpu: number; smbase: number; rip: bigint }
  | { type: 'rsm'; cpu: number; rip: bigint }
  | { type: 'shutdown'; cpu: number; reason: string }
  | { type: 'msr'; cpu: number; op: 'read' | 'write'; msr: number; value: bigint }
  | { type: 'io'; cpu: number; op: 'in' | 'out'; port: number; size: number; value: number }
  | { type: 'cpl'; cpu: number; from: number; to: number; via: string }
  | { type: 'host-trap'; cpu: number; address: bigint };

/** Receives executed instructions and system events. Installing one selects the (slower) tracing loop. */
export interface CpuTracer {
  instruction?(cpu: Cpu, rip: number, insn: Insn): void;
  event?(cpu: Cpu, event: CpuEvent): void;
}
