import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';
import {
  DESCRIPTOR_SIZE, HEADER_SIZE, IoDescriptor, InstructionDescriptor, MemDescriptor, MsrDescriptor, PolicyRoot,
  PolicyRootFields, ROOT_SIZE, SaveStateDescriptor, SecurePolicy, UncoveredBytes, rootCount, rootKindOf, typeName,
} from './policy-types';

const FORMAT = 'isolation policy';

/**
 * Parses a v1.0 policy blob (supervisor-facts §4.1–§4.3). Every structure must lie inside `bytes`; anything
 * else (bad offsets, counts that run past the end, a short header) is a FormatError naming the offset and
 * field. The header `Size` is kept as stored and not enforced here (validation rule 11 does that, §4.6).
 * Roots are strided by 0x18 whatever their PolicyRootSize says, as the supervisor indexes them (§4.6/§4.7).
 */
export function parsePolicy(bytes: Uint8Array, source?: string): SecurePolicy {
  const r = new ByteReader(bytes, FORMAT, 0, source);
  r.need(0, HEADER_SIZE, 'SMM_SUPV_SECURE_POLICY_DATA_V1_0');
  const policyRootOffset = r.u32(0x20, 'PolicyRootOffset');
  const rootCountField = r.u32(0x24, 'PolicyRootCount');
  const covered: [number, number][] = [[0, HEADER_SIZE]];
  if (rootCountField > 0) {
    r.need(policyRootOffset, rootCountField * ROOT_SIZE, `PolicyRootCount (${rootCountField} roots at PolicyRootOffset 0x${policyRootOffset.toString(16)})`);
    covered.push([policyRootOffset, policyRootOffset + rootCountField * ROOT_SIZE]);
  }
  const roots: PolicyRoot[] = [];
  for (let i = 0; i < rootCountField; i++) {
    const at = policyRootOffset + i * ROOT_SIZE;
    const f = `root[${i}].`;
    const fields: PolicyRootFields = {
      version: r.u32(at, f + 'Version'),
      rootSize: r.u32(at + 4, f + 'PolicyRootSize'),
      type: r.u32(at + 8, f + 'Type'),
      offset: r.u32(at + 0xc, f + 'Offset'),
      accessAttr: r.u8(at + 0x14, f + 'AccessAttr'),
      reserved: r.u24(at + 0x15, f + 'Reserved'),
    };
    const count = r.u32(at + 0x10, f + 'Count');
    const kind = rootKindOf(fields.type);
    if (kind === 'unknown') {
      roots.push({ ...fields, kind, count });
      continue;
    }
    const size = DESCRIPTOR_SIZE[kind];
    if (count > 0) {
      r.need(fields.offset, count * size, `${f}Count (${count} ${typeName(fields.type)} descriptors at Offset 0x${fields.offset.toString(16)})`);
      covered.push([fields.offset, fields.offset + count * size]);
    }
    const at0 = fields.offset;
    const df = (j: number, name: string) => `root[${i}].descriptor[${j}].${name}`;
    switch (kind) {
      case 'mem': {
        const d: MemDescriptor[] = [];
        for (let j = 0; j < count; j++) {
          const o = at0 + j * size;
          d.push({ baseAddress: r.u64(o, df(j, 'BaseAddress')), size: r.u64(o + 8, df(j, 'Size')), memAttributes: r.u32(o + 16, df(j, 'MemAttributes')), reserved: r.u32(o + 20, df(j, 'Reserved')) });
        }
        roots.push({ ...fields, kind, descriptors: d });
        break;
      }
      case 'io': {
        const d: IoDescriptor[] = [];
        for (let j = 0; j < count; j++) {
          const o = at0 + j * size;
          d.push({ ioAddress: r.u16(o, df(j, 'IoAddress')), lengthOrWidth: r.u16(o + 2, df(j, 'LengthOrWidth')), attributes: r.u16(o + 4, df(j, 'Attributes')), reserved: r.u16(o + 6, df(j, 'Reserved')) });
        }
        roots.push({ ...fields, kind, descriptors: d });
        break;
      }
      case 'msr': {
        const d: MsrDescriptor[] = [];
        for (let j = 0; j < count; j++) {
          const o = at0 + j * size;
          d.push({ msrAddress: r.u32(o, df(j, 'MsrAddress')), length: r.u16(o + 4, df(j, 'Length')), attributes: r.u16(o + 6, df(j, 'Attributes')) });
        }
        roots.push({ ...fields, kind, descriptors: d });
        break;
      }
      case 'instruction': {
        const d: InstructionDescriptor[] = [];
        for (let j = 0; j < count; j++) {
          const o = at0 + j * size;
          d.push({ instructionIndex: r.u16(o, df(j, 'InstructionIndex')), attributes: r.u16(o + 2, df(j, 'Attributes')), reserved: r.u32(o + 4, df(j, 'Reserved')) });
        }
        roots.push({ ...fields, kind, descriptors: d });
        break;
      }
      case 'save-state': {
        const d: SaveStateDescriptor[] = [];
        for (let j = 0; j < count; j++) {
          const o = at0 + j * size;
          d.push({ mapField: r.u32(o, df(j, 'MapField')), attributes: r.u32(o + 4, df(j, 'Attributes')), accessCondition: r.u32(o + 8, df(j, 'AccessCondition')), reserved: r.u32(o + 12, df(j, 'Reserved')) });
        }
        roots.push({ ...fields, kind, descriptors: d });
        break;
      }
    }
  }
  return {
    versionMinor: r.u16(0, 'VersionMinor'),
    versionMajor: r.u16(2, 'VersionMajor'),
    size: r.u32(4, 'Size'),
    memoryPolicyOffset: r.u32(8, 'MemoryPolicyOffset'),
    memoryPolicyCount: r.u32(0xc, 'MemoryPolicyCount'),
    flags: r.u32(0x10, 'Flags'),
    capabilities: r.u32(0x14, 'Capabilities'),
    reserved: r.u64(0x18, 'Reserved'),
    policyRootOffset,
    roots,
    uncovered: uncoveredRanges(bytes, covered),
  };
}

function uncoveredRanges(bytes: Uint8Array, covered: [number, number][]): UncoveredBytes[] {
  const sorted = [...covered].sort((a, b) => a[0] - b[0]);
  const out: UncoveredBytes[] = [];
  let pos = 0;
  for (const [s, e] of sorted) {
    if (s > pos) out.push({ offset: pos, bytes: bytes.slice(pos, s) });
    pos = Math.max(pos, e);
  }
  if (pos < bytes.length) out.push({ offset: pos, bytes: bytes.slice(pos) });
  return out;
}

/**
 * Writes a policy exactly as laid out in the model: header at 0, roots at PolicyRootOffset, each root's
 * descriptors at its Offset, uncovered bytes where they were. Counts come from the descriptor arrays.
 * The blob ends at the end of the last structure or uncovered range.
 */
export function writePolicy(p: SecurePolicy): Uint8Array {
  const w = new ByteWriter();
  // Size the buffer once up front: ByteWriter's setters read its DataView before growing it, so a write
  // that grows the buffer would land in the old view (reported to the owner of byte-writer.ts).
  w.zeros(policyEnd(p), 0);
  for (const u of p.uncovered) w.bytes(u.bytes, u.offset);
  w.u16(p.versionMinor, 0, 'VersionMinor')
    .u16(p.versionMajor, 2, 'VersionMajor')
    .u32(p.size, 4, 'Size')
    .u32(p.memoryPolicyOffset, 8, 'MemoryPolicyOffset')
    .u32(p.memoryPolicyCount, 0xc, 'MemoryPolicyCount')
    .u32(p.flags, 0x10, 'Flags')
    .u32(p.capabilities, 0x14, 'Capabilities')
    .u64(p.reserved, 0x18, 'Reserved')
    .u32(p.policyRootOffset, 0x20, 'PolicyRootOffset')
    .u32(p.roots.length, 0x24, 'PolicyRootCount');
  p.roots.forEach((root, i) => {
    const at = p.policyRootOffset + i * ROOT_SIZE;
    if (root.kind !== rootKindOf(root.type)) throw new RangeError(`root[${i}]: kind ${root.kind} does not match Type ${root.type}`);
    w.u32(root.version, at, 'Version').u32(root.rootSize, at + 4, 'PolicyRootSize').u32(root.type, at + 8, 'Type')
      .u32(root.offset, at + 0xc, 'Offset').u32(rootCount(root), at + 0x10, 'Count')
      .u8(root.accessAttr, at + 0x14, 'AccessAttr').u24(root.reserved, at + 0x15, 'Reserved');
    writeDescriptors(w, root);
  });
  return w.finish();
}

/** End offset of the last structure or uncovered range of a policy (the length writePolicy produces). */
export function policyEnd(p: SecurePolicy): number {
  let end = HEADER_SIZE;
  if (p.roots.length > 0) end = Math.max(end, p.policyRootOffset + p.roots.length * ROOT_SIZE);
  for (const r of p.roots) {
    const n = r.kind === 'unknown' ? 0 : r.descriptors.length;
    if (n > 0) end = Math.max(end, r.offset + n * DESCRIPTOR_SIZE[r.kind]);
  }
  for (const u of p.uncovered) end = Math.max(end, u.offset + u.bytes.length);
  return end;
}

function writeDescriptors(w: ByteWriter, root: PolicyRoot): void {
  const base = root.offset;
  switch (root.kind) {
    case 'mem':
      root.descriptors.forEach((d, j) => {
        const o = base + j * 24;
        w.u64(d.baseAddress, o, 'BaseAddress').u64(d.size, o + 8, 'Size').u32(d.memAttributes, o + 16, 'MemAttributes').u32(d.reserved, o + 20, 'Reserved');
      });
      break;
    case 'io':
      root.descriptors.forEach((d, j) => {
        const o = base + j * 8;
        w.u16(d.ioAddress, o, 'IoAddress').u16(d.lengthOrWidth, o + 2, 'LengthOrWidth').u16(d.attributes, o + 4, 'Attributes').u16(d.reserved, o + 6, 'Reserved');
      });
      break;
    case 'msr':
      root.descriptors.forEach((d, j) => {
        const o = base + j * 8;
        w.u32(d.msrAddress, o, 'MsrAddress').u16(d.length, o + 4, 'Length').u16(d.attributes, o + 6, 'Attributes');
      });
      break;
    case 'instruction':
      root.descriptors.forEach((d, j) => {
        const o = base + j * 8;
        w.u16(d.instructionIndex, o, 'InstructionIndex').u16(d.attributes, o + 2, 'Attributes').u32(d.reserved, o + 4, 'Reserved');
      });
      break;
    case 'save-state':
      root.descriptors.forEach((d, j) => {
        const o = base + j * 16;
        w.u32(d.mapField, o, 'MapField').u32(d.attributes, o + 4, 'Attributes').u32(d.accessCondition, o + 8, 'AccessCondition').u32(d.reserved, o + 12, 'Reserved');
      });
      break;
    case 'unknown':
      break;
  }
}

/** True when `bytes` starts like a v1.0 policy blob (VersionMajor 1, VersionMinor 0). */
export function looksLikePolicyBlob(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_SIZE && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0;
}
