import {
  type Claim,
  type ClaimInput,
  type StateStore,
  severityAttribute,
  tallyOf,
  type WindowItem,
} from './store.ts';

const SWEEP_EVERY = 1000;

/**
 * The same windows as the DynamoDB store, in one process: replay keeps one for a whole run, so
 * dedupe and grouping show across its events; tests use it where DynamoDB is not the subject.
 */
export function createMemoryStateStore(): StateStore & { size(): number } {
  const items = new Map<string, WindowItem & { expiresAt: number }>();
  let claims = 0;
  /**
   * What DynamoDB's TTL does for the table: forget items past their expiry (epoch seconds), judged
   * by event time, so a backtest over months of logs keeps memory flat.
   */
  const sweep = (atMs: number) => {
    for (const [key, item] of items) if (item.expiresAt * 1000 <= atMs) items.delete(key);
  };
  return {
    size: () => items.size,
    async claim(input: ClaimInput): Promise<Claim> {
      if (++claims % SWEEP_EVERY === 0) sweep(input.at);
      const item = items.get(input.key);
      if (!item || item.endsAt <= input.at) {
        items.set(input.key, {
          owner: input.owner,
          openedAt: input.at,
          endsAt: input.at + input.windowMs,
          rank: input.rank,
          held: 0,
          summarized: 0,
          expiresAt: input.expiresAt,
        });
        return item && item.held > 0 ? { outcome: 'opened', previous: tallyOf(item) } : { outcome: 'opened' };
      }
      if (item.owner === input.owner) return { outcome: 'owner', window: tallyOf(item) };
      if (input.at <= item.openedAt - input.windowMs) return { outcome: 'outside', window: tallyOf(item) };
      if (input.rank > item.rank) {
        item.rank = input.rank;
        return { outcome: 'louder', window: tallyOf(item) };
      }
      item.held += 1;
      const attr = `held_${input.severity}` as const;
      item[attr] = (item[attr] ?? 0) + 1;
      item.rules = new Set([...(item.rules ?? []), input.rule]);
      return { outcome: 'held', window: tallyOf(item) };
    },
    async window(key) {
      const item = items.get(key);
      return item ? tallyOf(item) : undefined;
    },
    async release(key, reported) {
      const item = items.get(key);
      if (
        !item ||
        item.openedAt !== reported.openedAt ||
        item.summarized !== reported.summarized ||
        item.held < reported.held
      )
        return undefined;
      item.held -= reported.held;
      item.summarized += reported.held;
      for (const [severity, n] of Object.entries(reported.severities)) {
        const attr = severityAttribute(severity as keyof typeof reported.severities);
        item[attr] = (item[attr] ?? 0) - (n ?? 0);
      }
      return { held: item.held };
    },
  };
}
