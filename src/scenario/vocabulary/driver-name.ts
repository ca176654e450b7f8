import { unknownWord } from './unknown-word-error';

/**
 * An MM driver name in a step (`the MM driver {string} never starts`, the start-order table, `BEFORE Name`):
 * must be one of `knownNames` (the platform's drivers and the scenario's table) exactly as written, since FFS
 * UI names are case-sensitive. Otherwise UnknownWordError with the closest names (`MmSupervisorCroe` →
 * `MmSupervisorCore`).
 */
export function parseDriverName(word: string, knownNames: Iterable<string>): string {
  const t = word.trim();
  const names = [...knownNames];
  if (names.includes(t)) return t;
  const expected = names.length === 0 ? 'the name of an MM driver (this scenario has none)' : 'the name of an MM driver of this scenario';
  throw unknownWord(t, 'MM driver', expected, names);
}
