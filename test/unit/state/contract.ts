import {
  type ClaimInput,
  MAX_SIGNATURES,
  type PendingSummary,
  type StateStore,
  type SummarySeed,
} from '../../../shared/state/store.ts';

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
    startsAt: T0,
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
          signatures: [],
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
      // Taken without a slot: it reports from where the first one ended.
      const second = taken({ from: 2, held: 1, rules: ['iam-group-changed'], startsAt: T0 + 5 * MINUTE });
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
      expect(next).toEqual({
        outcome: 'opened',
        pending: [taken({}), taken({ from: 1, startsAt: T0 + 5 * MINUTE })],
      });
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

    describe('grouping windows (maxMs)', () => {
      const group = (o: Partial<ClaimInput> = {}) =>
        input({ key: key(), summarize: SEED, maxMs: 60 * MINUTE, ...o });

      it('stays open while it holds alerts: each keeps it open windowMs past itself', async () => {
        await store.claim(group());
        for (let m = 4; m <= 16; m += 4)
          await expect(store.claim(group({ owner: `a-${m}`, at: T0 + m * MINUTE }))).resolves.toMatchObject({
            outcome: 'held',
            window: { owner: 'alert-1', endsAt: T0 + (m + 5) * MINUTE },
          });
        // An older straggler leaves the end where it is.
        await expect(store.claim(group({ owner: 'late', at: T0 + 2 * MINUTE }))).resolves.toMatchObject({
          outcome: 'held',
          window: { held: 5, endsAt: T0 + 21 * MINUTE },
        });
      });

      it('closes after windowMs with nothing held', async () => {
        await store.claim(group());
        await store.claim(group({ owner: 'a-2', at: T0 + 2 * MINUTE }));
        await expect(store.claim(group({ owner: 'a-7', at: T0 + 7 * MINUTE }))).resolves.toMatchObject({
          outcome: 'opened',
          pending: [taken({ endsAt: T0 + 7 * MINUTE })],
        });
      });

      it('closes at openedAt + maxMs however busy it is, and the next alert opens a new one', async () => {
        await store.claim(group());
        for (let m = 3; m < 60; m += 3) await store.claim(group({ owner: `a-${m}`, at: T0 + m * MINUTE }));
        await expect(store.window(key())).resolves.toMatchObject({ held: 19, endsAt: T0 + 60 * MINUTE });
        const next = await store.claim(group({ owner: 'a-60', at: T0 + 60 * MINUTE }));
        expect(next).toMatchObject({ outcome: 'opened', pending: [{ openedAt: T0, held: 19 }] });
        await expect(store.window(key())).resolves.toMatchObject({
          owner: 'a-60',
          openedAt: T0 + 60 * MINUTE,
        });
      });

      it('takes a summary about the slot asked for; the next one without a slot starts where it ended', async () => {
        await store.claim(group());
        await store.claim(group({ owner: 'a-4', at: T0 + 4 * MINUTE }));
        await store.claim(group({ owner: 'a-8', at: T0 + 8 * MINUTE }));
        const slot = { startsAt: T0 + 5 * MINUTE, endsAt: T0 + 10 * MINUTE };
        const first = taken({ ...slot, held: 2, severities: { medium: 2 } });
        await expect(store.takeSummary(key(), T0, SEED, T0 + 11 * MINUTE, slot)).resolves.toEqual([first]);
        await expect(store.window(key())).resolves.toMatchObject({ summarizedTo: T0 + 10 * MINUTE });
        await store.claim(group({ owner: 'a-12', at: T0 + 12 * MINUTE }));
        await expect(store.takeSummary(key(), T0, SEED, T0 + 13 * MINUTE)).resolves.toEqual([
          first,
          taken({ from: 2, startsAt: T0 + 10 * MINUTE, endsAt: T0 + 17 * MINUTE }),
        ]);
      });
    });

    describe('verdict signatures (critical alerts)', () => {
      const critical = (owner: string, minute: number, signature: string) =>
        input({
          key: key(),
          summarize: SEED,
          maxMs: 60 * MINUTE,
          owner,
          at: T0 + minute * MINUTE,
          severity: 'critical',
          rank: 4,
          signature,
        });

      it('holds a critical alert only when the window already sent its signature', async () => {
        await expect(store.claim(critical('c-0', 0, 'sig-a'))).resolves.toEqual({ outcome: 'opened' });
        await expect(store.claim(critical('c-1', 1, 'sig-a'))).resolves.toMatchObject({
          outcome: 'held',
          window: { held: 1, severities: { critical: 1 }, signatures: ['sig-a'] },
        });
        await expect(store.claim(critical('c-2', 2, 'sig-b'))).resolves.toMatchObject({
          outcome: 'news',
          window: { held: 1, signatures: ['sig-a', 'sig-b'] },
        });
        await expect(store.claim(critical('c-3', 3, 'sig-b'))).resolves.toMatchObject({
          outcome: 'held',
          window: { held: 2 },
        });
      });

      it('records the signature of a critical alert louder than the opener', async () => {
        await store.claim(input({ key: key(), summarize: SEED, maxMs: 60 * MINUTE }));
        await expect(store.claim(critical('c-1', 1, 'sig-a'))).resolves.toMatchObject({
          outcome: 'louder',
          window: { rank: 4, signatures: ['sig-a'] },
        });
        await expect(store.claim(critical('c-2', 2, 'sig-a'))).resolves.toMatchObject({ outcome: 'held' });
      });

      it(`remembers at most ${MAX_SIGNATURES} signatures, and sends new ones past that unremembered`, async () => {
        await store.claim(critical('c-0', 0, 'sig-0'));
        for (let i = 1; i < MAX_SIGNATURES; i++)
          expect((await store.claim(critical(`c-${i}`, 0, `sig-${i}`))).outcome).toBe('news');
        const past = await store.claim(critical('c-past', 1, 'sig-past'));
        expect(past).toMatchObject({ outcome: 'news' });
        if (past.outcome !== 'news') throw new Error('not news');
        expect(past.window.signatures).toHaveLength(MAX_SIGNATURES);
        expect(past.window.signatures).not.toContain('sig-past');
        expect((await store.claim(critical('c-again', 2, 'sig-past'))).outcome).toBe('news');
        expect((await store.claim(critical('c-repeat', 2, 'sig-7'))).outcome).toBe('held');
      });

      it('lets exactly one of several concurrent criticals with a new signature go out', async () => {
        await store.claim(critical('c-0', 0, 'sig-a'));
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) => store.claim(critical(`c-${i + 1}`, 1, 'sig-b'))),
        );
        expect(claims.filter((c) => c.outcome === 'news')).toHaveLength(1);
        expect(claims.filter((c) => c.outcome === 'held')).toHaveLength(5);
      });
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
