import type { Cpu } from '../../cpu/cpu';
import { CS } from '../../cpu/registers';
import { saveStateMapOf } from '../../cpu/smm/smi';
import type { SaveStateFieldName } from '../../cpu/smm/save-state-map';
import type { GprName } from '../../cpu/registers';
import { FIRMWARE_LAYOUT, runOutsideMm } from '../../platform/firmware-context';
import { MachineStop } from '../../platform/machine-stop';
import { ScenarioError } from './scenario-errors';
import type { ScenarioPlatform } from './scenario-platform';

/**
 * SMI entry and RSM as scenarios see them (x86-smm-facts §1.6–§1.9, seeds 003/004): code outside MM that
 * raises an SMI (a real `out 0xB2, al`, optionally after `cli`, with known values in every general register),
 * an asynchronous SMI from the chipset's SMI# line, and what the machine shows afterwards — which CPUs took the
 * SMI, their save-state maps in SMRAM, the environment they ran in while in SMM, and the registers the
 * interrupted code had when it resumed.
 */

/** A recognisable value per register (RAX's low byte is the SMI command the code writes). */
export const MARKER_REGISTERS: Readonly<Partial<Record<GprName, bigint>>> = {
  rax: 0x1111_2222_3333_4400n, rbx: 0x5a5a_0000_0000_0b0bn, rcx: 0x0c0c_1234_5678_0c0cn, rdx: 0x0d0d_8765_4321_0d0dn,
  rsi: 0x5151_0000_1111_5151n, rdi: 0xd1d1_2222_0000_d1d1n, rbp: 0x0b0b_7777_6666_0b0bn,
  r8: 0x0808_0808_0808_0808n, r9: 0x0909_0909_0909_0909n, r10: 0x1010_1010_1010_1010n, r11: 0x1111_1111_1111_1111n,
  r12: 0x1212_1212_1212_1212n, r13: 0x1313_1313_1313_1313n, r14: 0x1414_1414_1414_1414n, r15: 0x1515_1515_1515_1515n,
};

/** What one CPU looked like at a moment inside SMM (recorded from its own events). */
export interface SmmEnvironmentSample {
  cpu: number;
  cr3: number;
  idtrBase: number;
  gdtrBase: number;
  cpl: number;
  via: string;
}

interface SmiRun {
  /** Trace length before the SMI was raised (events after it belong to this SMI). */
  traceFrom: number;
  cpu: number;
  /** Registers the code had just before its OUT (RAX with the command byte). */
  before: Partial<Record<GprName, bigint>>;
  /** Registers when the code ran on after the SMI. */
  after: Record<GprName, bigint> | null;
  /** RFLAGS.IF of the interrupted code. */
  interruptsEnabled: boolean;
  samples: SmmEnvironmentSample[];
  /** Outside (non-SMM) CR3/IDTR/GDTR of the CPUs when the SMI was raised. */
  outside: { cr3: number; idtrBase: number; gdtrBase: number }[];
}

const runs = new WeakMap<ScenarioPlatform, SmiRun>();

export function lastSmiRun(p: ScenarioPlatform): SmiRun {
  const r = runs.get(p);
  if (r === undefined) throw new ScenarioError('SCENARIO_NO_SMI', 'no SMI was raised by this scenario\'s steps yet (say "code outside MM raises software SMI …" or "a peripheral raises an SMI" first)');
  return r;
}

/** Samples CR3/IDTR/GDTR whenever a CPU changes privilege or hands control to the supervisor while in SMM. */
function watchSmmEnvironment(p: ScenarioPlatform, run: SmiRun): () => void {
  const restore: (() => void)[] = [];
  for (const cpu of p.machine!.cpus) {
    const prev = cpu.tracer;
    const sample = (c: Cpu, via: string) => {
      if (c.inSmm) run.samples.push({ cpu: c.index, cr3: c.cr3, idtrBase: c.idtrBase, gdtrBase: c.gdtrBase, cpl: c.cpl, via });
    };
    cpu.tracer = {
      ...(prev?.instruction ? { instruction: prev.instruction.bind(prev) } : {}),
      event: (c, e) => {
        prev?.event?.(c, e);
        if (e.type === 'cpl') sample(c, `CPL ${e.from} → ${e.to} (${e.via})`);
        else if (e.type === 'host-trap') sample(c, 'supervisor entry');
      },
    };
    restore.push(() => {
      cpu.tracer = prev;
    });
  }
  return () => restore.forEach((f) => f());
}

function begin(p: ScenarioPlatform, cpu: number, interruptsEnabled: boolean, before: Partial<Record<GprName, bigint>>): SmiRun {
  const machine = p.machine;
  if (machine === undefined) throw new ScenarioError('SCENARIO_NOT_BOOTED', 'the platform has not booted yet');
  if (p.boot?.stopped) throw new ScenarioError('SCENARIO_MACHINE_STOPPED', 'the machine has stopped');
  const run: SmiRun = {
    traceFrom: machine.trace.events.length, cpu, before, after: null, interruptsEnabled, samples: [],
    outside: machine.cpus.map((c) => ({ cr3: c.cr3, idtrBase: c.idtrBase, gdtrBase: c.gdtrBase })),
  };
  runs.set(p, run);
  return run;
}

/** Runs `fn`; a fatal machine stop ends the boot (recorded like ScenarioPlatform's own actions), it is not thrown. */
function settle(p: ScenarioPlatform, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MachineStop)) throw e;
    const m = p.machine!;
    p.boot!.stopped = m.state.kind === 'running' ? { kind: e.kind, reason: e.reason } : m.state;
    m.trace.record('boot-stopped', { at: m.trace.milestone, kind: p.boot!.stopped.kind });
  }
}

/**
 * Code outside MM on CPU `cpu` loads MARKER_REGISTERS, optionally executes `cli`, writes `command` to APM_CNT
 * (`mov al, command; out 0xB2, al`) and runs on; the SMI is settled by the machine's scheduler in between.
 */
export function outsideCodeRaisesSoftwareSmi(p: ScenarioPlatform, command: number, opts: { cpu?: number; cli?: boolean } = {}): SmiRun {
  const cpu = opts.cpu ?? 0;
  const regs = { ...MARKER_REGISTERS, rax: (MARKER_REGISTERS.rax! & ~0xffn) | BigInt(command & 0xff) };
  const run = begin(p, cpu, !opts.cli, regs);
  const code = Uint8Array.from([...(opts.cli ? [0xfa] : [0xfb]), 0xb0, command & 0xff, 0xe6, 0xb2]); // cli|sti ; mov al, cmd ; out 0xb2, al
  const stop = watchSmmEnvironment(p, run);
  try {
    settle(p, () => {
      run.after = runOutsideMm(p.machine!, cpu, code, regs);
    });
  } finally {
    stop();
  }
  return run;
}

/** Code outside MM writes `value` (a byte) to `port` — for ports other than APM_CNT no SMI follows. */
export function outsideCodeWritesPort(p: ScenarioPlatform, port: number, value: number): SmiRun {
  const run = begin(p, 0, true, {});
  const code = Uint8Array.from([0x66, 0xba, port & 0xff, (port >> 8) & 0xff, 0xb0, value & 0xff, 0xee]); // mov dx, port ; mov al, v ; out dx, al
  settle(p, () => {
    run.after = runOutsideMm(p.machine!, 0, code);
  });
  return run;
}

/**
 * An asynchronous SMI: the chipset asserts SMI# to every CPU (as a peripheral SMI source does, x86-smm-facts
 * §2.5) while they idle outside SMM; no I/O instruction caused it and no mailbox is marked valid.
 */
export function peripheralRaisesSmi(p: ScenarioPlatform, source: string): SmiRun {
  const run = begin(p, 0, true, {});
  const stop = watchSmmEnvironment(p, run);
  try {
    settle(p, () => {
      p.machine!.raiseSmi(source, { asynchronous: true });
      p.machine!.settleSmi();
    });
  } finally {
    stop();
  }
  return run;
}

/** CPU indexes that entered SMM (an SMI entry event) and left it (RSM) during the last SMI run. */
export function smmEntriesOfLastRun(p: ScenarioPlatform): { entered: number[]; resumed: number[]; smis: number } {
  const run = lastSmiRun(p);
  const events = p.machine!.trace.events.slice(run.traceFrom);
  return {
    entered: events.filter((e) => e.type === 'cpu-smi-entry').map((e) => e.data.cpu as number),
    resumed: events.filter((e) => e.type === 'cpu-rsm').map((e) => e.data.cpu as number),
    smis: events.filter((e) => e.type === 'smi' && e.data.action === undefined).length,
  };
}

/** A field of CPU `cpu`'s save-state map in SMRAM (read as SMM sees memory) and its physical address. */
export function saveStateField(p: ScenarioPlatform, cpu: number, field: SaveStateFieldName): { value: bigint; address: number } {
  const c = p.machine!.cpus[cpu];
  if (c === undefined) throw new ScenarioError('SCENARIO_NO_SUCH_CPU', `there is no CPU ${cpu} (the platform has ${p.machine!.cpus.length})`);
  const map = saveStateMapOf(c);
  if (!map.has(field)) throw new ScenarioError('SCENARIO_NO_SAVE_STATE_FIELD', `the ${map.layout} save-state map has no field ${field}`);
  return { value: map.read(field), address: map.address(field) };
}

/** Where each CPU's save-state map lies: [SMBASE+0xFC00, SMBASE+0x10000) (x86-smm-facts §1.1). */
export function saveStateAreas(p: ScenarioPlatform): { cpu: number; base: number; end: number; smbase: number }[] {
  return p.machine!.cpus.map((c) => ({ cpu: c.index, base: c.smm.smbase + 0xfc00, end: c.smm.smbase + 0x10000, smbase: c.smm.smbase }));
}

/** The CPU's current CS privilege and whether it is in SMM now. */
export function cpuNow(p: ScenarioPlatform, cpu: number): { inSmm: boolean; cs: number; cr3: number } {
  const c = p.machine!.cpus[cpu];
  return { inSmm: c.inSmm, cs: c.segSel[CS], cr3: c.cr3 };
}

/** The firmware (non-SMM) context's page tables: where code outside MM translates addresses. */
export const OUTSIDE_PML4 = FIRMWARE_LAYOUT.pml4;
