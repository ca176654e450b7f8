import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { efiStatusName } from '../src/firmware/efi-status';
import type { Guid } from '../src/firmware/guid';
import { AccessAttr, parsePolicy, PolicyAttr, type SecurePolicy } from '../src/firmware/policy';
import { PAGE } from '../src/platform/config/platform-config';
import { MSUP } from '../src/platform/firmware/mm-comm-layout';
import {
  channelBuffers, commHeader, communicator, describeMailbox, handlerRunsInLastSmi, isCommCallResult, msupHeader, parseHexDoc,
  readMailboxAt, sendCommUpdate, sendFetchPolicy, sendRawComm, sendUnblockMem, writeMailboxAt, type CommCallResult, type MailboxBytes,
} from '../src/scenario/engine/comm-exchange';
import { parseEfiStatusWord, parseHexOrDecimal, parsePageDescription, describePage } from '../src/scenario/vocabulary';
import { check } from './support/assertions';
import type { MmspecWorld } from './support/world';

// Byte-level MM communicate steps (supervisor-facts §6, §7, §8). Raw comm buffers go through the platform's
// communicate worker (§8.2); every Then reads DRAM bytes, the MM page table or the trace.

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
type Ch = 'user' | 'supervisor';
const TRACE = ['mmi', 'mmi-result', 'mmi-refused', 'request', 'unblock', 'unblock-request'];

/** Per-scenario state of these steps, kept on the World under a private symbol. */
const STATE = Symbol('comm-exchange');
interface CommSteps {
  pending?: { mailbox: bigint; bytes: Uint8Array; buffer: bigint; message: Uint8Array };
}
function state(w: MmspecWorld): CommSteps {
  const o = w as unknown as Record<symbol, CommSteps>;
  return (o[STATE] ??= {});
}

function lastComm(w: MmspecWorld): CommCallResult {
  const l = w.platform.last;
  check(w.platform, isCommCallResult(l), 'a raw MM communicate call', l ? 'the last call was not a raw comm-buffer call' : 'nothing was sent', TRACE);
  return l as CommCallResult;
}

// ---- Given: platform variants ----

Given('the platform keeps its PEI comm buffers', function (this: MmspecWorld) {
  // PcdPeiMemoryBinsEnable (supervisor-facts §1.7 step 3): MmDxeSupport then sends no COMM_UPDATE.
  const p = this.platform;
  if (p.machine) throw new Error('"the platform keeps its PEI comm buffers" must be said before the platform boots');
  p.config = { ...p.config!, peiMemoryBinsEnable: true };
});

Given('the platform has no DXE driver {string}', function (this: MmspecWorld, name: string) {
  const p = this.platform;
  if (p.machine) throw new Error('the DXE drivers must be chosen before the platform boots');
  const dxe = p.config!.firmware.dxe;
  if (!dxe.includes(name as never)) throw new Error(`the platform has no DXE driver "${name}" to leave out (it has ${dxe.join(', ')})`);
  p.config = { ...p.config!, firmware: { ...p.config!.firmware, dxe: dxe.filter((d) => d !== name) } };
});

// ---- When: raw comm buffers ----

When(/^DXE sends on the (user|supervisor) channel the comm buffer( with no CommSize| with CommSize \S+|):$/, function (this: MmspecWorld, ch: Ch, sizeClause: string, doc: string) {
  const bytes = parseHexDoc(doc, `${this.step.file}:${this.step.line}`);
  const clause = sizeClause.trim();
  const commSize = clause === '' ? BigInt(bytes.length) : clause === 'with no CommSize' ? null : parseHexOrDecimal(clause.slice('with CommSize '.length));
  sendRawComm(this.platform, ch, bytes, commSize);
});

When(/^(?:DXE|PEI) sends on the (user|supervisor) channel a comm header for MMI ("[^"]*") with MessageLength (\S+) and (\d+) data bytes?$/, function (this: MmspecWorld, ch: Ch, guid: string, ml: string, n: string) {
  sendRawComm(this.platform, ch, commHeader(this.guid(guid), parseHexOrDecimal(ml), new Uint8Array(Number(n))));
});

When('DXE sends on the supervisor channel an MSUP request with signature {hex}, revision {hex}, request code {hex} and {int} payload bytes', function (this: MmspecWorld, sig: bigint, rev: bigint, code: bigint, n: number) {
  const msg = new Uint8Array(MSUP.headerSize + n);
  msg.set(msupHeader({ signature: Number(sig), revision: Number(rev), request: Number(code) }), 0);
  sendRawComm(this.platform, 'supervisor', commHeader(this.guid('"gMmSupervisorRequestHandlerGuid"'), BigInt(msg.length), msg));
});

When('DXE sends on the supervisor channel only the first {int} bytes of an MSUP request with request code {hex}', function (this: MmspecWorld, n: number, code: bigint) {
  const full = msupHeader({ signature: MSUP.signature, revision: MSUP.revision, request: Number(code) });
  const msg = full.subarray(0, n);
  sendRawComm(this.platform, 'supervisor', commHeader(this.guid('"gMmSupervisorRequestHandlerGuid"'), BigInt(msg.length), msg));
});

When(/^PEI sends MMI ("[^"]*") on the (user|supervisor) channel(?: with data "([0-9A-Fa-f ]*)")?$/, function (this: MmspecWorld, guid: string, ch: Ch, data?: string) {
  const p = this.platform;
  if (p.booted.dxe !== null) throw new Error('"PEI sends MMI …" needs a boot stopped before "DXE" (say: When the platform boots to "end of PEI")');
  const bytes = parseHexDoc((data ?? '00').replace(/(\S\S)(?=\S)/g, '$1 '), 'MMI data');
  p.sendMmi(this.guid(guid), ch, bytes);
});

// ---- When: MSUP requests with chosen payloads ----

When(/^DXE sends the supervisor request UNBLOCK_MEM for (\S+) pages? at (the current (?:supervisor|user) (?:comm buffer|mailbox)|\S+)(?: with (.+))?$/, function (this: MmspecWorld, pages: string, address: string, clauses?: string) {
  const cur = /^the current (supervisor|user) (comm buffer|mailbox)$/.exec(address);
  const start = cur ? (cur[2] === 'mailbox' ? channelBuffers(this.platform, cur[1] as Ch).mailbox & ~0xfffn : channelBuffers(this.platform, cur[1] as Ch).buffer) : parseHexOrDecimal(address);
  const params = {
    memoryType: 6, padding: 0, physicalStart: start, virtualStart: 0n, numberOfPages: parseHexOrDecimal(pages), attribute: 0n,
    identifierGuid: this.guid('"ScenarioDxeDriver"') as Guid,
  };
  for (const clause of (clauses ?? '').split(/\s+and\s+/).filter((c) => c !== '')) {
    const m = /^(attribute|memory type|padding|virtual start) (\S+)$|^identifier ("[^"]*")$/.exec(clause.trim());
    if (!m) throw new Error(`"${clause}": expected "attribute N", "memory type N", "padding N", "virtual start N" or "identifier \\"GUID\\""`);
    if (m[3] !== undefined) params.identifierGuid = this.guid(m[3]);
    else if (m[1] === 'attribute') params.attribute = parseHexOrDecimal(m[2]);
    else if (m[1] === 'memory type') params.memoryType = Number(parseHexOrDecimal(m[2]));
    else if (m[1] === 'padding') params.padding = Number(parseHexOrDecimal(m[2]));
    else params.virtualStart = parseHexOrDecimal(m[2]);
  }
  sendUnblockMem(this.platform, params);
});

When('DXE sends the supervisor request UNBLOCK_MEM for {hex} page(s) at the start of MMRAM', function (this: MmspecWorld, pages: bigint) {
  sendUnblockMem(this.platform, {
    memoryType: 6, physicalStart: this.platform.config!.tseg.base, virtualStart: 0n, numberOfPages: pages, attribute: 0n, identifierGuid: this.guid('"ScenarioDxeDriver"'),
  });
});

When('DXE sends the supervisor request FETCH_POLICY with {int} bytes after the request header', function (this: MmspecWorld, space: number) {
  sendFetchPolicy(this.platform, space);
});

When('DXE sends the supervisor request COMM_UPDATE with:', function (this: MmspecWorld, table: DataTable) {
  const rows = new Map(table.hashes().map((r) => [r.descriptor, r]));
  const one = (name: string) => {
    const r = rows.get(name);
    if (!r) throw new Error(`COMM_UPDATE table: no row "${name}" (rows: supervisor mailbox, user mailbox, supervisor buffer, user buffer)`);
    return {
      memoryType: Number(parseHexOrDecimal(r.type)), physicalStart: parseHexOrDecimal(r.address), virtualStart: 0n,
      numberOfPages: parseHexOrDecimal(r.pages), attribute: parseHexOrDecimal(r.attribute), identifierGuid: this.guid('"ScenarioDxeDriver"'),
    };
  };
  sendCommUpdate(this.platform, {
    supervisorMailbox: one('supervisor mailbox'), userMailbox: one('user mailbox'), supervisorBuffer: one('supervisor buffer'), userBuffer: one('user buffer'),
  });
});

// ---- When: unblocking ----

When('DXE asks to unblock {hex} bytes at {hex} without an identifier GUID', function (this: MmspecWorld, size: bigint, address: bigint) {
  const p = this.platform;
  const proto = p.booted.unblockProtocol;
  if (!proto) throw new Error('the StandaloneMmUnblockMem protocol is not installed');
  const status = proto.unblockMemory(address, (size + 0xfffn) / 0x1000n, null);
  p.last = { status, returnStatus: null, result: status, data: new Uint8Array() };
});

When('a PEIM asks to unblock {hex} bytes at {hex}', function (this: MmspecWorld, size: bigint, address: bigint) {
  const p = this.platform;
  const status = p.booted.peiUnblock(address, (size + 0xfffn) / 0x1000n);
  p.last = { status, returnStatus: null, result: status, data: new Uint8Array() };
});

When('DXE writes the u64 {hex} at {hex}', function (this: MmspecWorld, value: bigint, address: bigint) {
  this.platform.machine!.outside.setU64(Number(address), value);
});

// ---- When: mailboxes ----

When(/^DXE marks the (user|supervisor) mailbox valid$/, function (this: MmspecWorld, ch: Ch) {
  const p = this.platform;
  const m = readMailboxAt(p, channelBuffers(p, ch).mailbox);
  writeMailboxAt(p, m.address, 1, m.returnStatus, m.returnBufferSize);
});

When('DXE leaves MMI {guid} pending on the supervisor channel', function (this: MmspecWorld, guid: Guid) {
  // A comm buffer written and its mailbox marked valid, without an SMI (what a caller interrupted before its trigger leaves).
  const p = this.platform;
  const c = channelBuffers(p, 'supervisor');
  const message = commHeader(guid, 1n, Uint8Array.of(0));
  p.machine!.outside.write(Number(c.buffer), message);
  writeMailboxAt(p, c.mailbox, 1, 0x8000000000000015n /* EFI_ABORTED as a marker */, 0x1234n);
  state(this).pending = { mailbox: c.mailbox, bytes: p.machine!.outside.read(Number(c.mailbox), 24), buffer: c.buffer, message };
});

// ---- Then: transport ----

Then('the communicate call returns {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const got = p.last?.status;
  check(p, got === want, `the communicate call to return ${word}`, got === undefined ? 'nothing was sent' : `it returned ${efiStatusName(got)}`, TRACE);
});

Then('the returned CommSize is {hex}', function (this: MmspecWorld, size: bigint) {
  const l = lastComm(this);
  check(this.platform, l.commSize === size, `CommSize ${hex(size)}`, `it is ${l.commSize === null ? 'NULL' : hex(l.commSize)}`, TRACE);
});

Then(/^(no|an) SMI was triggered$/, function (this: MmspecWorld, which: string) {
  const l = lastComm(this);
  const want = which === 'an';
  check(this.platform, (l.smis > 0) === want, want ? 'the call to trigger an SMI' : 'the call to trigger no SMI', `it triggered ${l.smis}`, TRACE);
});

Then(/^the (user|supervisor) mailbox holds ReturnStatus (\S+) and ReturnBufferSize (\S+)$/, function (this: MmspecWorld, ch: Ch, word: string, size: string) {
  const p = this.platform;
  const m = readMailboxAt(p, channelBuffers(p, ch).mailbox);
  const want = parseEfiStatusWord(word);
  const wantSize = parseHexOrDecimal(size);
  check(p, m.returnStatus === want && m.returnBufferSize === wantSize, `the ${ch} mailbox to hold ReturnStatus ${word}, ReturnBufferSize ${hex(wantSize)}`, `it holds ${describeMailbox(m)}`, TRACE);
});

Then(/^the (PEI |current |)(user|supervisor) mailbox is (still marked|marked|not marked) valid$/, function (this: MmspecWorld, era: string, ch: Ch, how: string) {
  const p = this.platform;
  const m = readMailboxAt(p, era === 'PEI ' ? p.booted.pei!.commBuffers![ch].mailbox : channelBuffers(p, ch).mailbox);
  const want = how !== 'not marked';
  check(p, (m.valid !== 0) === want, `the ${ch} mailbox ${want ? '' : 'not '}to be marked valid`, `it holds ${describeMailbox(m)}`, TRACE);
});

Then('the pending supervisor MMI is untouched', function (this: MmspecWorld) {
  const p = this.platform;
  const pending = state(this).pending;
  check(p, pending !== undefined, 'a pending supervisor MMI', 'none was left pending', TRACE);
  const mem = p.machine!.outside;
  const mb = mem.read(Number(pending!.mailbox), 24);
  const buf = mem.read(Number(pending!.buffer), pending!.message.length);
  const same = Buffer.from(mb).equals(Buffer.from(pending!.bytes)) && Buffer.from(buf).equals(Buffer.from(pending!.message));
  check(p, same, 'the supervisor mailbox and buffer to be byte-identical to what was left pending', `the mailbox now holds ${describeMailbox(readMailboxAt(p, pending!.mailbox))}`, TRACE);
});

Then(/^the (user comm buffer|supervisor comm buffer|memory at \S+) holds (\S+) as a (u8|u16|u32|u64) at offset (\d+)$/, function (this: MmspecWorld, where: string, value: string, width: string, offset: string) {
  const p = this.platform;
  const ch = where.startsWith('memory at ') ? where : where.split(' ')[0] as Ch;
  const base = where.startsWith('memory at ') ? parseHexOrDecimal(where.slice('memory at '.length)) : channelBuffers(p, ch as Ch).buffer;
  const at = Number(base) + Number(offset);
  const mem = p.machine!.outside;
  const got = width === 'u8' ? BigInt(mem.u8(at)) : width === 'u16' ? BigInt(mem.u16(at)) : width === 'u32' ? BigInt(mem.u32(at)) : mem.u64(at);
  const want = /^EFI_/.test(value) ? parseEfiStatusWord(value) : parseHexOrDecimal(value);
  check(p, got === want, `${width} ${hex(want)} at offset ${offset} of the ${ch} comm buffer`, `it holds ${hex(got)}${/^EFI_/.test(value) ? ` (${efiStatusName(got)})` : ''}`, TRACE);
});

Then(/^the (user|supervisor) comm buffer holds the bytes "([0-9A-Fa-f ]+)" at offset (\d+)$/, function (this: MmspecWorld, ch: Ch, text: string, offset: string) {
  const p = this.platform;
  const want = parseHexDoc(text, 'expected bytes');
  const got = p.machine!.outside.read(Number(channelBuffers(p, ch).buffer) + Number(offset), want.length);
  check(p, Buffer.from(got).equals(Buffer.from(want)), `the bytes ${text} at offset ${offset}`, `they are ${Buffer.from(got).toString('hex').replace(/(..)/g, '$1 ').trim()}`, TRACE);
});

// ---- Then: which handlers ran ----

Then(/^during the last SMI the (root MMI handlers|supervisor request handler|handler of MMI "[^"]*") ran (\d+) times?$/, function (this: MmspecWorld, what: string, n: string) {
  const p = this.platform;
  const guid = /^handler of MMI ("[^"]*")$/.exec(what)?.[1];
  let got: number;
  if (what === 'root MMI handlers') got = handlerRunsInLastSmi(p, 'root');
  else if (guid !== undefined) got = handlerRunsInLastSmi(p, this.guid(guid));
  else {
    const events = p.machine?.trace.events ?? [];
    const entries = events.map((e, i) => (e.type === 'mmi' && e.data.action === 'entry' ? i : -1)).filter((i) => i >= 0);
    const end = entries[entries.length - 1] ?? -1, start = entries.length > 1 ? entries[entries.length - 2] : -1;
    got = events.filter((e, i) => i > start && i < end && e.type === 'request').length;
  }
  check(p, got === Number(n), `${what} to run ${n} time(s) during the last SMI`, `it ran ${got} time(s)`, ['mmi', 'request']);
});

Then('the MM driver {string} started before the handler of MMI {guid} first ran', function (this: MmspecWorld, name: string, guid: Guid) {
  const p = this.platform;
  const driver = p.scenarioDrivers.guidOf(name);
  const events = p.machine?.trace.events ?? [];
  const entry = events.findIndex((e) => e.type === 'dispatch' && e.data.action === 'entry' && e.data.driver === driver);
  const run = events.findIndex((e) => e.type === 'mmi' && e.data.action === 'manage' && e.data.handlerType === guid && ((e.data.invoked as { owner: string }[]) ?? []).some((x) => x.owner === 'user'));
  check(p, entry >= 0 && run > entry, `${name}'s entry point to run before its handler`, `entry at event ${entry}, first handler run at event ${run}`, ['dispatch', 'mmi']);
});

// ---- Then: unblocking ----

Then(/^the supervisor's unblocked list holds (\d+) entr(?:y|ies) covering (\S+)$/, function (this: MmspecWorld, n: string, address: string) {
  const p = this.platform;
  const a = parseHexOrDecimal(address);
  const list = p.core?.runtime?.unblock.entries() ?? [];
  const covering = list.filter((e) => a >= e.physicalStart && a < e.physicalStart + e.numberOfPages * PAGE);
  check(p, covering.length === Number(n), `${n} unblocked entr(y|ies) covering ${hex(a)}`, `there are ${covering.length}: ${covering.map((e) => `${hex(e.physicalStart)}+${e.numberOfPages}p`).join(', ') || '(none)'}`, ['unblock']);
});

Then(/^the DXE unblock protocol decided (locally|through the supervisor)$/, function (this: MmspecWorld, how: string) {
  const p = this.platform;
  const e = (p.machine?.trace.ofType('unblock-request') ?? []).at(-1);
  const decided = String(e?.data.decidedBy ?? '');
  const ok = how === 'locally' ? decided.startsWith('local') : decided === 'supervisor';
  check(p, ok, `the protocol to decide ${how}`, e ? `it decided: ${decided}` : 'the protocol was never called', ['unblock-request', 'request']);
});

Then('every PEI unblock request returned {word}', function (this: MmspecWorld, word: string) {
  const p = this.platform;
  const want = parseEfiStatusWord(word);
  const r = p.peiUnblockResults;
  check(p, r.length > 0 && r.every((x) => x.status === want), `every PEI unblock request to return ${word}`, r.length === 0 ? 'none was made' : r.map((x) => efiStatusName(x.status)).join(', '), ['pei-unblock', 'unblock']);
});

Then(/^every page of the (PEI|current) (supervisor|user) (comm buffer|mailbox) is "([^"]*)" in the MM page table$/, function (this: MmspecWorld, era: string, ch: Ch, what: string, description: string) {
  const p = this.platform;
  const c = era === 'PEI' ? p.booted.pei!.commBuffers![ch] : communicator(p).channels[ch];
  const base = what === 'mailbox' ? c.mailbox & ~0xfffn : c.buffer;
  const pages = what === 'mailbox' ? 1n : c.pages;
  const want = parsePageDescription(description);
  for (let i = 0n; i < pages; i++) {
    const a = base + i * PAGE;
    const got = p.pageAttributes(a);
    const same = want.present ? got.present && got.user === want.user && got.writable === want.writable && got.executable === want.executable : !got.present;
    check(p, same, `the page at ${hex(a)} (${era} ${ch} ${what}) to be ${describePage(want)}`, `it is ${describePage(got)}`, ['page-table', 'unblock']);
  }
});

Then(/^the (PEI|current) (supervisor|user) (comm buffer|mailbox) (is|is not) where the PEI firmware put it$/, function (this: MmspecWorld, era: string, ch: Ch, what: string, is: string) {
  const p = this.platform;
  const pei = p.booted.pei!.commBuffers![ch];
  const now = communicator(p).channels[ch];
  const same = what === 'mailbox' ? pei.mailbox === now.mailbox : pei.buffer === now.buffer;
  check(p, same === (is === 'is'), `the ${ch} ${what} ${is} at its PEI address`, `PEI ${hex(what === 'mailbox' ? pei.mailbox : pei.buffer)}, now ${hex(what === 'mailbox' ? now.mailbox : now.buffer)}`, ['request', 'unblock']);
  void era;
});

// ---- Then: FETCH_POLICY ----

function fetched(w: MmspecWorld): SecurePolicy {
  const p = w.platform;
  const d = p.last?.data;
  check(p, d !== undefined && d.length >= 0x28 && p.last?.result === 0n, 'a successful FETCH_POLICY reply', `the last call returned ${p.last?.result === undefined || p.last?.result === null ? 'no result' : efiStatusName(p.last.result)}`, ['request']);
  const size = new DataView(d!.buffer, d!.byteOffset).getUint32(4, true); // Size @0x04 (§4.1)
  return parsePolicy(d!.subarray(0, size), 'fetched policy');
}

Then('the firmware policy in the MM firmware volume is {hex} bytes', function (this: MmspecWorld, size: bigint) {
  const p = this.platform;
  const l = p.core?.runtime?.policyLoad;
  const got = l && l.loaded ? BigInt(l.firmwarePolicy.blob.length) : undefined;
  check(p, got === size, `a ${hex(size)}-byte firmware policy`, got === undefined ? 'no policy was loaded' : `it is ${hex(got)} bytes`, ['policy']);
});

Then('the fetched policy has VersionMajor {int}', function (this: MmspecWorld, major: number) {
  const f = fetched(this);
  check(this.platform, f.versionMajor === major, `VersionMajor ${major}`, `it is ${f.versionMajor}.${f.versionMinor}`, ['request']);
});

Then('the fetched policy has a MEM root marked ALLOW whose descriptors never include EXECUTE', function (this: MmspecWorld) {
  const f = fetched(this);
  const mem = f.roots.filter((r) => r.kind === 'mem');
  const r = mem[0];
  const ok = mem.length === 1 && r.kind === 'mem' && r.accessAttr === AccessAttr.ALLOW && r.descriptors.length > 0 && r.descriptors.every((d) => (d.memAttributes & PolicyAttr.EXECUTE) === 0);
  check(this.platform, ok, 'one MEM root, ALLOW, with descriptors none of which has EXECUTE',
    mem.length !== 1 ? `${mem.length} MEM roots` : r.kind === 'mem' ? `AccessAttr ${r.accessAttr}, ${r.descriptors.length} descriptors, attributes ${r.descriptors.map((d) => hex(d.memAttributes)).join(' ')}` : '', ['request']);
});

Then('the fetched policy carries the IO, MSR, INSTRUCTION and SAVE_STATE roots of the firmware policy', function (this: MmspecWorld) {
  const p = this.platform;
  const f = fetched(this);
  const l = p.core?.runtime?.policyLoad;
  check(p, !!l && l.loaded, 'a loaded firmware policy', 'none was loaded', ['policy']);
  const fw = parsePolicy((l as { firmwarePolicy: { blob: Uint8Array } }).firmwarePolicy.blob, 'firmware policy');
  const strip = (s: SecurePolicy) => JSON.stringify(s.roots.filter((r) => r.kind !== 'mem').map((r) => ({ ...r, offset: 0 })), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  check(p, strip(f) === strip(fw) && f.roots.filter((r) => r.kind !== 'mem').length >= 4, 'the same non-MEM roots and descriptors', `fetched ${strip(f).slice(0, 200)} vs firmware ${strip(fw).slice(0, 200)}`, ['request']);
});

Then('the supervisor mailbox reports ReturnBufferSize 48 plus the fetched policy Size', function (this: MmspecWorld) {
  const p = this.platform;
  const f = fetched(this);
  const m: MailboxBytes = readMailboxAt(p, channelBuffers(p, 'supervisor').mailbox);
  check(p, m.returnBufferSize === 48n + BigInt(f.size), `ReturnBufferSize 48 + ${hex(f.size)}`, `it holds ${describeMailbox(m)}`, ['request', 'mmi-result']);
});
