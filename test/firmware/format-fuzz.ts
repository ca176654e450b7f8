import { expect } from 'chai';
import fc from 'fast-check';
import { FormatError } from '../../src/firmware/binary/format-error';
import { guidFromBytes } from '../../src/firmware/guid/guid';

/** Byte edits to apply to a valid encoding: overwrite bytes, then optionally truncate. */
export interface Mutation {
  edits: { at: number; value: number }[];
  truncateTo?: number;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
  truncateTo: fc.option(fc.nat(), { nil: undefined }),
});

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  for (const e of m.edits) out[e.at % out.length] = e.value;
  return m.truncateTo === undefined ? out : out.subarray(0, m.truncateTo % (out.length + 1));
}

/** Runs `parse`; it must succeed or throw a FormatError naming a field and a non-negative offset. */
export function expectParsesOrFormatError(parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`expected a FormatError, got ${e instanceof Error ? e.stack : String(e)}`);
    expect(e.field, 'FormatError.field').to.be.a('string').and.not.equal('');
    expect(e.offset, 'FormatError.offset').to.be.a('number').and.to.be.at.least(0);
    expect(e.message).to.match(/offset 0x[0-9a-f]+: field /);
  }
}

export const u64Arb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
export const u16Arb = fc.integer({ min: 0, max: 0xffff });
export const u8Arb = fc.integer({ min: 0, max: 0xff });
export const guidArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => guidFromBytes(b));
/** Arbitrary bytes of a length that is a multiple of 8 (so HOB padding does not change the value). */
export const bytes8Arb = (max: number) => fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }));
