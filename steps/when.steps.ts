import { When } from '@cucumber/cucumber';
import { parseMilestone, parseSupervisorRequestWord } from '../src/scenario/vocabulary';
import type { MmspecWorld } from './support/world';

When('the platform boots', function (this: MmspecWorld) {
  this.platform.bootTo('runtime');
});

When('the platform boots to {string}', function (this: MmspecWorld, milestone: string) {
  this.platform.bootTo(parseMilestone(milestone));
});

When('the platform continues to {string}', function (this: MmspecWorld, milestone: string) {
  this.platform.bootTo(parseMilestone(milestone));
});

When(/^DXE sends the supervisor request ([A-Z_a-z0-9]+)( on the user channel)?$/, function (this: MmspecWorld, word: string, user?: string) {
  this.platform.sendSupervisorRequest(parseSupervisorRequestWord(word), user ? 'user' : 'supervisor');
});

When('DXE sends the supervisor request code {hex}', function (this: MmspecWorld, code: bigint) {
  this.platform.sendSupervisorRequest(Number(code));
});

When('DXE asks to unblock {hex} bytes at {hex}', function (this: MmspecWorld, size: bigint, address: bigint) {
  this.platform.dxeUnblock(address, size);
});

When('DXE asks to unblock {hex} bytes at the start of MMRAM', function (this: MmspecWorld, size: bigint) {
  this.platform.dxeUnblock(this.platform.config!.tseg.base, size);
});

When(/^DXE sends MMI ("[^"]*") on the (user|supervisor) channel(?: with data "([0-9A-Fa-f ]*)")?$/, function (this: MmspecWorld, guid: string, channel: 'user' | 'supervisor', data?: string) {
  this.platform.sendMmi(this.guid(guid), channel, hexBytes(data ?? '00'));
});

When('code outside MM reads {int} bytes of MMRAM', function (this: MmspecWorld, n: number) {
  this.outsideRead = this.platform.readOutside(this.platform.config!.tseg.base, n);
});

When('code outside MM reads {int} bytes at {hex}', function (this: MmspecWorld, n: number, address: bigint) {
  this.outsideRead = this.platform.readOutside(address, n);
});

When('software SMI {hex} is raised', function (this: MmspecWorld, value: bigint) {
  this.platform.softwareSmi(Number(value & 0xffn));
});

function hexBytes(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new Error(`"${s}": hex bytes need an even number of digits`);
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => parseInt(clean.slice(2 * i, 2 * i + 2), 16));
}
