/**
 * "Did you mean" helpers for symbolic names typed by people (scenario steps, YAML, CLI arguments).
 * Pure functions; the candidate list is always passed in.
 */

/** Levenshtein edit distance (insert, delete, substitute), case-sensitive. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * The candidates closest to `input` (compared case-insensitively), best first. A candidate qualifies when its
 * distance is at most `maxDistance` (default: a third of the input's length, at least 2), or when one name
 * contains the other case-insensitively (e.g. "AccessDenied" → "EFI_ACCESS_DENIED" after normalising).
 */
export function suggestNames(input: string, candidates: Iterable<string>, limit = 3, maxDistance?: number): string[] {
  return scoreNames(input, candidates, maxDistance).slice(0, limit).map((s) => s.name);
}

function scoreNames(input: string, candidates: Iterable<string>, maxDistance?: number): { name: string; d: number }[] {
  const norm = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');
  const q = norm(input);
  if (q.length === 0) return [];
  const bound = maxDistance ?? Math.max(2, Math.floor(q.length / 3));
  const scored: { name: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    const n = norm(c);
    let d = editDistance(q, n);
    if (d > bound && q.length >= 4 && (n.includes(q) || q.includes(n))) d = bound;
    if (d <= bound) scored.push({ name: c, d });
  }
  scored.sort((x, y) => x.d - y.d || x.name.length - y.name.length || (x.name < y.name ? -1 : 1));
  return scored;
}

/** " (did you mean X?)" naming the closest candidate(s) (ties only, at most 3), or "" — for error messages. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const scored = scoreNames(input, candidates);
  const s = scored.filter((x) => x.d === scored[0]?.d).slice(0, 3).map((x) => x.name);
  return s.length === 0 ? '' : ` (did you mean ${s.join(', ')}?)`;
}
