import { type Config, ConfigSchema } from '../../../shared/config/schema.ts';
import { describeActor } from '../../../shared/enrich/actor.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { defaultStages } from '../../../shared/pipeline/default-stages.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { type AlertStage, runStages, type StageContext } from '../../../shared/pipeline/stages.ts';
import { createAllowListStage } from '../../../shared/stages/allow-list.ts';
import { createDedupeStage } from '../../../shared/stages/dedupe.ts';
import { createFlappingStage, FLAPPING_RULE_ID } from '../../../shared/stages/flapping.ts';
import {
  createGroupingStage,
  GROUP_SUMMARY_RULE_ID,
  type GroupCloseRequest,
  SUMMARY_GRACE_MS,
  seedOf,
  slotOf,
  summaryAlert,
  verdictSignature,
} from '../../../shared/stages/grouping.ts';
import { createSilenceStage } from '../../../shared/stages/silence.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { type PendingSummary, type StateStore, StateStoreError } from '../../../shared/state/store.ts';
import { cloudTrailDetail, detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-21T09:14:27Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function config(extra: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    receivers: [{ name: 'slack', slack: { webhookUrlParameter: '/x/slack' } }],
    route: { receivers: ['slack'] },
    ...extra,
  });
}

function ctx(cfg: Config, event = loadEvent('iam/create-user.json')): StageContext {
  return { config: cfg, envelope: envelopeOf(event), now: new Date(T0), logger: silentLogger };
}

function ctAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'ct:1:s3-bucket-policy-changed',
    ruleId: 's3-bucket-policy-changed',
    title: 'S3 bucket policy changed',
    severity: 'low',
    status: 'firing',
    kind: 'cloudtrail',
    summary: 'role terraform-ci changed the policy of bucket example-data',
    account: { id: '123456789012', alias: 'example-production' },
    region: 'eu-west-1',
    time: at(0),
    actor: {
      kind: 'assumed-role',
      display: 'role terraform-ci (session GitHubActions)',
      name: 'terraform-ci',
      arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/GitHubActions',
      accountId: '123456789012',
      crossAccount: false,
    },
    resource: { type: 'bucket', name: 'example-data' },
    facts: [],
    links: [],
    dedupKey: 'cloud-alerts/s3-bucket-policy-changed/1',
    eventId: 'e-1',
    ...overrides,
  };
}

function alarm(n: number, status: 'firing' | 'resolved', minute: number): Alert {
  return {
    ...ctAlert(),
    id: `alarm:abc:${n}`,
    ruleId: 'cloudwatch-alarm',
    title: 'example-orders-api-errors',
    severity: 'high',
    status,
    kind: 'alarm',
    summary: 'Lambda errors',
    time: at(minute * MINUTE),
    actor: undefined,
    resource: { type: 'alarm', name: 'example-orders-api-errors' },
    dedupKey: 'cloud-alerts/alarm/abc',
    tags: { team: 'orders' },
  };
}

async function run(stage: AlertStage, alerts: Alert[], c: StageContext) {
  const out = await stage.run(alerts, c);
  return { ids: out.alerts.map((a) => a.id), suppressed: out.suppressed };
}

describe('allow-list stage', () => {
  const entry = {
    reason: 'Terraform CI applies reviewed bucket policies',
    actor: 'terraform-ci',
    rule: 's3-bucket-policy-*',
  };

  it('holds back a matching alert, giving the entry and its reason', async () => {
    const out = await run(createAllowListStage(), [ctAlert()], ctx(config({ allowList: [entry] })));
    expect(out).toEqual({
      ids: [],
      suppressed: [
        {
          alertId: 'ct:1:s3-bucket-policy-changed',
          ruleId: 's3-bucket-policy-changed',
          kind: 'allow-list',
          reason: 'allowList[0]: Terraform CI applies reviewed bucket policies',
        },
      ],
    });
  });

  it('lets through what the entry does not name: another rule, another actor', async () => {
    const c = ctx(config({ allowList: [entry] }));
    const other = ctAlert({ id: 'x', ruleId: 's3-bucket-acl-public' });
    const alice = ctAlert({
      id: 'y',
      actor: { kind: 'iam-user', display: 'IAM user alice', name: 'alice', crossAccount: false },
    });
    expect((await run(createAllowListStage(), [other, alice], c)).ids).toEqual(['x', 'y']);
  });

  it('matches the role ARN behind an assumed-role session, from the CloudTrail record', async () => {
    const event = loadEvent('s3/put-bucket-policy-org-pinned.json');
    const byRoleArn = { reason: 'CI', actor: 'arn:aws:iam::123456789012:role/terraform-ci' };
    const out = await run(
      createAllowListStage(),
      [ctAlert()],
      ctx(config({ allowList: [byRoleArn] }), event),
    );
    expect(out.ids).toEqual([]);
  });

  describe('actor is who called, never the session name the caller chose', () => {
    // s3-bucket-policy-public by a role the attacker controls, in a session it named terraform-ci:
    // `aws sts assume-role --role-arn …:role/attacker --role-session-name terraform-ci`.
    const publicPolicy = (identity: Record<string, unknown>) => {
      const event = loadEvent('s3/put-bucket-policy-public.json');
      detailOf(event).userIdentity = identity;
      const actor = describeActor(cloudTrailDetail(event).userIdentity, '123456789012');
      const alert = ctAlert({ id: 'pub', ruleId: 's3-bucket-policy-public', severity: 'critical', actor });
      return { event, alert };
    };
    const assumed = (role: string, session: string, account = '123456789012') => ({
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      accountId: account,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${account}:role/${role}`,
          accountId: account,
          userName: role,
        },
      },
    });
    const decide = async (allow: Record<string, unknown>, identity: Record<string, unknown>) => {
      const { event, alert } = publicPolicy(identity);
      const out = await run(createAllowListStage(), [alert], ctx(config({ allowList: [allow] }), event));
      return out.ids.length === 0 ? 'held back' : 'sent';
    };
    const glob = { reason: 'CI', actor: '*terraform-ci*', rule: 's3-bucket-policy-public' };

    it('sends a critical alert from another role whose session is named terraform-ci', async () => {
      expect(await decide(glob, assumed('attacker', 'terraform-ci'))).toBe('sent');
      expect(await decide({ ...glob, actor: '*/terraform-ci' }, assumed('attacker', 'terraform-ci'))).toBe(
        'sent',
      );
    });

    it('holds back the real terraform-ci role, by name, glob or role ARN, whatever its session', async () => {
      expect(await decide(glob, assumed('terraform-ci', 'GitHubActions'))).toBe('held back');
      expect(await decide({ ...glob, actor: 'terraform-ci' }, assumed('terraform-ci', 'x'))).toBe(
        'held back',
      );
      const byArn = { ...glob, actor: 'arn:aws:iam::123456789012:role/terraform-ci' };
      expect(await decide(byArn, assumed('terraform-ci', 'x'))).toBe('held back');
    });

    it('never matches the session ARN itself', async () => {
      const sessionArn = { ...glob, actor: 'arn:aws:sts::123456789012:assumed-role/*/terraform-ci' };
      expect(await decide(sessionArn, assumed('attacker', 'terraform-ci'))).toBe('sent');
    });

    it('matches a session name only through the explicit session field, beside the role', async () => {
      const entry = { ...glob, actor: 'terraform-ci', session: 'GitHubActions' };
      expect(await decide(entry, assumed('terraform-ci', 'GitHubActions'))).toBe('held back');
      expect(await decide(entry, assumed('terraform-ci', 'laptop-jane'))).toBe('sent');
      expect(await decide({ ...entry, session: 'Git*' }, assumed('terraform-ci', 'GitHubActions'))).toBe(
        'held back',
      );
      // The session name is the attacker's to choose; the role is not.
      expect(await decide(entry, assumed('attacker', 'GitHubActions'))).toBe('sent');
    });

    it('does not take a federated user name, chosen by whoever called GetFederationToken', async () => {
      const federated = {
        type: 'FederatedUser',
        principalId: '123456789012:terraform-ci',
        arn: 'arn:aws:sts::123456789012:federated-user/terraform-ci',
        accountId: '123456789012',
        sessionContext: {
          sessionIssuer: {
            type: 'IAMUser',
            arn: 'arn:aws:iam::123456789012:user/mallory',
            userName: 'mallory',
          },
        },
      };
      expect(await decide(glob, federated)).toBe('sent');
      expect(await decide({ ...glob, actor: 'mallory', session: 'terraform-ci' }, federated)).toBe(
        'held back',
      );
    });

    it('still matches an IAM user by name and ARN', async () => {
      const user = {
        type: 'IAMUser',
        arn: 'arn:aws:iam::123456789012:user/terraform-ci',
        accountId: '123456789012',
        userName: 'terraform-ci',
      };
      expect(await decide(glob, user)).toBe('held back');
      expect(await decide({ ...glob, actor: 'arn:aws:iam::123456789012:user/*' }, user)).toBe('held back');
    });
  });

  it('matches on user agent and source CIDR from the record', async () => {
    const event = loadEvent('s3/put-bucket-policy-org-pinned.json');
    const detail = detailOf(event);
    detail.userAgent = 'APN/1.0 HashiCorp/1.0 Terraform/1.9.5';
    detail.sourceIPAddress = '10.20.30.40';
    const c = (e: Record<string, unknown>) => ctx(config({ allowList: [e] }), event);
    const stage = createAllowListStage();
    const base = { reason: 'CI', actor: 'terraform-ci' };
    expect((await run(stage, [ctAlert()], c({ ...base, userAgent: '*Terraform*' }))).ids).toEqual([]);
    expect((await run(stage, [ctAlert()], c({ ...base, userAgent: 'aws-cli/*' }))).ids).toHaveLength(1);
    expect((await run(stage, [ctAlert()], c({ ...base, sourceIp: '10.0.0.0/8' }))).ids).toEqual([]);
    expect((await run(stage, [ctAlert()], c({ ...base, sourceIp: ['192.0.2.0/24'] }))).ids).toHaveLength(1);
  });

  it('ignores an entry that expired before the event happened, and honours it through its last day', async () => {
    const stage = createAllowListStage();
    const expired = config({ allowList: [{ ...entry, expires: '2026-11-20' }] });
    const lastDay = config({ allowList: [{ ...entry, expires: '2026-11-21' }] });
    expect((await run(stage, [ctAlert()], ctx(expired))).ids).toEqual(['ct:1:s3-bucket-policy-changed']);
    expect((await run(stage, [ctAlert()], ctx(lastDay))).ids).toEqual([]);
    const timestamp = config({ allowList: [{ ...entry, expires: '2026-11-21T09:00:00Z' }] });
    expect((await run(stage, [ctAlert()], ctx(timestamp))).ids).toHaveLength(1);
  });
});

describe('silence stage', () => {
  const silence = {
    match: { rule: 's3-*', account: 'example-production' },
    startsAt: '2026-11-21T09:00:00Z',
    endsAt: '2026-11-21T10:00:00Z',
    comment: 'bucket migration CHG-1',
    createdBy: 'jane@example.com',
  };

  it('holds back a matching alert inside its window, naming it', async () => {
    const out = await run(createSilenceStage(), [ctAlert()], ctx(config({ silences: [silence] })));
    expect(out.suppressed).toEqual([
      {
        alertId: 'ct:1:s3-bucket-policy-changed',
        ruleId: 's3-bucket-policy-changed',
        kind: 'silence',
        reason: 'silences[0] until 2026-11-21T10:00:00Z by jane@example.com: bucket migration CHG-1',
      },
    ]);
  });

  it.each([
    ['before it starts', '2026-11-21T08:59:59Z', 1],
    ['at its start', '2026-11-21T09:00:00Z', 0],
    ['just before its end', '2026-11-21T09:59:59Z', 0],
    ['at its end', '2026-11-21T10:00:00Z', 1],
  ])('judges an event %s by when it happened', async (_label, time, kept) => {
    const out = await run(createSilenceStage(), [ctAlert({ time })], ctx(config({ silences: [silence] })));
    expect(out.ids).toHaveLength(kept);
  });

  it('falls back to the clock when the alert time is unreadable', async () => {
    const c = { ...ctx(config({ silences: [silence] })), now: new Date('2026-11-21T11:00:00Z') };
    expect((await run(createSilenceStage(), [ctAlert({ time: 'yesterday' })], c)).ids).toHaveLength(1);
  });

  it('lets a resolve through unless the silence names status: resolved', async () => {
    const resolved = {
      ...alarm(1, 'resolved', 0),
      account: { id: '123456789012', alias: 'example-production' },
    };
    const bySource = { ...silence, match: { source: 'alarm' } };
    expect(
      (await run(createSilenceStage(), [resolved], ctx(config({ silences: [bySource] })))).ids,
    ).toHaveLength(1);
    const withResolved = { ...silence, match: { source: 'alarm', status: 'resolved' } };
    expect(
      (await run(createSilenceStage(), [resolved], ctx(config({ silences: [withResolved] })))).ids,
    ).toEqual([]);
  });
});

describe('dedupe stage', () => {
  const cfg = config({ dedupe: { windowMinutes: 10 } });

  it('sends the same rule, actor and resource once within the window', async () => {
    const stage = createDedupeStage(createMemoryStateStore());
    const c = ctx(cfg);
    expect((await run(stage, [ctAlert()], c)).ids).toHaveLength(1);
    const again = await run(stage, [ctAlert({ id: 'ct:2', time: at(9 * MINUTE) })], c);
    expect(again.ids).toEqual([]);
    expect(again.suppressed[0]?.kind).toBe('dedupe');
    expect(again.suppressed[0]?.reason).toBe(
      'same rule, actor, resource and verdict as ct:1:s3-bucket-policy-changed, sent at 2026-11-21T09:14:27.000Z; repeat 1 within 10 minutes',
    );
    expect((await run(stage, [ctAlert({ id: 'ct:3', time: at(10 * MINUTE) })], c)).ids).toEqual(['ct:3']);
  });

  it('treats another resource, a louder repeat or a success after a denied try as news', async () => {
    const stage = createDedupeStage(createMemoryStateStore());
    const c = ctx(cfg);
    await run(stage, [ctAlert({ attempted: true })], c);
    const out = await run(
      stage,
      [
        ctAlert({ id: 'other-bucket', resource: { type: 'bucket', name: 'other' } }),
        ctAlert({ id: 'louder', severity: 'critical' }),
        ctAlert({ id: 'succeeded' }),
      ],
      c,
    );
    expect(out.ids).toEqual(['other-bucket', 'louder', 'succeeded']);
  });

  it('sends a Lambda retry of the first alert again', async () => {
    const stage = createDedupeStage(createMemoryStateStore());
    await run(stage, [ctAlert()], ctx(cfg));
    expect((await run(stage, [ctAlert()], ctx(cfg))).ids).toHaveLength(1);
  });

  it('leaves alarms alone and is off at windowMinutes 0', async () => {
    const stage = createDedupeStage(createMemoryStateStore());
    const alarms = [alarm(1, 'firing', 0), alarm(2, 'firing', 1)];
    expect((await run(stage, alarms, ctx(cfg))).ids).toHaveLength(2);
    const off = ctx(config({ dedupe: { windowMinutes: 0 } }));
    expect((await run(stage, [ctAlert(), ctAlert({ id: 'b' })], off)).ids).toHaveLength(2);
  });

  it('sends the alert when the state store fails: a duplicate beats a missed page', async () => {
    const failing: StateStore = {
      claim: async () => Promise.reject(new StateStoreError('throttled')),
      window: async () => Promise.reject(new StateStoreError('throttled')),
      takeSummary: async () => Promise.reject(new StateStoreError('throttled')),
      clearPending: async () => Promise.reject(new StateStoreError('throttled')),
      markScheduled: async () => Promise.reject(new StateStoreError('throttled')),
    };
    const warned: string[] = [];
    const c = { ...ctx(cfg), logger: { ...silentLogger, warn: (m: string) => void warned.push(m) } };
    expect((await run(createDedupeStage(failing), [ctAlert()], c)).ids).toHaveLength(1);
    expect(warned).toEqual(['state store failed; sending the alert without noise control']);
  });
});

describe('grouping stage', () => {
  const cfg = config({ grouping: { groupIntervalMinutes: 5, repeatIntervalMinutes: 60 } });
  const burst = (i: number, minute: number, extra: Partial<Alert> = {}) =>
    ctAlert({
      id: `ct:${i}`,
      ruleId: i % 2 ? 'iam-user-created' : 'iam-group-changed',
      time: at(minute * MINUTE),
      ...extra,
    });
  /** A bucket made public: the same verdict whichever bucket it is. */
  const exposure = (i: number, minute: number, extra: Partial<Alert> = {}) =>
    burst(i, minute, {
      ruleId: 's3-bucket-acl-public',
      severity: 'critical',
      verdict: 'Public now: READ to everyone (AllUsers).',
      resource: { type: 'bucket', name: `example-${i}` },
      ...extra,
    });

  it('sends the first of a burst, holds the rest, and summarises them with the next alert after the group closes', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    expect((await run(stage, [burst(0, 0)], c)).ids).toEqual(['ct:0']);
    for (let i = 1; i <= 14; i++) {
      const held = await run(stage, [burst(i, i / 4)], c);
      expect(held.ids).toEqual([]);
      expect(held.suppressed[0]?.kind).toBe('group');
    }
    // The last held alert (minute 3.5) kept the group open until minute 8.5.
    expect((await run(stage, [burst(15, 8)], c)).ids).toEqual([]);
    const next = await stage.run([burst(16, 14)], c);
    expect(next.alerts.map((a) => a.id)).toEqual(['ct:16', `${next.alerts[1]?.id}`]);
    const summary = next.alerts[1];
    expect(summary).toMatchObject({
      ruleId: GROUP_SUMMARY_RULE_ID,
      title: '15 more alerts by role/terraform-ci',
      severity: 'low',
      status: 'firing',
      summary:
        "and 15 more by role/terraform-ci in the 13 minutes from 2026-11-21T09:14:27.000Z (held back: the group's first alert went out at 2026-11-21T09:14:27.000Z)",
      facts: [
        { label: 'Held back', value: '15 low' },
        { label: 'Rules', value: 'iam-group-changed, iam-user-created' },
        { label: 'First alert sent', value: 'ct:0' },
      ],
      time: '2026-11-21T09:27:27.000Z',
      covers: 15,
    });
    expect(summary?.dedupKey).toMatch(/^cloud-alerts\/group\/group#[0-9a-f]{32}\/\d+$/);
  });

  it('gives the opener and every summary of a group one dedup key (one PagerDuty incident), and the next group another', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    const first = await stage.run([burst(0, 0)], c);
    const key = first.alerts[0]?.dedupKey;
    expect(key).toMatch(/^cloud-alerts\/group\/group#[0-9a-f]{32}\/1795252467000$/);
    expect(key?.length).toBeLessThanOrEqual(255);
    await run(stage, [burst(1, 1)], c);
    const next = await stage.run([burst(2, 20)], c);
    expect(next.alerts.map((a) => a.dedupKey)).toEqual([key?.replace(/\d+$/, String(T0 + 20 * MINUTE)), key]);
  });

  it('repeats the carried summary, unchanged, when the alert that carried it is retried before it went out', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    for (let i = 1; i <= 3; i++) await run(stage, [burst(i, i)], c);
    const first = await stage.run([burst(4, 9)], c);
    expect(first.alerts.map((a) => a.title)).toEqual([
      expect.any(String),
      '3 more alerts by role/terraform-ci',
    ]);
    // PutEvents failed, Lambda retries the same event: the summary must come again, the same one.
    const retry = await stage.run([burst(4, 9)], c);
    expect(retry.alerts).toEqual(first.alerts);
    // Once on the bus it is forgotten: a further retry sends only the alert.
    for (const after of retry.afterPublish ?? []) await after();
    expect((await stage.run([burst(4, 9)], c)).alerts.map((a) => a.id)).toEqual(['ct:4']);
  });

  it('never holds an alert louder than what the group sent, and lets it keep its own dedup key', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    const louder = await stage.run([burst(1, 1, { severity: 'high' })], c);
    expect(louder.alerts.map((a) => [a.id, a.dedupKey])).toEqual([
      ['ct:1', 'cloud-alerts/s3-bucket-policy-changed/1'],
    ]);
    expect((await run(stage, [burst(2, 2, { severity: 'high' })], c)).ids).toEqual([]);
  });

  it('holds a critical alert that repeats a verdict the group already sent: 600 public buckets are one page', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    expect((await run(stage, [exposure(0, 0)], c)).ids).toEqual(['ct:0']);
    for (let i = 1; i < 600; i++) {
      const held = await run(stage, [exposure(i, (i / 600) * 5)], c);
      expect(held.ids).toEqual([]);
    }
    const next = await stage.run([burst(600, 30)], c);
    expect(next.alerts[1]).toMatchObject({
      title: '599 more alerts by role/terraform-ci',
      severity: 'critical',
      covers: 599,
      facts: expect.arrayContaining([{ label: 'Held back', value: '599 critical' }]),
    });
  });

  it('sends at once a critical alert whose verdict the group has not sent (a denied probe cannot hide the real change)', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    const probe = exposure(0, 0, { attempted: true });
    expect((await run(stage, [probe], c)).ids).toEqual(['ct:0']);
    // The same rule and verdict, but done this time: news.
    expect((await run(stage, [exposure(1, 1)], c)).ids).toEqual(['ct:1']);
    // Another verdict of the same rule: news too.
    expect(
      (await run(stage, [exposure(2, 2, { verdict: 'Public now: WRITE to everyone (AllUsers).' })], c)).ids,
    ).toEqual(['ct:2']);
    // Repeats of each are held.
    expect((await run(stage, [exposure(3, 3)], c)).ids).toEqual([]);
    expect((await run(stage, [exposure(4, 3, { attempted: true })], c)).ids).toEqual([]);
    const held = await run(
      stage,
      [exposure(5, 3, { verdict: 'Public now: WRITE to everyone (AllUsers).' })],
      c,
    );
    expect(held.ids).toEqual([]);
    expect(held.suppressed[0]?.reason).toMatch(/a critical verdict the group already sent/);
    // Lower alerts are held as before.
    expect((await run(stage, [burst(6, 4)], c)).ids).toEqual([]);
  });

  it('signs a critical alert by rule, verdict and denial, never by resource', () => {
    const a = exposure(1, 0);
    expect(verdictSignature(a)).toBe(
      verdictSignature(exposure(2, 3, { resource: { type: 'bucket', name: 'other' } })),
    );
    expect(verdictSignature(a)).not.toBe(verdictSignature(exposure(1, 0, { attempted: true })));
    expect(verdictSignature(a)).not.toBe(verdictSignature(exposure(1, 0, { verdict: 'Public now: WRITE.' })));
    expect(verdictSignature(a)).not.toBe(
      verdictSignature(exposure(1, 0, { ruleId: 's3-bucket-policy-public' })),
    );
    expect(verdictSignature(a)).toMatch(/^[0-9a-f]{16}$/);
    // One generic verdict for every call (root-usage): the call keeps a sign-in and LeaveOrganization apart.
    expect(verdictSignature(a, 'signin.amazonaws.com:ConsoleLogin')).not.toBe(
      verdictSignature(a, 'organizations.amazonaws.com:LeaveOrganization'),
    );
  });

  it('groups per actor', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    const alice = burst(1, 1, {
      actor: { kind: 'iam-user', display: 'IAM user alice', name: 'alice', crossAccount: false },
    });
    expect((await run(stage, [alice], c)).ids).toEqual(['ct:1']);
  });

  it('closes the group at the repeat interval however busy it is: the next alert goes out in full and opens a new one', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const c = ctx(config({ grouping: { groupIntervalMinutes: 5, repeatIntervalMinutes: 30 } }));
    await run(stage, [burst(0, 0)], c);
    for (let m = 2; m < 30; m += 2) expect((await run(stage, [burst(m, m)], c)).ids).toEqual([]);
    const reminder = await stage.run([burst(30, 30)], c);
    expect(reminder.alerts[0]).toMatchObject({
      id: 'ct:30',
      dedupKey: expect.stringMatching(/\/1795254267000$/),
    });
    expect(reminder.alerts[1]).toMatchObject({ ruleId: GROUP_SUMMARY_RULE_ID, covers: 14 });
  });

  it('asks once per summary, for the end of the slot its first held alert fell in, plus a grace', async () => {
    const requests: GroupCloseRequest[] = [];
    const store = createMemoryStateStore();
    const stage = createGroupingStage(store, { schedule: async (r) => void requests.push(r) });
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    expect(requests).toEqual([]);
    for (let i = 1; i <= 3; i++) await run(stage, [burst(i, i)], c);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      openedAt: T0,
      windowMs: 5 * MINUTE,
      slot: { startsAt: T0, endsAt: T0 + 5 * MINUTE },
      at: T0 + MINUTE,
      // The rest of the slot in event time, so a late-delivered burst is summarised as late.
      dueInMs: 4 * MINUTE + SUMMARY_GRACE_MS,
      seed: { kind: 'cloudtrail', actor: { name: 'terraform-ci' }, account: { id: '123456789012' } },
    });
    const key = requests[0]?.key ?? '';
    expect(key).toMatch(/^group#[0-9a-f]{32}$/);
    // The group is still open at minute 7: the slot's summary is taken, the next held alert asks for its slot.
    await store.takeSummary(
      key,
      T0,
      requests[0]?.seed ?? seedOf(burst(1, 1)),
      T0 + 6 * MINUTE,
      requests[0]?.slot,
    );
    await run(stage, [burst(4, 7)], c);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({
      slot: { startsAt: T0 + 5 * MINUTE, endsAt: T0 + 10 * MINUTE },
      dueInMs: 3 * MINUTE + SUMMARY_GRACE_MS,
    });
  });

  it('ends the last slot at the repeat interval', () => {
    expect(slotOf(T0, T0 + 58 * MINUTE, 7 * MINUTE, 60 * MINUTE)).toEqual({
      startsAt: T0 + 56 * MINUTE,
      endsAt: T0 + 60 * MINUTE,
    });
    expect(slotOf(T0, T0 + 5 * MINUTE, 5 * MINUTE, 60 * MINUTE)).toEqual({
      startsAt: T0 + 5 * MINUTE,
      endsAt: T0 + 10 * MINUTE,
    });
  });

  it('still holds the alert when the summary cannot be scheduled, says so, and lets the next held alert ask again', async () => {
    const errors: string[] = [];
    let calls = 0;
    const stage = createGroupingStage(createMemoryStateStore(), {
      schedule: async () => {
        calls++;
        if (calls === 1) throw new Error('SQS down');
      },
    });
    const c = { ...ctx(cfg), logger: { ...silentLogger, error: (m: string) => void errors.push(m) } };
    await run(stage, [burst(0, 0)], c);
    expect((await run(stage, [burst(1, 1)], c)).ids).toEqual([]);
    expect(errors).toEqual(['group summary not scheduled; the next held alert tries again']);
    for (let i = 2; i <= 4; i++) await run(stage, [burst(i, i)], c);
    expect(calls).toBe(2);
  });

  it('does not let a held alert skip asking because of an ask still in flight that then fails', async () => {
    let failFirst!: () => void;
    const firstAsk = new Promise<void>((_, reject) => {
      failFirst = () => reject(new Error('SQS down'));
    });
    const requests: GroupCloseRequest[] = [];
    let calls = 0;
    const stage = createGroupingStage(createMemoryStateStore(), {
      schedule: async (r) => {
        if (++calls === 1) return firstAsk;
        requests.push(r);
      },
    });
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    const slow = run(stage, [burst(1, 1)], c);
    // Held while the first ask is still on its way: it asks too.
    await run(stage, [burst(2, 2)], c);
    failFirst();
    await slow;
    expect(calls).toBe(2);
    expect(requests).toHaveLength(1);
    // Recorded now: further held alerts need not ask.
    await run(stage, [burst(3, 3)], c);
    expect(calls).toBe(2);
  });

  it('asks again for alerts held after the summary was taken, and not before', async () => {
    const store = createMemoryStateStore();
    const requests: GroupCloseRequest[] = [];
    const stage = createGroupingStage(store, { schedule: async (r) => void requests.push(r) });
    const c = ctx(cfg);
    await run(stage, [burst(0, 0)], c);
    await run(stage, [burst(1, 1)], c);
    await run(stage, [burst(2, 2)], c);
    expect(requests).toHaveLength(1);
    const key = requests[0]?.key ?? '';
    await store.takeSummary(key, T0, requests[0]?.seed ?? seedOf(burst(1, 1)), T0 + 6 * MINUTE);
    // A straggler: it happened inside the first slot but arrived after its summary was taken.
    await run(stage, [burst(3, 4)], c);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({
      key,
      openedAt: T0,
      at: T0 + 4 * MINUTE,
      slot: { endsAt: T0 + 5 * MINUTE },
    });
  });

  it('gives a later summary of the same group its own id, so it is not taken for a repeat, and says which slot it reports', () => {
    const pending: PendingSummary = {
      owner: 'ct:0',
      openedAt: T0,
      startsAt: T0 + 5 * MINUTE,
      endsAt: T0 + 10 * MINUTE,
      from: 0,
      held: 2,
      severities: { low: 2 },
      rules: ['iam-user-created'],
      seed: seedOf(burst(1, 1)),
    };
    const first = summaryAlert('group#k', pending);
    const later = summaryAlert('group#k', { ...pending, from: 2 });
    expect(first.id).toBe(`group#k:${T0}`);
    expect(later.id).toBe(`group#k:${T0}:2`);
    expect(later.dedupKey).toBe(first.dedupKey);
    expect(later.summary).toBe(
      "and 2 more by role/terraform-ci in the 5 minutes from 2026-11-21T09:19:27.000Z (held back: the group's first alert went out at 2026-11-21T09:14:27.000Z)",
    );
    expect(later.time).toBe('2026-11-21T09:24:27.000Z');
  });

  it('is on by default, with Alertmanager-like timers: 5-minute group interval, 60-minute repeat interval', async () => {
    expect(config().grouping).toEqual({ groupIntervalMinutes: 5, repeatIntervalMinutes: 60 });
    const stage = createGroupingStage(createMemoryStateStore());
    expect((await run(stage, [burst(0, 0), burst(1, 0)], ctx(config()))).ids).toEqual(['ct:0']);
  });

  it('is off at groupIntervalMinutes 0', async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const off = ctx(config({ grouping: { groupIntervalMinutes: 0 } }));
    expect((await run(stage, [burst(0, 0), burst(1, 0)], off)).ids).toHaveLength(2);
  });
});

describe('flapping stage', () => {
  const cfg = config({ flapping: { transitions: 4, windowMinutes: 30 } });

  it('sends up to the limit, then one flapping notice, then holds triggers and passes resolves', async () => {
    const stage = createFlappingStage(createMemoryStateStore());
    const c = ctx(cfg);
    const sent: string[][] = [];
    const held: string[] = [];
    for (let i = 0; i < 8; i++) {
      const out = await stage.run([alarm(i, i % 2 ? 'resolved' : 'firing', i * 3)], c);
      sent.push(out.alerts.map((a) => `${a.ruleId}/${a.status}`));
      held.push(...out.suppressed.map((s) => s.kind));
    }
    expect(sent).toEqual([
      ['cloudwatch-alarm/firing'],
      ['cloudwatch-alarm/resolved'],
      ['cloudwatch-alarm/firing'],
      ['cloudwatch-alarm/resolved'],
      [`${FLAPPING_RULE_ID}/firing`],
      ['cloudwatch-alarm/resolved'],
      [],
      ['cloudwatch-alarm/resolved'],
    ]);
    expect(held).toEqual(['flapping', 'flapping']);
  });

  it('gives the notice its own dedup key, so the alarm’s resolves do not close it', async () => {
    const stage = createFlappingStage(createMemoryStateStore());
    const c = ctx(cfg);
    let notice: Alert | undefined;
    for (let i = 0; i < 5; i++)
      notice = (await stage.run([alarm(i, i % 2 ? 'resolved' : 'firing', i)], c)).alerts[0];
    expect(notice).toMatchObject({
      ruleId: FLAPPING_RULE_ID,
      dedupKey: 'cloud-alerts/alarm/abc/flapping',
      title: 'Flapping: example-orders-api-errors',
      summary:
        '5 state changes within 30 minutes: further triggers are held until 2026-11-21T09:44:27.000Z; resolves still go through',
    });
  });

  it('raises the notice alongside a resolve that crosses the limit', async () => {
    const stage = createFlappingStage(createMemoryStateStore());
    const c = ctx(config({ flapping: { transitions: 1, windowMinutes: 30 } }));
    await stage.run([alarm(0, 'firing', 0)], c);
    const out = await stage.run([alarm(1, 'resolved', 1)], c);
    expect(out.alerts.map((a) => `${a.ruleId}/${a.status}`)).toEqual([
      'cloudwatch-alarm/resolved',
      `${FLAPPING_RULE_ID}/firing`,
    ]);
  });

  it('starts afresh once the window has closed', async () => {
    const stage = createFlappingStage(createMemoryStateStore());
    const c = ctx(config({ flapping: { transitions: 1, windowMinutes: 10 } }));
    await stage.run([alarm(0, 'firing', 0)], c);
    await stage.run([alarm(1, 'resolved', 1)], c);
    expect((await stage.run([alarm(2, 'firing', 2)], c)).alerts).toEqual([]);
    expect((await stage.run([alarm(3, 'firing', 11)], c)).alerts.map((a) => a.id)).toEqual(['alarm:abc:3']);
  });
});

describe('defaultStages', () => {
  it('runs alarm context first, then allow-list, silence, flapping, dedupe, grouping', () => {
    const alarmContext: AlertStage = {
      name: 'alarm-context',
      run: async (alerts) => ({ alerts, suppressed: [] }),
    };
    const names = defaultStages(config(), { alarmContext, state: createMemoryStateStore() }).map(
      (s) => s.name,
    );
    expect(names).toEqual(['alarm-context', 'allow-list', 'silence', 'flapping', 'dedupe', 'grouping']);
  });

  it('leaves the stateful stages out without a store', () => {
    expect(defaultStages(config(), {}).map((s) => s.name)).toEqual(['allow-list', 'silence']);
  });

  it('stops an allow-listed alert before it opens a dedupe window', async () => {
    const store = createMemoryStateStore();
    const cfg = config({ allowList: [{ reason: 'CI', actor: 'terraform-ci' }] });
    const out = await runStages(defaultStages(cfg, { state: store }), [ctAlert()], ctx(cfg));
    expect(out.suppressed.map((s) => s.kind)).toEqual(['allow-list']);
    expect(store.size()).toBe(0);
  });
});
