/**
 * Counts per key with a ceiling on distinct keys, so counting callers or reasons over months of
 * logs stays in constant memory. Past the ceiling the rarest half is dropped (their counts are
 * lost, so figures become lower bounds and `approximate` says so); keys that matter keep winning.
 */
export class BoundedCounter {
  private readonly counts = new Map<string, number>();
  approximate = false;

  constructor(private readonly capacity = 10_000) {}

  add(key: string, n = 1): void {
    const current = this.counts.get(key);
    if (current !== undefined) {
      this.counts.set(key, current + n);
      return;
    }
    if (this.counts.size >= this.capacity) this.prune();
    this.counts.set(key, n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  get size(): number {
    return this.counts.size;
  }

  /** Every key with its count, in the order keys were first counted. */
  entries(): Array<[string, number]> {
    return [...this.counts];
  }

  /** Highest counts first; ties by key so output is stable. */
  top(limit = Number.POSITIVE_INFINITY): Array<[string, number]> {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit);
  }

  private prune(): void {
    const sorted = [...this.counts.values()].sort((a, b) => a - b);
    const cut = sorted[Math.floor(sorted.length / 2)] ?? 0;
    for (const [k, v] of this.counts) if (v <= cut) this.counts.delete(k);
    // Every count tied at the median may be gone; never leave the map full.
    if (this.counts.size >= this.capacity) this.counts.clear();
    this.approximate = true;
  }
}
