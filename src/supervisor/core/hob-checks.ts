import { FormatError } from '../../firmware/binary/format-error';
import { Guid, guidFromBytes } from '../../firmware/guid';
import {
  GuidHobPayload, HobType, LocatedHob, MmramDescriptor, MpInformation2Entry, ResourceDescriptor2Hob, ResourceDescriptorHob, UNBLOCK_PARAMS_SIZE,
  decodeUnblockParams as decodeParams, encodeUnblockParams as encodeParams, parseHobListDetailed,
} from '../../firmware/hob';
import { EFI } from './efi-codes';
import { overlapsMmram, pagesToBytes } from './memory-attributes';
import { SupervisorGuids as G } from './supervisor-guids';

/** Size of the Mu MM_COMM_BUFFER_STATUS mailbox (supervisor-facts §8.1), the span checked against MMRAM. */
export const MAILBOX_CHECK_SIZE = 24n;

/** A communication buffer and its status mailbox as published by MmCommunicationBufferPei (§1.2). */
export interface CommRegion {
  address: bigint;
  pages: bigint;
  mailbox: bigint;
}

/** One `MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS` (§7.1) with the 40 raw descriptor bytes (padding included, §7.2 step 4). */
export interface UnblockRequest {
  /** Bytes 0..39: the EFI_MEMORY_DESCRIPTOR exactly as stored, including the 4 padding bytes after Type. */
  descriptorBytes: Uint8Array;
  memoryType: number;
  physicalStart: bigint;
  virtualStart: bigint;
  numberOfPages: bigint;
  attribute: bigint;
  identifierGuid: Guid;
}

/** Decodes the 56-byte unblock parameter block (§7.1), keeping the 40 raw descriptor bytes. `bytes` must hold 56 bytes. */
export function decodeUnblockParams(bytes: Uint8Array): UnblockRequest {
  if (bytes.length < UNBLOCK_PARAMS_SIZE) throw new RangeError(`MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS needs 56 bytes, got ${bytes.length}`);
  const { padding: _padding, ...params } = decodeParams(bytes.subarray(0, UNBLOCK_PARAMS_SIZE));
  return { descriptorBytes: bytes.slice(0, 40), ...params };
}

/** Encodes an unblock parameter block; the padding comes from `padding`, else from `descriptorBytes`, else 0. */
export function encodeUnblockParams(p: Omit<UnblockRequest, 'descriptorBytes'> & { descriptorBytes?: Uint8Array; padding?: number }): Uint8Array {
  const { descriptorBytes, ...params } = p;
  const padding = p.padding ?? (descriptorBytes ? new DataView(descriptorBytes.buffer, descriptorBytes.byteOffset, 40).getUint32(4, true) : 0);
  return encodeParams({ ...params, padding });
}

/** A protected-region HOB (§1.4 `MM_PROT_REGION_HOB`). */
export interface ProtectedRegion {
  type: bigint;
  address: bigint;
  pages: bigint;
}

export const ProtectedRegionType = { IOMMU: 0n, SECURE_BIO: 1n } as const;

export interface ProtectedRegions {
  /** IOMMU regions accepted before processing stopped (mapped present, RO, XP, user at §1.6 step 5). */
  iommu: ProtectedRegion[];
  /**
   * Where processing stopped: type 1 → EFI_UNSUPPORTED, unknown type → EFI_INVALID_PARAMETER; later protected-region
   * HOBs are not processed (§1.4).
   */
  stopped?: { index: number; type: bigint; status: bigint };
}

export type SmbaseInfo =
  | { present: false }
  | { present: true; ok: true; bases: bigint[] }
  /** §1.4: the SMBASE HOBs must describe exactly MaxNumberOfCpus processors, else the CPU init path panics. */
  | { present: true; ok: false; described: number; expected: number; reason: string };

export interface CoreImageInfo {
  base: bigint;
  length: bigint;
  entryPoint: bigint;
}

/** Everything the core derives from the HOB list (supervisor-facts §1.4). */
export interface CoreHobInputs {
  /** Which MMRAM-range HOB supplied the ranges: 0703F912-… is searched first, else the first 6DADF1D1-…. */
  mmramHobGuid: Guid;
  mmramRanges: MmramDescriptor[];
  /** The first gMmCommonRegionHob (type 0). */
  supervisorCommRegion: CommRegion;
  /** gMmCommBufferHob. */
  userCommBuffer: CommRegion;
  /** Every gMmSupvUnblockRegionHob, in HOB order. */
  unblockRequests: UnblockRequest[];
  protectedRegions: ProtectedRegions;
  /** MP_INFORMATION2 entries: instances sorted by ProcessorIndex, the scan ending at an instance with 0 processors. */
  processors: MpInformation2Entry[];
  smbase: SmbaseInfo;
  /** EFI_HOB_TYPE_FV (5) HOBs in order. */
  firmwareVolumes: { baseAddress: bigint; length: bigint }[];
  /** Resource descriptors (v1 and Mu v2) minus IO / IO_RESERVED and those owned by gEfiMemoryTypeInformationGuid. */
  resourceDescriptors: (ResourceDescriptorHob | ResourceDescriptor2Hob)[];
  /** The memory-allocation-module HOB named by the core FILE_GUID (LoadedImage, VERSION_INFO). */
  coreImage?: CoreImageInfo;
}

export type CoreHobCheckStep = 'hob-list' | 'mmram-ranges' | 'supervisor-comm-region' | 'user-comm-buffer' | 'mailbox';

export type CoreHobCheck =
  | { ok: true; inputs: CoreHobInputs }
  | { ok: false; status: bigint; step: CoreHobCheckStep; reason: string };

export interface CoreHobCheckOptions {
  /** MaxNumberOfCpus for the SMBASE rule; default: the number of MP_INFORMATION2 processors. */
  maxNumberOfCpus?: number;
  /**
   * Deliberate deviation from §8.4 / §11 item 9: also reject a supervisor comm buffer that overlaps MMRAM. The real
   * PrepareCommonBuffers checks a still-zero descriptor instead, so the default (false) accepts any address.
   */
  validateSupervisorCommBuffer?: boolean;
}

const RESOURCE_IO = 2;
const RESOURCE_IO_RESERVED = 6;

function payloadOf(h: LocatedHob | undefined): GuidHobPayload | undefined {
  return h !== undefined && h.hob.kind === 'guidExtension' ? h.hob.payload : undefined;
}

function fail(status: bigint, step: CoreHobCheckStep, reason: string): CoreHobCheck {
  return { ok: false, status, step, reason };
}

/**
 * The core entry's HOB checks (supervisor-facts §1.4, §1.5 steps 2 and 10, §8.4; §12 items 1–5), over the HOB
 * list bytes. Failure statuses: no MMRAM HOB → EFI_UNSUPPORTED (item 1); zero regions → EFI_NOT_FOUND (item 2);
 * missing supervisor comm region → EFI_NOT_FOUND, type ≠ 0 → EFI_UNSUPPORTED (item 3); missing user comm HOB →
 * EFI_NOT_FOUND, zero start or pages → EFI_INVALID_PARAMETER (item 4); a NULL mailbox → EFI_INVALID_PARAMETER;
 * user buffer or a mailbox overlapping MMRAM → EFI_SECURITY_VIOLATION (item 5). §8.4 only says "failure" for the
 * comm-buffer cases: the specific statuses there are this model's choice and stable. A HOB list that cannot be
 * walked → EFI_INVALID_PARAMETER (model choice).
 */
export function checkCoreHobs(hobList: Uint8Array, options: CoreHobCheckOptions = {}): CoreHobCheck {
  let hobs: LocatedHob[];
  try {
    hobs = parseHobListDetailed(hobList, { source: 'core HOB list' });
  } catch (e) {
    if (e instanceof FormatError) return fail(EFI.INVALID_PARAMETER, 'hob-list', e.message);
    throw e;
  }
  const guided = (name: Guid) => hobs.filter((h) => h.hob.kind === 'guidExtension' && h.hob.name === name);

  // §1.4: MMRAM ranges — gEfiMmPeiMmramMemoryReserveGuid searched first, else the first gEfiSmmSmramMemoryGuid.
  const mmHob = guided(G.mmPeiMmramMemoryReserve)[0] ?? guided(G.smmSmramMemory)[0];
  if (mmHob === undefined) return fail(EFI.UNSUPPORTED, 'mmram-ranges', 'no MMRAM-range HOB (neither 0703F912-… nor 6DADF1D1-…)');
  const mmPayload = payloadOf(mmHob);
  if (mmPayload?.kind !== 'mmramRanges') return fail(EFI.UNSUPPORTED, 'mmram-ranges', 'MMRAM-range HOB payload unreadable');
  if (mmPayload.descriptors.length === 0) return fail(EFI.NOT_FOUND, 'mmram-ranges', `MMRAM-range HOB at offset ${mmHob.offset} reports zero regions`);
  const mmramRanges = mmPayload.descriptors.map((d) => ({ ...d }));
  const mmramHobGuid = mmHob.hob.kind === 'guidExtension' ? mmHob.hob.name : G.smmSmramMemory;

  // §8.4: the supervisor buffer comes from the FIRST gMmCommonRegionHob only; it must be type 0.
  const supHob = guided(G.mmCommonRegionHob)[0];
  if (supHob === undefined) return fail(EFI.NOT_FOUND, 'supervisor-comm-region', 'no gMmCommonRegionHob');
  const supRegion = payloadOf(supHob);
  if (supRegion?.kind !== 'mmCommonRegion') return fail(EFI.UNSUPPORTED, 'supervisor-comm-region', 'gMmCommonRegionHob payload unreadable');
  if (supRegion.regionType !== 0n) {
    return fail(EFI.UNSUPPORTED, 'supervisor-comm-region', `first gMmCommonRegionHob has type ${supRegion.regionType} (must be 0 = supervisor)`);
  }
  const supervisorCommRegion: CommRegion = { address: supRegion.address, pages: supRegion.pages, mailbox: supRegion.statusRegionAddress };
  // §11 item 9: the real check runs on a zeroed descriptor, so the address itself is not validated here.
  if (options.validateSupervisorCommBuffer && overlapsMmram(mmramRanges, supervisorCommRegion.address, pagesToBytes(supervisorCommRegion.pages))) {
    return fail(EFI.SECURITY_VIOLATION, 'supervisor-comm-region', 'supervisor comm buffer overlaps MMRAM (validateSupervisorCommBuffer)');
  }

  // §8.4: user buffer from gMmCommBufferHob: required, non-zero start and pages, outside MMRAM.
  const userHob = guided(G.mmCommBufferHob)[0];
  if (userHob === undefined) return fail(EFI.NOT_FOUND, 'user-comm-buffer', 'no gMmCommBufferHob (user comm buffer)');
  const up = payloadOf(userHob);
  if (up?.kind !== 'mmCommBuffer') return fail(EFI.INVALID_PARAMETER, 'user-comm-buffer', 'gMmCommBufferHob payload unreadable');
  if (up.physicalStart === 0n || up.numberOfPages === 0n) {
    return fail(EFI.INVALID_PARAMETER, 'user-comm-buffer', `user comm buffer start 0x${up.physicalStart.toString(16)} / pages ${up.numberOfPages} must be non-zero`);
  }
  const userCommBuffer: CommRegion = { address: up.physicalStart, pages: up.numberOfPages, mailbox: up.status };
  if (overlapsMmram(mmramRanges, userCommBuffer.address, pagesToBytes(userCommBuffer.pages))) {
    return fail(EFI.SECURITY_VIOLATION, 'user-comm-buffer', 'user comm buffer overlaps MMRAM');
  }
  // §8.4: both mailboxes non-NULL and outside MMRAM.
  for (const [which, addr] of [['supervisor', supervisorCommRegion.mailbox], ['user', userCommBuffer.mailbox]] as const) {
    if (addr === 0n) return fail(EFI.INVALID_PARAMETER, 'mailbox', `${which} status mailbox is NULL`);
    if (overlapsMmram(mmramRanges, addr, MAILBOX_CHECK_SIZE)) return fail(EFI.SECURITY_VIOLATION, 'mailbox', `${which} status mailbox 0x${addr.toString(16)} overlaps MMRAM`);
  }

  const unblockRequests: UnblockRequest[] = guided(G.unblockRegionHob).map((h) => decodeUnblockParams(hobList.subarray(h.offset + 24, h.offset + h.hobLength)));

  const protectedRegions: ProtectedRegions = { iommu: [] };
  guided(G.protectedRegionHob).some((h, index) => {
    const p = payloadOf(h);
    if (p?.kind !== 'protectedRegion') return false;
    const region = { type: p.regionType, address: p.address, pages: p.pages };
    if (region.type === ProtectedRegionType.IOMMU) {
      protectedRegions.iommu.push(region);
      return false;
    }
    // §1.4: type 1 (secure-bio) → EFI_UNSUPPORTED, unknown → EFI_INVALID_PARAMETER; processing of later HOBs stops.
    protectedRegions.stopped = { index, type: region.type, status: region.type === ProtectedRegionType.SECURE_BIO ? EFI.UNSUPPORTED : EFI.INVALID_PARAMETER };
    return true;
  });

  // §1.4 MP info: instances sorted by ProcessorIndex; an instance with 0 processors terminates the scan.
  const mp = guided(G.mpInformation2Hob)
    .map(payloadOf)
    .filter((p): p is Extract<GuidHobPayload, { kind: 'mpInformation2' }> => p?.kind === 'mpInformation2')
    .sort((a, b) => (a.processorIndex < b.processorIndex ? -1 : a.processorIndex > b.processorIndex ? 1 : 0));
  const processors: MpInformation2Entry[] = [];
  for (const inst of mp) {
    if (inst.entries.length === 0) break;
    processors.push(...inst.entries);
  }

  const smbHobs = guided(G.smmBaseHob)
    .map(payloadOf)
    .filter((p): p is Extract<GuidHobPayload, { kind: 'smmBase' }> => p?.kind === 'smmBase')
    .sort((a, b) => a.processorIndex - b.processorIndex);
  let smbase: SmbaseInfo = { present: false };
  if (smbHobs.length > 0) {
    const bases = smbHobs.flatMap((p) => p.smBase);
    const expected = options.maxNumberOfCpus ?? processors.length;
    smbase = bases.length === expected
      ? { present: true, ok: true, bases }
      : { present: true, ok: false, described: bases.length, expected, reason: `SMBASE HOBs describe ${bases.length} processor(s), MaxNumberOfCpus is ${expected}` };
  }

  const firmwareVolumes = hobs.filter((h) => h.hobType === HobType.FV)
    .flatMap((h) => (h.hob.kind === 'fv' ? [{ baseAddress: h.hob.baseAddress, length: h.hob.length }] : []));

  const resourceDescriptors = hobs
    .map((h) => h.hob)
    .filter((h): h is ResourceDescriptorHob | ResourceDescriptor2Hob => h.kind === 'resourceDescriptor' || h.kind === 'resourceDescriptor2')
    .filter((h) => h.resourceType !== RESOURCE_IO && h.resourceType !== RESOURCE_IO_RESERVED && h.owner !== G.memoryTypeInformation);

  const coreHob = hobs.map((h) => h.hob).find((h) => h.kind === 'memoryAllocationModule' && h.moduleName === G.core);
  const coreImage = coreHob && coreHob.kind === 'memoryAllocationModule'
    ? { base: coreHob.memoryBaseAddress, length: coreHob.memoryLength, entryPoint: coreHob.entryPoint }
    : undefined;

  return {
    ok: true,
    inputs: {
      mmramHobGuid, mmramRanges, supervisorCommRegion, userCommBuffer, unblockRequests, protectedRegions, processors, smbase,
      firmwareVolumes, resourceDescriptors, coreImage,
    },
  };
}
