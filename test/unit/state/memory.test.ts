import { readFileSync } from 'node:fs';
import { SUMMARY_RETAIN_MS } from '../../../shared/stages/grouping.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { PENDING_RETAIN_SECONDS } from '../../../shared/state/store.ts';
import { stateStoreContract } from './contract.ts';

stateStoreContract('in-memory', createMemoryStateStore);

describe('createMemoryStateStore expiry', () => {
  it('forgets windows past their expiry, as DynamoDB TTL would, so long backtests stay flat', async () => {
    const store = createMemoryStateStore();
    const hour = 3600_000;
    for (let i = 0; i < 1500; i++) {
      const at = Date.UTC(2026, 0, 1) + i * hour;
      await store.claim({
        key: `k${i}`,
        owner: `a${i}`,
        at,
        windowMs: 600_000,
        rank: 1,
        severity: 'low',
        rule: 'r',
        expiresAt: Math.floor((at + hour) / 1000),
        now: at,
      });
    }
    // The sweep at claim 1000 dropped every window that had expired by then (all but the newest).
    expect(store.size()).toBeLessThan(600);
    expect(store.size()).toBeGreaterThan(0);
  });
});

describe('how long grouping state outlives a failed group-close message', () => {
  const day = 24 * 3600_000;

  it('is at least as long as the group-close dead-letter queue keeps the message', () => {
    const core = readFileSync(new URL('../../../resources/core.yml', import.meta.url), 'utf8');
    const dlq = /GroupCloseDlq:\n(?:\s{4}.*\n)*?\s+MessageRetentionPeriod: (\d+)/.exec(core);
    expect(dlq?.[1]).toBeDefined();
    const retention = Number(dlq?.[1]);
    expect(retention).toBeGreaterThanOrEqual(14 * 24 * 3600);
    expect(PENDING_RETAIN_SECONDS).toBeGreaterThanOrEqual(retention);
    expect(SUMMARY_RETAIN_MS).toBeGreaterThanOrEqual(retention * 1000);
  });

  it('still finds a taken summary when the message is redriven 13 days later', async () => {
    const store = createMemoryStateStore();
    const t0 = Date.UTC(2026, 0, 1);
    const claim = (key: string, owner: string, at: number) =>
      store.claim({
        key,
        owner,
        at,
        windowMs: 300_000,
        rank: 1,
        severity: 'low',
        rule: 'r',
        expiresAt: Math.ceil((at + 300_000) / 1000) + 3600,
        now: at,
      });
    await claim('group#a', 'a1', t0);
    await claim('group#a', 'a2', t0 + 60_000);
    const seed = { kind: 'cloudtrail', account: { id: '1' }, region: 'r', eventId: 'e' } as const;
    const taken = await store.takeSummary('group#a', t0, seed, t0 + 400_000);
    expect(taken).toHaveLength(1);
    // Enough other claims 13 days on for the store's TTL sweep to run.
    for (let i = 0; i < 1000; i++) await claim(`other#${i}`, `o${i}`, t0 + 13 * day);
    await expect(store.takeSummary('group#a', t0, seed, t0 + 13 * day)).resolves.toEqual(taken);
  });
});
