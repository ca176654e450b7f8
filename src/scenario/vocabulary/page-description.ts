import { NOT_PRESENT, describeAttributes, type PageAttributes } from '../../supervisor/mem/page-attributes';
import { suggestNames } from '../../firmware/text/suggest';
import { UnknownWordError, listWords } from './unknown-word-error';

const GRAMMAR = '"not present" or "<user|supervisor> <read-only|read-write> <executable|no-execute>"';

/** The three word slots of a present page, in order, with the spellings people write instead (for suggestions). */
const SLOTS = [
  { kind: 'page privilege', words: ['user', 'supervisor'], synonyms: { cpl3: 'user', ring3: 'user', us: 'user', kernel: 'supervisor', cpl0: 'supervisor', ring0: 'supervisor', sp: 'supervisor' } },
  { kind: 'page access', words: ['read-only', 'read-write'], synonyms: { ro: 'read-only', r: 'read-only', rw: 'read-write', writable: 'read-write', writeable: 'read-write' } },
  { kind: 'page execution', words: ['executable', 'no-execute'], synonyms: { x: 'executable', exec: 'executable', nx: 'no-execute', xd: 'no-execute', xp: 'no-execute', noexec: 'no-execute', 'non-executable': 'no-execute' } },
] as const;

/**
 * The page phrase of `the page at {hex} is {string} in the MM page table` (DESIGN.md "Then"): "not present", or
 * one word of each slot in this order — "user" or "supervisor" (U/S, EFI_MEMORY_SP), "read-only" or "read-write"
 * (R/W, EFI_MEMORY_RO), "executable" or "no-execute" (NX, EFI_MEMORY_XP) — supervisor-facts §0.2. Words are
 * separated by spaces; case matters. A wrong word is an UnknownWordError naming that word and its slot.
 * "not present" gives the supervisor's NOT_PRESENT value: compare only `present` for such pages, since the other
 * bits of a blocked entry carry no meaning for the CPU.
 */
export function parsePageDescription(text: string): PageAttributes {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === 'not present') return { ...NOT_PRESENT };
  const tokens = t.length === 0 ? [] : t.split(' ');
  if (tokens.length !== 3) {
    const alts = reorder(tokens) ?? suggestNames(t, ['not present'], 1);
    throw new UnknownWordError(t, 'page description', `${GRAMMAR} (three words, or "not present")`, alts);
  }
  const picked: string[] = [];
  for (let i = 0; i < 3; i++) {
    const slot = SLOTS[i];
    const w = tokens[i];
    if ((slot.words as readonly string[]).includes(w)) {
      picked.push(w);
      continue;
    }
    const whole = reorder(tokens);
    const synonym = (slot.synonyms as Record<string, string>)[w.toLowerCase()];
    const alts = whole ? whole : synonym ? [synonym] : suggestNames(w, slot.words, 2);
    throw new UnknownWordError(w, slot.kind, `${listWords(slot.words)} as word ${i + 1} of ${GRAMMAR}`, alts);
  }
  return { present: true, user: picked[0] === 'user', writable: picked[1] === 'read-write', executable: picked[2] === 'executable' };
}

/** The inverse: the phrase a scenario would write for these attributes (the supervisor's own rendering). */
export function describePage(attributes: PageAttributes): string {
  return describeAttributes(attributes);
}

/** When the words are all valid but in the wrong order ("read-write user no-execute"), the phrase in order. */
function reorder(tokens: readonly string[]): string[] | undefined {
  if (tokens.length !== 3) return undefined;
  const ordered = SLOTS.map((s) => tokens.find((w) => (s.words as readonly string[]).includes(w)));
  if (ordered.some((w) => w === undefined)) return undefined;
  const phrase = ordered.join(' ');
  return phrase === tokens.join(' ') ? undefined : [phrase];
}
