import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { efiStatusName } from '../src/firmware/efi-status';
import { wellKnownGuid } from '../src/firmware/guid';
import { addDxeDepex, moveToSecondFv, parseDepexBytes, publishSecondFv, setRawMmDepex } from '../src/scenario/engine/dispatch-fv-files';
import { driverEntries, inMmram } from '../src/scenario/engine/dispatch-mm-services';
import { parseDriverName, parseEfiStatusWord } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

// Dispatch-order phrasings (supervisor-facts §2): files shaped beyond the drivers table, a second firmware
// volume (§1.10), the driver-dispatch MMI (§2.4, §8.6) and stricter order checks.

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

Given('the firmware volume holds the MM drivers with raw MM_DEPEX bytes:', function (this: MmspecWorld, table: DataTable) {
  for (const row of table.hashes()) {
    this.platform.scenarioDrivers.declare({ name: row.name, depex: 'TRUE' });
    setRawMmDepex(this.platform, row.name, parseDepexBytes(row['MM_DEPEX bytes'] ?? '', `MM_DEPEX bytes of ${row.name}`));
  }
});

Given('the firmware volume holds the MM drivers with a DXE_DEPEX section:', function (this: MmspecWorld, table: DataTable) {
  for (const row of table.hashes()) {
    this.platform.scenarioDrivers.declare({ name: row.name, depex: row.depex ?? '', type: row.type || undefined });
    addDxeDepex(this.platform, row.name, row.dxe_depex);
  }
});

Given('the second firmware volume holds the MM drivers:', function (this: MmspecWorld, table: DataTable) {
  for (const row of table.hashes()) {
    this.platform.scenarioDrivers.declare({ name: row.name, depex: row.depex ?? '', type: row.type || undefined, guid: row.guid || undefined, installs: row.installs || undefined });
    moveToSecondFv(this.platform, row.name);
  }
});

When(/^(PEI|DXE) publishes the second firmware volume$/, function (this: MmspecWorld, phase: 'PEI' | 'DXE') {
  publishSecondFv(this.platform, phase);
});

// The driver-dispatch MMI (gMmSupervisorDriverDispatchGuid) on the supervisor channel with an n-byte payload of
// 0xFF bytes, so a status the handler writes into it is visible (supervisor-facts §2.4 step 4).
When('DXE sends the driver-dispatch MMI with a {int}-byte payload', function (this: MmspecWorld, n: number) {
  this.platform.sendMmi(wellKnownGuid('gMmSupervisorDriverDispatchGuid')!, 'supervisor', new Uint8Array(n).fill(0xff));
});

Then('the MMI reply payload starts with the status {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const d = p.last?.data;
  const got = d !== undefined && d.length >= 8 ? new DataView(d.buffer, d.byteOffset, d.length).getBigUint64(0, true) : undefined;
  check(p, got === want, `the reply payload to start with ${word} (${hex(want)})`, got === undefined ? `the reply payload has ${d?.length ?? 0} byte(s)` : `it starts with ${efiStatusName(got)} (${hex(got)})`, ['mmi', 'mmi-result', 'dispatch']);
});

Then('the MMI reply payload is {string}', function (this: MmspecWorld, text: string) {
  const p = this.platform;
  const want = text.replace(/\s+/g, '').toLowerCase();
  const got = Array.from(p.last?.data ?? [], (b) => b.toString(16).padStart(2, '0')).join('');
  check(p, got === want, `the reply payload ${text}`, `it is ${got || '(empty)'}`, ['mmi', 'mmi-result', 'dispatch']);
});

Then('the MM driver {string} starts', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  check(p, p.startedDrivers().includes(n), `${n} to start`, `it never started (order: ${p.startedDrivers().join(' → ') || 'none'})`, ['dispatch']);
});

Then(/^the MM driver "([^"]*)" starts right (before|after) the MM driver "([^"]*)"$/, function (this: MmspecWorld, a: string, where: string, b: string) {
  const p = this.platform;
  const names = p.scenarioDrivers.names();
  const x = parseDriverName(a, names);
  const y = parseDriverName(b, names);
  const started = p.startedDrivers();
  const ix = started.indexOf(x);
  const iy = started.indexOf(y);
  const ok = ix >= 0 && iy >= 0 && (where === 'before' ? ix === iy - 1 : ix === iy + 1);
  check(p, ok, `${x} to start right ${where} ${y}`, `they started as ${started.join(' → ') || '(none)'}`, ['dispatch']);
});

Then(/^the MM driver "([^"]*)" starts (once|twice|\d+ times)$/, function (this: MmspecWorld, name: string, word: string) {
  const p = this.platform;
  const d = parseDriverName(name, p.scenarioDrivers.names());
  const want = word === 'once' ? 1 : word === 'twice' ? 2 : parseInt(word, 10);
  const got = driverEntries(p, d).length;
  check(p, got === want, `${d}'s entry point to be called ${want} time(s)`, `it was called ${got} time(s)`, ['dispatch']);
});

Then('the MM driver {string} runs from an image in MMRAM', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const d = parseDriverName(name, p.scenarioDrivers.names());
  const entries = driverEntries(p, d);
  const bad = entries.filter((e) => !inMmram(p, e.base));
  check(p, entries.length > 0 && bad.length === 0, `${d}'s image to lie in MMRAM`, entries.length === 0 ? 'it never started' : `it ran from ${bad.map((e) => hex(e.base)).join(', ')}`, ['dispatch']);
});

// Code outside MM (a DXE driver) overwrites the platform's MM firmware volume in DRAM (§2.1: the supervisor
// ingested the drivers at core entry, so later dispatches must not depend on those bytes).
When('code outside MM overwrites the MM firmware volume with {hex} bytes', function (this: MmspecWorld, value: bigint) {
  const p = this.platform;
  const fv = p.booted.fv!;
  p.machine!.outside.fill(Number(fv.base), Number(fv.length), Number(value & 0xffn));
  p.machine!.trace.record('outside-write', { address: fv.base, length: fv.length, value: Number(value & 0xffn), what: 'MM firmware volume' });
});
