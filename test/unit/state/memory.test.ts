import { createMemoryStateStore } from '../../../shared/state/memory.ts';
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
