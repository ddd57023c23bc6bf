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
    ...overrides,
  };
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

    it('always grants a critical, into debt, and the others wait until the debt is paid off', async () => {
      const store = fresh();
      const k = bucket();
      const criticals = await Promise.all(
        [1, 2, 3, 4, 5].map(() => store.take(take({ key: k, lane: 'critical' }))),
      );
      expect(criticals.map((c) => c.granted)).toEqual([true, true, true, true, true]);
      expect(Math.max(...criticals.map((c) => c.tat ?? 0))).toBe(T0 + 5000);
      // Five tokens taken from a bucket of three: the urgent lane's next one comes at T0 + 3 s.
      expect((await store.take(take({ key: k, now: T0 + 2999 }))).granted).toBe(false);
      expect((await store.take(take({ key: k, now: T0 + 3000 }))).granted).toBe(true);
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

    it('counts notifications, the alerts they stand for, severities, rules and the first examples', async () => {
      const store = fresh();
      const r = receiver();
      const first = await store.fold(fold({ receiver: r }));
      expect(first).toEqual({ notifications: 1, needsFlush: true, since: T0 });
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
      await store.fold(fold({ receiver: r, title: 'Fourth is not an example', now: T0 + 3000 }));
      const [p, ...more] = await store.take('slack', r, T0 + 30_000);
      expect(more).toEqual([]);
      expect(p).toEqual({
        id: `${T0}-1`,
        channel: 'slack',
        receiver: r,
        notifications: 4,
        alerts: 15,
        severities: { high: 12, low: 3 },
        rules: ['iam-user-created', 's3-bucket-policy-public'],
        examples: ['IAM user created', 'Summary of 12', 'Third'],
        account: { id: '123456789012', alias: 'prod' },
        region: 'eu-west-1',
        from: T0,
        to: T0 + 3000,
      });
    });

    it('asks for one flush per tally: until it is marked, and again for the tally after a take', async () => {
      const store = fresh();
      const r = receiver();
      const first = await store.fold(fold({ receiver: r }));
      expect(first.needsFlush).toBe(true);
      expect(await store.markScheduled('slack', r, first.since)).toBe(true);
      expect(await store.markScheduled('slack', r, first.since)).toBe(false);
      expect((await store.fold(fold({ receiver: r }))).needsFlush).toBe(false);
      await store.take('slack', r, T0 + 30_000);
      const next = await store.fold(fold({ receiver: r, now: T0 + 31_000 }));
      expect(next).toEqual({ notifications: 1, needsFlush: true, since: T0 + 31_000 });
      expect(await store.markScheduled('slack', r, first.since)).toBe(false);
    });

    it('keeps a taken summary pending, unchanged, until it is cleared; later folds become the next one', async () => {
      const store = fresh();
      const r = receiver();
      await store.fold(fold({ receiver: r }));
      const [taken] = await store.take('slack', r, T0 + 30_000);
      await store.fold(fold({ receiver: r, now: T0 + 40_000, severity: 'medium' }));
      const again = await store.take('slack', r, T0 + 70_000);
      expect(again).toHaveLength(2);
      expect(again[0]).toEqual(taken);
      expect(again[1]).toMatchObject({ id: `${T0 + 40_000}-2`, notifications: 1, severities: { medium: 1 } });
      await store.clear('slack', r, [taken?.id ?? '']);
      expect(await store.take('slack', r, T0 + 80_000)).toEqual([again[1]]);
      await store.clear('slack', r, [again[1]?.id ?? '', 'never-there']);
      expect(await store.take('slack', r, T0 + 90_000)).toEqual([]);
    });

    it('has nothing to take for a receiver that never folded, and clearing there is no error', async () => {
      const store = fresh();
      const r = receiver();
      expect(await store.take('slack', r, T0)).toEqual([]);
      await expect(store.clear('slack', r, ['x'])).resolves.toBeUndefined();
      expect(await store.markScheduled('slack', r, T0)).toBe(false);
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
