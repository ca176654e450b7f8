/**
 * Requirement identifiers and the scenario tags that name them (DESIGN.md "Requirements and reports"):
 * `SUPV-045` is item 45 of supervisor-facts §12; `SEED-003-007` is the 7th testable statement of the seed document
 * whose file name starts with `003_`. Scenarios carry them as `@req:SUPV-045` / `@req:SEED-003-007`.
 */
import { editDistance } from '../../firmware/text/suggest';

export const SUPV_ID_RE = /^SUPV-(\d{3})$/;
export const SEED_ID_RE = /^SEED-(\d{3})-(\d{3})$/;
export const REQUIREMENT_TAG_PREFIX = '@req:';

/** The parts of a well-formed ID: the source kind, the seed document number (SEED only) and the item number. */
export interface RequirementIdParts {
  readonly kind: 'SUPV' | 'SEED';
  readonly doc?: number;
  readonly n: number;
}

/** Splits a well-formed ID, or undefined when `id` is not exactly `SUPV-nnn` or `SEED-ddd-nnn`. */
export function parseRequirementId(id: string): RequirementIdParts | undefined {
  const s = SUPV_ID_RE.exec(id);
  if (s) return { kind: 'SUPV', n: Number(s[1]) };
  const d = SEED_ID_RE.exec(id);
  if (d) return { kind: 'SEED', doc: Number(d[1]), n: Number(d[2]) };
  return undefined;
}

export function isRequirementId(id: string): boolean {
  return parseRequirementId(id) !== undefined;
}

/** True for a well-formed requirement tag such as `@req:SUPV-045` or `@req:SEED-003-007`. */
export function isRequirementTag(tag: string): boolean {
  return requirementIdOfTag(tag) !== undefined;
}

/** The ID a `@req:` tag names, or undefined when the tag is not a well-formed requirement tag. */
export function requirementIdOfTag(tag: string): string | undefined {
  if (!tag.startsWith(REQUIREMENT_TAG_PREFIX)) return undefined;
  const id = tag.slice(REQUIREMENT_TAG_PREFIX.length);
  return isRequirementId(id) ? id : undefined;
}

/** Catalog order: every SUPV item by number, then SEED statements by document and number. */
export function compareRequirementIds(a: string, b: string): number {
  const pa = parseRequirementId(a);
  const pb = parseRequirementId(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.kind !== pb.kind) return pa.kind === 'SUPV' ? -1 : 1;
  return (pa.doc ?? 0) - (pb.doc ?? 0) || pa.n - pb.n;
}

const pad3 = (digits: string) => digits.padStart(3, '0');

/**
 * Best-effort repair of a mistyped ID: accepts a leading `@req:`, any case, `_`/space/`.` separators, missing
 * separators and unpadded numbers, and a prefix within two edits of SUPV or SEED (`supv45` → `SUPV-045`,
 * `SEED-3-7` → `SEED-003-007`, `SUVP-045` → `SUPV-045`). Undefined when the shape is not recognisable.
 */
export function normalizeRequirementId(raw: string): string | undefined {
  const s = raw.trim().replace(/^@?req:/i, '').toUpperCase().replace(/[\s_.:]+/g, '-');
  const m = /^([A-Z]+)-?(\d{1,6})(?:-(\d{1,3}))?$/.exec(s);
  if (!m) return undefined;
  const [, prefix, first, second] = m;
  const near = (p: string) => editDistance(prefix, p) <= 2;
  if (second === undefined && near('SUPV') && first.length <= 3) return `SUPV-${pad3(first)}`;
  if (near('SEED')) {
    if (second !== undefined && first.length <= 3) return `SEED-${pad3(first)}-${pad3(second)}`;
    if (second === undefined && first.length === 6) return `SEED-${first.slice(0, 3)}-${first.slice(3)}`;
  }
  return undefined;
}

/**
 * Up to `limit` known IDs (a catalog or a list of IDs) close to `unknownId`, best first: the repaired form when it exists, otherwise the known
 * IDs within two edits of it (ties broken by the nearest item number within the same document).
 */
export function suggestRequirementIds(
  unknownId: string,
  known: Iterable<string> | { readonly requirements: readonly { readonly id: string }[] },
  limit = 3,
): string[] {
  const ids = [...new Set('requirements' in known ? known.requirements.map((q) => q.id) : known)];
  const repaired = normalizeRequirementId(unknownId);
  if (repaired !== undefined && ids.includes(repaired)) return [repaired];
  const query = repaired ?? unknownId.trim().replace(/^@?req:/i, '').toUpperCase();
  const q = parseRequirementId(query);
  const scored = ids
    .map((id) => {
      const p = parseRequirementId(id);
      const sameDoc = q && p && p.kind === q.kind && p.doc === q.doc;
      return { id, d: editDistance(query, id), gap: sameDoc ? Math.abs(p.n - q.n) : Number.MAX_SAFE_INTEGER };
    })
    .filter((x) => x.d <= 2);
  scored.sort((x, y) => x.d - y.d || x.gap - y.gap || compareRequirementIds(x.id, y.id));
  return scored.slice(0, limit).map((x) => x.id);
}
