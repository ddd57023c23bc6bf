import { type Claim, type ClaimInput, type StateStore, tallyOf, type WindowItem } from './store.ts';

/**
 * The same windows as the DynamoDB store, in one process: replay keeps one for a whole run, so
 * dedupe and grouping show across its events; tests use it where DynamoDB is not the subject.
 */
export function createMemoryStateStore(): StateStore & { size(): number } {
  const items = new Map<string, WindowItem & { expiresAt: number }>();
  return {
    size: () => items.size,
    async claim(input: ClaimInput): Promise<Claim> {
      const item = items.get(input.key);
      if (!item || item.endsAt <= input.at) {
        items.set(input.key, {
          owner: input.owner,
          openedAt: input.at,
          endsAt: input.at + input.windowMs,
          rank: input.rank,
          held: 0,
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
  };
}
