import type {
  BudgetStore,
  FoldInput,
  Lane,
  OverflowStore,
  TakeInput,
} from '../../../shared/state/send-budget.ts';

export const T0 = Date.parse('2026-11-21T09:14:27Z');
/** 60 a minute: one token a second, like Slack's default. */
const LIMITS = { perMinute: 60, burst: 3, reserve: 2 };

export function take(overrides: Partial<TakeInput> = {}): TakeInput {
  return { key: 'budget#slack#abc', lane: 'urgent', limits: LIMITS, now: T0, ...overrides };
}

export function fold(overrides: Partial<FoldInput> = {}): FoldInput {
  return {
    channel: 'slack',
    receiver: 'slack-default',
    severity: 'low',
    rule: 'iam-user-created',
    alerts: 1,
    title: 'IAM user created',
    account: { id: '123456789012', alias: 'prod' },
    region: 'eu-west-1',
    now: T0,
    staleAfterMs: STALE_MS,
    ...overrides,
  };
}

/** A flush scheduled longer ago than this is presumed lost (30 s delay + 5 receives of 180 s). */
export const STALE_MS = 930_000;

function at(now: number): { now: number; staleAfterMs: number } {
  return { now, staleAfterMs: STALE_MS };
}

async function grants(store: BudgetStore, inputs: TakeInput[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const i of inputs) out.push((await store.take(i)).granted);
  return out;
}

/** What every BudgetStore must do, memory or DynamoDB; `fresh` returns a store with no buckets. */
export function budgetStoreContract(name: string, fresh: () => BudgetStore): void {
  describe(`${name}: send budget`, () => {
    let key = 0;
    /** A bucket of its own per test: the DynamoDB table is shared by the whole file. */
    const bucket = () => `budget#slack#contract-${name.length}-${++key}-${Math.random()}`;

    it('gives the urgent lane the whole burst at once, then nothing', async () => {
      const store = fresh();
      const k = bucket();
      expect(
        await grants(
          store,
          [1, 2, 3, 4].map(() => take({ key: k })),
        ),
      ).toEqual([true, true, true, false]);
    });

    it('gives the bulk lane only what is above the reserve, and keeps the reserve for the urgent lane', async () => {
      const store = fresh();
      const k = bucket();
      expect(await grants(store, [take({ key: k, lane: 'bulk' }), take({ key: k, lane: 'bulk' })])).toEqual([
        true,
        false,
      ]);
      expect(
        await grants(
          store,
          [1, 2, 3].map(() => take({ key: k })),
        ),
      ).toEqual([true, true, false]);
    });

    it('refills one token per emission interval (60000 / perMinute ms)', async () => {
      const store = fresh();
      const k = bucket();
      await grants(
        store,
        [1, 2, 3].map(() => take({ key: k })),
      );
      expect((await store.take(take({ key: k, now: T0 + 999 }))).granted).toBe(false);
      expect((await store.take(take({ key: k, now: T0 + 1000 }))).granted).toBe(true);
      expect((await store.take(take({ key: k, now: T0 + 1000 }))).granted).toBe(false);
      // A quiet spell refills the bucket to its burst, never past it.
      expect(
        await grants(
          store,
          [1, 2, 3, 4].map(() => take({ key: k, now: T0 + 60_000 })),
        ),
      ).toEqual([true, true, true, false]);
    });

    it('grants criticals into debt up to debtMs, and the others wait until the debt is paid off', async () => {
      const store = fresh();
      const k = bucket();
      const criticals = await Promise.all(
        [1, 2, 3, 4, 5].map(() => store.take(take({ key: k, lane: 'critical', debtMs: 2000 }))),
      );
      expect(criticals.map((c) => c.granted)).toEqual([true, true, true, true, true]);
      // The debt is capped: two seconds of refill past an empty bucket, and no further.
      expect((await store.take(take({ key: k, lane: 'critical', debtMs: 2000 }))).granted).toBe(false);
      expect(
        (await store.take(take({ key: k, lane: 'critical', debtMs: 2000, now: T0 + 1000 }))).granted,
      ).toBe(true);
      expect(Math.max(...criticals.map((c) => c.tat ?? 0))).toBe(T0 + 5000);
      // Six tokens taken from a bucket of three: the urgent lane's next one comes at T0 + 4 s.
      expect((await store.take(take({ key: k, now: T0 + 3999 }))).granted).toBe(false);
      expect((await store.take(take({ key: k, now: T0 + 4000 }))).granted).toBe(true);
    });

    it('treats a critical without debtMs like the urgent lane: the burst, then nothing', async () => {
      const store = fresh();
      const k = bucket();
      expect(
        await grants(
          store,
          [1, 2, 3, 4].map(() => take({ key: k, lane: 'critical' })),
        ),
      ).toEqual([true, true, true, false]);
    });

    it('grants exactly the debt cap to many concurrent criticals', async () => {
      const store = fresh();
      const k = bucket();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.take(take({ key: k, lane: 'critical', debtMs: 4000 }))),
      );
      // Three in the bucket and four more seconds of refill: seven slots, T0 .. T0 + 6 s.
      expect(results.filter((r) => r.granted)).toHaveLength(7);
    });

    it('keeps buckets apart by key', async () => {
      const store = fresh();
      const a = bucket();
      const b = bucket();
      await grants(
        store,
        [1, 2, 3].map(() => take({ key: a })),
      );
      expect((await store.take(take({ key: a }))).granted).toBe(false);
      expect((await store.take(take({ key: b }))).granted).toBe(true);
    });

    it('grants exactly the burst to many concurrent takers, and no more', async () => {
      const store = fresh();
      const k = bucket();
      const limits = { perMinute: 60, burst: 5, reserve: 2 };
      const results = await Promise.all(
        Array.from({ length: 24 }, () => store.take(take({ key: k, limits }))),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(5);
    });

    it('under concurrent urgent and bulk takers, grants the burst in all and the bulk lane at most its share', async () => {
      const store = fresh();
      const k = bucket();
      const limits = { perMinute: 60, burst: 5, reserve: 2 };
      const lanes = Array.from({ length: 20 }, (_, i): Lane => (i % 2 === 0 ? 'bulk' : 'urgent'));
      const results = await Promise.all(lanes.map((lane) => store.take(take({ key: k, lane, limits }))));
      expect(results.filter((r) => r.granted)).toHaveLength(5);
      expect(results.filter((r, i) => r.granted && lanes[i] === 'bulk').length).toBeLessThanOrEqual(3);
    });
  });
}

/** What every OverflowStore must do; `fresh` returns a store with no tallies. */
export function overflowStoreContract(name: string, fresh: () => OverflowStore): void {
  describe(`${name}: overflow tally`, () => {
    let n = 0;
    const receiver = () => `r-${name.length}-${++n}-${Math.floor(Math.random() * 1e9)}`;

    it('counts notifications, the alerts they stand for, severities, rules and the loudest, newest examples', async () => {
      const store = fresh();
      const r = receiver();
      const first = await store.fold(fold({ receiver: r }));
      expect(first).toEqual({ notifications: 1, needsFlush: true, since: T0, firstCritical: false });
      await store.fold(
        fold({
          receiver: r,
          severity: 'high',
          rule: 's3-bucket-policy-public',
          alerts: 12,
          title: 'Summary of 12',
          now: T0 + 1000,
        }),
      );
      await store.fold(fold({ receiver: r, title: 'Third', now: T0 + 2000 }));
      await store.fold(fold({ receiver: r, title: 'Fourth, newer than the first', now: T0 + 3000 }));
      await store.fold(fold({ receiver: r, severity: 'info', title: 'Quieter: not kept', now: T0 + 4000 }));
      const [p, ...more] = await store.take('slack', r, T0 + 30_000);
      expect(more).toEqual([]);
      expect(p).toEqual({
        id: `${T0}-1`,
        channel: 'slack',
        receiver: r,
        notifications: 5,
        alerts: 16,
        severities: { high: 12, low: 3, info: 1 },
        rules: ['iam-user-created', 's3-bucket-policy-public'],
        examples: ['Summary of 12', 'Fourth, newer than the first', 'Third'],
        account: { id: '123456789012', alias: 'prod' },
        region: 'eu-west-1',
        from: T0,
        to: T0 + 4000,
        storm: T0,
      });
    });

    it('asks for one flush per tally: until it is marked, and again for the tally after a take', async () => {
      const store = fresh();
      const r = receiver();
      const first = await store.fold(fold({ receiver: r }));
      expect(first.needsFlush).toBe(true);
      expect(await store.markScheduled('slack', r, first.since, at(T0))).toBe(true);
      expect(await store.markScheduled('slack', r, first.since, at(T0))).toBe(false);
      expect((await store.fold(fold({ receiver: r }))).needsFlush).toBe(false);
      await store.take('slack', r, T0 + 30_000);
      const next = await store.fold(fold({ receiver: r, now: T0 + 31_000 }));
      expect(next).toEqual({ notifications: 1, needsFlush: true, since: T0 + 31_000, firstCritical: false });
      expect(await store.markScheduled('slack', r, first.since, at(T0 + 31_000))).toBe(false);
    });

    it('asks for a flush again when the one scheduled never took the tally (lost to the dead-letter queue)', async () => {
      const store = fresh();
      const r = receiver();
      const first = await store.fold(fold({ receiver: r }));
      expect(await store.markScheduled('slack', r, first.since, at(T0))).toBe(true);
      expect((await store.fold(fold({ receiver: r, now: T0 + STALE_MS }))).needsFlush).toBe(false);
      const late = await store.fold(fold({ receiver: r, now: T0 + STALE_MS + 1 }));
      expect(late).toMatchObject({ needsFlush: true, since: T0, notifications: 3 });
      expect(await store.markScheduled('slack', r, late.since, at(T0 + STALE_MS + 1))).toBe(true);
      expect(await store.markScheduled('slack', r, late.since, at(T0 + STALE_MS + 2))).toBe(false);
      expect((await store.fold(fold({ receiver: r, now: T0 + STALE_MS + 3 }))).needsFlush).toBe(false);
    });

    it('says which fold brought the tally its first critical, once per tally', async () => {
      const store = fresh();
      const r = receiver();
      expect((await store.fold(fold({ receiver: r }))).firstCritical).toBe(false);
      expect((await store.fold(fold({ receiver: r, severity: 'critical', alerts: 2 }))).firstCritical).toBe(
        true,
      );
      expect((await store.fold(fold({ receiver: r, severity: 'critical' }))).firstCritical).toBe(false);
      await store.take('slack', r, T0 + 1000);
      expect(
        (await store.fold(fold({ receiver: r, severity: 'critical', now: T0 + 2000 }))).firstCritical,
      ).toBe(true);
    });

    it('keeps a taken summary pending, unchanged, until it is cleared; later folds become the next one', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r }));
      const [taken] = await store.take('slack', r, T0 + 30_000);
      if (!taken) throw new Error('nothing taken');
      await store.markAttempted('slack', r, taken.id);
      await store.fold(fold({ receiver: r, now: T0 + 40_000, severity: 'medium' }));
      const again = await store.take('slack', r, T0 + 70_000);
      expect(again).toHaveLength(2);
      expect(again[0]).toEqual({ ...taken, attempted: true });
      expect(again[1]).toMatchObject({ id: `${T0 + 40_000}-2`, notifications: 1, severities: { medium: 1 } });
      await store.clear('slack', r, [taken?.id ?? '']);
      expect(await store.take('slack', r, T0 + 80_000)).toEqual([again[1]]);
      await store.clear('slack', r, [again[1]?.id ?? '', 'never-there']);
      expect(await store.take('slack', r, T0 + 90_000)).toEqual([]);
    });

    it('cuts example titles without splitting a character', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r, title: `${'a'.repeat(149)}\u{1F600}\u{1F600}` }));
      const [p] = await store.take('slack', r, T0 + 1000);
      const [title] = p?.examples ?? [];
      // No lone surrogate: half a character would render as garbage or be refused by the vendor.
      expect(title).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(title?.length).toBeLessThanOrEqual(150);
    });

    it('keeps the storm of tallies that follow each other within an hour, and starts another after', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r }));
      const [a] = await store.take('slack', r, T0 + 30_000);
      await store.clear('slack', r, [a?.id ?? '']);
      await store.fold(fold({ receiver: r, now: T0 + 40 * 60_000 }));
      const [b] = await store.take('slack', r, T0 + 41 * 60_000);
      await store.clear('slack', r, [b?.id ?? '']);
      await store.fold(fold({ receiver: r, now: T0 + 180 * 60_000 }));
      const [c] = await store.take('slack', r, T0 + 181 * 60_000);
      expect([a?.storm, b?.storm, c?.storm]).toEqual([T0, T0, T0 + 180 * 60_000]);
    });

    it('merges a tally into the newest summary no flush has begun to send, so an outage keeps the item small', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r, title: 'First' }));
      const [stuck] = await store.take('slack', r, T0 + 30_000);
      if (!stuck) throw new Error('nothing taken');
      await store.markAttempted('slack', r, stuck.id);
      // Its send keeps failing; meanwhile every flush takes another tally and never gets to send it.
      for (let i = 1; i <= 30; i++) {
        await store.fold(
          fold({ receiver: r, now: T0 + i * 60_000, severity: i === 7 ? 'high' : 'low', alerts: 2 }),
        );
        await store.take('slack', r, T0 + i * 60_000 + 30_000);
      }
      await store.markAttempted('slack', r, 'never-there');
      const pending = await store.take('slack', r, T0 + 40 * 60_000);
      expect(pending).toHaveLength(2);
      expect(pending[0]).toEqual({ ...stuck, attempted: true });
      expect(pending[1]).toMatchObject({
        notifications: 30,
        alerts: 60,
        severities: { high: 2, low: 58 },
        from: T0 + 60_000,
        to: T0 + 30 * 60_000,
      });
      // Once a flush has begun to send it, it never changes again: the next tally is a summary of its own.
      await store.markAttempted('slack', r, pending[1]?.id ?? '');
      await store.fold(fold({ receiver: r, now: T0 + 41 * 60_000 }));
      const after = await store.take('slack', r, T0 + 42 * 60_000);
      expect(after).toHaveLength(3);
      expect(after[1]).toEqual({ ...pending[1], attempted: true });
    });

    it('has nothing to take for a receiver that never folded, and clearing there is no error', async () => {
      const store = fresh();
      const r = receiver();
      expect(await store.take('slack', r, T0)).toEqual([]);
      await expect(store.clear('slack', r, ['x'])).resolves.toBeUndefined();
      expect(await store.markScheduled('slack', r, T0, at(T0))).toBe(false);
    });

    it('keeps channels apart', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r, channel: 'email' }));
      expect(await store.take('slack', r, T0)).toEqual([]);
      expect(await store.take('email', r, T0)).toHaveLength(1);
    });

    it('counts every one of many concurrent folds exactly once, however takes interleave with them', async () => {
      const store = fresh();
      const r = receiver();
      const folds = Array.from({ length: 40 }, (_, i) =>
        store.fold(fold({ receiver: r, alerts: (i % 3) + 1, now: T0 + i })),
      );
      const takes = [5, 15, 25].map((i) =>
        new Promise((resolve) => setTimeout(resolve, i)).then(() => store.take('slack', r, T0 + 100)),
      );
      await Promise.all([...folds, ...takes]);
      const pending = await store.take('slack', r, T0 + 200);
      const expectedAlerts = Array.from({ length: 40 }, (_, i) => (i % 3) + 1).reduce((a, b) => a + b, 0);
      expect(pending.reduce((sum, p) => sum + p.notifications, 0)).toBe(40);
      expect(pending.reduce((sum, p) => sum + p.alerts, 0)).toBe(expectedAlerts);
      expect(new Set(pending.map((p) => p.id)).size).toBe(pending.length);
    });
  });
}
