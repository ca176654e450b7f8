import { FormatError } from '../../firmware/binary/format-error';
import { MemDescriptor, appendMemoryPolicy, parsePolicy, PolicyType } from '../../firmware/policy';
import { EFI } from '../core/efi-codes';

/** The snapshot buffer size (supervisor-facts §4.10 "Snapshot"): header + 1 MEM root at 0x28, descriptors at 0x40. */
export const MEMORY_POLICY_SNAPSHOT_SIZE = 0x400;
const SNAPSHOT_DESCRIPTORS_OFFSET = 0x40;

/** A policy with one empty MEM root, the template the snapshot is generated into. */
function snapshotTemplate(): Uint8Array {
  const b = new Uint8Array(SNAPSHOT_DESCRIPTORS_OFFSET);
  const dv = new DataView(b.buffer);
  dv.setUint16(2, 1, true); // VersionMajor 1
  dv.setUint32(4, SNAPSHOT_DESCRIPTORS_OFFSET, true); // Size
  dv.setUint32(0x20, 0x28, true); // PolicyRootOffset
  dv.setUint32(0x24, 1, true); // PolicyRootCount
  dv.setUint32(0x28, 1, true); // root Version
  dv.setUint32(0x2c, 0x18, true); // PolicyRootSize
  dv.setUint32(0x30, PolicyType.MEM, true);
  dv.setUint32(0x34, SNAPSHOT_DESCRIPTORS_OFFSET, true); // Offset
  return b;
}

interface MemRootView {
  version: number;
  rootSize: number;
  accessAttr: number;
  count: number;
  descriptorBytes: Uint8Array;
}

function memRootOf(blob: Uint8Array): MemRootView | undefined {
  let p;
  try {
    p = parsePolicy(blob);
  } catch (e) {
    if (e instanceof FormatError) return undefined;
    throw e;
  }
  const root = p.roots.find((r) => r.kind === 'mem');
  if (root === undefined || root.kind !== 'mem') return undefined;
  const count = root.descriptors.length;
  return {
    version: root.version, rootSize: root.rootSize, accessAttr: root.accessAttr, count,
    descriptorBytes: blob.slice(root.offset, root.offset + 24 * count),
  };
}

/**
 * The memory-policy snapshot taken at ready-to-lock (supervisor-facts §1.8 step 4, §4.10, §4.11): the generated MEM
 * descriptors in a 0x400-byte buffer (at most 40 fit; more → EFI_OUT_OF_RESOURCES). FETCH_POLICY compares its
 * freshly generated MEM root with it: root Version, PolicyRootSize, AccessAttr, Count and descriptor bytes.
 */
export class MemoryPolicySnapshot {
  private buffer: Uint8Array | undefined;

  /** The 0x400 snapshot bytes, once taken. */
  get bytes(): Uint8Array | undefined {
    return this.buffer;
  }

  /** Builds the snapshot from generated descriptors; returns EFI_SUCCESS or EFI_OUT_OF_RESOURCES. */
  take(descriptors: MemDescriptor[]): bigint {
    const r = appendMemoryPolicy(snapshotTemplate(), descriptors, MEMORY_POLICY_SNAPSHOT_SIZE);
    if (r.policy === undefined) return r.value === 0n ? EFI.OUT_OF_RESOURCES : r.value;
    const b = new Uint8Array(MEMORY_POLICY_SNAPSHOT_SIZE);
    b.set(r.policy.subarray(0, MEMORY_POLICY_SNAPSHOT_SIZE));
    this.buffer = b;
    return EFI.SUCCESS;
  }

  /** True when `policyBlob`'s MEM root equals the snapshot's (§4.10 FETCH comparison); false without a snapshot. */
  matches(policyBlob: Uint8Array): boolean {
    if (this.buffer === undefined) return false;
    const a = memRootOf(this.buffer);
    const b = memRootOf(policyBlob);
    if (a === undefined || b === undefined) return false;
    return a.version === b.version && a.rootSize === b.rootSize && a.accessAttr === b.accessAttr && a.count === b.count
      && Buffer.from(a.descriptorBytes).equals(Buffer.from(b.descriptorBytes));
  }
}
