import type { ClaimInput, StateStore } from '../../../shared/state/store.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-21T09:14:27Z');

export function input(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    key: 'group#test',
    owner: 'alert-1',
    at: T0,
    windowMs: 5 * MINUTE,
    rank: 2,
    severity: 'medium',
    rule: 'iam-user-created',
    expiresAt: Math.ceil((T0 + 5 * MINUTE) / 1000) + 3600,
    ...overrides,
  };
}

/** The behaviour every StateStore must have; run against memory and against DynamoDB (dynalite). */
export function stateStoreContract(name: string, make: () => StateStore): void {
  describe(`${name} StateStore`, () => {
    let store: StateStore;
    let n = 0;
    beforeEach(() => {
      store = make();
      n++;
    });
    const key = () => `group#contract-${n}`;

    it('opens a window for the first alert of a key', async () => {
      await expect(store.claim(input({ key: key() }))).resolves.toEqual({ outcome: 'opened' });
    });

    it('holds and counts later alerts within the window, per severity and rule', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE, rule: 'iam-group-changed' }));
      const third = await store.claim(
        input({ key: key(), owner: 'alert-3', at: T0 + 2 * MINUTE, severity: 'low', rank: 1 }),
      );
      expect(third).toEqual({
        outcome: 'held',
        window: {
          owner: 'alert-1',
          openedAt: T0,
          endsAt: T0 + 5 * MINUTE,
          rank: 2,
          held: 2,
          severities: { medium: 1, low: 1 },
          rules: ['iam-group-changed', 'iam-user-created'],
          summarized: 0,
        },
      });
    });

    it('sends the opener again when it is retried', async () => {
      await store.claim(input({ key: key() }));
      const retry = await store.claim(input({ key: key(), at: T0 }));
      expect(retry.outcome).toBe('owner');
    });

    it('lets a louder alert through and holds the next one as loud', async () => {
      await store.claim(input({ key: key() }));
      const louder = await store.claim(
        input({ key: key(), owner: 'alert-2', severity: 'critical', rank: 4, at: T0 + MINUTE }),
      );
      expect(louder).toMatchObject({ outcome: 'louder', window: { rank: 4, held: 0 } });
      const next = await store.claim(
        input({ key: key(), owner: 'alert-3', severity: 'critical', rank: 4, at: T0 + 2 * MINUTE }),
      );
      expect(next).toMatchObject({ outcome: 'held', window: { held: 1, severities: { critical: 1 } } });
    });

    it('opens a new window after the old one ends and hands back what the old one held', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      const after = await store.claim(input({ key: key(), owner: 'alert-3', at: T0 + 5 * MINUTE }));
      expect(after).toEqual({
        outcome: 'opened',
        previous: {
          owner: 'alert-1',
          openedAt: T0,
          endsAt: T0 + 5 * MINUTE,
          rank: 2,
          held: 1,
          severities: { medium: 1 },
          rules: ['iam-user-created'],
          summarized: 0,
        },
      });
      const next = await store.claim(input({ key: key(), owner: 'alert-4', at: T0 + 6 * MINUTE }));
      expect(next).toMatchObject({ outcome: 'held', window: { owner: 'alert-3', held: 1 } });
    });

    it('does not hand back a closed window that held nothing', async () => {
      await store.claim(input({ key: key() }));
      await expect(
        store.claim(input({ key: key(), owner: 'alert-2', at: T0 + 10 * MINUTE })),
      ).resolves.toEqual({ outcome: 'opened' });
    });

    it('lets through, uncounted, an event from a whole window before the open one', async () => {
      await store.claim(input({ key: key() }));
      const late = await store.claim(input({ key: key(), owner: 'old', at: T0 - 5 * MINUTE }));
      expect(late).toMatchObject({ outcome: 'outside', window: { held: 0 } });
    });

    it('reads a window as it is, and nothing for an unknown key', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE, severity: 'high', rank: 2 }));
      await expect(store.window(key())).resolves.toMatchObject({
        owner: 'alert-1',
        openedAt: T0,
        held: 1,
        severities: { high: 1 },
        summarized: 0,
      });
      await expect(store.window(`${key()}-none`)).resolves.toBeUndefined();
    });

    it('releases what a summary reported, once, keeping what was held since', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      await store.claim(input({ key: key(), owner: 'alert-3', at: T0 + MINUTE, severity: 'low', rank: 1 }));
      const reported = await store.window(key());
      if (!reported) throw new Error('no window');
      // Held after the summary was built, before it was released: must survive the release.
      await store.claim(input({ key: key(), owner: 'alert-4', at: T0 + 2 * MINUTE }));
      await expect(store.release(key(), reported)).resolves.toEqual({ held: 1 });
      await expect(store.window(key())).resolves.toMatchObject({
        held: 1,
        severities: { medium: 1 },
        summarized: 2,
      });
      // The same summary again (a redelivered message) takes nothing more.
      await expect(store.release(key(), reported)).resolves.toBeUndefined();
      await expect(store.window(key())).resolves.toMatchObject({ held: 1, summarized: 2 });
    });

    it('does not release into a window that replaced the reported one', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      const reported = await store.window(key());
      if (!reported) throw new Error('no window');
      const reopened = await store.claim(input({ key: key(), owner: 'alert-3', at: T0 + 6 * MINUTE }));
      expect(reopened).toMatchObject({ outcome: 'opened', previous: { held: 1 } });
      await expect(store.release(key(), reported)).resolves.toBeUndefined();
      await expect(store.window(key())).resolves.toMatchObject({ owner: 'alert-3', held: 0, summarized: 0 });
    });

    it('starts a released window over: the next held alert is the first again', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      const reported = await store.window(key());
      if (!reported) throw new Error('no window');
      await expect(store.release(key(), reported)).resolves.toEqual({ held: 0 });
      const late = await store.claim(input({ key: key(), owner: 'alert-3', at: T0 + 3 * MINUTE }));
      expect(late).toMatchObject({ outcome: 'held', window: { held: 1, summarized: 1 } });
    });

    it('keeps keys apart', async () => {
      await store.claim(input({ key: key() }));
      await expect(store.claim(input({ key: `${key()}-other`, owner: 'alert-2' }))).resolves.toEqual({
        outcome: 'opened',
      });
    });

    it('lets exactly one of several concurrent first alerts open the window', async () => {
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.claim(input({ key: key(), owner: `c-${i}` }))),
      );
      expect(claims.filter((c) => c.outcome === 'opened')).toHaveLength(1);
      expect(claims.filter((c) => c.outcome === 'held')).toHaveLength(7);
      const counts = claims.flatMap((c) => (c.outcome === 'held' ? [c.window.held] : [])).sort();
      expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });
  });
}
