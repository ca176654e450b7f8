/** The MSUP request stack wired to a memory-backed MmEntryPoint (TESTS ONLY: fakes for page tables and generator). */
import { guidToBytes } from '../../src/firmware/guid';
import { writePeImage } from '../../src/firmware/pe';
import { MemDescriptor, parsePolicy, validatePolicy } from '../../src/firmware/policy';
import { writeMailbox } from '../../src/supervisor/core/comm-mailbox';
import { EFI } from '../../src/supervisor/core/efi-codes';
import { encodeUnblockParams } from '../../src/supervisor/core/hob-checks';
import { MmExitBootServicesHandler, MmReadyToLockHandler } from '../../src/supervisor/core/ready-to-lock';
import { registerSupervisorMmiHandlers } from '../../src/supervisor/core/supervisor-mmi-handlers';
import { SupervisorGuids as G } from '../../src/supervisor/core/supervisor-guids';
import type { FirmwarePolicy } from '../../src/supervisor/policy';
import { MemoryPolicySnapshot } from '../../src/supervisor/policy';
import {
  CommUpdateRequest, FetchPolicyRequest, MmSupvRequestHandler, MSUP_SIGNATURE, UnblockDatabase, UnblockMemoryRequest, VersionInfoRequest,
} from '../../src/supervisor/request';
import { H, entryHarness } from './entry-harness';
import { samplePolicy } from './fv-fixtures';

export const MMRAM = { physicalStart: 0x7f00_0000n, physicalSize: 0x0100_0000n };
export const CORE_BASE = 0x7f80_0000n;
export const MMIO = 0xfe00_0000n;

export function requestHarness(opts: { policy?: Uint8Array | null; coreInit?: boolean } = {}) {
  const h = entryHarness();
  if (opts.coreInit !== false) h.state.markCoreInitComplete();
  // MMRAM pages are present (supervisor); MMIO is already unblocked (present, user RW NX)
  h.attrs.mark(MMRAM.physicalStart, 0x2000n, 0n).mark(MMIO, 0x2000n, 0x4000n);
  const pe = writePeImage({ code: new Uint8Array([0xc3]), subsystemVersion: { major: 23, minor: 39 }, imageVersion: { major: 1, minor: 1 } });
  h.view.write(Number(CORE_BASE), pe);
  const unblock = new UnblockDatabase({ mmram: [MMRAM], state: h.state, attributes: h.attrs, editor: h.attrs });
  const generated: { list: MemDescriptor[] | { error: bigint } } = { list: [{ baseAddress: MMIO, size: 0x2000n, memAttributes: 3, reserved: 0 }] };
  const generator = { generateMemoryPolicy: () => generated.list };
  const snapshot = new MemoryPolicySnapshot();
  const blob = opts.policy === null ? undefined : (opts.policy ?? samplePolicy());
  const fw: FirmwarePolicy | undefined = blob && { blob, policy: parsePolicy(blob), validation: validatePolicy(blob) };
  const readyToLock = new MmReadyToLockHandler({ state: h.state, database: h.database, generator, snapshot });
  let dispatchStatus = EFI.NOT_FOUND;
  const request = new MmSupvRequestHandler({
    smm: h.view, buffers: h.buffers,
    versionInfo: new VersionInfoRequest({ smm: h.view, buffers: h.buffers, state: h.state, coreImageBase: CORE_BASE }),
    fetchPolicy: new FetchPolicyRequest({ smm: h.view, buffers: h.buffers, state: h.state, readyToLock, firmwarePolicy: () => fw, generator, snapshot }),
    unblockMemory: new UnblockMemoryRequest(h.view, unblock),
    commUpdate: new CommUpdateRequest({ smm: h.view, buffers: h.buffers, state: h.state, unblock }),
  });
  const handles = registerSupervisorMmiHandlers(h.database, {
    dispatch: (_h, _c, buf, size) => { if (buf !== null && size !== null && size.read() >= 8n) h.view.setU64(Number(buf), dispatchStatus); return EFI.SUCCESS; },
    readyToLock: readyToLock.handler,
    request: request.handler,
    exitBootServices: new MmExitBootServicesHandler(h.state).handler,
  });
  readyToLock.attach(handles);

  /** Sends an MSUP request on the supervisor channel; payload = 24-byte MSUP header + body (+ extra). */
  const send = (code: number, body: Uint8Array = new Uint8Array(0), o: { signature?: number; revision?: number; payloadSize?: bigint } = {}) => {
    const buf = Number(h.buffers.supervisor.address);
    h.view.fill(buf, 0x1000, 0);
    h.view.write(buf, guidToBytes(G.requestHandler));
    const payload = o.payloadSize ?? 24n + BigInt(body.length);
    h.view.setU64(buf + 16, payload);
    h.view.setU32(buf + 24, o.signature ?? MSUP_SIGNATURE);
    h.view.setU32(buf + 28, o.revision ?? 1);
    h.view.setU32(buf + 32, code);
    h.view.setU64(buf + 40, 0x1234n);
    h.view.write(buf + 48, body);
    writeMailbox(h.view, h.buffers.supervisor.mailbox, { valid: true, returnStatus: 0n, returnBufferSize: 0n });
    h.entry.run();
    const mb = h.mailbox('supervisor');
    const out = Number(h.buffers.supervisor.address);
    return { mailbox: { ...mb, ...{} }, result: h.view.u64(out + 40), data: (n: number) => h.view.read(out + 48, n) };
  };
  const sendMmi = (guid: string, messageLength = 1n) => {
    const buf = Number(h.buffers.supervisor.address);
    h.view.fill(buf, 0x100, 0);
    h.view.write(buf, guidToBytes(guid));
    h.view.setU64(buf + 16, messageLength);
    writeMailbox(h.view, h.buffers.supervisor.mailbox, { valid: true, returnStatus: 0n, returnBufferSize: 0n });
    h.entry.run();
    return { mailbox: h.mailbox('supervisor'), payload: h.view.u64(buf + 24) };
  };
  const unblockBody = (start: bigint, pages: bigint, o: { attribute?: bigint; guid?: string; type?: number; padding?: number; virtualStart?: bigint } = {}) =>
    encodeUnblockParams({ memoryType: o.type ?? 6, physicalStart: start, virtualStart: o.virtualStart ?? 0n, numberOfPages: pages, attribute: o.attribute ?? 0n, identifierGuid: o.guid ?? G.core, padding: o.padding ?? 0 });
  return { ...h, unblock, generated, snapshot, readyToLock, request, handles, fw, send, sendMmi, unblockBody, setDispatchStatus: (s: bigint) => { dispatchStatus = s; } };
}

export { H };
