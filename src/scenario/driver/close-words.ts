import { editDistance } from '../../asm/suggest';

/**
 * The known words closest to `input` for "did you mean" (case, `_` and `-` ignored; a swap of two adjacent
 * letters counts as one edit): only those at the best distance, at most three, and none when nothing is
 * within a third of the input's length (at least 2 edits).
 */
export function closeWords(input: string, candidates: Iterable<string>): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');
  const q = norm(input);
  if (q.length === 0) return [];
  const bound = Math.max(2, Math.floor(q.length / 3));
  const scored = [...new Set(candidates)].map((name) => ({ name, d: editDistance(q, norm(name)) })).filter((s) => s.d <= bound);
  const best = Math.min(...scored.map((s) => s.d));
  return scored.filter((s) => s.d === best).slice(0, 3).map((s) => s.name);
}
