/** MSUP request framing (supervisor-facts §6.1). */
export const MSUP_SIGNATURE = 0x5055534d; // 'M','S','U','P' (§0.3)
export const MSUP_REVISION = 1;
export const REQUEST_HEADER_SIZE = 24n;

export const SupervisorRequest = {
  UNBLOCK_MEM: 0x0001,
  FETCH_POLICY: 0x0002,
  VERSION_INFO: 0x0003,
  COMM_UPDATE: 0x0004,
} as const;

/** MAX_SUPPORTED, reported as MaxSupervisorRequestLevel (§6.1, §10 item 3). */
export const MAX_SUPERVISOR_REQUEST_LEVEL = 4n;

/** Offsets in MM_SUPERVISOR_REQUEST_HEADER (packed, 24 bytes). */
export const RequestHeader = { signature: 0, revision: 4, request: 8, reserved: 12, result: 16 } as const;

/** Request structure sizes checked against the payload (§6.2 step 6). FETCH_POLICY's space is caller-chosen. */
export const REQUEST_STRUCT_SIZE: Record<number, bigint> = {
  [SupervisorRequest.UNBLOCK_MEM]: 56n, // MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS (§7.1)
  [SupervisorRequest.FETCH_POLICY]: 0n,
  [SupervisorRequest.VERSION_INFO]: 16n, // MM_SUPERVISOR_VERSION_INFO_BUFFER (§6.3)
  [SupervisorRequest.COMM_UPDATE]: 224n, // MM_SUPERVISOR_COMM_UPDATE_BUFFER (§6.5)
};

export function requestName(code: number): string {
  for (const [k, v] of Object.entries(SupervisorRequest)) if (v === code) return k;
  return `0x${code.toString(16)}`;
}
