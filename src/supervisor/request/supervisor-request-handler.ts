import type { MemoryView } from '../../platform/memory-view';
import type { CommBufferRegistry } from '../core/comm-buffers';
import { EFI, efiStatusName } from '../core/efi-codes';
import type { CommSize } from '../handler/comm-size';
import type { SupervisorMmiHandler, TraceSink } from '../handler/mmi-handler-interfaces';
import type { CommUpdateRequest } from './comm-update';
import type { FetchPolicyRequest } from './fetch-policy';
import { MSUP_REVISION, MSUP_SIGNATURE, REQUEST_HEADER_SIZE, REQUEST_STRUCT_SIZE, RequestHeader, SupervisorRequest, requestName } from './request-layout';
import type { UnblockMemoryRequest } from './unblock-memory';
import type { VersionInfoRequest } from './version-info';

export interface SupervisorRequestDeps {
  smm: MemoryView;
  buffers: CommBufferRegistry;
  versionInfo: VersionInfoRequest;
  fetchPolicy: FetchPolicyRequest;
  unblockMemory: UnblockMemoryRequest;
  commUpdate: CommUpdateRequest;
  trace?: TraceSink;
}

/**
 * `MmSupvRequestHandler` (Core/Request/RequestDispatcher.c; supervisor-facts §6.2), the supervisor MMI handler
 * for 8C633B23-…, with the exact validation order: NULL → INVALID_PARAMETER; payload outside the supervisor
 * internal copy → SECURITY_VIOLATION; payload < 24 → INVALID_PARAMETER; bad signature/revision → Result
 * INVALID_PARAMETER (handler SUCCESS); Result pre-set to ABORTED; short request payload → INVALID_PARAMETER with
 * Result left ABORTED; unknown request → Result UNSUPPORTED.
 */
export class MmSupvRequestHandler {
  constructor(private readonly deps: SupervisorRequestDeps) {}

  /** The function to register with `MmiHandlerDatabase.registerSupervisor`. */
  readonly handler: SupervisorMmiHandler = (_h, _c, buffer, size) => this.handle(buffer, size);

  handle(buffer: bigint | null, size: CommSize | null): bigint {
    const { smm } = this.deps;
    // 1.
    if (buffer === null || size === null) return this.log(EFI.INVALID_PARAMETER, 'NULL buffer or size');
    const payload = size.read();
    // 2. VerifyRequestSupvCommBuffer
    if (!this.deps.buffers.insideSupervisorCopy(buffer, payload)) return this.log(EFI.SECURITY_VIOLATION, 'payload outside the supervisor internal copy');
    // 3.
    if (payload < REQUEST_HEADER_SIZE) return this.log(EFI.INVALID_PARAMETER, 'payload shorter than the MSUP header');
    const b = Number(buffer);
    const setResult = (v: bigint) => smm.setU64(b + RequestHeader.result, v);
    // 4.
    if (smm.u32(b + RequestHeader.signature) !== MSUP_SIGNATURE || smm.u32(b + RequestHeader.revision) !== MSUP_REVISION) {
      setResult(EFI.INVALID_PARAMETER);
      return this.log(EFI.SUCCESS, 'bad signature or revision', EFI.INVALID_PARAMETER);
    }
    // 5.
    setResult(EFI.ABORTED);
    const code = smm.u32(b + RequestHeader.request);
    const need = REQUEST_STRUCT_SIZE[code];
    if (need === undefined) {
      setResult(EFI.UNSUPPORTED);
      return this.log(EFI.SUCCESS, `unknown request ${requestName(code)}`, EFI.UNSUPPORTED, code);
    }
    // 6.
    if (payload < REQUEST_HEADER_SIZE + need) return this.log(EFI.INVALID_PARAMETER, `payload too short for ${requestName(code)}`, EFI.ABORTED, code);
    const data = buffer + REQUEST_HEADER_SIZE;
    let result: bigint;
    switch (code) {
      case SupervisorRequest.UNBLOCK_MEM: result = this.deps.unblockMemory.handle(data); break;
      case SupervisorRequest.FETCH_POLICY: result = this.deps.fetchPolicy.handle(data, payload - REQUEST_HEADER_SIZE, size); break;
      case SupervisorRequest.VERSION_INFO: result = this.deps.versionInfo.handle(data); break;
      default: result = this.deps.commUpdate.handle(data); break;
    }
    setResult(result);
    // 7.
    return this.log(EFI.SUCCESS, requestName(code), result, code);
  }

  private log(status: bigint, detail: string, result?: bigint, code?: number): bigint {
    this.deps.trace?.record('request', {
      request: code === undefined ? null : requestName(code), detail, handlerStatus: efiStatusName(status),
      result: result === undefined ? null : efiStatusName(result),
    });
    return status;
  }
}
