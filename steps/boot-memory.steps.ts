import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { efiStatusName } from '../src/firmware/efi-status';
import { FfsFileType, parseFirmwareVolume } from '../src/firmware/fv';
import type { MmCommunication2 } from '../src/platform/firmware/dxe/mm-communication-dxe';
import type { MmCommunicator } from '../src/platform/firmware/mm-communicator';
import {
  mmramDescriptors, mmramReserveHobWithZeroRegions, protectedRegionHob, resourceHob, supervisorCommRegionType, supervisorMailboxAt,
  unblockHob, userCommBuffer, withoutMmramRangeHob, withoutUserCommBufferHob,
} from '../src/scenario/engine/boot-hob-edits';
import { publishExtraFv } from '../src/scenario/engine/boot-extra-fv';
import { coreEntryCall, editHobsAtCoreEntry, editHobsBeforeIpl, probeSyscallCpuState, syscallSnapshots } from '../src/scenario/engine/boot-hooks';
import {
  driverSections, NAMED_REGIONS, namedRegion, outsideOpensMmram, outsideWritesByte, outsideWritesMsr, pagesNotMatching,
  unexplainedPresentPagesOutsideMmram, type NamedRegion, type Region,
} from '../src/scenario/engine/boot-memory';
import { machineState } from '../src/scenario/engine/scenario-outcome';
import { describePage, parseDriverName, parseEfiStatusWord, parsePageDescription } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const MMRAM_PROBE_OFFSET = 0x100000n; // an address well inside TSEG's free part

// ---- Given: what PEI puts in the HOB list (supervisor-facts §1.4) ----

Given('the HOB list the MM core receives has no MMRAM-range HOB', function (this: MmspecWorld) {
  editHobsAtCoreEntry(this.platform, withoutMmramRangeHob());
});

Given('PEI also publishes a gEfiMmPeiMmramMemoryReserveGuid HOB that reports zero regions', function (this: MmspecWorld) {
  editHobsBeforeIpl(this.platform, mmramReserveHobWithZeroRegions());
});

Given('the HOB list the MM core receives has a supervisor comm-region HOB of type {int}', function (this: MmspecWorld, type: number) {
  editHobsAtCoreEntry(this.platform, supervisorCommRegionType(BigInt(type)));
});

Given('the HOB list the MM core receives has no user comm-buffer HOB', function (this: MmspecWorld) {
  editHobsAtCoreEntry(this.platform, withoutUserCommBufferHob());
});

Given(/^PEI publishes the user comm-buffer HOB with (?:a )?zero (address|pages)$/, function (this: MmspecWorld, field: string) {
  editHobsBeforeIpl(this.platform, userCommBuffer(field === 'address' ? { physicalStart: 0n } : { numberOfPages: 0n }, `with zero ${field}`));
});

Given(/^PEI places the (user comm buffer|user mailbox|supervisor mailbox) inside MMRAM$/, function (this: MmspecWorld, what: string) {
  const inside = this.platform.config!.tseg.base + MMRAM_PROBE_OFFSET;
  if (what === 'user comm buffer') editHobsBeforeIpl(this.platform, userCommBuffer({ physicalStart: inside }, 'inside MMRAM'));
  else if (what === 'user mailbox') editHobsBeforeIpl(this.platform, userCommBuffer({ status: inside }, 'mailbox inside MMRAM'));
  else editHobsBeforeIpl(this.platform, supervisorMailboxAt(() => inside, 'inside MMRAM'));
});

const RESOURCE_TYPES: Record<string, number> = { 'system memory': 0, MMIO: 1, 'firmware device': 3, reserved: 5 };

Given(/^PEI publishes an? (system memory|MMIO|firmware device|reserved) resource HOB of (0x[0-9A-Fa-f]+|\d+) bytes at (0x[0-9A-Fa-f]+|\d+)$/, function (this: MmspecWorld, kind: string, size: string, base: string) {
  editHobsBeforeIpl(this.platform, resourceHob(RESOURCE_TYPES[kind], BigInt(base), BigInt(size)));
});

Given('PEI reports an extra MMRAM range of {hex} bytes at {hex}', function (this: MmspecWorld, size: bigint, base: bigint) {
  // ALLOCATED (0x10): the IPL and the core do not carve from it; it only takes part in the §1.6 map checks.
  editHobsBeforeIpl(this.platform, mmramDescriptors(`extra MMRAM range ${hex(base)} + ${hex(size)}`, (d) => [...d, { physicalStart: base, cpuStart: base, physicalSize: size, regionState: 0x1an }]));
});

Given('PEI reports MMRAM as a single range of {hex} bytes', function (this: MmspecWorld, size: bigint) {
  const base = this.platform.config!.tseg.base + MMRAM_PROBE_OFFSET;
  editHobsBeforeIpl(this.platform, mmramDescriptors(`one MMRAM range of ${hex(size)} bytes`, () => [{ physicalStart: base, cpuStart: base, physicalSize: size, regionState: 0xan }]));
});

Given(/^PEI publishes an IOMMU protected-region HOB for (\d+) pages? at (0x[0-9A-Fa-f]+)$/, function (this: MmspecWorld, pages: string, address: string) {
  editHobsBeforeIpl(this.platform, protectedRegionHob(0n, BigInt(address), BigInt(pages)));
});

Given('the CPU state at each syscall is observed', function (this: MmspecWorld) {
  probeSyscallCpuState(this.platform);
});

// ---- When ----

When('DXE adds an unblock HOB for {hex} bytes at {hex}', function (this: MmspecWorld, size: bigint, address: bigint) {
  unblockHob(address, (size + 0xfffn) / 0x1000n, this.platform.scenarioDrivers.registry.resolve('ScenarioDxeDriver')).apply(this.platform.booted.hobs!, this.platform);
});

When(/^code outside MM (?:opens|tries to open) MMRAM$/, function (this: MmspecWorld) {
  outsideOpensMmram(this.platform);
});

When('code outside MM writes the byte {hex} at the start of MMRAM', function (this: MmspecWorld, value: bigint) {
  outsideWritesByte(this.platform, this.platform.config!.tseg.base, Number(value));
});

When('code outside MM writes {hex} to MSR {hex} on every processor', function (this: MmspecWorld, value: bigint, msr: bigint) {
  outsideWritesMsr(this.platform, Number(msr), value);
});

When('DXE signals ready to lock again', function (this: MmspecWorld) {
  const s = this.platform.booted.services;
  s.installProtocol('gEfiDxeSmmReadyToLockProtocolGuid', {}, 'BDS');
  s.signal('DxeMmReadyToLock');
});

When('a PEIM sends MMI {guid} through the MM Communication PPI', function (this: MmspecWorld, guid: string) {
  const ppi = this.platform.booted.services.ppi<{ communicator: MmCommunicator }>('gEfiPeiSmmCommunicationPpiGuid');
  check(this.platform, ppi !== undefined, 'the MM Communication PPI to be installed', 'it is not installed', ['ppi', 'ipl']);
  const r = ppi!.communicator.send('user', this.guid(`"${guid}"`), Uint8Array.of(0), { sender: 'scenario PEIM' });
  this.platform.last = { status: r.status, returnStatus: r.returnStatus, result: null, data: r.data };
});

When('a DXE driver sends MMI {guid} through the MM Communication protocol', function (this: MmspecWorld, guid: string) {
  const proto = this.platform.booted.services.protocol<MmCommunication2>('gEfiMmCommunication2ProtocolGuid');
  check(this.platform, proto !== undefined, 'the MM Communication protocol to be installed', 'it is not installed', ['protocol', 'module']);
  const r = proto!.send(this.guid(`"${guid}"`), Uint8Array.of(0));
  this.platform.last = { status: r.status, returnStatus: r.returnStatus, result: null, data: r.data };
});

// ---- Then: the IPL and the core entry ----

Then('the MM core entry point returns {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const got = p.boot?.pei?.ipl?.core?.entryStatus;
  check(p, got === want, `the core entry point to return ${word}`, got === undefined ? 'the IPL never called it' : `it returned ${efiStatusName(got)}`, ['ipl', 'core', 'scenario-hob-edit', 'firmware-error']);
});

Then('the MM core entry point receives the start of the HOB list', function (this: MmspecWorld) {
  // The core copies the HOB list it was handed into MMRAM (§1.4): that copy equals the bytes at the list's start.
  const p = this.platform;
  const rt = p.core?.runtime;
  const call = coreEntryCall(p);
  if (call !== null) check(p, call.hobList === p.booted.hobListAddress, `the entry point's first argument to be ${hex(p.booted.hobListAddress)}`, `it was ${hex(call.hobList)}`, ['ipl']);
  const hobs = p.booted.hobs!;
  const list = p.machine!.outside.read(Number(hobs.base), hobs.length);
  const copy = rt ? p.machine!.smm.read(Number(rt.hobListCopy), list.length) : undefined;
  const differs = copy === undefined ? -1 : list.findIndex((b, i) => copy[i] !== b);
  check(p, copy !== undefined && differs < 0, `the MMRAM copy of the HOB list to equal the ${list.length} bytes at ${hex(hobs.base)}`, copy === undefined ? 'the core made no copy' : `they differ at byte ${differs}`, ['ipl', 'core']);
});

Then(/^the MM IPL installs (no|both) MM communication PPIs?$/, function (this: MmspecWorld, which: string) {
  const p = this.platform;
  const names = ['gEfiPeiSmmCommunicationPpiGuid', 'gPeiMmSupervisorCommunicationPpiGuid'];
  const installed = names.filter((n) => p.booted.services.ppi(n) !== undefined);
  const ok = which === 'no' ? installed.length === 0 : installed.length === 2;
  check(p, ok, `${which} communication PPI(s) installed`, `installed: ${installed.join(', ') || 'none'}`, ['ppi', 'ipl', 'firmware-error']);
});

Then('the MM IPL installs the communication PPIs only after a VERSION_INFO reply with a non-zero Version', function (this: MmspecWorld) {
  const p = this.platform;
  const events = p.machine!.trace.events;
  const ppi = events.findIndex((e) => e.type === 'ppi' && e.data.name === 'gPeiMmSupervisorCommunicationPpiGuid');
  const version = events.findIndex((e) => e.type === 'mmi-result' && e.data.channel === 'supervisor' && e.data.result === 'EFI_SUCCESS' && e.data.sender === 'MmIplPei');
  const v = p.boot?.pei?.ipl?.version?.version ?? 0;
  check(p, ppi > 0 && version >= 0 && version < ppi && v !== 0, 'a successful VERSION_INFO with Version ≠ 0 before the PPIs', `VERSION_INFO at #${version}, PPI at #${ppi}, Version ${hex(v)}`, ['ppi', 'mmi-result']);
});

Then('the MM IPL closes and then locks MMRAM right after the MM core entry point returns', function (this: MmspecWorld) {
  const p = this.platform;
  const steps = p.machine!.trace.ofType('ipl').map((e) => `${String(e.data.step)}${e.data.state ? `:${String(e.data.state)}` : ''}`);
  const i = steps.findIndex((s) => s.startsWith('core entry returned'));
  const next = steps.slice(i + 1, i + 3);
  check(p, i >= 0 && next[0] === 'close MMRAM:closed' && next[1] === 'lock MMRAM:locked', 'core entry returned → close (closed) → lock (locked)', `the IPL did: ${steps.join(' → ')}`, ['ipl', 'smram']);
});

Then('no DXE driver has started', function (this: MmspecWorld) {
  const p = this.platform;
  const dxe = p.machine!.trace.events.filter((e) => e.milestone === 'DXE' || (e.type === 'module' && ['MmDxeSupport', 'StandaloneMmUnblockMem', 'MmCommunicationDxe'].includes(String(e.data.name))));
  check(p, p.boot?.dxe === null && dxe.length === 0, 'no DXE driver to have run', `${dxe.length} DXE event(s)`, ['module']);
});

Then('the MM foundation was set up and its drivers dispatched before the first DXE driver started', function (this: MmspecWorld) {
  const p = this.platform;
  const events = p.machine!.trace.events;
  const core = events.findIndex((e) => e.type === 'core' && e.data.status === 'EFI_SUCCESS');
  const dispatched = events.findIndex((e) => e.type === 'ipl' && e.data.step === 'driver dispatch');
  const firstDxe = events.findIndex((e) => e.type === 'module' && ['MmDxeSupport', 'StandaloneMmUnblockMem', 'MmCommunicationDxe'].includes(String(e.data.name)));
  check(p, core >= 0 && dispatched > core && firstDxe > dispatched, 'core init, then driver dispatch, then the first DXE driver', `core #${core}, dispatch #${dispatched}, first DXE driver #${firstDxe}`, ['core', 'ipl', 'module']);
});

Then('the system is cold reset', function (this: MmspecWorld) {
  const s = machineState(this.platform);
  check(this.platform, s.kind === 'cold-reset', 'a cold reset', `it is ${s.kind}${s.reason ? ` (${s.reason})` : ''}`, ['reset', 'core', 'boot-stopped']);
});

// ---- Then: the MM page table (supervisor-facts §1.6) ----

function checkRegions(w: MmspecWorld, regions: Region[], description: string): void {
  const p = w.platform;
  const want = parsePageDescription(description);
  check(p, regions.length > 0, `something to check for "${description}"`, 'no pages', ['page-table']);
  for (const r of regions) {
    const bad = pagesNotMatching(p, r, want);
    check(p, bad.length === 0, `every page of the ${r.what} (${hex(r.base)} + ${hex(r.size)}) to be ${describePage(want)}`,
      `${bad.length} page(s) are not, first ${hex(bad[0]?.address ?? 0)}: ${bad[0] ? describePage(bad[0].attributes) : ''}`, ['page-table', 'unblock']);
  }
}

Then(new RegExp(`^the (${NAMED_REGIONS.join('|')}) is "([^"]*)" in the MM page table$`), function (this: MmspecWorld, name: string, description: string) {
  checkRegions(this, [namedRegion(this.platform, name as NamedRegion)], description);
});

Then(/^every page of the (MM core image|firmware policy) is for the supervisor only$/, function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const r = namedRegion(p, name as NamedRegion);
  const bad = pagesNotMatching(p, r, (a) => !a.user);
  check(p, bad.length === 0, `no page of the ${name} (${hex(r.base)} + ${hex(r.size)}) to be user-accessible`, `${hex(bad[0]?.address ?? 0)} is ${bad[0] ? describePage(bad[0].attributes) : ''}`, ['page-table']);
});

Then(/^the (code|data) of the MM driver "([^"]*)" is "([^"]*)" in the MM page table$/, function (this: MmspecWorld, which: 'code' | 'data', name: string, description: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  checkRegions(this, driverSections(p, p.scenarioDrivers.guidOf(n), which), description);
});

Then('no page outside MMRAM is present in the MM page table except MMIO, firmware-device, IOMMU, comm-buffer and unblocked ranges', function (this: MmspecWorld) {
  const p = this.platform;
  const extra = unexplainedPresentPagesOutsideMmram(p);
  check(p, extra.length === 0, 'no other present page outside MMRAM', `present: ${extra.slice(0, 4).map((r) => `${hex(r.base)} + ${hex(r.size)} (${describePage(p.pageAttributes(BigInt(r.base)))})`).join('; ')}`, ['page-table', 'unblock']);
});

// ---- Then: CPU state while user code runs (supervisor-facts §1.6, §3.4) ----

const CR4_UMIP = 1 << 11, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21;

Then('while in MM, CR4 has SMEP and UMIP set and SMAP clear', function (this: MmspecWorld) {
  const p = this.platform;
  const snaps = syscallSnapshots(p);
  const bad = snaps.filter((s) => (s.cr4 & CR4_SMEP) === 0 || (s.cr4 & CR4_UMIP) === 0 || (s.cr4 & CR4_SMAP) !== 0);
  check(p, snaps.length > 0 && bad.length === 0, 'CR4.SMEP = 1, CR4.UMIP = 1, CR4.SMAP = 0 at every syscall', snaps.length === 0 ? 'no syscall was observed' : `CR4 was ${hex(bad[0]?.cr4 ?? 0)} at syscall ${hex(bad[0]?.syscall ?? 0)}`, ['syscall']);
});

Then('while user code ran, STAR selected 0x38 for SYSCALL and 0x4B for SYSRET, LSTAR pointed at the supervisor syscall entry and EFER.SCE was set', function (this: MmspecWorld) {
  const p = this.platform;
  const snaps = syscallSnapshots(p);
  const entry = BigInt(p.core!.runtime!.cpus.stubs.syscallEntry);
  const bad = snaps.filter((s) => ((s.msrs.STAR >> 32n) & 0xffffn) !== 0x38n || ((s.msrs.STAR >> 48n) & 0xffffn) !== 0x4bn || s.msrs.LSTAR !== entry || (s.msrs.EFER & 1n) === 0n);
  check(p, snaps.length > 0 && bad.length === 0, `STAR[47:32] = 0x38, STAR[63:48] = 0x4B, LSTAR = ${hex(entry)}, EFER.SCE = 1 at every syscall`,
    snaps.length === 0 ? 'no syscall was observed' : bad[0] ? `STAR ${hex(bad[0].msrs.STAR)}, LSTAR ${hex(bad[0].msrs.LSTAR)}, EFER ${hex(bad[0].msrs.EFER)}` : 'all matched', ['syscall']);
});

Then('every processor\'s MSR {hex} holds {hex}', function (this: MmspecWorld, msr: bigint, value: bigint) {
  const p = this.platform;
  const got = p.machine!.cpus.map((c) => c.msr.read(Number(msr)));
  check(p, got.every((v) => v === value), `MSR ${hex(msr)} = ${hex(value)} on every CPU`, `it holds ${got.map(hex).join(', ')}`, ['demotion', 'smi']);
});

// ---- Then: MMIs the firmware sent (supervisor-facts §1.3, §1.7, §10.7) ----

function mmiLabel(e: { data: Record<string, unknown> }): string {
  return e.data.request ? `request ${String(e.data.request)}` : String(e.data.name ?? e.data.guid);
}

Then(/^the (supervisor|user) channel carried these MMIs in order:$/, function (this: MmspecWorld, channel: string, table: DataTable) {
  const p = this.platform;
  const want = table.raw().map((r) => r[0].trim());
  const got = p.machine!.trace.ofType('mmi').filter((e) => e.data.channel === channel).map(mmiLabel);
  check(p, got.length === want.length && got.every((g, i) => g === want[i]), `exactly ${want.join(' → ')}`, `it carried ${got.join(' → ') || 'nothing'}`, ['mmi', 'mmi-result']);
});

Then(/^the (supervisor|user) channel carried the MMI "([^"]*)" (\d+) times?$/, function (this: MmspecWorld, channel: string, name: string, n: string) {
  const p = this.platform;
  const guid = this.guid(`"${name}"`);
  const got = p.machine!.trace.ofType('mmi').filter((e) => e.data.channel === channel && e.data.guid === guid).length;
  check(p, got === Number(n), `${name} on the ${channel} channel ${n} time(s)`, `it was sent ${got} time(s)`, ['mmi']);
});

// ---- Then: essential drivers and firmware volumes (seed 000 / 002) ----

Then('the first MM driver to start is {string}', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const started = p.startedDrivers();
  check(p, started[0] === n, `${n} to start first`, `they started as ${started.join(' → ') || '(none)'}`, ['dispatch']);
});

Then('the MM driver {string} was entered with a NULL system table', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const guid = p.scenarioDrivers.guidOf(parseDriverName(name, p.scenarioDrivers.names()));
  const e = p.machine!.trace.ofType('dispatch').find((x) => x.data.action === 'entry' && x.data.driver === guid);
  check(p, e !== undefined && (e.data.systemTable === null || e.data.systemTable === '0x0' || e.data.systemTable === 0), `${name} entered with a NULL MM system table`, e ? `it got ${String(e.data.systemTable)}` : 'it never started', ['dispatch', 'syscall']);
});

Then('the ports {hex} and {hex} were written with the address of the MM system table the broker registered', function (this: MmspecWorld, lowPort: bigint, highPort: bigint) {
  const p = this.platform;
  const reg = p.machine!.trace.ofType('syscall').find((e) => e.data.name === 'SMM_SET_CPL3_TBL');
  const table = reg ? BigInt(reg.data.arg1 as string) : undefined;
  const writes = (port: bigint) => p.machine!.trace.ofType('port-write').filter((e) => e.data.port === Number(port)).map((e) => BigInt(e.data.value as string));
  const lo = writes(lowPort), hi = writes(highPort);
  const ok = table !== undefined && table !== 0n && lo.includes(table & 0xffffffffn) && hi.includes(table >> 32n);
  check(p, ok, `ports ${hex(lowPort)}/${hex(highPort)} to carry the registered MMST ${table === undefined ? '(none registered)' : hex(table)}`, `they carried ${lo.map(hex).join(',')} / ${hi.map(hex).join(',')}`, ['syscall', 'port-write']);
});

Then('the MM core, the broker and every MM driver come from one firmware volume', function (this: MmspecWorld) {
  const p = this.platform;
  const rt = p.core!.runtime!;
  const bfv = rt.discovery.standaloneBfv?.baseAddress;
  const fvs = new Set(rt.discovery.drivers.map((d) => d.fvBase));
  const fvHobs = p.booted.hobs!.read().filter((h) => h.kind === 'fv');
  check(p, bfv !== undefined && fvs.size === 1 && fvs.has(bfv) && fvHobs.length === 1, 'the core\'s FV to be the only FV and the source of every driver',
    `core FV ${bfv === undefined ? 'none' : hex(bfv)}, driver FVs ${[...fvs].map(hex).join(', ')}, ${fvHobs.length} FV HOB(s)`, ['dispatch']);
});

const MM_FILE_GUIDS: Record<string, string> = { MmSupervisorCore: '4e4c89dc-a452-4b6b-b183-f16a2a223733', MmSupervisorRing3Broker: 'bb3d60c4-210b-4076-b596-3dd298afea49' };

Then('the platform firmware carries and runs the essential drivers:', function (this: MmspecWorld, table: DataTable) {
  const p = this.platform;
  const boot = p.booted;
  const fv = parseFirmwareVolume(p.machine!.outside.read(Number(boot.fv!.base), Number(boot.fv!.length)), { source: 'the MM FV in DRAM' }).volume;
  const modules = p.machine!.trace.ofType('module').filter((e) => e.data.status === '0x0' || e.data.status === 0 || e.data.status === 'EFI_SUCCESS').map((e) => String(e.data.name));
  for (const [name] of table.raw()) {
    const n = name.trim() === 'PiSmmIpl' ? 'MmIplPei' : name.trim();
    const guid = MM_FILE_GUIDS[n];
    if (guid !== undefined) {
      const file = fv.files.find((f) => f.name === guid);
      const wantType = n === 'MmSupervisorCore' ? FfsFileType.MM_CORE_STANDALONE : FfsFileType.MM_STANDALONE;
      check(p, file !== undefined && file.type === wantType, `${n} in the MM FV as FFS type ${hex(wantType)}`, file ? `type ${hex(file.type)}` : 'it is not there', ['dispatch']);
      const ran = n === 'MmSupervisorCore' ? p.core?.entryResult?.status === 0n : p.startedDrivers().includes(n);
      check(p, ran, `${n} to have run`, 'it did not', ['core', 'dispatch']);
    } else {
      check(p, modules.includes(n), `the firmware module ${n} to have run successfully`, `modules that ran: ${modules.join(', ')}`, ['module']);
    }
  }
});

// ---- More than one firmware volume (supervisor-facts §1.10, §2.1) ----

Given('PEI publishes a second firmware volume holding the MM driver {string}', function (this: MmspecWorld, name: string) {
  editHobsBeforeIpl(this.platform, { describe: `second FV holding ${name}`, apply: (_h, p) => { publishExtraFv(p, name, 'PEI'); } });
});

When('DXE publishes a firmware volume holding the MM driver {string}', function (this: MmspecWorld, name: string) {
  publishExtraFv(this.platform, name, 'DXE');
});

Then(/^the MM driver "([^"]*)" of the (?:second|late) firmware volume (starts|never starts)$/, function (this: MmspecWorld, name: string, outcome: string) {
  const p = this.platform;
  const guid = p.scenarioDrivers.registry.resolve(name);
  const entered = p.machine!.trace.ofType('dispatch').some((e) => e.data.action === 'entry' && e.data.driver === guid);
  check(p, entered === (outcome === 'starts'), `${name} (${guid}) ${outcome === 'starts' ? 'to start' : 'never to start'}`, entered ? 'it started' : 'it never started', ['dispatch', 'scenario-fv']);
});
