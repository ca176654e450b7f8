import { guidFromBytes, guidToBytes } from '../../firmware/guid';

/** 'MSVT' (supervisor-facts §0.3). */
export const MSVT_SIGNATURE = 0x5456534d;
/** sizeof (MM_SUPV_TELEMETRY_DATA) on X64: 0x30 + sizeof (EFI_SYSTEM_CONTEXT_X64) 856 = 0x388 (§9.3). */
export const TELEMETRY_SIZE = 0x388;
/** The record lives at offset 8 of the supervisor-to-user scratch page (§1.5 step 10, §9.3). */
export const TELEMETRY_SCRATCH_OFFSET = 8;

/** MM_SUPV_TELEMETRY_DATA (§9.3). ExceptionData is zero-filled, never populated (§11.14). */
export interface TelemetryRecord {
  exceptionType: bigint;
  driverId: string;
  exceptionRip: bigint;
  driverLoadAddress: bigint;
}

export function encodeTelemetry(r: TelemetryRecord): Uint8Array {
  const out = new Uint8Array(TELEMETRY_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MSVT_SIGNATURE, true);
  dv.setUint32(4, TELEMETRY_SIZE, true);
  dv.setBigUint64(8, r.exceptionType, true);
  out.set(guidToBytes(r.driverId), 0x10);
  dv.setBigUint64(0x20, BigInt.asUintN(64, r.exceptionRip), true);
  dv.setBigUint64(0x28, BigInt.asUintN(64, r.driverLoadAddress), true);
  return out;
}

export function decodeTelemetry(bytes: Uint8Array): TelemetryRecord & { signature: number; size: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    signature: dv.getUint32(0, true),
    size: dv.getUint32(4, true),
    exceptionType: dv.getBigUint64(8, true),
    driverId: guidFromBytes(bytes, 0x10),
    exceptionRip: dv.getBigUint64(0x20, true),
    driverLoadAddress: dv.getBigUint64(0x28, true),
  };
}
