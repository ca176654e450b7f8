import { hex } from '../../common/hex';
import { efiStatusName } from '../efi-status';
import { GuidRegistry } from '../guid/guid-registry';
import { LocatedHob } from './hob-list';
import {
  BOOT_MODE_NAMES, GuidHobPayload, Hob, HobType, MEMORY_TYPE_NAMES, MMRAM_STATE_BITS, RESOURCE_ATTRIBUTE_BITS, RESOURCE_TYPE_NAMES,
} from './hob-types';

function bits(v: number | bigint, table: readonly [number | bigint, string][]): string {
  const x = BigInt(v);
  const names: string[] = [];
  let rest = x;
  for (const [b, n] of table) if ((x & BigInt(b)) !== 0n) { names.push(n); rest &= ~BigInt(b); }
  if (rest !== 0n) names.push(hex(rest));
  return names.length ? names.join('|') : '0';
}
const memType = (t: number) => `${MEMORY_TYPE_NAMES[t] ?? hex(t)}`;
const range = (start: bigint, len: bigint) => `${hex(start, 16)}..${hex((start + len - (len > 0n ? 1n : 0n)) & 0xffffffffffffffffn, 16)} (${hex(len)} bytes)`;

const TYPE_NAMES = new Map<number, string>(Object.entries(HobType).map(([k, v]) => [v, k]));

/** The HobType's name (or hex). */
export function hobTypeName(t: number): string {
  return TYPE_NAMES.get(t) ?? hex(t, 4);
}

function payloadLines(p: GuidHobPayload, names: GuidRegistry): string[] {
  switch (p.kind) {
    case 'mmramRanges':
      return [`${p.descriptors.length} MMRAM range(s)`, ...p.descriptors.map((d, i) =>
        `  [${i}] ${range(d.physicalStart, d.physicalSize)} cpu ${hex(d.cpuStart, 16)} state ${bits(d.regionState, MMRAM_STATE_BITS)}`)];
    case 'mmCommonRegion':
      return [`type ${p.regionType === 0n ? 'supervisor' : p.regionType === 1n ? 'user' : hex(p.regionType)}, buffer ${hex(p.address, 16)} × ${p.pages} page(s), status mailbox ${hex(p.statusRegionAddress, 16)}`];
    case 'mmCommBuffer':
      return [`buffer ${hex(p.physicalStart, 16)} × ${p.numberOfPages} page(s), status mailbox ${hex(p.status, 16)}`];
    case 'unblockParams':
      return [`unblock ${range(p.physicalStart, p.numberOfPages * 0x1000n)} type ${memType(p.memoryType)} attribute ${hex(p.attribute)}${p.attribute & 0x40000n ? ' (supervisor)' : ' (user)'} virtual ${hex(p.virtualStart)} by ${names.describe(p.identifierGuid)}`];
    case 'protectedRegion':
      return [`protected region type ${p.regionType === 0n ? 'IOMMU MMIO' : p.regionType === 1n ? 'secure-bio MMIO' : hex(p.regionType)} ${range(p.address, p.pages * 0x1000n)}`];
    case 'mpInformation2':
      return [`${p.entries.length} processor(s) from index ${p.processorIndex}, entry size ${p.entrySize}, version ${p.version}`,
        ...p.entries.map((e, i) => `  [${i}] id ${hex(e.processorId)} status ${hex(e.statusFlag)} package ${e.location.package} core ${e.location.core} thread ${e.location.thread} coreType ${hex(e.coreType)}`)];
    case 'smmBase':
      return [`${p.smBase.length} processor(s) from index ${p.processorIndex}`, ...p.smBase.map((b, i) => `  [${p.processorIndex + i}] SMBASE ${hex(b, 8)}`)];
    case 'raw':
      return [`${p.data.length} byte(s): ${Buffer.from(p.data.subarray(0, 32)).toString('hex')}${p.data.length > 32 ? '…' : ''}`];
  }
}

function hobLines(h: Hob, names: GuidRegistry): string[] {
  switch (h.kind) {
    case 'handoff':
      return [`version ${hex(h.version)} boot mode ${BOOT_MODE_NAMES.get(h.bootMode) ?? hex(h.bootMode)}`,
        `memory ${hex(h.memoryBottom, 16)}..${hex(h.memoryTop, 16)} free ${hex(h.freeMemoryBottom, 16)}..${hex(h.freeMemoryTop, 16)} end of HOB list ${hex(h.endOfHobList, 16)}`];
    case 'memoryAllocation':
      return [`${names.describe(h.name)} ${range(h.memoryBaseAddress, h.memoryLength)} ${memType(h.memoryType)}${h.extra.length ? ` + ${h.extra.length} byte(s)` : ''}`];
    case 'memoryAllocationModule':
      return [`module ${names.describe(h.moduleName)} ${range(h.memoryBaseAddress, h.memoryLength)} ${memType(h.memoryType)} entry ${hex(h.entryPoint, 16)}`];
    case 'resourceDescriptor':
    case 'resourceDescriptor2':
      return [`${RESOURCE_TYPE_NAMES[h.resourceType] ?? hex(h.resourceType)} ${range(h.physicalStart, h.resourceLength)} owner ${names.describe(h.owner)}`,
        `attributes ${bits(h.resourceAttribute, RESOURCE_ATTRIBUTE_BITS)}${h.kind === 'resourceDescriptor2' ? `, memory attributes ${hex(h.attributes)}` : ''}`];
    case 'guidExtension':
      return [names.describe(h.name), ...payloadLines(h.payload, names)];
    case 'fv':
    case 'capsule':
      return [range(h.baseAddress, h.length)];
    case 'fv2':
      return [`${range(h.baseAddress, h.length)} FV ${names.describe(h.fvName)} file ${names.describe(h.fileName)}`];
    case 'fv3':
      return [`${range(h.baseAddress, h.length)} auth status ${efiStatusName(BigInt(h.authenticationStatus))} extracted ${h.extractedFv} FV ${names.describe(h.fvName)} file ${names.describe(h.fileName)}`];
    case 'cpu':
      return [`memory space ${h.sizeOfMemorySpace} bits, I/O space ${h.sizeOfIoSpace} bits`];
    case 'memoryPool':
    case 'other':
      return [`${h.data.length} byte(s): ${Buffer.from(h.data.subarray(0, 32)).toString('hex')}${h.data.length > 32 ? '…' : ''}`];
  }
}

/** A readable listing of a parsed HOB list, one block per HOB, then END_OF_HOB_LIST. */
export function formatHobList(hobs: readonly LocatedHob[], names: GuidRegistry = new GuidRegistry()): string {
  const out: string[] = [];
  for (const [i, l] of hobs.entries()) {
    const [first, ...rest] = hobLines(l.hob, names);
    out.push(`[${i}] ${hex(l.offset, 4)} ${hobTypeName(l.hobType)} (${l.hobLength} bytes): ${first}`);
    for (const r of rest) out.push(`      ${r}`);
  }
  out.push(`END_OF_HOB_LIST (${hobs.length} HOB(s))`);
  return out.join('\n') + '\n';
}
