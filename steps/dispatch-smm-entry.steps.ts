import { Then, When } from '@cucumber/cucumber';
import type { GprName } from '../src/cpu/registers';
import { inMmram } from '../src/scenario/engine/dispatch-mm-services';
import {
  cpuNow, lastSmiRun, MARKER_REGISTERS, outsideCodeRaisesSoftwareSmi, outsideCodeWritesPort, peripheralRaisesSmi, saveStateAreas, saveStateField,
  smmEntriesOfLastRun,
} from '../src/scenario/engine/dispatch-smm-entry';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

// SMI entry, save state and RSM (x86-smm-facts §1.1–§1.9; seeds 001, 003, 004): code outside MM raises SMIs and
// the steps read the CPUs, their save-state maps in SMRAM and the trace.

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const TRACE = ['smi', 'cpu-smi-entry', 'cpu-rsm', 'mmi'];

When('code outside MM raises software SMI {hex}', function (this: MmspecWorld, value: bigint) {
  outsideCodeRaisesSoftwareSmi(this.platform, Number(value & 0xffn));
});

When('code outside MM raises software SMI {hex} with interrupts disabled', function (this: MmspecWorld, value: bigint) {
  outsideCodeRaisesSoftwareSmi(this.platform, Number(value & 0xffn), { cli: true });
});

When('code outside MM writes {hex} to port {hex}', function (this: MmspecWorld, value: bigint, port: bigint) {
  outsideCodeWritesPort(this.platform, Number(port), Number(value & 0xffn));
});

When('a peripheral raises an SMI', function (this: MmspecWorld) {
  peripheralRaisesSmi(this.platform, 'peripheral');
});

Then('every processor entered SMM once and left it with RSM', function (this: MmspecWorld) {
  const p = this.platform;
  const { entered, resumed } = smmEntriesOfLastRun(p);
  const all = p.machine!.cpus.map((c) => c.index);
  const once = (xs: number[]) => all.every((i) => xs.filter((x) => x === i).length === 1) && xs.length === all.length;
  check(p, once(entered) && once(resumed), `CPUs ${all.join(', ')} each to enter SMM once and resume once`, `entries: [${entered.join(', ')}], RSMs: [${resumed.join(', ')}]`, TRACE);
});

Then('no processor entered SMM', function (this: MmspecWorld) {
  const p = this.platform;
  const { entered, smis } = smmEntriesOfLastRun(p);
  check(p, entered.length === 0 && smis === 0, 'no SMI and no SMM entry', `${smis} SMI(s), entries by CPUs [${entered.join(', ')}]`, TRACE);
});

Then('no processor is in SMM any more', function (this: MmspecWorld) {
  const p = this.platform;
  const inSmm = p.machine!.cpus.filter((c) => cpuNow(p, c.index).inSmm).map((c) => c.index);
  check(p, inSmm.length === 0, 'every CPU to be back outside SMM', `CPUs [${inSmm.join(', ')}] are in SMM`, TRACE);
});

Then('the root MMI handlers ran {int} time(s) during that SMI', function (this: MmspecWorld, n: number) {
  const p = this.platform;
  const run = lastSmiRun(p);
  const got = p.machine!.trace.events.slice(run.traceFrom)
    .filter((e) => e.type === 'mmi' && e.data.action === 'manage' && e.data.handlerType === 'root')
    .reduce((k, e) => k + ((e.data.invoked as { owner: string }[]) ?? []).filter((i) => i.owner === 'user').length, 0);
  check(p, got === n, `root MMI handlers to run ${n} time(s)`, `they ran ${got} time(s)`, TRACE);
});

Then('the interrupted code ran on with every register as it was', function (this: MmspecWorld) {
  const p = this.platform;
  const run = lastSmiRun(p);
  const changed = (Object.keys(run.before) as GprName[]).filter((r) => run.after?.[r] !== run.before[r]);
  check(p, run.after !== null && changed.length === 0, 'every general register to be unchanged after RSM',
    run.after === null ? 'the code did not run on' : `changed: ${changed.map((r) => `${r} ${hex(run.before[r]!)} → ${hex(run.after![r])}`).join(', ')}`, TRACE);
});

Then('the save state of CPU {int} holds the registers of the interrupted code', function (this: MmspecWorld, cpu: number) {
  const p = this.platform;
  const run = lastSmiRun(p);
  const regs = Object.keys(MARKER_REGISTERS) as GprName[];
  const wrong = regs.filter((r) => saveStateField(p, cpu, r).value !== run.before[r]);
  check(p, wrong.length === 0, `CPU ${cpu}'s save state to hold the interrupted registers`, `wrong: ${wrong.map((r) => `${r} = ${hex(saveStateField(p, cpu, r).value)} (expected ${hex(run.before[r]!)})`).join(', ')}`, TRACE);
});

Then('the save state of CPU {int} shows the SMI came from an OUT to port {hex}', function (this: MmspecWorld, cpu: number, port: bigint) {
  const p = this.platform;
  const misc = saveStateField(p, cpu, 'ioMisc').value;
  // IOMisc (x86-smm-facts §1.9): bit 0 valid, bits 4..7 type (0 OUT DX, 8 OUT imm8), bits 16..31 port
  const type = Number((misc >> 4n) & 0xfn);
  const ok = (misc & 1n) === 1n && (type === 0 || type === 8) && (misc >> 16n) === port;
  check(p, ok, `IOMisc of CPU ${cpu} to describe an OUT to ${hex(port)}`, `IOMisc is ${hex(misc)}`, TRACE);
});

Then('the save state of CPU {int} shows no I\\/O instruction caused the SMI', function (this: MmspecWorld, cpu: number) {
  const p = this.platform;
  const misc = saveStateField(p, cpu, 'ioMisc').value;
  check(p, (misc & 1n) === 0n, `IOMisc of CPU ${cpu} to be invalid (no I/O trap)`, `IOMisc is ${hex(misc)}`, TRACE);
});

Then('the save state of CPU {int} shows interrupts were disabled when the SMI arrived', function (this: MmspecWorld, cpu: number) {
  const p = this.platform;
  const rflags = saveStateField(p, cpu, 'rflags').value;
  check(p, (rflags & 0x200n) === 0n, `CPU ${cpu}'s saved RFLAGS.IF to be 0`, `RFLAGS is ${hex(rflags)}`, TRACE);
});

Then('each processor saved its state in its own area inside MMRAM that code outside MM cannot read', function (this: MmspecWorld) {
  const p = this.platform;
  const areas = saveStateAreas(p);
  for (const a of areas) {
    const smbase = saveStateField(p, a.cpu, 'smbase').value;
    check(p, inMmram(p, BigInt(a.base), BigInt(a.end - a.base)) && smbase === BigInt(a.smbase), `CPU ${a.cpu}'s save state [${hex(a.base)}, ${hex(a.end)}) inside MMRAM with its SMBASE field = ${hex(a.smbase)}`, `SMBASE field ${hex(smbase)}, ${inMmram(p, BigInt(a.base)) ? 'in' : 'outside'} MMRAM`, TRACE);
    for (const b of areas) {
      if (b.cpu !== a.cpu) check(p, a.end <= b.base || b.end <= a.base, `CPU ${a.cpu}'s and CPU ${b.cpu}'s save-state areas not to overlap`, `they overlap at ${hex(a.base)} / ${hex(b.base)}`, TRACE);
    }
    const seen = p.readOutside(BigInt(saveStateField(p, a.cpu, 'rax').address), 8); // the saved RAX
    check(p, seen.every((x) => x === 0xff), `code outside MM to read all-ones from CPU ${a.cpu}'s save state`, `it read ${Array.from(seen, (x) => x.toString(16)).join(' ')}`, ['outside-read', ...TRACE]);
  }
});

Then('while in SMM every processor ran at CPL 0 on page tables, an IDT and a GDT inside MMRAM', function (this: MmspecWorld) {
  const p = this.platform;
  const run = lastSmiRun(p);
  for (const c of p.machine!.cpus) {
    const own = run.samples.filter((s) => s.cpu === c.index);
    const set = own.find((s) => inMmram(p, BigInt(s.cr3)) && inMmram(p, BigInt(s.idtrBase)) && inMmram(p, BigInt(s.gdtrBase)));
    check(p, set !== undefined && own[0]?.cpl === 0, `CPU ${c.index} to enter SMM at CPL 0 and run on MMRAM page tables, IDT and GDT`,
      own.length === 0 ? 'it was never seen in SMM' : `it was seen with ${own.slice(0, 4).map((s) => `CPL ${s.cpl} CR3 ${hex(s.cr3)} IDT ${hex(s.idtrBase)} GDT ${hex(s.gdtrBase)} (${s.via})`).join('; ')}`, TRACE);
  }
});

Then('after RSM every processor is back on the page tables, IDT and GDT of the interrupted code', function (this: MmspecWorld) {
  const p = this.platform;
  const run = lastSmiRun(p);
  for (const c of p.machine!.cpus) {
    const was = run.outside[c.index];
    check(p, !c.inSmm && c.cr3 === was.cr3 && c.idtrBase === was.idtrBase && c.gdtrBase === was.gdtrBase, `CPU ${c.index} to be back on CR3 ${hex(was.cr3)}, IDT ${hex(was.idtrBase)}, GDT ${hex(was.gdtrBase)}`,
      `it has CR3 ${hex(c.cr3)}, IDT ${hex(c.idtrBase)}, GDT ${hex(c.gdtrBase)}${c.inSmm ? ' and is still in SMM' : ''}`, TRACE);
  }
});
