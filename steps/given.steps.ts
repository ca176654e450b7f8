import { Given, type DataTable } from '@cucumber/cucumber';
import { parseActionList } from '../src/scenario/driver';
import { policyFromFile, policyFromText } from '../src/scenario/engine/policy-source';
import type { MmspecWorld } from './support/world';

Given('the platform {string}', function (this: MmspecWorld, name: string) {
  this.platform.usePlatform(name);
});

Given(/^the platform has (\d+) processors?$/, function (this: MmspecWorld, n: string) {
  this.platform.setProcessors(Number(n));
});

Given('the isolation policy {string}', function (this: MmspecWorld, file: string) {
  this.platform.setPolicy(policyFromFile(file));
});

Given('the isolation policy:', function (this: MmspecWorld, text: string) {
  this.platform.setPolicy(policyFromText(text, `inline policy of "${this.pickleName}"`));
});

Given('the firmware volume has no isolation policy file', function (this: MmspecWorld) {
  this.platform.setPolicy(null);
});

Given('the firmware volume holds the MM drivers:', function (this: MmspecWorld, table: DataTable) {
  for (const row of table.hashes()) {
    this.platform.scenarioDrivers.declare({ name: row.name, depex: row.depex ?? '', type: row.type || undefined, guid: row.guid || undefined, installs: row.installs || undefined });
  }
});

Given('the MM driver {string} runs on entry:', function (this: MmspecWorld, name: string, doc: string) {
  this.platform.scenarioDrivers.runsOnEntry(name, parseActionList(doc, this.docSource()));
});

Given('the MM driver {string} handles MMI {guid} with:', function (this: MmspecWorld, name: string, guid: string, doc: string) {
  this.platform.scenarioDrivers.handlesMmi(name, guid, parseActionList(doc, this.docSource()));
});

Given('the MM driver {string} handles every MMI with:', function (this: MmspecWorld, name: string, doc: string) {
  this.platform.scenarioDrivers.handlesMmi(name, null, parseActionList(doc, this.docSource()));
});

Given('a fatal violation resets the system', function (this: MmspecWorld) {
  this.platform.setFatalViolation('reset');
});

Given('a fatal violation hangs the system', function (this: MmspecWorld) {
  this.platform.setFatalViolation('hang');
});

Given('PEI asks to unblock {hex} bytes at {hex}', function (this: MmspecWorld, size: bigint, address: bigint) {
  this.platform.addPeiUnblock(address, size);
});
