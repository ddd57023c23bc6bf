/**
 * Did-you-mean for configuration keys and names. Free of imports: channel settings (bundled into
 * the notifiers, which carry only zod/mini) use it too.
 */

/** Optimal string alignment distance: an insertion, deletion, substitution or swap of neighbours costs 1. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      let best = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
}

/**
 * The known key a typo most likely meant: the nearest by edit distance (case ignored), when it is
 * near enough that the reader would agree (at most 2 edits and fewer than half the letters).
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (best === undefined || d < best.d) best = { name, d };
  }
  if (best === undefined) return undefined;
  return best.d <= 2 && best.d * 2 < Math.max(key.length, best.name.length) ? best.name : undefined;
}
