import { Then, type DataTable } from '@cucumber/cucumber';
import { efiStatusName } from '../src/firmware/efi-status';
import { measurePolicy } from '../src/firmware/policy/measurement';
import { handlerRuns, machineState, supervisorStop, telemetry } from '../src/scenario/engine/scenario-outcome';
import { describePage, parseDriverName, parseEfiStatusWord, parsePageDescription, parseStopReason } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

Then('the MM drivers start in this order:', function (this: MmspecWorld, table: DataTable) {
  const p = this.platform;
  const wanted = table.raw().map((r) => parseDriverName(r[0], p.scenarioDrivers.names()));
  const started = p.startedDrivers();
  const positions = wanted.map((n) => started.indexOf(n));
  const ok = positions.every((x) => x >= 0) && positions.every((x, i) => i === 0 || x > positions[i - 1]);
  check(p, ok, `the drivers to start in the order ${wanted.join(' → ')}`, `they started as ${started.join(' → ') || '(none)'}`, ['dispatch']);
});

Then('the MM driver {string} never starts', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  check(p, !p.startedDrivers().includes(n), `${n} never to start`, `it started (order: ${p.startedDrivers().join(' → ')})`, ['dispatch']);
});

Then('the MM driver {string} starts at CPL {int}', function (this: MmspecWorld, name: string, cpl: number) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const got = p.entryCpl(n);
  check(p, got === cpl, `${n}'s entry point to run at CPL ${cpl}`, got === undefined ? 'it never started' : `it ran at CPL ${got}`, ['dispatch', 'demotion']);
});

Then(/^MMRAM is (open|closed|locked)$/, function (this: MmspecWorld, state: string) {
  const p = this.platform;
  const got = p.booted.mmramState;
  check(p, got === state, `MMRAM to be ${state}`, `it is ${got}`, ['smram', 'ipl']);
});

Then('every byte read is {hex}', function (this: MmspecWorld, value: bigint) {
  const bytes = this.outsideRead ?? new Uint8Array();
  const bad = bytes.findIndex((b) => BigInt(b) !== value);
  check(this.platform, bytes.length > 0 && bad < 0, `every byte read to be ${hex(value)}`, bytes.length === 0 ? 'nothing was read' : bad < 0 ? 'all matched' : `byte ${bad} is ${hex(bytes[bad])}`, ['outside-read', 'smram']);
});

Then('the request result is {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const got = p.last?.result;
  check(p, got === want, `the request result ${word}`, got === undefined || got === null ? `there was no result (transport ${p.last ? efiStatusName(p.last.status) : 'never called'})` : `it is ${efiStatusName(got)}`, ['request', 'unblock', 'unblock-request', 'mmi', 'mmi-result', 'mmi-refused']);
});

Then('the MMI return status is {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const got = p.last?.returnStatus ?? p.last?.status;
  check(p, got === want, `the MMI return status ${word}`, got === undefined ? 'no MMI was sent' : `it is ${efiStatusName(got)}`, ['mmi', 'mmi-result', 'mmi-refused']);
});

Then('the supervisor version is {hex} with patch level {hex}', function (this: MmspecWorld, version: bigint, patch: bigint) {
  const p = this.platform;
  const d = p.last?.data;
  const ok = d !== undefined && d.length >= 8;
  const dv = ok ? new DataView(d.buffer, d.byteOffset, d.length) : undefined;
  const v = dv ? BigInt(dv.getUint32(0, true)) : undefined;
  const pl = dv ? BigInt(dv.getUint32(4, true)) : undefined;
  check(p, v === version && pl === patch, `Version ${hex(version)} PatchLevel ${hex(patch)}`, v === undefined ? 'no VERSION_INFO reply' : `Version ${hex(v)} PatchLevel ${hex(pl!)}`, ['request']);
});

Then('the system keeps running', function (this: MmspecWorld) {
  const s = machineState(this.platform);
  check(this.platform, s.kind === 'running', 'the machine to keep running', `it is ${s.kind}: ${s.reason ?? ''}`, ['fault', 'syscall-fatal', 'telemetry', 'boot-stopped']);
});

Then('the supervisor stops the system for a {string}', function (this: MmspecWorld, phrase: string) {
  const p = this.platform;
  const want = parseStopReason(phrase);
  const got = supervisorStop(p);
  const ok = got !== undefined && got.kind === want.kind && (want.kind === 'policy-violation' || got.vector === want.vector);
  check(p, ok, `the supervisor to stop the system for a ${want.phrase}`, got === undefined ? 'it did not stop it' : `it stopped it for: ${got.detail}`, ['fault', 'syscall-fatal', 'policy', 'telemetry']);
});

Then('the telemetry names the MM driver {string}', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const t = telemetry(p);
  const guid = p.scenarioDrivers.guidOf(n);
  check(p, t?.data.driverId === guid, `telemetry naming ${n} (${guid})`, t ? `it names ${String(t.data.driverId)}` : 'no telemetry was produced', ['telemetry', 'fault']);
});

Then('the telemetry shows exception type {int}', function (this: MmspecWorld, type: number) {
  const p = this.platform;
  const t = telemetry(p);
  const got = t && typeof t.data.exceptionType === 'string' ? Number(BigInt(t.data.exceptionType)) : undefined;
  check(p, got === type, `telemetry exception type ${type}`, got === undefined ? (t ? `the telemetry record was abandoned (${String(t.data.why ?? '')})` : 'no telemetry was produced') : `it shows ${got}`, ['telemetry', 'fault']);
});

Then('the system is reset', function (this: MmspecWorld) {
  const s = machineState(this.platform);
  check(this.platform, s.kind === 'warm-reset' || s.kind === 'cold-reset', 'the system to be reset', `it is ${s.kind}`, ['fault', 'syscall-fatal', 'telemetry', 'boot-stopped']);
});

Then('the system hangs', function (this: MmspecWorld) {
  const s = machineState(this.platform);
  check(this.platform, s.kind === 'hang', 'the system to hang', `it is ${s.kind}`, ['fault', 'syscall-fatal', 'telemetry', 'boot-stopped']);
});

Then('the page at {hex} is {string} in the MM page table', function (this: MmspecWorld, address: bigint, description: string) {
  const p = this.platform;
  const want = parsePageDescription(description);
  const got = p.pageAttributes(address);
  const same = want.present ? got.present && got.user === want.user && got.writable === want.writable && got.executable === want.executable : !got.present;
  check(p, same, `the page at ${hex(address)} to be ${describePage(want)}`, `it is ${describePage(got)}`, ['page-table', 'unblock']);
});

Then('the port {hex} was written with {hex}', function (this: MmspecWorld, port: bigint, value: bigint) {
  const p = this.platform;
  const writes = (p.machine?.trace.ofType('port-write') ?? []).filter((e) => e.data.port === Number(port));
  const ok = writes.some((e) => BigInt(e.data.value as string) === value);
  check(p, ok, `port ${hex(port)} written with ${hex(value)}`, writes.length ? `it was written with ${writes.map((e) => e.data.value).join(', ')}` : 'it was never written', ['port-write', 'policy', 'syscall']);
});

Then('the port {hex} was never written', function (this: MmspecWorld, port: bigint) {
  const p = this.platform;
  const writes = (p.machine?.trace.ofType('port-write') ?? []).filter((e) => e.data.port === Number(port));
  check(p, writes.length === 0, `port ${hex(port)} never written`, `it was written ${writes.length} time(s)`, ['port-write', 'policy']);
});

Then('the MSR {hex} holds {hex}', function (this: MmspecWorld, msr: bigint, value: bigint) {
  const p = this.platform;
  const got = p.machine!.cpus[0].msr.read(Number(msr));
  check(p, got === value, `MSR ${hex(msr)} = ${hex(value)}`, `it holds ${hex(got)}`, ['policy', 'syscall']);
});

Then(/^the handler of MMI ("[^"]*") ran (\d+) times?$/, function (this: MmspecWorld, guidText: string, n: string) {
  const p = this.platform;
  const got = handlerRuns(p, this.guid(guidText));
  check(p, got === Number(n), `the handler to run ${n} time(s)`, `it ran ${got} time(s)`, ['mmi']);
});

Then('the fetched policy meets Secured-core level {int}', function (this: MmspecWorld, level: number) {
  const p = this.platform;
  const d = p.last?.data;
  check(p, d !== undefined && d.length >= 40, 'a fetched policy', 'no FETCH_POLICY reply data', ['request']);
  const r = measurePolicy(d!, { vendor: 'intel' }, { simulateFetch: false });
  check(p, r.level >= level, `the fetched policy to meet level ${level}`, `it measures level ${r.level}${r.aborted ? ` (${r.aborted})` : ''}: ${r.rules.filter((x) => !x.pass).map((x) => x.why).slice(0, 3).join('; ')}`, ['request']);
});
