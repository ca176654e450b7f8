import { Given, Then } from '@cucumber/cucumber';
import { measureFetchedPolicy, usePlatformPolicyWith } from '../src/scenario/engine/dispatch-secured-core';
import { parseHexOrDecimal } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

// Secured-core levels of the policy the OS fetches (supervisor-facts §5), for platform policies derived from the
// platform's own XML.

Given(/^the platform's isolation policy without its (IO|MSR) entry starting at (\S+)$/, function (this: MmspecWorld, category: 'IO' | 'MSR', start: string) {
  usePlatformPolicyWith(this.platform, { kind: 'drop-entry', category, start: parseHexOrDecimal(start) }, `without ${category} ${start}`);
});

Given(/^the platform's isolation policy without its (IO|MSR|INSTRUCTION|SAVESTATE) category$/, function (this: MmspecWorld, category: string) {
  usePlatformPolicyWith(this.platform, { kind: 'drop-category', category }, `without ${category}`);
});

Given(/^the platform's isolation policy with its (IO|MSR|INSTRUCTION|SAVESTATE) category turned to (Allow|Deny)$/, function (this: MmspecWorld, category: string, value: 'Allow' | 'Deny') {
  usePlatformPolicyWith(this.platform, { kind: 'access', category, value }, `${category} ${value}`);
});

Then(/^the fetched policy measures Secured-core level (\d+) on (Intel|AMD) processors$/, function (this: MmspecWorld, level: string, vendor: string) {
  const p = this.platform;
  const r = measureFetchedPolicy(p, vendor === 'AMD' ? 'amd' : 'intel');
  const failed = r.rules.filter((x) => !x.pass).map((x) => x.why);
  check(p, r.level === Number(level), `the fetched policy to measure level ${level} on ${vendor} processors`,
    `it measures level ${r.level} (${JSON.stringify(r.levels)})${r.aborted ? `, aborted: ${r.aborted}` : ''}${failed.length ? `; failing: ${failed.slice(0, 4).join('; ')}` : ''}`, ['request']);
});
