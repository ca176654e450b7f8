import { Guid, guidFromBytes } from '../../firmware/guid';
import { SupervisorGuids } from './supervisor-guids';

/** `EFI_MM_COMMUNICATE_HEADER` size: HeaderGuid @0, MessageLength @16, Data @24 (supervisor-facts §8.1). */
export const COMM_HEADER_SIZE = 24n;
/** `EFI_MM_COMMUNICATE_HEADER_V3` size: …, MessageGuid @32, MessageSize @48, MessageData @56 (§8.1). */
export const COMM_HEADER_V3_SIZE = 56n;

const U64_MAX = (1n << 64n) - 1n;

export type CommHeader =
  | { kind: 'legacy'; dispatchGuid: Guid; headerSize: bigint; messageLength: bigint; /** 24 + MessageLength; undefined on overflow. */ total: bigint | undefined }
  | { kind: 'v3'; dispatchGuid: Guid; headerSize: bigint; messageSize: bigint; /** BufferSize (total incl. header). */ total: bigint };

/**
 * Reads a communicate header from the start of `bytes` (at least 56 bytes: a whole comm buffer copy). A header
 * whose HeaderGuid is 68E8C853-… is a V3 header (dispatch GUID = MessageGuid, total = BufferSize); otherwise the
 * legacy header (dispatch GUID = HeaderGuid, total = 24 + MessageLength, undefined when that overflows 64 bits).
 */
export function readCommHeader(bytes: Uint8Array): CommHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerGuid = guidFromBytes(bytes, 0);
  if (headerGuid === SupervisorGuids.communicateHeaderV3) {
    return { kind: 'v3', dispatchGuid: guidFromBytes(bytes, 32), headerSize: COMM_HEADER_V3_SIZE, messageSize: dv.getBigUint64(48, true), total: dv.getBigUint64(16, true) };
  }
  const messageLength = dv.getBigUint64(16, true);
  const total = COMM_HEADER_SIZE + messageLength;
  return { kind: 'legacy', dispatchGuid: headerGuid, headerSize: COMM_HEADER_SIZE, messageLength, total: total > U64_MAX ? undefined : total };
}

/** 64-bit addition as the C code does it: undefined when it wraps. */
export function addU64(a: bigint, b: bigint): bigint | undefined {
  const s = a + b;
  return s > U64_MAX ? undefined : s;
}
