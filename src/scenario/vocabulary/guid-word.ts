import { WELL_KNOWN_GUIDS, guidFromName, isGuidText, parseGuid, wellKnownGuid, type Guid, type GuidRegistry } from '../../firmware/guid';
import { editDistance } from '../../firmware/text/suggest';
import { UnknownWordError } from './unknown-word-error';

const REGISTRY_FORMAT = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/** Every well-known name and alias (supervisor-facts §0.4–§0.5, x86-smm-facts §4.9). */
const WELL_KNOWN_NAMES: readonly string[] = WELL_KNOWN_GUIDS.flatMap((w) => [w.name, ...w.aliases]);

/**
 * The `{guid}` parameter (DESIGN.md): a quoted registry-format GUID or a quoted symbolic name; one pair of
 * surrounding quotes is removed if present.
 *  - registry text (either case) → itself, lowercase;
 *  - a well-known PI/supervisor name (`wellKnownGuid`), or a name the scenario's `registry` knows → its GUID;
 *  - any other name → the deterministic name-derived GUID (`guidFromName`).
 * Errors (UnknownWordError): empty text; GUID-shaped text that is not valid registry format (`{…}`, 32 bare hex
 * digits, wrong group lengths); and a name that differs from a well-known name only in letter case or by at most
 * two edits (a typo would otherwise silently become an unrelated derived GUID).
 */
export function parseGuidWord(text: string, registry?: GuidRegistry): Guid {
  const t = unquote(text.trim());
  if (t.length === 0) throw new UnknownWordError(text, 'GUID', `a registry-format GUID (${REGISTRY_FORMAT}) or a symbolic name`, []);
  if (isGuidText(t)) return parseGuid(t);
  if (looksLikeGuid(t)) throw new UnknownWordError(t, 'GUID', `registry format ${REGISTRY_FORMAT} (hex digits in groups of 8-4-4-4-12)`, guidRepairs(t));
  const known = registry?.lookup(t) ?? wellKnownGuid(t);
  if (known !== undefined) return known;
  const near = nearWellKnown(t);
  if (near.length > 0) {
    throw new UnknownWordError(t, 'GUID name', 'a well-known GUID name spelled exactly (names are case-sensitive), a registry-format GUID, or a name of your own that is not a near-miss of a well-known one', near);
  }
  return guidFromName(t);
}

function unquote(t: string): string {
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1).trim();
  return t;
}

/** Hex digits with dashes or braces, or 32 bare hex digits: an attempt at registry text, not a name. */
function looksLikeGuid(t: string): boolean {
  return /^\{.*\}$/.test(t) || /^[0-9a-fA-F]{32}$/.test(t) || (/^[0-9a-fA-F-]+$/.test(t) && t.includes('-'));
}

function guidRepairs(t: string): string[] {
  const inner = t.replace(/^\{\s*/, '').replace(/\s*\}$/, '');
  if (isGuidText(inner)) return [parseGuid(inner)];
  const hex = inner.replace(/-/g, '');
  if (/^[0-9a-fA-F]{32}$/.test(hex)) {
    const h = hex.toLowerCase();
    return [`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`];
  }
  return [];
}

/** Well-known names that `t` misspells: same letters in another case, or ≤ 2 edits from a long name. */
function nearWellKnown(t: string): string[] {
  const q = t.toLowerCase();
  const scored: { name: string; d: number }[] = [];
  for (const name of WELL_KNOWN_NAMES) {
    if (name.length < 10) continue;
    const d = editDistance(q, name.toLowerCase());
    if (d <= 2) scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : 1));
  return scored.slice(0, 3).map((s) => s.name);
}
