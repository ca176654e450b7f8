import { ZERO_GUID, type Guid } from '../../firmware/guid';
import type { GuidHobPayload, MmramDescriptor } from '../../firmware/hob';
import type { HobListBuilder } from '../../platform/firmware/hob-list-builder';
import { SupervisorGuids as G } from '../../supervisor/core/supervisor-guids';
import type { HobEdit } from './boot-hooks';
import { ScenarioError } from './scenario-errors';

/**
 * HOB edits a scenario can make (supervisor-facts §1.4 layouts). Each is a change to the HOB list bytes made
 * through the HOB list builder (so later IPL changes keep it): GUIDs erased the way the IPL erases an old MMRAM
 * HOB (zero name), payloads replaced in place, HOBs appended.
 */

const hex = (v: bigint) => `0x${v.toString(16)}`;

function payload<K extends GuidHobPayload['kind']>(hobs: HobListBuilder, name: Guid, kind: K): Extract<GuidHobPayload, { kind: K }> {
  const h = hobs.read().find((x) => x.kind === 'guidExtension' && x.name === name);
  if (!h || h.kind !== 'guidExtension' || h.payload.kind !== kind) throw new ScenarioError('SCENARIO_NO_HOB', `the HOB list has no ${kind} HOB ${name} to edit`);
  return h.payload as Extract<GuidHobPayload, { kind: K }>;
}

function eraseAll(hobs: HobListBuilder, name: Guid): void {
  while (hobs.eraseGuidHob(name)) { /* every instance */ }
}

/** No MMRAM-range HOB under either GUID (0703F912-… or 6DADF1D1-…). */
export function withoutMmramRangeHob(): HobEdit {
  return { describe: 'no MMRAM-range HOB', apply: (h) => { eraseAll(h, G.mmPeiMmramMemoryReserve); eraseAll(h, G.smmSmramMemory); } };
}

/** A gEfiMmPeiMmramMemoryReserveGuid HOB (searched first by the core) that reports zero regions. */
export function mmramReserveHobWithZeroRegions(): HobEdit {
  return { describe: 'a 0703F912 MMRAM-range HOB with zero regions', apply: (h) => { h.add({ kind: 'guidExtension', name: G.mmPeiMmramMemoryReserve, payload: { kind: 'mmramRanges', descriptors: [] } }); } };
}

/** Rewrites the MMRAM descriptors of the gEfiSmmSmramMemoryGuid HOB. */
export function mmramDescriptors(describe: string, change: (d: MmramDescriptor[]) => MmramDescriptor[]): HobEdit {
  return {
    describe,
    apply: (h) => {
      const p = payload(h, G.smmSmramMemory, 'mmramRanges');
      h.replaceGuidHobPayload(G.smmSmramMemory, { kind: 'mmramRanges', descriptors: change(p.descriptors.map((d) => ({ ...d }))) });
    },
  };
}

/** The first gMmCommonRegionHob gets region type `type`. */
export function supervisorCommRegionType(type: bigint): HobEdit {
  return {
    describe: `supervisor comm-region HOB of type ${type}`,
    apply: (h) => { h.replaceGuidHobPayload(G.mmCommonRegionHob, { ...payload(h, G.mmCommonRegionHob, 'mmCommonRegion'), regionType: type }); },
  };
}

/** The supervisor status mailbox moved to `address`. */
export function supervisorMailboxAt(address: (h: HobListBuilder) => bigint, describe: string): HobEdit {
  return {
    describe: `supervisor mailbox ${describe}`,
    apply: (h) => { h.replaceGuidHobPayload(G.mmCommonRegionHob, { ...payload(h, G.mmCommonRegionHob, 'mmCommonRegion'), statusRegionAddress: address(h) }); },
  };
}

export function withoutUserCommBufferHob(): HobEdit {
  return { describe: 'no user comm-buffer HOB', apply: (h) => { eraseAll(h, G.mmCommBufferHob); } };
}

/** Fields of the gMmCommBufferHob changed. */
export function userCommBuffer(change: { physicalStart?: bigint; numberOfPages?: bigint; status?: bigint }, describe: string): HobEdit {
  return {
    describe: `user comm-buffer HOB ${describe}`,
    apply: (h) => { h.replaceGuidHobPayload(G.mmCommBufferHob, { ...payload(h, G.mmCommBufferHob, 'mmCommBuffer'), ...change }); },
  };
}

/** An extra resource descriptor HOB (type 0 system memory, 1 MMIO, 3 firmware device, 5 reserved). */
export function resourceHob(resourceType: number, base: bigint, size: bigint): HobEdit {
  return {
    describe: `resource HOB type ${resourceType} at ${hex(base)} + ${hex(size)}`,
    apply: (h) => { h.add({ kind: 'resourceDescriptor', owner: ZERO_GUID, resourceType, resourceAttribute: resourceType === 0 ? 0x3c07 : 0x403, physicalStart: base, resourceLength: size }); },
  };
}

/** A gMmProtectedRegionHob (0 = IOMMU MMIO, 1 = secure-bio MMIO). */
export function protectedRegionHob(regionType: bigint, address: bigint, pages: bigint): HobEdit {
  return {
    describe: `protected-region HOB type ${regionType} at ${hex(address)} for ${pages} page(s)`,
    apply: (h) => { h.add({ kind: 'guidExtension', name: G.protectedRegionHob, payload: { kind: 'protectedRegion', regionType, address, pages } }); },
  };
}

/** A gMmSupvUnblockRegionHob naming `pages` pages at `address` (Type 0, Attribute 0 = user), as the PEI library builds it. */
export function unblockHob(address: bigint, pages: bigint, identifier: Guid): HobEdit {
  return {
    describe: `unblock HOB for ${pages} page(s) at ${hex(address)}`,
    apply: (h) => {
      h.add({ kind: 'guidExtension', name: G.unblockRegionHob, payload: { kind: 'unblockParams', memoryType: 0, physicalStart: address, virtualStart: 0n, numberOfPages: pages, attribute: 0n, identifierGuid: identifier } });
    },
  };
}
