import { guidFromBytes, guidToBytes, type Guid } from '../../firmware/guid/guid';
import { wellKnownGuid } from '../../firmware/guid/guid-registry';

/** Looks up a GUID the platform firmware uses by its well-known name (supervisor-facts §0.4). */
export function g(name: string): Guid {
  const v = wellKnownGuid(name);
  if (v === undefined) throw new Error(`internal: ${name} is not a well-known GUID`);
  return v;
}

/**
 * PPI/protocol GUIDs the platform installs that the well-known table does not list. gEfiPeiSmmCommunicationPpiGuid
 * is edk2 MdeModulePkg's value; the others are named only (platform state keys), their values do not reach bytes.
 */
export const PLATFORM_GUIDS = {
  gEfiPeiSmmCommunicationPpiGuid: 'ae933e1c-cc47-4e38-8f0e-e2f61d2605df',
} as const;

/** EFI_MM_COMMUNICATE_HEADER (x86-smm-facts §4.7): HeaderGuid @0, MessageLength u64 @16, Data @24. */
export const COMM_HEADER_SIZE = 24;

/**
 * MM_COMM_BUFFER_STATUS, the Mu basecore layout the supervisor is built against (supervisor-facts §8.1 [Q]):
 * IsCommBufferValid u8 @0, TalkToSupervisor u8 @1, ReturnStatus u64 @8, ReturnBufferSize u64 @16 (24 bytes).
 */
export const MAILBOX = { isCommBufferValid: 0, talkToSupervisor: 1, returnStatus: 8, returnBufferSize: 16, size: 24 } as const;

/** MM_SUPERVISOR_REQUEST_HEADER (supervisor-facts §6.1), 24 bytes, after the comm header. */
export const MSUP = { signature: 0x5055534d, revision: 1, headerSize: 24 } as const;

/** MSUP request codes (supervisor-facts §6.1). */
export const SupervisorRequest = { UNBLOCK_MEM: 1, FETCH_POLICY: 2, VERSION_INFO: 3, COMM_UPDATE: 4 } as const;
export type SupervisorRequestName = keyof typeof SupervisorRequest;

/** Sizes of the request payloads (supervisor-facts §6.3, §6.5, §7.1). */
export const VERSION_INFO_SIZE = 16;
export { UNBLOCK_PARAMS_SIZE, encodeUnblockParams } from '../../firmware/hob/unblock-params';
export const COMM_UPDATE_SIZE = 224;

/** EFI memory attributes (supervisor-facts §0.2). */
export const EFI_MEMORY_RO = 0x20000n, EFI_MEMORY_XP = 0x4000n, EFI_MEMORY_SP = 0x40000n;
/** EFI memory types used here (x86-smm-facts §4.2). */
export const EfiMemoryType = {
  Reserved: 0, BootServicesCode: 3, BootServicesData: 4, RuntimeServicesCode: 5, RuntimeServicesData: 6, Conventional: 7, ACPIMemoryNVS: 10,
} as const;

/** The two MM communication channels (supervisor-facts §8). */
export type Channel = 'supervisor' | 'user';

/** One channel's fixed buffer and status mailbox. */
export interface ChannelBuffers {
  buffer: bigint;
  pages: bigint;
  mailbox: bigint;
}

/** Bytes of an EFI_MM_COMMUNICATE_HEADER followed by `data`. */
export function commMessage(guid: Guid, data: Uint8Array, messageLength = BigInt(data.length)): Uint8Array {
  const out = new Uint8Array(COMM_HEADER_SIZE + data.length);
  out.set(guidToBytes(guid), 0);
  new DataView(out.buffer).setBigUint64(16, messageLength, true);
  out.set(data, COMM_HEADER_SIZE);
  return out;
}

export function commHeaderGuid(bytes: Uint8Array): Guid {
  return guidFromBytes(bytes, 0);
}

/** MSUP header (Result 0) followed by the request payload. */
export function msupRequest(code: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(MSUP.headerSize + payload.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, MSUP.signature, true);
  v.setUint32(4, MSUP.revision, true);
  v.setUint32(8, code >>> 0, true);
  b.set(payload, MSUP.headerSize);
  return b;
}
