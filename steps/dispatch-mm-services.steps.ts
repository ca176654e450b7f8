import { Given, Then, type DataTable } from '@cucumber/cucumber';
import { guidFromBytes } from '../src/firmware/guid';
import { SupervisorGuids } from '../src/supervisor/core/supervisor-guids';
import { driverEntry, inMmram, locateProtocolAction, MMST_SIGNATURE, readMmstField } from '../src/scenario/engine/dispatch-mm-services';
import { parseDriverName, parseHexOrDecimal, parsePageDescription, describePage } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

// What MM drivers can use (seeds 000–003 "MM services", supervisor-facts §2.6, §3.9): lookups through the MM
// system table the broker registered, the table itself, and the supervisor's own database.

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

Given(/^the MM driver "([^"]*)" locates the protocol ("[^"]*") on entry$/, function (this: MmspecWorld, name: string, guid: string) {
  this.platform.scenarioDrivers.runsOnEntry(name, [locateProtocolAction(this.guid(guid))]);
});

Given(/^the MM driver "([^"]*)" locates the protocol ("[^"]*") when MMI ("[^"]*") arrives$/, function (this: MmspecWorld, name: string, guid: string, mmi: string) {
  this.platform.scenarioDrivers.handlesMmi(name, this.guid(mmi), [locateProtocolAction(this.guid(guid))]);
});

Then('the MM driver {string} receives an MM system table that lies in MMRAM', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const e = driverEntry(p, n);
  const smm = p.machine!.smm;
  const signature = e.systemTable === 0n ? undefined : smm.u32(Number(e.systemTable));
  const ok = e.systemTable !== 0n && signature === MMST_SIGNATURE && inMmram(p, e.systemTable, 0xf0n) && p.pageAttributes(e.systemTable).user;
  check(p, ok, `${n}'s entry point to get a pointer to an EFI_MM_SYSTEM_TABLE (signature 'SMST') in user MMRAM`,
    e.systemTable === 0n ? 'it got NULL' : `it got ${hex(e.systemTable)} (signature ${signature === undefined ? '?' : hex(signature)}, ${inMmram(p, e.systemTable) ? 'in' : 'outside'} MMRAM, ${p.describePage(e.systemTable)})`, ['dispatch']);
});

Then('the MM driver {string} receives the handle of its LoadedImage protocol as its image handle', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const e = driverEntry(p, n);
  const handles = p.core!.runtime!.protocols.handlesFor(SupervisorGuids.loadedImageProtocol);
  const ok = e.imageHandle !== undefined && e.imageHandle !== 0n && handles.includes(e.imageHandle);
  check(p, ok, `${n}'s image handle to carry the LoadedImage protocol in the supervisor database`, `its handle ${e.imageHandle === undefined ? 'is unknown' : hex(e.imageHandle)}; LoadedImage handles: ${handles.map(hex).join(', ')}`, ['dispatch']);
});

Then('the supervisor\'s own protocol database has a LoadedImage protocol for each of the MM drivers:', function (this: MmspecWorld, table: DataTable) {
  const p = this.platform;
  const handles = p.core!.runtime!.protocols.handlesFor(SupervisorGuids.loadedImageProtocol);
  for (const [name] of table.raw()) {
    const n = parseDriverName(name, p.scenarioDrivers.names());
    const e = driverEntry(p, n);
    check(p, e.imageHandle !== undefined && handles.includes(e.imageHandle), `a LoadedImage protocol for ${n} in the supervisor database`, `there is none (LoadedImage handles: ${handles.map(hex).join(', ')})`, ['dispatch']);
  }
});

// value: "a service" (a pointer to user-executable code in MMRAM), "NULL", or a number.
Then('the MM system table the MM driver {string} receives has these fields:', function (this: MmspecWorld, name: string, table: DataTable) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const st = driverEntry(p, n).systemTable;
  for (const row of table.hashes()) {
    const got = readMmstField(p, st, row.field);
    let ok: boolean;
    if (row.value === 'a service') {
      const a = got !== 0n && inMmram(p, got) ? p.pageAttributes(got) : undefined;
      ok = a !== undefined && a.present && a.user && a.executable;
    } else if (row.value === 'NULL') ok = got === 0n;
    else ok = got === parseHexOrDecimal(row.value);
    check(p, ok, `MMST.${row.field} to be ${row.value}`, `it is ${hex(got)}${got !== 0n && inMmram(p, got) ? ` (${p.describePage(got)})` : ''}`, ['dispatch']);
  }
});

Then(/^the MM system table the MM driver "([^"]*)" receives lists no configuration table ("[^"]*")$/, function (this: MmspecWorld, name: string, guidText: string) {
  const p = this.platform;
  const n = parseDriverName(name, p.scenarioDrivers.names());
  const guid = this.guid(guidText);
  const st = driverEntry(p, n).systemTable;
  const count = readMmstField(p, st, 'NumberOfTableEntries');
  const tables = readMmstField(p, st, 'MmConfigurationTable');
  const smm = p.machine!.smm;
  // EFI_CONFIGURATION_TABLE: VendorGuid (16 bytes), VendorTable (8 bytes)
  const listed = count > 0n && tables !== 0n ? Array.from({ length: Math.min(Number(count), 256) }, (_, i) => guidFromBytes(smm.read(Number(tables) + 24 * i, 16))) : [];
  check(p, !listed.includes(guid), `no configuration table ${guidText} in the MM system table`, `it lists ${listed.join(', ')}`, ['dispatch']);
});

Then('the pages allocated with SMM_ALOC_PAGE lie in MMRAM and are {string} in the MM page table', function (this: MmspecWorld, description: string) {
  const p = this.platform;
  const want = parsePageDescription(description);
  const allocations = (p.machine?.trace.events ?? []).filter((e) => e.type === 'page-table' && e.data.action === 'allocate-user-pages');
  check(p, allocations.length > 0, 'SMM_ALOC_PAGE to have allocated pages', 'it allocated none', ['syscall', 'page-table']);
  for (const a of allocations) {
    const base = BigInt(a.data.base as bigint);
    const pages = BigInt(a.data.pages as bigint);
    for (let i = 0n; i < pages; i++) {
      const at = base + i * 0x1000n;
      const got = p.pageAttributes(at);
      const same = got.present && got.user === want.user && got.writable === want.writable && got.executable === want.executable;
      check(p, inMmram(p, at, 0x1000n) && same, `the allocated page ${hex(at)} to be in MMRAM and ${describePage(want)}`, `it is ${inMmram(p, at) ? 'in' : 'outside'} MMRAM and ${describePage(got)}`, ['syscall', 'page-table']);
    }
  }
});
