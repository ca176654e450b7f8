import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { FormatError } from '../../src/firmware/binary/format-error';
import { UNBLOCK_PARAMS_SIZE, decodeUnblockParams, encodeUnblockParams } from '../../src/firmware/hob/unblock-params';

describe('MM_SUPERVISOR_UNBLOCK_MEMORY_PARAMS codec (supervisor-facts §7.1)', () => {
  it('round-trips every field, the padding after Type included, in exactly 56 bytes', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), u64, u64, u64, u64, fc.uuid(),
      (memoryType, padding, physicalStart, virtualStart, numberOfPages, attribute, identifierGuid) => {
        const p = { memoryType, padding, physicalStart, virtualStart, numberOfPages, attribute, identifierGuid };
        const bytes = encodeUnblockParams(p);
        expect(bytes.length).to.equal(UNBLOCK_PARAMS_SIZE);
        expect(decodeUnblockParams(bytes)).to.deep.equal(p);
      }), { numRuns: 2000 });
  });

  it('reports truncation as a FormatError naming the field', () => {
    expect(() => decodeUnblockParams(new Uint8Array(50))).to.throw(FormatError, /IdentifierGuid/);
  });
});
