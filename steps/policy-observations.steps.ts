import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { policyFromFile } from '../src/scenario/engine/policy-source';
import { efiStatusName } from '../src/firmware/efi-status';
import {
  addPolicyFile, entryPointReturn, errorReports, faultRip, handlerReturn, hobListCopy, imageBase, policyLayout, policyLoad, scratchTelemetry,
  trappedIoAccess, userPageAllocations,
} from '../src/scenario/engine/policy-observations';
import { telemetry } from '../src/scenario/engine/scenario-outcome';
import { SYSCALL_NAMES } from '../src/supervisor/privilege/syscall-dispatcher';
import { describePage, parseDriverName, parseEfiStatusWord, parseHexOrDecimal, parsePageDescription } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
/** An EFI status name (EFI_ACCESS_DENIED) or a number (0x1234). */
const valueWord = (w: string): bigint => (/^EFI_|^RETURN_/i.test(w) ? parseEfiStatusWord(w) : parseHexOrDecimal(w));
const show = (v: bigint) => `${hex(v)} (${efiStatusName(v)})`;

// ---- When ----

When(/^code outside MM writes (\S+) to the trapped IO port (\S+) with width (\d)$/, function (this: MmspecWorld, value: string, port: string, width: string) {
  trappedIoAccess(this.platform, Number(parseHexOrDecimal(port)), Number(width) as 1 | 2 | 4, true, parseHexOrDecimal(value));
});

When(/^code outside MM reads the trapped IO port (\S+) with width (\d)$/, function (this: MmspecWorld, port: string, width: string) {
  trappedIoAccess(this.platform, Number(parseHexOrDecimal(port)), Number(width) as 1 | 2 | 4, false);
});

// ---- Then: what driver code got back ----

Then(/^the entry point of the MM driver "([^"]*)" returned (\S+)$/, function (this: MmspecWorld, name: string, word: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const want = valueWord(word);
  const got = entryPointReturn(p, n);
  check(p, got === want, `${n}'s entry point to return ${show(want)}`, got === undefined ? 'it never returned' : `it returned ${show(got)}`, ['dispatch', 'demotion', 'syscall', 'policy']);
});

Then(/^the MMI handler of the MM driver "([^"]*)" returned (\S+)$/, function (this: MmspecWorld, name: string, word: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const want = valueWord(word);
  const got = handlerReturn(p, n);
  check(p, got === want, `${n}'s MMI handler to return ${show(want)}`, got === undefined ? 'it never ran' : `it returned ${show(got)}`, ['mmi', 'syscall', 'policy']);
});

Then(/^the port (\S+) was written with the address of the MMRAM HOB-list copy$/, function (this: MmspecWorld, port: string) {
  const p = this.platform;
  const want = hobListCopy(p);
  const writes = (p.machine?.trace.ofType('port-write') ?? []).filter((e) => e.data.port === Number(parseHexOrDecimal(port)));
  const ok = want !== undefined && writes.some((e) => BigInt(e.data.value as string) === want);
  check(p, ok, `port ${port} written with the HOB-list copy address ${want === undefined ? '?' : hex(want)}`, writes.length ? `it was written with ${writes.map((e) => e.data.value).join(', ')}` : 'it was never written', ['port-write', 'syscall']);
});

Then('the pages allocated with SMM_ALOC_PAGE are {string} in the MM page table', function (this: MmspecWorld, description: string) {
  const p = this.platform;
  const want = parsePageDescription(description);
  const allocations = userPageAllocations(p);
  check(p, allocations.length > 0, 'SMM_ALOC_PAGE to have allocated pages', 'it allocated none', ['syscall', 'page-table']);
  for (const a of allocations) {
    for (let i = 0; i < a.pages; i++) {
      const at = BigInt(a.base + i * 0x1000);
      const got = p.pageAttributes(at);
      const inMmram = at >= p.config!.tseg.base && at < p.config!.tseg.base + p.config!.tseg.size;
      const same = got.present && got.user === want.user && got.writable === want.writable && got.executable === want.executable;
      check(p, inMmram && same, `the allocated page at ${hex(at)} to be an MMRAM page, ${describePage(want)}`, `it is ${inMmram ? '' : 'outside MMRAM, '}${describePage(got)}`, ['page-table', 'syscall']);
    }
  }
});

// ---- Then: the policy the supervisor loaded ----

Then('the supervisor loaded the isolation policy and it passes the policy check', function (this: MmspecWorld) {
  const p = this.platform;
  const l = policyLoad(p);
  check(p, l.loaded && l.validation?.ok === true, 'a loaded policy that passes SecurityPolicyCheck', l.loaded ? `it fails: ${l.validation?.violations.map((v) => v.message).join('; ')}` : `none was loaded (${l.status}: ${l.reason})`, ['policy', 'core']);
});

Then('the supervisor loaded the isolation policy but it fails the policy check with {word}', function (this: MmspecWorld, reason: string) {
  const p = this.platform;
  const l = policyLoad(p);
  const first = l.validation?.violations[0];
  const ok = l.loaded && l.validation?.ok === false && l.validation.status === 'EFI_SECURITY_VIOLATION' && first?.reason === reason && l.event?.data.valid === false;
  check(p, ok, `a loaded policy whose SecurityPolicyCheck returns EFI_SECURITY_VIOLATION for ${reason}`,
    !l.loaded ? `none was loaded (${l.status}: ${l.reason})` : l.validation?.ok ? 'it passes the check' : `it fails first with ${first?.reason}: ${first?.message}`, ['policy', 'core']);
});

Then('the supervisor loaded no isolation policy, with status {word}', function (this: MmspecWorld, status: string) {
  const p = this.platform;
  const l = policyLoad(p);
  check(p, !l.loaded && l.status === status, `no policy loaded (${status})`, l.loaded ? `a policy of ${l.blob?.length} bytes was loaded` : `the load ended with ${l.status}: ${l.reason}`, ['policy', 'core']);
});

Then('the policy in force is {hex} bytes with these roots:', function (this: MmspecWorld, size: bigint, table: DataTable) {
  const p = this.platform;
  const l = policyLoad(p);
  check(p, l.loaded && l.blob !== undefined, 'a loaded policy', `none was loaded (${l.status})`, ['policy']);
  const layout = policyLayout(l.blob!);
  const want = table.hashes().map((r) => ({ type: Number(parseHexOrDecimal(r.type)), offset: Number(parseHexOrDecimal(r.offset)), count: Number(parseHexOrDecimal(r.count)), accessAttr: r.access.trim().toUpperCase() === 'ALLOW' ? 0 : 1 }));
  const fmt = (rs: typeof want) => rs.map((r) => `{type ${r.type}, offset ${hex(r.offset)}, count ${r.count}, ${r.accessAttr === 0 ? 'ALLOW' : 'DENY'}}`).join(' ');
  const ok = layout.size === Number(size) && l.blob!.length === Number(size) && JSON.stringify(layout.roots) === JSON.stringify(want);
  check(p, ok, `Size ${hex(size)} with roots ${fmt(want)}`, `Size ${hex(layout.size)} (${l.blob!.length} bytes) with roots ${fmt(layout.roots)}`, ['policy']);
});

// ---- Then: telemetry and error reporting (§9.3) ----

Then('the user scratch page holds at offset 8 an MSVT record of {hex} bytes for exception type {int} at the faulting RIP', function (this: MmspecWorld, size: bigint, type: number) {
  const p = this.platform;
  const r = scratchTelemetry(p);
  const rip = faultRip(p) ?? (telemetry(p)?.data.exceptionRip as bigint | undefined);
  const ok = r !== undefined && r.signature === 0x5456534d && r.size === Number(size) && r.exceptionType === BigInt(type) && rip !== undefined && r.exceptionRip === BigInt(rip);
  check(p, ok, `'MSVT' (0x5456534d), TelemetrySize ${hex(size)}, ExceptionType ${type}, ExceptionRIP ${rip === undefined ? '?' : hex(rip)}`,
    r === undefined ? 'there is no scratch page' : `signature ${hex(r.signature)}, size ${hex(r.size)}, type ${r.exceptionType}, RIP ${hex(r.exceptionRip)}`, ['fault', 'telemetry']);
});

Then('the error report driver received that record at CPL {int} with the CPU index {int}', function (this: MmspecWorld, cpl: number, cpu: number) {
  const p = this.platform;
  const e = errorReports(p);
  const s = scratchTelemetry(p);
  const ok = e !== undefined && s !== undefined && e.count === 1n && e.cpu === BigInt(cpu) && e.cpl === cpl && e.record.signature === 0x5456534d && e.record.exceptionRip === s.exceptionRip && e.record.exceptionType === s.exceptionType;
  check(p, ok, `one report at CPL ${cpl} from CPU ${cpu} carrying the scratch record`, e === undefined ? 'the error report driver is not loaded' : `${e.count} report(s), CPU ${e.cpu}, returned from CPL ${e.cpl}, record signature ${hex(e.record.signature)} RIP ${hex(e.record.exceptionRip)}`, ['telemetry', 'demotion']);
});

Then('no error report reached CPL 3', function (this: MmspecWorld) {
  const p = this.platform;
  const e = errorReports(p);
  const t = telemetry(p);
  const reporter = p.core?.runtime?.syscalls.registrations.errorReporter ?? null;
  const scratch = scratchTelemetry(p);
  const ok = reporter === null && (e === undefined || e.count === 0n) && (t === undefined || t.data.delivered === false) && scratch !== undefined && scratch.signature !== 0x5456534d;
  check(p, ok, 'no registered reporter, no MSVT record in the scratch page and no CPL3 report',
    `reporter ${reporter === null ? 'none' : hex(reporter)}, ${e ? `${e.count} report(s)` : 'no error report driver'}, telemetry ${t ? JSON.stringify(t.data.delivered) : 'none'}, scratch signature ${scratch ? hex(scratch.signature) : '?'}`, ['telemetry', 'demotion']);
});

Then('the telemetry gives the image base of the MM driver {string} as the load address', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const base = imageBase(p, n);
  const r = scratchTelemetry(p);
  check(p, base !== undefined && r !== undefined && r.driverLoadAddress === base, `DriverLoadAddress ${base === undefined ? '?' : hex(base)}`, r ? `it is ${hex(r.driverLoadAddress)}` : 'no record', ['telemetry', 'dispatch']);
});

// ---- Then: the gate decisions the supervisor traced (§4.7) ----

function gateEvents(p: MmspecWorld['platform']) {
  return (p.machine?.trace.ofType('policy') ?? []).filter((e) => e.data.syscall !== undefined);
}

Then(/^the policy gate denied the last access (?:by entry (\d+)|with no entry matching)$/, function (this: MmspecWorld, entry?: string | number | null) {
  const p = this.platform;
  const last = gateEvents(p).at(-1);
  const want = entry === undefined || entry === null ? undefined : Number(entry);
  const ok = last !== undefined && last.data.allowed === false && last.data.root !== undefined && last.data.entry === want;
  check(p, ok, `the last gate decision to deny ${want === undefined ? 'with no entry matching' : `by entry ${want}`}`, last ? `it ${last.data.allowed ? 'allowed' : 'denied'}: ${last.data.reason}` : 'no gate was asked', ['policy', 'syscall']);
});

Then(/^the policy gate allowed every access(?: \((\d+) in all\))?$/, function (this: MmspecWorld, n?: string) {
  const p = this.platform;
  const events = gateEvents(p);
  const denied = events.find((e) => e.data.allowed !== true);
  const ok = events.length > 0 && denied === undefined && (n === undefined || events.length === Number(n));
  check(p, ok, `every gate decision to allow${n ? ` (${n} decisions)` : ''}`, events.length === 0 ? 'no gate was asked' : denied ? `one denied: ${denied.data.reason}` : `${events.length} decisions`, ['policy', 'syscall']);
});

Then(/^the policy gate denied the last access because the policy has no (IO|MSR|INSTRUCTION) root$/, function (this: MmspecWorld, kind: string) {
  const p = this.platform;
  const last = gateEvents(p).at(-1);
  const ok = last !== undefined && last.data.allowed === false && last.data.root === undefined && last.data.status === 'EFI_ACCESS_DENIED' && String(last.data.reason).includes(`no ${kind} root`);
  check(p, ok, `the last gate decision to deny for want of an ${kind} root`, last ? `it ${last.data.allowed ? 'allowed' : 'denied'}: ${last.data.reason}` : 'no gate was asked', ['policy', 'syscall']);
});

Then('the policy gate returned {word} for the last access', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const last = gateEvents(p).at(-1);
  check(p, last !== undefined && last.data.status === word, `the last gate decision to return ${word}`, last ? `it returned ${String(last.data.status)}: ${last.data.reason}` : 'no gate was asked', ['policy', 'syscall']);
});

Then('no pages were allocated with SMM_ALOC_PAGE', function (this: MmspecWorld) {
  const p = this.platform;
  const a = userPageAllocations(p);
  check(p, a.length === 0, 'no live SMM_ALOC_PAGE allocation', `${a.length} live: ${a.map((x) => `${hex(x.base)} (${x.pages} pages)`).join(', ')}`, ['syscall', 'page-table']);
});

Then(/^the fatal syscall was (SMM_[A-Z0-9_]+|0x[0-9a-fA-F]+)(?: on CPU (\d+))?(?:, because "([^"]*)")?$/, function (this: MmspecWorld, name: string, cpu?: string | number | null, because?: string | null) {
  const p = this.platform;
  const e = p.machine?.trace.events.find((x) => x.type === 'syscall-fatal');
  const text = e ? String(e.data.syscall) : '';
  const index = name.startsWith('0x') ? Number(name) : undefined;
  const head = index !== undefined ? `${SYSCALL_NAMES[index] ?? `syscall 0x${index.toString(16)}`}:` : `${name}:`;
  const ok = e !== undefined && text.startsWith(head) && (cpu === undefined || cpu === null || e.data.cpu === Number(cpu)) && (because === undefined || because === null || text.includes(because));
  check(p, ok, `the fatal syscall to be ${name}${cpu !== undefined && cpu !== null ? ` on CPU ${cpu}` : ''}${because ? ` (“${because}”)` : ''}`, e ? `it was ${text} on CPU ${String(e.data.cpu)}` : 'no syscall was fatal', ['syscall', 'syscall-fatal', 'policy']);
});

Then(/^the syscall (SMM_[A-Z0-9_]+) was made (\d+) times?$/, function (this: MmspecWorld, name: string, n: number | string) {
  const p = this.platform;
  const calls = (p.machine?.trace.ofType('syscall') ?? []).filter((e) => e.data.name === name);
  check(p, calls.length === Number(n), `${name} to be called ${n} time(s)`, `it was called ${calls.length} time(s)`, ['syscall', 'syscall-fatal']);
});

Then(/^the handle (\S+) is (unknown|a supervisor MMI handler|a user MMI handler)$/, function (this: MmspecWorld, handle: string, owner: string) {
  const p = this.platform;
  const h = p.core?.runtime?.handlers.lookup(parseHexOrDecimal(handle));
  const got = h === undefined ? 'unknown' : `a ${h.owner} MMI handler`;
  check(p, got === owner, `handle ${handle} to be ${owner}`, `it is ${got}`, ['mmi']);
});

Then("the port {hex} was written with the low 32 bits of a user root MMI handler's handle", function (this: MmspecWorld, port: bigint) {
  const p = this.platform;
  const writes = (p.machine?.trace.ofType('port-write') ?? []).filter((e) => e.data.port === Number(port)).map((e) => BigInt(e.data.value as string));
  const handles = (p.core?.runtime?.handlers.handlersFor(null) ?? []).filter((h) => h.owner === 'user').map((h) => h.handle);
  const ok = writes.some((v) => v !== 0n && handles.some((h) => h !== 0n && (h & 0xffffffffn) === v));
  check(p, ok, `port ${hex(port)} written with the low half of a live user root handler's handle (${handles.map((h) => hex(h)).join(', ') || 'none'})`, writes.length ? `it was written with ${writes.map((v) => hex(v)).join(', ')}` : 'it was never written', ['port-write', 'syscall']);
});

// ---- Given: extra files in the MM FV (§4.5: which policy file and section the supervisor takes) ----

Given('the MM firmware volume also holds, after the platform\'s files, a policy file with the policy {string}', function (this: MmspecWorld, file: string) {
  addPolicyFile(this.platform, [policyFromFile(file).blob]);
});

Given('the only policy file in the MM firmware volume has two RAW sections: {string} then {string}', function (this: MmspecWorld, first: string, second: string) {
  this.platform.setPolicy(null);
  addPolicyFile(this.platform, [policyFromFile(first).blob, policyFromFile(second).blob]);
});

Then('the telemetry is abandoned because the faulting RIP lies in no loaded image', function (this: MmspecWorld) {
  const p = this.platform;
  const t = telemetry(p);
  const rip = faultRip(p);
  const ok = t !== undefined && t.data.delivered === false && t.data.driverId === undefined && rip !== undefined && p.core?.runtime?.images.imageAt(rip) === undefined;
  check(p, ok, 'no record (§9.3 step 3: the image lookup fails, §11 item 14)', t ? `telemetry ${JSON.stringify(t.data)}` : 'no telemetry event', ['fault', 'telemetry']);
});
