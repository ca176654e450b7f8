/** HOB lists for supervisor tests, built with the src/firmware/hob writer. */
import { Hob, writeHobList } from '../../src/firmware/hob';
import { SupervisorGuids as G } from '../../src/supervisor/core/supervisor-guids';

export const MMRAM_BASE = 0x7f00_0000n;
export const MMRAM_SIZE = 0x0100_0000n;
export const SUP_BUF = 0x6000_0000n;
export const SUP_MAILBOX = 0x6001_0000n;
export const USER_BUF = 0x6002_0000n;
export const USER_MAILBOX = 0x6003_0000n;

export interface HobSpec {
  mmram?: 'reserve' | 'smram' | 'none' | 'empty';
  supType?: bigint;
  noSup?: boolean;
  userBuf?: { start: bigint; pages: bigint; status: bigint } | null;
  supMailbox?: bigint;
  extra?: Hob[];
}

export function standardHobs(spec: HobSpec = {}): Hob[] {
  const hobs: Hob[] = [];
  const mmram = spec.mmram ?? 'reserve';
  if (mmram !== 'none') {
    hobs.push({
      kind: 'guidExtension', name: mmram === 'smram' ? G.smmSmramMemory : G.mmPeiMmramMemoryReserve,
      payload: { kind: 'mmramRanges', descriptors: mmram === 'empty' ? [] : [{ physicalStart: MMRAM_BASE, cpuStart: MMRAM_BASE, physicalSize: MMRAM_SIZE, regionState: 0xan }] },
    });
  }
  if (!spec.noSup) {
    hobs.push({ kind: 'guidExtension', name: G.mmCommonRegionHob, payload: { kind: 'mmCommonRegion', regionType: spec.supType ?? 0n, address: SUP_BUF, pages: 16n, statusRegionAddress: spec.supMailbox ?? SUP_MAILBOX } });
  }
  const ub = spec.userBuf === undefined ? { start: USER_BUF, pages: 16n, status: USER_MAILBOX } : spec.userBuf;
  if (ub !== null) hobs.push({ kind: 'guidExtension', name: G.mmCommBufferHob, payload: { kind: 'mmCommBuffer', physicalStart: ub.start, numberOfPages: ub.pages, status: ub.status } });
  hobs.push(...(spec.extra ?? []));
  return hobs;
}

export function hobBytes(spec: HobSpec = {}): Uint8Array {
  return writeHobList(standardHobs(spec));
}
