import type { ClaimInput, PendingSummary, StateStore, SummarySeed } from '../../../shared/state/store.ts';

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
    now: T0,
    ...overrides,
  };
}

export const SEED: SummarySeed = {
  kind: 'cloudtrail',
  account: { id: '123456789012', alias: 'prod' },
  region: 'eu-west-1',
  actor: { kind: 'assumed-role', display: 'role terraform-ci', name: 'terraform-ci', crossAccount: false },
  eventId: 'ev-1',
};

/** The summary of a window that opened at T0 with alert-1, as a store takes it. */
function taken(overrides: Partial<PendingSummary>): PendingSummary {
  return {
    openedAt: T0,
    endsAt: T0 + 5 * MINUTE,
    owner: 'alert-1',
    from: 0,
    held: 1,
    severities: { medium: 1 },
    rules: ['iam-user-created'],
    seed: SEED,
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
          pending: [],
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

    it('opens a new window after the old one ends, taking what the old one held into a pending summary', async () => {
      const grouping = { key: key(), summarize: SEED };
      await store.claim(input(grouping));
      await store.claim(input({ ...grouping, owner: 'alert-2', at: T0 + MINUTE }));
      const after = await store.claim(input({ ...grouping, owner: 'alert-3', at: T0 + 5 * MINUTE }));
      expect(after).toEqual({ outcome: 'opened', pending: [taken({})] });
      const next = await store.claim(input({ ...grouping, owner: 'alert-4', at: T0 + 6 * MINUTE }));
      expect(next).toMatchObject({
        outcome: 'held',
        window: { owner: 'alert-3', held: 1, summarized: 0, pending: [taken({})] },
      });
    });

    it('hands a retried opener the summaries its first attempt carried', async () => {
      const grouping = { key: key(), summarize: SEED };
      await store.claim(input(grouping));
      await store.claim(input({ ...grouping, owner: 'alert-2', at: T0 + MINUTE }));
      await store.claim(input({ ...grouping, owner: 'alert-3', at: T0 + 5 * MINUTE }));
      const retry = await store.claim(input({ ...grouping, owner: 'alert-3', at: T0 + 5 * MINUTE }));
      expect(retry).toMatchObject({ outcome: 'owner', window: { pending: [taken({})] } });
    });

    it('drops what a closed window held when no summary is asked for (dedupe, flapping)', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      await expect(
        store.claim(input({ key: key(), owner: 'alert-3', at: T0 + 5 * MINUTE })),
      ).resolves.toEqual({ outcome: 'opened' });
    });

    it('treats a window past its expiry as gone: TTL may delete it with what it counted', async () => {
      const expiresAt = Math.ceil(T0 / 1000) + 60;
      await store.claim(input({ key: key(), expiresAt }));
      const late = await store.claim(
        input({ key: key(), owner: 'alert-2', at: T0 + MINUTE, now: (expiresAt + 1) * 1000 }),
      );
      expect(late).toEqual({ outcome: 'opened' });
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

    it('takes what a closing window holds into a summary that never changes; later ones start the next', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      await store.claim(input({ key: key(), owner: 'alert-3', at: T0 + MINUTE, severity: 'low', rank: 1 }));
      const first = taken({ held: 2, severities: { medium: 1, low: 1 } });
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([first]);
      await expect(store.window(key())).resolves.toMatchObject({
        held: 0,
        severities: {},
        rules: [],
        summarized: 2,
      });
      // Taken again (a retry): the same summary, still pending, nothing recounted.
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([first]);
      // Held after it was taken: the next summary, numbered from 2.
      await store.claim(
        input({ key: key(), owner: 'alert-4', at: T0 + 2 * MINUTE, rule: 'iam-group-changed' }),
      );
      const second = taken({ from: 2, held: 1, rules: ['iam-group-changed'] });
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([first, second]);
      await store.clearPending(key(), [first]);
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([second]);
      await store.clearPending(key(), [first, second]);
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([]);
    });

    it('takes nothing from a window that replaced the one asked about, but returns what is pending', async () => {
      const grouping = { key: key(), summarize: SEED };
      await store.claim(input(grouping));
      await store.claim(input({ ...grouping, owner: 'alert-2', at: T0 + MINUTE }));
      await store.claim(input({ ...grouping, owner: 'alert-3', at: T0 + 6 * MINUTE }));
      await store.claim(input({ ...grouping, owner: 'alert-4', at: T0 + 7 * MINUTE }));
      await expect(store.takeSummary(key(), T0, SEED, T0)).resolves.toEqual([taken({})]);
      await expect(store.window(key())).resolves.toMatchObject({ owner: 'alert-3', held: 1 });
    });

    it('carries what a closed window still holds alongside a summary of it still pending', async () => {
      const grouping = { key: key(), summarize: SEED };
      await store.claim(input(grouping));
      await store.claim(input({ ...grouping, owner: 'alert-2', at: T0 + MINUTE }));
      await store.takeSummary(key(), T0, SEED, T0);
      await store.claim(input({ ...grouping, owner: 'alert-3', at: T0 + 2 * MINUTE }));
      const next = await store.claim(input({ ...grouping, owner: 'alert-4', at: T0 + 5 * MINUTE }));
      expect(next).toEqual({ outcome: 'opened', pending: [taken({}), taken({ from: 1 })] });
    });

    it('clears nothing, quietly, for an unknown key or a summary already cleared', async () => {
      await expect(store.clearPending(`${key()}-none`, [taken({})])).resolves.toBeUndefined();
      await store.claim(input({ key: key() }));
      await expect(store.clearPending(key(), [taken({})])).resolves.toBeUndefined();
    });

    it('records a scheduled close once per summary, and forgets it when the next summary starts', async () => {
      await store.claim(input({ key: key() }));
      await store.claim(input({ key: key(), owner: 'alert-2', at: T0 + MINUTE }));
      await expect(store.window(key())).resolves.not.toHaveProperty('scheduled');
      await expect(store.markScheduled(key(), T0, 0)).resolves.toBe(true);
      await expect(store.markScheduled(key(), T0, 0)).resolves.toBe(false);
      await expect(store.window(key())).resolves.toMatchObject({ scheduled: 0, summarized: 0 });
      await store.takeSummary(key(), T0, SEED, T0);
      await expect(store.markScheduled(key(), T0, 1)).resolves.toBe(true);
      await expect(store.markScheduled(key(), T0 - 1, 1)).resolves.toBe(false);
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

    it('counts every held alert into exactly one summary while summaries are taken concurrently', async () => {
      await store.claim(input({ key: key() }));
      await Promise.all([
        ...Array.from({ length: 6 }, (_, i) =>
          store.claim(input({ key: key(), owner: `h-${i}`, at: T0 + MINUTE })),
        ),
        store.takeSummary(key(), T0, SEED, T0),
        store.takeSummary(key(), T0, SEED, T0),
      ]);
      const all = await store.takeSummary(key(), T0, SEED, T0);
      expect(all.reduce((n, p) => n + p.held, 0)).toBe(6);
      expect(new Set(all.map((p) => p.from)).size).toBe(all.length);
      await expect(store.window(key())).resolves.toMatchObject({ held: 0, summarized: 6 });
    });
  });
}
