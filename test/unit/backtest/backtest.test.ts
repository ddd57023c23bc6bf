import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createBacktest } from '../../../shared/backtest/backtest.ts';
import { generateLogFiles, writeLogFiles } from '../../../shared/backtest/generate.ts';
import { SummaryBuilder } from '../../../shared/backtest/summary.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { ConfigSchema } from '../../../shared/config/schema.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { wrapCloudTrailRecord } from '../../../shared/replay/load.ts';
import { createReplayer, eventTimeMs, type ReplayResult } from '../../../shared/replay/replay.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

const rules = readServerlessRules('serverless.yml', { stage: 'dev' });
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('createBacktest', () => {
  it('counts records, matches, alerts, receivers and actors for a known log file', async () => {
    const publicAcl = detailOf(loadEvent('s3/put-bucket-acl-public-read.json'));
    const listUsers = detailOf(loadEvent('iam/list-users.json'));
    const createUser = detailOf(loadEvent('iam/create-user.json'));
    const file = writeJson('123456789012_CloudTrail_eu-west-1_20261116T0840Z_a.json', {
      Records: [publicAcl, listUsers, listUsers, createUser, 42, { unrelated: true }],
    });
    const backtest = createBacktest({ rules, config });
    await backtest.runFile(file);
    const s = backtest.summary();

    expect(s.files).toEqual({ read: 1, failed: 0 });
    expect(s.records).toEqual({ read: 4, matched: 2, malformed: 2 });
    expect(s.matchedByRule).toEqual({
      'cloud-alerts-dev-iam-changes': 1,
      'cloud-alerts-dev-s3-bucket-visibility': 1,
    });
    expect(s.alerts).toEqual({
      total: 2,
      byRule: [
        { rule: 'iam-user-created', severity: 'medium', status: 'firing', count: 1 },
        { rule: 's3-bucket-acl-public', severity: 'critical', status: 'firing', count: 1 },
      ],
    });
    expect(s.notifications).toEqual({
      total: 5,
      byReceiver: [
        { channel: 'email', receiver: 'email-default', count: 2 },
        { channel: 'slack', receiver: 'slack-default', count: 2 },
        { channel: 'pagerduty', receiver: 'pagerduty-default', count: 1 },
      ],
    });
    expect(s.errors).toEqual({
      total: 2,
      files: [],
      records: [
        { reason: 'malformed record: not a JSON object', count: 1, example: `${file}#4` },
        {
          reason: 'malformed record: neither a CloudTrail record nor an EventBridge event',
          count: 1,
          example: `${file}#5`,
        },
      ],
      unlisted: 0,
    });
    const alice = s.actors.busiest.find((a) => a.actor === 'arn:aws:iam::123456789012:user/alice');
    // Two ListUsers calls and the public ACL; only the ACL raised an alert.
    expect(alice).toEqual({ actor: 'arn:aws:iam::123456789012:user/alice', records: 3, alerts: 1 });
    expect(s.timeline.bucket).toBe('hour');
    expect(
      backtest.previews().map((p) => [p.rule, p.severity, p.notifications.map((n) => n.channel)]),
    ).toEqual([
      ['iam-user-created', 'medium', ['slack', 'email']],
      ['s3-bucket-acl-public', 'critical', ['slack', 'pagerduty', 'email']],
    ]);
  });

  it('agrees with the replayer record by record on a generated set', async () => {
    const opts = { seed: 7, files: 3, recordsPerFile: 400, dangerShare: 0.02, writeShare: 0.2 };
    writeLogFiles(dir, opts);
    const expected = {
      records: 0,
      matched: 0,
      alerts: 0,
      notifications: 0,
      byRule: new Map<string, number>(),
    };
    const replay = createReplayer({ rules, config });
    // Grouping is on by default: summaries are sent as their slots close, in event time.
    let summaries = 0;
    const closed = (results: ReplayResult[]) => {
      for (const r of results) {
        summaries += r.alerts.length;
        expected.alerts += r.alerts.length;
        expected.notifications += r.notifications.length;
      }
    };
    for (const file of generateLogFiles(opts)) {
      for (const record of file.records) {
        const event = wrapCloudTrailRecord(record);
        closed(await replay.closeDue(eventTimeMs(event)));
        const r = await replay('x', event);
        expected.records++;
        if (r.matchedRules.length > 0) expected.matched++;
        expected.alerts += r.alerts.length;
        expected.notifications += r.notifications.length;
        for (const m of r.matchedRules) expected.byRule.set(m, (expected.byRule.get(m) ?? 0) + 1);
      }
    }
    closed(await replay.closeDue());
    expect(summaries).toBeGreaterThan(0);
    const backtest = createBacktest({ rules, config });
    for (const file of writeLogFiles(dir, opts).files) await backtest.runFile(file);
    await backtest.finish();
    const s = backtest.summary();
    expect(s.records).toEqual({ read: expected.records, matched: expected.matched, malformed: 0 });
    expect(s.alerts.total).toBe(expected.alerts);
    expect(s.notifications.total).toBe(expected.notifications);
    expect(s.matchedByRule).toEqual(Object.fromEntries(expected.byRule));
    expect(expected.alerts).toBeGreaterThan(10);
  });

  it('renders only the first alert of each kind, with the same previews as rendering every one', async () => {
    const opts = { seed: 11, files: 2, recordsPerFile: 400, dangerShare: 0.1, writeShare: 0.2 };
    const everyBody = new SummaryBuilder();
    const replay = createReplayer({ rules, config });
    // The same run told no body is needed: the same notifications, none rendered.
    const bare = createReplayer({ rules, config, needsBodies: () => false });
    let compared = 0;
    const closed = async (t?: number) => {
      for (const r of await replay.closeDue(t)) everyBody.result({ time: r.time }, r);
    };
    for (const file of generateLogFiles(opts)) {
      for (const [index, record] of file.records.entries()) {
        const event = wrapCloudTrailRecord(record);
        await closed(eventTimeMs(event));
        const r = await replay(`${join(dir, file.path)}#${index}`, event);
        everyBody.result(event, r);
        await bare.closeDue(eventTimeMs(event));
        const b = await bare(`${join(dir, file.path)}#${index}`, event);
        expect(b).toEqual({ ...r, notifications: r.notifications.map((n) => ({ ...n, body: null })) });
        compared += r.notifications.length;
      }
    }
    await closed();
    const backtest = createBacktest({ rules, config });
    for (const file of writeLogFiles(dir, opts).files) await backtest.runFile(file);
    await backtest.finish();
    const previews = backtest.previews();
    expect(previews).toEqual(everyBody.alertPreviews());
    // What results make of the summary (records, files and callers are counted by the reader).
    const fromResults = (x: ReturnType<SummaryBuilder['summary']>) => ({
      alerts: x.alerts,
      notifications: x.notifications,
      suppressed: x.suppressed,
      matchedByRule: x.matchedByRule,
      timeline: x.timeline,
      noisiest: x.actors.noisiest.map((a) => [a.actor, a.alerts]),
    });
    expect(fromResults(backtest.summary())).toEqual(fromResults(everyBody.summary()));
    // Many alerts of each kind: most of the run's notifications needed no body.
    expect(backtest.summary().notifications.total).toBeGreaterThan(previews.length * 3);
    expect(compared).toBeGreaterThan(0);
  });

  it('counts a grouping summary when its window closes, and at the end of the run', async () => {
    const grouping = ConfigSchema.parse({ ...config, grouping: { windowMinutes: 5 } });
    const base = detailOf(loadEvent('iam/create-user.json'));
    const t0 = Date.parse(String(base.eventTime));
    const user = (name: string, seconds: number) => ({
      ...base,
      eventID: `grouping-${name}`,
      eventTime: new Date(t0 + seconds * 1000).toISOString(),
      requestParameters: { userName: name },
    });
    // Three in a burst, one long after (the first window's summary is due before it), then one more held.
    const file = writeJson('burst.json', {
      Records: [user('a', 0), user('b', 30), user('c', 60), user('d', 1200), user('e', 1230)],
    });
    const backtest = createBacktest({ rules, config: grouping });
    await backtest.runFile(file);
    const before = backtest.summary().alerts.byRule.find((r) => r.rule === 'alert-group-summary');
    expect(before?.count).toBe(1);
    await backtest.finish();
    const s = backtest.summary();
    expect(s.alerts.byRule.find((r) => r.rule === 'alert-group-summary')).toEqual({
      rule: 'alert-group-summary',
      severity: 'medium',
      status: 'firing',
      count: 2,
    });
    expect(s.suppressed.byKind).toEqual({ group: 3 });
  });

  it('reports each allow-list entry that held alerts back', async () => {
    const allowing = ConfigSchema.parse({
      ...config,
      allowList: [
        {
          reason: 'admins provision users',
          actor: 'AWSReservedSSO_AdministratorAccess_*',
          rule: 'iam-user-created',
        },
      ],
    });
    const createUser = detailOf(loadEvent('iam/create-user.json'));
    const file = writeJson('users.json', { Records: [createUser, createUser] });
    const backtest = createBacktest({ rules, config: allowing });
    await backtest.runFile(file);
    const s = backtest.summary();
    expect(s.alerts.total).toBe(0);
    expect(s.suppressed).toEqual({
      total: 2,
      byKind: { 'allow-list': 2 },
      byEntry: [
        {
          kind: 'allow-list',
          rule: 'iam-user-created',
          reason: 'allowList[0]: admins provision users',
          count: 2,
        },
      ],
    });
  });

  it('reports a truncated gzip file and a missing one, and goes on with the next', async () => {
    const good = join(dir, 'good.json.gz');
    const body = gzipSync(JSON.stringify({ Records: [detailOf(loadEvent('iam/create-user.json'))] }));
    writeFileSync(good, body);
    const cut = join(dir, 'cut.json.gz');
    writeFileSync(cut, body.subarray(0, body.length - 20));
    const backtest = createBacktest({ rules, config });
    await backtest.runFile(join(dir, 'missing.json'));
    await backtest.runFile(cut);
    await backtest.runFile(good);
    const s = backtest.summary();
    expect(s.files).toEqual({ read: 1, failed: 2 });
    expect(s.records.read).toBe(1);
    expect(s.errors.files.map((f) => [f.file, f.error.split(':')[0]])).toEqual([
      [join(dir, 'missing.json'), 'cannot read'],
      [cut, 'cannot read'],
    ]);
    expect(s.errors.files[0]?.error).toContain('no such file or folder');
    expect(s.errors.files[1]?.error).toBe('cannot read: truncated gzip file');
  });

  it('reads EventBridge events as they are, alarm state changes included', async () => {
    const alarm = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const file = writeJson('alarm.json', alarm);
    const backtest = createBacktest({ rules, config });
    await backtest.runFile(file);
    const s = backtest.summary();
    expect(s.records).toEqual({ read: 1, matched: 1, malformed: 0 });
    expect(s.alerts.byRule).toEqual([
      { rule: 'cloudwatch-alarm', severity: 'high', status: 'firing', count: 1 },
    ]);
    expect(s.actors.busiest).toEqual([]);
  });
});
