import { Cpu } from '../cpu/cpu';
import { InstructionBudgetExceeded } from '../cpu/cpu-fault';
import type { CpuidTable } from '../cpu/cpuid';
import { SparseMemory } from '../cpu/physical-memory';
import { Q35Chipset, type MemoryRange } from './chipset/q35-chipset';
import { ApmControl, APM_CNT } from './devices/apm-control';
import { PciConfigPorts, PCI_CONFIG_ADDRESS } from './devices/pci-config';
import { PortBus } from './devices/port-bus';
import { RESET_CONTROL, ResetControl } from './devices/reset-control';
import { MachineStop, type MachineStopKind } from './machine-stop';
import { MachineTrace } from './machine-trace';
import { MemoryView } from './memory-view';

/** The hardware of a machine (what a platform fixture describes). */
export interface MachineSpec {
  cpus: number;
  memoryMap: readonly MemoryRange[];
  tsegBase: number;
  tsegSize: number;
  saveStateMap: 'intel' | 'amd';
  /** SMBASE of each CPU after relocation (x86-smm-facts §1.10: one SMBASE per CPU). */
  smbase: readonly number[];
  cpuid?: CpuidTable;
  maxPhysAddrBits?: number;
}

/** A firmware module implemented in TypeScript, bound to the FFS file GUID of its image (docs/execution-model.md). */
export type HostModuleEntry = (machine: Machine, cpu: Cpu, args: readonly bigint[]) => bigint;

export type MachineState = { kind: 'running' } | { kind: MachineStopKind; reason: string };

/**
 * A machine: CPUs on one physical memory behind a Q35-like chipset, with port devices (APM 0xB2/0xB3, PCI
 * configuration 0xCF8/0xCFC, reset control 0xCF9) and an ordered event trace. Resets and hangs are states
 * with a reason, never process exits.
 */
export class Machine {
  readonly ram = new SparseMemory();
  readonly chipset: Q35Chipset;
  readonly ports = new PortBus();
  readonly cpus: Cpu[];
  readonly trace = new MachineTrace();
  readonly apm: ApmControl;
  readonly pciConfig: PciConfigPorts;
  readonly hostModules = new Map<string, HostModuleEntry>();
  state: MachineState = { kind: 'running' };
  /** SMIs raised since power-on (all sources). */
  smiCount = 0;

  constructor(readonly spec: MachineSpec) {
    this.chipset = new Q35Chipset(this.ram, spec.memoryMap, spec.tsegBase, spec.tsegSize);
    this.cpus = [];
    for (let i = 0; i < spec.cpus; i++) {
      const cpu = new Cpu(this.chipset, {
        index: i, io: this.ports, cpuid: spec.cpuid, maxPhysAddrBits: spec.maxPhysAddrBits,
        saveStateMap: spec.saveStateMap, smbase: spec.smbase[i],
      });
      cpu.tracer = { event: (_c, e) => this.onCpuEvent(e) };
      this.cpus.push(cpu);
    }
    this.chipset.onMapChange = () => {
      for (const c of this.cpus) c.flushTlb();
      this.trace.record('smram', { state: this.chipset.smramState(), smramc: this.chipset.smramc, esmramc: this.chipset.esmramc });
    };
    this.apm = new ApmControl((src) => this.raiseSmi('apm', src));
    this.pciConfig = new PciConfigPorts(this.chipset);
    this.ports.attach(APM_CNT, 2, this.apm);
    this.ports.attach(PCI_CONFIG_ADDRESS, 8, this.pciConfig);
    this.ports.attach(RESET_CONTROL, 1, new ResetControl((kind) => this.stop(kind, 'reset requested through port 0xCF9')));
  }

  private onCpuEvent(e: import('../cpu/trace').CpuEvent): void {
    switch (e.type) {
      case 'exception': case 'smi-entry': case 'rsm': case 'shutdown': case 'unsupported':
        this.trace.record(`cpu-${e.type}`, { ...e });
        if (e.type === 'shutdown') this.stop('shutdown', `CPU ${e.cpu}: ${e.reason}`);
        break;
      default:
        break;
    }
  }

  /** What code outside SMM sees of physical memory. */
  get outside(): MemoryView {
    return new MemoryView(this.chipset, false);
  }
  /** What SMM code sees of physical memory. */
  get smm(): MemoryView {
    return new MemoryView(this.chipset, true);
  }

  get bsp(): Cpu {
    return this.cpus[0];
  }

  /** Signals an SMI to every CPU (broadcast, as QEMU's APM does); `settleSmi` runs them through it. */
  raiseSmi(source: string, details: Record<string, unknown> = {}): void {
    this.smiCount++;
    this.trace.record('smi', { source, ...details, cpus: this.cpus.length });
    for (const c of this.cpus) c.signalSmi();
  }

  /** True while any CPU is in SMM or has an SMI pending. */
  get smiInProgress(): boolean {
    return this.cpus.some((c) => c.inSmm || c.smm.pending);
  }

  /**
   * The SMI scheduler (docs/execution-model.md): while any CPU is in SMM or has an SMI pending, run the CPUs
   * in index order, each until it yields, halts or leaves SMM. Deterministic. A run that does not settle
   * within `budget` steps ends the machine in a hang.
   */
  settleSmi(budget = 50_000_000): void {
    let left = budget;
    while (this.smiInProgress) {
      this.assertRunning();
      for (const cpu of this.cpus) {
        if (!cpu.inSmm && !cpu.smm.pending) continue;
        const before = cpu.icount;
        cpu.smm.stopOnExit = true;
        try {
          cpu.run(Math.max(1, Math.min(left, 5_000_000)));
        } catch (e) {
          if (e instanceof InstructionBudgetExceeded) this.stop('hang', `SMI did not complete: ${e.message}`);
          throw e;
        } finally {
          cpu.smm.stopOnExit = false;
        }
        left -= cpu.icount - before + 1;
        if (left <= 0) this.stop('hang', `SMI did not complete within ${budget} steps`);
      }
    }
  }

  /** Records a stop (reset, hang, shutdown) as the machine state and unwinds with MachineStop. */
  stop(kind: MachineStopKind, reason: string): never {
    if (this.state.kind === 'running') {
      this.state = { kind, reason };
      this.trace.record(kind === 'hang' ? 'hang' : kind === 'shutdown' ? 'shutdown' : 'reset', { kind, reason });
    }
    throw new MachineStop(kind, reason);
  }

  assertRunning(): void {
    if (this.state.kind !== 'running') throw new MachineStop(this.state.kind, this.state.reason);
  }
}
