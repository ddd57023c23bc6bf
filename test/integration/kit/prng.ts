// The seeded generator is the one the log generator uses: one implementation to trust.
export { seededRandom } from '../../../shared/backtest/generate.ts';

/** Picks a key with probability proportional to its weight. */
export function weighted<K extends string>(random: () => number, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as Array<[K, number]>;
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [key, w] of entries) {
    r -= w;
    if (r < 0) return key;
  }
  const last = entries.at(-1);
  if (last === undefined) throw new Error('no weights');
  return last[0];
}
