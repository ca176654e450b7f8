import { createHash } from 'node:crypto';
import { efiStatusName, type EfiStatus } from '../../firmware/efi-status';
import { guidFromBytes, type Guid } from '../../firmware/guid/guid';
import { wellKnownGuidName } from '../../firmware/guid/guid-registry';
import { PAGE } from '../config/platform-config';
import type { Machine } from '../machine';
import {
  type Channel, type ChannelBuffers, COMM_HEADER_SIZE, commMessage, g, MAILBOX, MSUP, msupRequest, SupervisorRequest,
  type SupervisorRequestName,
} from './mm-comm-layout';
import type { MmControl } from './mm-control';

const ERR = 0x8000000000000000n;
export const EFI_SUCCESS = 0n;
export const EFI_INVALID_PARAMETER = ERR | 2n;
export const EFI_UNSUPPORTED = ERR | 3n;
export const EFI_BAD_BUFFER_SIZE = ERR | 4n;
export const EFI_NOT_READY = ERR | 6n;
export const EFI_NOT_FOUND = ERR | 14n;
export const EFI_ACCESS_DENIED = ERR | 15n;
export const EFI_SECURITY_VIOLATION = ERR | 26n;
const MAX_U64 = (1n << 64n) - 1n;

/** What the worker returns: the status and the updated CommSize (null when the caller passed none). */
export interface CommunicateResult {
  status: EfiStatus;
  commSize: bigint | null;
}

/** A reply read back from the channel buffer by `send`. */
export interface MmiReply extends CommunicateResult {
  /** Mailbox ReturnStatus / ReturnBufferSize as the supervisor left them (null if nothing was triggered). */
  returnStatus: EfiStatus | null;
  returnBufferSize: bigint | null;
  /** The comm buffer after the call: header then data (ReturnBufferSize bytes, at most the buffer). */
  bytes: Uint8Array;
  /** The data after the 24-byte header. */
  data: Uint8Array;
}

/** An MSUP request's outcome (supervisor-facts §6). */
export interface SupervisorReply extends MmiReply {
  /** MM_SUPERVISOR_REQUEST_HEADER.Result, or null when the transport failed before a reply. */
  result: EfiStatus | null;
  /** Request-specific bytes after the MSUP header. */
  payload: Uint8Array;
}

export interface CommunicateOptions {
  /** Module name recorded as the MMI's sender. */
  sender?: string;
  /**
   * COMM_UPDATE (supervisor-facts §6.5 rule 5): the reply lands in the *new* buffers. When the channel's mailbox
   * is still valid after the trigger, status and data are read from these instead.
   */
  alternateReply?: ChannelBuffers;
}

/**
 * `SmmCommunicationCommunicateWorker` of the PEI IPL and the DXE support driver (supervisor-facts §8.2), at the
 * byte level: fixed channel buffers and Mu 24-byte status mailboxes in DRAM (§8.1), the MM Control trigger, and
 * an `mmi` / `mmi-result` / `mmi-refused` event per call in the machine trace (GUID, channel, milestone, sender,
 * and the results).
 */
export class MmCommunicator {
  constructor(
    private readonly machine: Machine,
    private readonly control: MmControl,
    /** The channels' current buffers; COMM_UPDATE replaces them. */
    readonly channels: Record<Channel, ChannelBuffers>,
    private readonly defaultSender: string,
  ) {}

  private get mem() {
    return this.machine.outside;
  }

  /**
   * The worker: `commBuffer` is the caller's buffer address (null = NULL), `commSize` the in/out size (null =
   * NULL pointer, then 24 + MessageLength is used).
   */
  communicate(channel: Channel, commBuffer: bigint | null, commSize: bigint | null, opts: CommunicateOptions = {}): CommunicateResult {
    const sender = opts.sender ?? this.defaultSender;
    const ch = this.channels[channel];
    // 1. parameters
    if (commBuffer === null) return this.refuse(channel, null, sender, EFI_INVALID_PARAMETER, 'CommBuffer is NULL', commSize);
    const guid = guidFromBytes(this.mem.read(Number(commBuffer), 16));
    let size: bigint;
    if (commSize === null) {
      const ml = this.mem.u64(Number(commBuffer) + 16);
      if (ml > MAX_U64 - BigInt(COMM_HEADER_SIZE)) return this.refuse(channel, guid, sender, EFI_INVALID_PARAMETER, 'MessageLength + header overflows', commSize);
      size = BigInt(COMM_HEADER_SIZE) + ml;
    } else {
      size = commSize;
    }
    if (size < BigInt(COMM_HEADER_SIZE)) return this.refuse(channel, guid, sender, EFI_INVALID_PARAMETER, `CommSize ${size} is smaller than the 24-byte header`, commSize);
    // 2. the channel's fixed buffer must hold it (item 112: CommSize becomes the buffer's size)
    const bufferBytes = ch.pages * PAGE;
    if ((size + PAGE - 1n) / PAGE > ch.pages) {
      return this.refuse(channel, guid, sender, EFI_BAD_BUFFER_SIZE, `${size} bytes do not fit the ${ch.pages}-page ${channel} buffer`, commSize === null ? null : bufferBytes);
    }
    // 3. copy into the fixed buffer; the supervisor channel's MessageLength is forced to size - 24 (§6.1)
    if (commBuffer !== ch.buffer) this.mem.write(Number(ch.buffer), this.mem.read(Number(commBuffer), Number(size)));
    if (channel === 'supervisor') this.mem.setU64(Number(ch.buffer) + 16, size - BigInt(COMM_HEADER_SIZE));
    // 4. a mailbox still marked valid means a previous MMI never completed: refuse without triggering (item 113)
    if (this.mem.u8(Number(ch.mailbox) + MAILBOX.isCommBufferValid) !== 0) {
      return this.refuse(channel, guid, sender, EFI_INVALID_PARAMETER, 'the channel mailbox is still marked valid', commSize);
    }
    this.mem.setU8(Number(ch.mailbox) + MAILBOX.isCommBufferValid, 1);
    const request = this.describeRequest(guid, ch.buffer, size);
    this.machine.trace.record('mmi', {
      guid, name: wellKnownGuidName(guid) ?? null, channel, milestone: this.machine.trace.milestone, sender,
      messageLength: this.mem.u64(Number(ch.buffer) + 16), commSize: size, ...request,
    });
    // 5. trigger (a real OUT to 0xB2 from a CPU outside SMM)
    this.control.trigger();
    // 6. results from the mailbox; copy back ReturnBufferSize bytes
    let reply = ch;
    if (opts.alternateReply && this.mem.u8(Number(ch.mailbox) + MAILBOX.isCommBufferValid) !== 0) reply = opts.alternateReply;
    const returnStatus = this.mem.u64(Number(reply.mailbox) + MAILBOX.returnStatus);
    const returnBufferSize = this.mem.u64(Number(reply.mailbox) + MAILBOX.returnBufferSize);
    const copyBack = returnBufferSize < reply.pages * PAGE ? returnBufferSize : reply.pages * PAGE;
    if (commBuffer !== reply.buffer && copyBack > 0n) this.mem.write(Number(commBuffer), this.mem.read(Number(reply.buffer), Number(copyBack)));
    const status = returnStatus === 0n ? EFI_SUCCESS : returnStatus | ERR;
    const result = request.request ? { result: this.readResult(commBuffer, copyBack) } : {};
    // the reply bytes themselves are evidence: a changed answer changes the trace (and the scenario's digest)
    const replied = copyBack > 0n ? this.mem.read(Number(commBuffer), Number(copyBack < 0x10000n ? copyBack : 0x10000n)) : new Uint8Array();
    this.machine.trace.record('mmi-result', {
      guid, channel, milestone: this.machine.trace.milestone, sender, status: efiStatusName(status), returnStatus,
      returnBufferSize, ...(reply !== ch ? { repliedIn: 'new buffers' } : {}), ...result,
      replySha256: createHash('sha256').update(replied).digest('hex').slice(0, 16),
    });
    return { status, commSize: returnBufferSize };
  }

  /** Writes header + data into the channel's fixed buffer and runs the worker there. */
  send(channel: Channel, guid: Guid, data: Uint8Array, opts: CommunicateOptions & { messageLength?: bigint; commSize?: bigint | null } = {}): MmiReply {
    const ch = this.channels[channel];
    const msg = commMessage(guid, data, opts.messageLength ?? BigInt(data.length));
    const bufferBytes = ch.pages * PAGE;
    if (BigInt(msg.length) <= bufferBytes) this.mem.write(Number(ch.buffer), msg);
    else this.mem.write(Number(ch.buffer), msg.subarray(0, Number(bufferBytes)));
    const commSize = opts.commSize === undefined ? BigInt(msg.length) : opts.commSize;
    const triggeredBefore = this.machine.smiCount;
    const r = this.communicate(channel, ch.buffer, commSize, opts);
    const triggered = this.machine.smiCount !== triggeredBefore;
    const from = opts.alternateReply && triggered && this.channels[channel] === ch && this.mem.u8(Number(ch.mailbox)) !== 0 ? opts.alternateReply : ch;
    const n = triggered ? Number(clamp(this.mem.u64(Number(from.mailbox) + MAILBOX.returnBufferSize), from.pages * PAGE)) : msg.length;
    const bytes = this.mem.read(Number(from.buffer), Math.max(n, COMM_HEADER_SIZE));
    return {
      ...r,
      returnStatus: triggered ? this.mem.u64(Number(from.mailbox) + MAILBOX.returnStatus) : null,
      returnBufferSize: triggered ? this.mem.u64(Number(from.mailbox) + MAILBOX.returnBufferSize) : null,
      bytes,
      data: bytes.subarray(COMM_HEADER_SIZE),
    };
  }

  /** An MSUP request on the supervisor channel (or the user channel, to show it reaches no handler). */
  supervisorRequest(request: SupervisorRequestName | number, payload: Uint8Array, opts: CommunicateOptions & { channel?: Channel } = {}): SupervisorReply {
    const code = typeof request === 'number' ? request : SupervisorRequest[request];
    const r = this.send(opts.channel ?? 'supervisor', g('gMmSupervisorRequestHandlerGuid'), msupRequest(code, payload), opts);
    const hdrOk = r.returnStatus !== null && r.data.length >= MSUP.headerSize;
    const result = hdrOk ? new DataView(r.data.buffer, r.data.byteOffset).getBigUint64(16, true) : null;
    return { ...r, result, payload: r.data.subarray(Math.min(MSUP.headerSize, r.data.length)) };
  }

  private refuse(channel: Channel, guid: Guid | null, sender: string, status: EfiStatus, reason: string, commSize: bigint | null): CommunicateResult {
    this.machine.trace.record('mmi-refused', { guid, channel, milestone: this.machine.trace.milestone, sender, status: efiStatusName(status), reason });
    return { status, commSize };
  }

  private describeRequest(guid: Guid, buffer: bigint, size: bigint): { request?: string } {
    if (guid !== g('gMmSupervisorRequestHandlerGuid') || size < BigInt(COMM_HEADER_SIZE + MSUP.headerSize)) return {};
    const at = Number(buffer) + COMM_HEADER_SIZE;
    if (this.mem.u32(at) !== MSUP.signature) return { request: 'malformed' };
    const code = this.mem.u32(at + 8);
    const name = Object.entries(SupervisorRequest).find(([, v]) => v === code)?.[0];
    return { request: name ?? `0x${code.toString(16)}` };
  }

  private readResult(buffer: bigint, returned: bigint): string | null {
    if (returned < BigInt(COMM_HEADER_SIZE + MSUP.headerSize)) return null;
    return efiStatusName(this.mem.u64(Number(buffer) + COMM_HEADER_SIZE + 16));
  }
}

function clamp(v: bigint, max: bigint): bigint {
  return v < max ? v : max;
}
