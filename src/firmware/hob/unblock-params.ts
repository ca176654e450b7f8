import { ByteReader } from '../binary/byte-reader';
import { ByteWriter } from '../binary/byte-writer';
import { Guid, readGuid, writeGuid } from '../guid/guid';

/** sizeof (MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS): a 40-byte EFI_MEMORY_DESCRIPTOR + IdentifierGuid (supervisor-facts §7.1). */
export const UNBLOCK_PARAMS_SIZE = 56;

/**
 * MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS — the payload of a gMmSupvUnblockRegionHob, of an MSUP UNBLOCK_MEM request
 * and of each COMM_UPDATE descriptor. `padding` is the u32 after Type: the supervisor compares the whole 40-byte
 * descriptor, padding included, when it looks for an identical request (§7.2 step 4), so it is kept.
 */
export interface UnblockParams {
  memoryType: number;
  padding?: number;
  physicalStart: bigint;
  virtualStart: bigint;
  numberOfPages: bigint;
  attribute: bigint;
  identifierGuid: Guid;
}

/** Reads the 56 bytes at `offset`; truncation is a FormatError naming the field. */
export function readUnblockParams(r: ByteReader, offset = 0): UnblockParams & { padding: number } {
  return {
    memoryType: r.u32(offset, 'MemoryDescriptor.Type'),
    padding: r.u32(offset + 4, 'MemoryDescriptor.(padding)'),
    physicalStart: r.u64(offset + 8, 'MemoryDescriptor.PhysicalStart'),
    virtualStart: r.u64(offset + 16, 'MemoryDescriptor.VirtualStart'),
    numberOfPages: r.u64(offset + 24, 'MemoryDescriptor.NumberOfPages'),
    attribute: r.u64(offset + 32, 'MemoryDescriptor.Attribute'),
    identifierGuid: readGuid(r, offset + 40, 'IdentifierGuid'),
  };
}

export function writeUnblockParams(w: ByteWriter, p: UnblockParams): ByteWriter {
  w.u32(p.memoryType >>> 0).u32((p.padding ?? 0) >>> 0).u64(p.physicalStart).u64(p.virtualStart).u64(p.numberOfPages).u64(p.attribute);
  return writeGuid(w, p.identifierGuid);
}

export function encodeUnblockParams(p: UnblockParams): Uint8Array {
  return writeUnblockParams(new ByteWriter(), p).finish();
}

export function decodeUnblockParams(bytes: Uint8Array): UnblockParams & { padding: number } {
  return readUnblockParams(new ByteReader(bytes, 'MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS'));
}
