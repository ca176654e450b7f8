import { MmspecError } from '../../common/errors';
import { suggestNames } from '../../firmware/text/suggest';

/**
 * A word of the scenario language (DESIGN.md "The scenario language") that the vocabulary does not know. The
 * message names the word, the kind of word the step expected, and the close alternatives ("did you mean"),
 * e.g. `unknown EFI status "EFI_ACCES_DENIED": expected an EFI_STATUS name such as EFI_SUCCESS (did you mean "EFI_ACCESS_DENIED"?)`.
 */
export class UnknownWordError extends MmspecError {
  constructor(
    /** The word as written in the scenario. */
    readonly word: string,
    /** What kind of word the step takes ("EFI status", "boot milestone", …). */
    readonly kind: string,
    /** What would have been accepted, in words. */
    readonly expected: string,
    /** Close known words, best first (may be empty). */
    readonly alternatives: readonly string[],
  ) {
    const mean = alternatives.length === 0 ? '' : ` (did you mean ${alternatives.map((a) => JSON.stringify(a)).join(', ')}?)`;
    super('SCENARIO_UNKNOWN_WORD', `unknown ${kind} ${JSON.stringify(word)}: expected ${expected}${mean}`);
  }
}

const normalise = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');

/**
 * The UnknownWordError for `word` against a closed word list. A candidate that differs only in case, spaces, '-'
 * or '_' ("ready-to-lock" → "ready to lock") is the sole alternative; otherwise the closest candidates by edit
 * distance or containment (src/firmware/text/suggest), at most three, best first.
 */
export function unknownWord(word: string, kind: string, expected: string, candidates: Iterable<string>): UnknownWordError {
  const all = [...candidates];
  const same = all.filter((c) => normalise(c) === normalise(word));
  return new UnknownWordError(word, kind, expected, same.length > 0 ? same.slice(0, 3) : suggestNames(word, all, 3));
}

/** "a, b, c or d" for messages. */
export function listWords(words: readonly string[]): string {
  const q = words.map((w) => JSON.stringify(w));
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}
