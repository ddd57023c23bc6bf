import {
  accountOf,
  type BudgetStore,
  emissionIntervalMs,
  laneLimit,
  OVERFLOW_EXAMPLE_MAX_CHARS,
  OVERFLOW_EXAMPLES_MAX,
  type OverflowStore,
  overflowKey,
  type PendingOverflow,
  pendingOfTally,
  pendingOverflowSlot,
  pendingOverflows,
  type TallyItem,
} from './send-budget.ts';

/**
 * The same buckets as the DynamoDB store, in one process: for tests, replay and a storm harness that
 * runs many notifier invocations against one shared store.
 */
export function createMemoryBudgetStore(): BudgetStore & { tat(key: string): number | undefined } {
  const buckets = new Map<string, number>();
  return {
    tat: (key) => buckets.get(key),
    async take({ key, lane, limits, now }) {
      const t = emissionIntervalMs(limits);
      const tat = Math.max(buckets.get(key) ?? now, now);
      if (tat > laneLimit(lane, limits, now)) return { granted: false };
      buckets.set(key, tat + t);
      return { granted: true, tat: tat + t };
    },
  };
}

export function createMemoryOverflowStore(): OverflowStore & { tally(key: string): TallyItem | undefined } {
  const items = new Map<string, TallyItem>();
  const itemFor = (key: string): TallyItem => {
    let item = items.get(key);
    if (!item) {
      item = {};
      items.set(key, item);
    }
    return item;
  };
  return {
    tally: (key) => {
      const item = items.get(key);
      return item ? structuredClone(item) : undefined;
    },
    async fold(input) {
      const item = itemFor(overflowKey(input.channel, input.receiver));
      item.since ??= input.now;
      item.lastAt = input.now;
      item.notifications = (item.notifications ?? 0) + 1;
      item.alerts = (item.alerts ?? 0) + input.alerts;
      const attr = `alerts_${input.severity}` as const;
      item[attr] = (item[attr] ?? 0) + input.alerts;
      item.rules = new Set([...(item.rules ?? []), input.rule]);
      item.account ??= accountOf(input.account);
      item.region ??= input.region;
      if (item.notifications <= OVERFLOW_EXAMPLES_MAX) {
        item.examples = {
          ...item.examples,
          [`e${item.notifications}`]: input.title.slice(0, OVERFLOW_EXAMPLE_MAX_CHARS),
        };
      }
      return {
        notifications: item.notifications,
        needsFlush: item.scheduled !== item.since,
        since: item.since,
      };
    },
    async markScheduled(channel, receiver, since) {
      const item = items.get(overflowKey(channel, receiver));
      if (!item || item.since !== since || item.scheduled === since) return false;
      item.scheduled = since;
      return true;
    },
    async take(channel, receiver, now): Promise<PendingOverflow[]> {
      const item = items.get(overflowKey(channel, receiver));
      if (!item) return [];
      const seq = (item.seq ?? 0) + 1;
      const p = pendingOfTally(item, channel, receiver, seq, now);
      if (p) {
        const { pending, expiresAt } = item;
        const next: TallyItem = { seq, pending: { ...pending, [pendingOverflowSlot(p.id)]: p } };
        if (expiresAt !== undefined) next.expiresAt = expiresAt;
        items.set(overflowKey(channel, receiver), next);
        return pendingOverflows(next);
      }
      return pendingOverflows(item);
    },
    async clear(channel, receiver, ids) {
      const item = items.get(overflowKey(channel, receiver));
      if (!item?.pending) return;
      const pending = { ...item.pending };
      for (const id of ids) delete pending[pendingOverflowSlot(id)];
      item.pending = pending;
    },
  };
}
