import {
  type Claim,
  type ClaimInput,
  closesAt,
  expired,
  MAX_SIGNATURES,
  PENDING_RETAIN_SECONDS,
  type PendingSummary,
  pendingOf,
  pendingSlot,
  type StateStore,
  severityAttribute,
  summaryOfWindow,
  tallyOf,
  type WindowItem,
} from './store.ts';

const SWEEP_EVERY = 1000;

type Item = WindowItem & { expiresAt: number };

/**
 * The same windows as the DynamoDB store, in one process: replay keeps one for a whole run, so
 * dedupe and grouping show across its events; tests use it where DynamoDB is not the subject.
 */
export function createMemoryStateStore(): StateStore & { size(): number } {
  const items = new Map<string, Item>();
  let claims = 0;
  /**
   * What DynamoDB's TTL does for the table: forget items past their expiry (epoch seconds), judged
   * by event time, so a backtest over months of logs keeps memory flat.
   */
  const sweep = (atMs: number) => {
    for (const [key, item] of items) if (item.expiresAt * 1000 <= atMs) items.delete(key);
  };
  const current = (key: string, openedAt: number) => {
    const item = items.get(key);
    return item && item.openedAt === openedAt ? item : undefined;
  };
  return {
    size: () => items.size,
    async claim(input: ClaimInput): Promise<Claim> {
      if (++claims % SWEEP_EVERY === 0) sweep(input.at);
      const item = items.get(input.key);
      if (!item || closesAt(item) <= input.at || expired(item, input.now)) {
        const pending: Record<string, unknown> = { ...item?.pending };
        if (item && input.summarize && item.held > 0) {
          const p = summaryOfWindow(tallyOf(item), input.summarize);
          pending[pendingSlot(p)] = p;
        }
        const next: Item = {
          owner: input.owner,
          openedAt: input.at,
          endsAt: input.at + input.windowMs,
          rank: input.rank,
          held: 0,
          summarized: 0,
          expiresAt: input.expiresAt,
          ...(input.maxMs !== undefined ? { capAt: input.at + input.maxMs } : {}),
          ...(input.signature !== undefined ? { sigs: new Set([input.signature]) } : {}),
          ...(Object.keys(pending).length > 0 ? { pending } : {}),
        };
        items.set(input.key, next);
        const list = pendingOf(next);
        return list.length > 0 ? { outcome: 'opened', pending: list } : { outcome: 'opened' };
      }
      if (item.owner === input.owner) return { outcome: 'owner', window: tallyOf(item) };
      if (input.at <= item.openedAt - input.windowMs) return { outcome: 'outside', window: tallyOf(item) };
      const sigs = new Set(item.sigs ?? []);
      const remember = () => {
        if (input.signature === undefined || sigs.size >= MAX_SIGNATURES) return;
        item.sigs = new Set([...sigs, input.signature]);
      };
      if (input.rank > item.rank) {
        item.rank = input.rank;
        remember();
        return { outcome: 'louder', window: tallyOf(item) };
      }
      if (input.signature !== undefined && !sigs.has(input.signature)) {
        remember();
        return { outcome: 'news', window: tallyOf(item) };
      }
      if (input.maxMs !== undefined) item.endsAt = Math.max(item.endsAt, input.at + input.windowMs);
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
    async takeSummary(key, openedAt, seed, now, slot): Promise<PendingSummary[]> {
      const item = current(key, openedAt);
      if (item && item.held > 0) {
        const p = summaryOfWindow(tallyOf(item), seed, slot);
        item.summarizedTo = p.endsAt;
        item.pending = { ...item.pending, [pendingSlot(p)]: p };
        item.summarized += item.held;
        item.held = 0;
        for (const s of Object.keys(p.severities))
          delete item[severityAttribute(s as keyof typeof p.severities)];
        delete item.rules;
        item.expiresAt = Math.max(item.expiresAt, Math.ceil(now / 1000) + PENDING_RETAIN_SECONDS);
      }
      const found = items.get(key);
      return found ? pendingOf(found) : [];
    },
    async clearPending(key, sent) {
      const item = items.get(key);
      if (!item?.pending) return;
      const pending = { ...item.pending };
      for (const p of sent) delete pending[pendingSlot(p)];
      item.pending = pending;
    },
    async markScheduled(key, openedAt, summarized) {
      const item = current(key, openedAt);
      if (!item || item.scheduled === summarized) return false;
      item.scheduled = summarized;
      return true;
    },
  };
}
