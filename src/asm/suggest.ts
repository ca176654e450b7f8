/** Edit distance with adjacent transpositions (optimal string alignment), so `mvo` is 1 away from `mov`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest known word within distance 2 (ties: shorter, then alphabetical), or undefined. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const dist = editDistance(w, k);
    if (dist < bestD || (dist === bestD && best !== undefined && (k.length < best.length || (k.length === best.length && k < best)))) {
      best = k;
      bestD = dist;
    }
  }
  return best;
}
