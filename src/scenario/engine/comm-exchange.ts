import { efiStatusName, type EfiStatus } from '../../firmware/efi-status';
import type { Guid } from '../../firmware/guid';
import { guidToBytes } from '../../firmware/guid';
import { encodeUnblockParams, type UnblockParams } from '../../firmware/hob/unblock-params';
import { PAGE } from '../../platform/config/platform-config';
import { type Channel, type ChannelBuffers, COMM_HEADER_SIZE, MAILBOX, MSUP } from '../../platform/firmware/mm-comm-layout';
import type { MmCommunicator } from '../../platform/firmware/mm-communicator';
import { MachineStop } from '../../platform/machine-stop';
import { ScenarioError } from './scenario-errors';
import type { DxeCallResult, ScenarioPlatform } from './scenario-platform';

/**
 * Byte-level MM communicate for scenarios (supervisor-facts §6.1, §8.1–§8.3): raw comm buffers written into a
 * channel's fixed buffer and handed to the platform's communicate worker (the IPL side, §8.2), mailbox and buffer
 * bytes read back from DRAM, and MSUP requests with caller-chosen payloads (UNBLOCK_MEM descriptors, FETCH_POLICY
 * space, COMM_UPDATE descriptors).
 */

/** The last call as `p.last`, plus what the worker returned and whether an SMI happened. */
export interface CommCallResult extends DxeCallResult {
  /** The CommSize the worker handed back (null when the caller passed none). */
  commSize: bigint | null;
  /** SMIs triggered by the call. */
  smis: number;
  /** The channel the call used. */
  channel: Channel;
}

export function isCommCallResult(r: DxeCallResult | undefined): r is CommCallResult {
  return r !== undefined && 'smis' in r;
}

/** The communicate worker the firmware exposes now (DXE protocol, else the PEI PPI). */
export function communicator(p: ScenarioPlatform): MmCommunicator {
  const c = p.booted.supervisorChannel;
  if (!c) throw new ScenarioError('SCENARIO_NO_CHANNEL', 'no MM communication channel is installed yet (boot to "end of PEI" or later)');
  return c;
}

/** The channel's current fixed buffer and mailbox (they move with COMM_UPDATE). */
export function channelBuffers(p: ScenarioPlatform, channel: Channel): ChannelBuffers {
  return communicator(p).channels[channel];
}

/** Runs a firmware action; a fatal machine stop ends the boot (recorded like ScenarioPlatform does), not thrown. */
function act<T>(p: ScenarioPlatform, fn: () => T): T | undefined {
  const boot = p.booted;
  if (boot.stopped) throw new ScenarioError('SCENARIO_MACHINE_STOPPED', `the machine stopped (${boot.stopped.kind})`);
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof MachineStop)) throw e;
    const m = p.machine!;
    boot.stopped = m.state.kind === 'running' ? { kind: e.kind, reason: e.reason } : m.state;
    m.trace.record('boot-stopped', { at: m.trace.milestone, kind: boot.stopped.kind });
    return undefined;
  }
}

/** MSUP Result (comm offset 24 + 16) when the buffer holds a whole MSUP header, else null. */
function msupResult(p: ScenarioPlatform, ch: ChannelBuffers, sent: number): bigint | null {
  if (sent < COMM_HEADER_SIZE + MSUP.headerSize) return null;
  return p.machine!.outside.u64(Number(ch.buffer) + COMM_HEADER_SIZE + 16);
}

/**
 * Writes `bytes` at the start of the channel's fixed buffer and calls the worker with CommBuffer = that buffer and
 * CommSize = `commSize` (default: the byte count; null = a NULL CommSize pointer).
 */
export function sendRawComm(p: ScenarioPlatform, channel: Channel, bytes: Uint8Array, commSize: bigint | null = BigInt(bytes.length)): CommCallResult | undefined {
  const comm = communicator(p);
  const ch = comm.channels[channel];
  const m = p.machine!;
  const cap = Number(ch.pages * PAGE);
  m.outside.write(Number(ch.buffer), bytes.length <= cap ? bytes : bytes.subarray(0, cap));
  return act(p, () => {
    const before = m.smiCount;
    const r = comm.communicate(channel, ch.buffer, commSize, { sender: 'scenario DXE driver' });
    const smis = m.smiCount - before;
    const returned = smis > 0 ? Number(clamp(m.outside.u64(Number(ch.mailbox) + MAILBOX.returnBufferSize), ch.pages * PAGE)) : bytes.length;
    const all = m.outside.read(Number(ch.buffer), Math.max(returned, COMM_HEADER_SIZE));
    const last: CommCallResult = {
      status: r.status, commSize: r.commSize, smis, channel,
      returnStatus: smis > 0 ? m.outside.u64(Number(ch.mailbox) + MAILBOX.returnStatus) : null,
      result: smis > 0 ? msupResult(p, ch, bytes.length) : null,
      data: all.subarray(COMM_HEADER_SIZE),
    };
    p.last = last;
    return last;
  });
}

/** EFI_MM_COMMUNICATE_HEADER + data (§8.1). */
export function commHeader(guid: Guid, messageLength: bigint, data: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(COMM_HEADER_SIZE + data.length);
  out.set(guidToBytes(guid), 0);
  new DataView(out.buffer).setBigUint64(16, messageLength, true);
  out.set(data, COMM_HEADER_SIZE);
  return out;
}

/** EFI_MM_COMMUNICATE_HEADER_V3 (§8.1): BufferSize @16 (total), Reserved @24, MessageGuid @32, MessageSize @48, data @56. */
export const V3_HEADER_GUID = '68e8c853-2ba9-4dd7-9ac0-91e16155c935';
export const V3_HEADER_SIZE = 56;
export function commHeaderV3(messageGuid: Guid, bufferSize: bigint, messageSize: bigint, data: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(V3_HEADER_SIZE + data.length);
  const v = new DataView(out.buffer);
  out.set(guidToBytes(V3_HEADER_GUID), 0);
  v.setBigUint64(16, bufferSize, true);
  out.set(guidToBytes(messageGuid), 32);
  v.setBigUint64(48, messageSize, true);
  out.set(data, V3_HEADER_SIZE);
  return out;
}

/** MM_SUPERVISOR_REQUEST_HEADER (§6.1) with caller-chosen fields, Reserved 0 and Result `result`. */
export function msupHeader(fields: { signature: number; revision: number; request: number; result?: bigint }): Uint8Array {
  const b = new Uint8Array(MSUP.headerSize);
  const v = new DataView(b.buffer);
  v.setUint32(0, fields.signature >>> 0, true);
  v.setUint32(4, fields.revision >>> 0, true);
  v.setUint32(8, fields.request >>> 0, true);
  v.setBigUint64(16, fields.result ?? 0n, true);
  return b;
}

/** An MSUP request (the supervisor channel's worker) with an explicit payload; records `p.last`. */
export function sendRequest(p: ScenarioPlatform, code: number, payload: Uint8Array, opts: { alternateReply?: ChannelBuffers } = {}): DxeCallResult | undefined {
  const comm = communicator(p);
  return act(p, () => {
    const r = comm.supervisorRequest(code, payload, { sender: 'scenario DXE driver', ...opts });
    p.last = { status: r.status, returnStatus: r.returnStatus, result: r.result, data: r.payload };
    return p.last;
  });
}

/** UNBLOCK_MEM (§6.6) with a whole MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS (§7.1) chosen by the scenario. */
export function sendUnblockMem(p: ScenarioPlatform, params: UnblockParams): DxeCallResult | undefined {
  return sendRequest(p, 1, encodeUnblockParams(params));
}

/** FETCH_POLICY (§6.4) with `space` bytes after the MSUP header. */
export function sendFetchPolicy(p: ScenarioPlatform, space: number): DxeCallResult | undefined {
  return sendRequest(p, 2, new Uint8Array(space));
}

/** The four COMM_UPDATE descriptors (§6.5), in payload order. */
export interface CommUpdateDescriptors {
  supervisorMailbox: UnblockParams;
  userMailbox: UnblockParams;
  supervisorBuffer: UnblockParams;
  userBuffer: UnblockParams;
}

/**
 * COMM_UPDATE (§6.5): the 224-byte payload from the four descriptors. The reply is read from the new supervisor
 * mailbox/buffer when the old mailbox is left valid (§6.5 step 5, as MmDxeSupport does); on success the worker's
 * channels follow the move (as MmDxeSupport does after its own COMM_UPDATE, §1.7 step 3).
 */
export function sendCommUpdate(p: ScenarioPlatform, d: CommUpdateDescriptors): DxeCallResult | undefined {
  const comm = communicator(p);
  const payload = new Uint8Array(224);
  payload.set(encodeUnblockParams(d.supervisorMailbox), 0);
  payload.set(encodeUnblockParams(d.userMailbox), 56);
  payload.set(encodeUnblockParams(d.supervisorBuffer), 112);
  payload.set(encodeUnblockParams(d.userBuffer), 168);
  const next: Record<Channel, ChannelBuffers> = {
    supervisor: { buffer: d.supervisorBuffer.physicalStart, pages: comm.channels.supervisor.pages, mailbox: d.supervisorMailbox.physicalStart },
    user: { buffer: d.userBuffer.physicalStart, pages: comm.channels.user.pages, mailbox: d.userMailbox.physicalStart },
  };
  const r = sendRequest(p, 4, payload, { alternateReply: next.supervisor });
  if (r && r.status === 0n && r.result === 0n) {
    comm.channels.supervisor = next.supervisor;
    comm.channels.user = next.user;
  }
  return r;
}

/** A channel's mailbox as DRAM holds it (Mu layout, §8.1). */
export interface MailboxBytes {
  address: bigint;
  valid: number;
  returnStatus: EfiStatus;
  returnBufferSize: bigint;
}

export function readMailboxAt(p: ScenarioPlatform, address: bigint): MailboxBytes {
  const mem = p.machine!.outside;
  const a = Number(address);
  return { address, valid: mem.u8(a + MAILBOX.isCommBufferValid), returnStatus: mem.u64(a + MAILBOX.returnStatus), returnBufferSize: mem.u64(a + MAILBOX.returnBufferSize) };
}

/** Writes a mailbox as a DXE component could (the mailbox is ordinary DRAM outside MMRAM). */
export function writeMailboxAt(p: ScenarioPlatform, address: bigint, valid: number, returnStatus: EfiStatus, returnBufferSize: bigint): void {
  const mem = p.machine!.outside;
  const a = Number(address);
  mem.setU8(a + MAILBOX.isCommBufferValid, valid);
  mem.setU64(a + MAILBOX.returnStatus, returnStatus);
  mem.setU64(a + MAILBOX.returnBufferSize, returnBufferSize);
}

export function describeMailbox(m: MailboxBytes): string {
  return `valid ${m.valid}, ReturnStatus ${efiStatusName(m.returnStatus)}, ReturnBufferSize 0x${m.returnBufferSize.toString(16)}`;
}

/**
 * User invocations of handlers registered for `handlerType` ('root' for root handlers) during the last SMI: the
 * `manage` events after the previous MmEntryPoint `entry` event (§8.3) up to the last one.
 */
export function handlerRunsInLastSmi(p: ScenarioPlatform, handlerType: Guid | 'root'): number {
  const events = p.machine?.trace.events ?? [];
  const entries = events.map((e, i) => (e.type === 'mmi' && e.data.action === 'entry' ? i : -1)).filter((i) => i >= 0);
  if (entries.length === 0) return 0;
  const end = entries[entries.length - 1];
  const start = entries.length > 1 ? entries[entries.length - 2] : -1;
  let n = 0;
  for (let i = start + 1; i < end; i++) {
    const e = events[i];
    if (e.type !== 'mmi' || e.data.action !== 'manage' || e.data.handlerType !== handlerType) continue;
    n += ((e.data.invoked as { owner: string }[]) ?? []).filter((x) => x.owner === 'user').length;
  }
  return n;
}

/** How many times the supervisor's MSUP handler (§6.2) ran: its `request` trace events. */
export function supervisorRequestRuns(p: ScenarioPlatform): number {
  return (p.machine?.trace.events ?? []).filter((e) => e.type === 'request').length;
}

function clamp(v: bigint, max: bigint): bigint {
  return v < max ? v : max;
}

/** Parses a doc string of hex bytes: whitespace-separated pairs, `#` starts a comment to the end of the line. */
export function parseHexDoc(text: string, where: string): Uint8Array {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*$/, '').trim();
    if (body === '') return;
    for (const tok of body.split(/\s+/)) {
      if (!/^[0-9A-Fa-f]{2}$/.test(tok)) throw new ScenarioError('SCENARIO_BAD_BYTES', `${where}, line ${i + 1}: "${tok}" is not a hex byte (two hex digits)`);
      out.push(parseInt(tok, 16));
    }
  });
  return Uint8Array.from(out);
}
