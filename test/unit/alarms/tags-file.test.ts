import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmTagsFileError, fileAlarmLookup, loadAlarmTagsFile } from '../../../shared/alarms/tags-file.ts';
import { runCli } from '../../helpers/cli.ts';

const arn = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;

interface Line {
  source: string;
  alerts: Array<{ rule: string; severity: string; status: string }>;
  notifications: Array<{ channel: string; receiver: string; body: Record<string, unknown> }>;
  error: string | null;
}

describe('fileAlarmLookup', () => {
  const lookup = fileAlarmLookup({
    'example-a': { tags: { team: 'by-name' }, description: 'named' },
    [arn('example-a')]: { tags: { team: 'by-arn' } },
    'example-b': { tags: { severity: 'low' } },
  });

  it('prefers an ARN entry to a name entry', async () => {
    await expect(lookup(arn('example-a'), 'eu-west-1')).resolves.toEqual({
      tags: { team: 'by-arn' },
      description: undefined,
    });
  });

  it('finds an alarm by the name in its ARN', async () => {
    await expect(lookup(arn('example-b'), 'eu-west-1')).resolves.toEqual({
      tags: { severity: 'low' },
      description: undefined,
    });
  });

  it('answers undefined for an alarm it does not list', async () => {
    await expect(lookup(arn('example-c'), 'eu-west-1')).resolves.toBeUndefined();
  });
});

describe('loadAlarmTagsFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-alarm-tags-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and turns YAML numbers and booleans into the strings AWS tags are', async () => {
    const file = join(dir, 'tags.yml');
    writeFileSync(file, 'example-a:\n  tags:\n    priority: 1\n    page: true\n  description: hello\n');
    await expect(loadAlarmTagsFile(file)(arn('example-a'), 'eu-west-1')).resolves.toEqual({
      tags: { priority: '1', page: 'true' },
      description: 'hello',
    });
  });

  it('reads JSON too', async () => {
    const file = join(dir, 'tags.json');
    writeFileSync(file, JSON.stringify({ 'example-a': { tags: { team: 'x' } } }));
    await expect(loadAlarmTagsFile(file)(arn('example-a'), 'eu-west-1')).resolves.toMatchObject({
      tags: { team: 'x' },
    });
  });

  it('reads the sample file events/alarm-tags.yml', async () => {
    const lookup = loadAlarmTagsFile('events/alarm-tags.yml');
    await expect(lookup(arn('example-orders-api-errors'), 'eu-west-1')).resolves.toMatchObject({
      tags: { severity: 'critical', team: 'orders' },
    });
  });

  it.each([
    [
      'an unknown key',
      'example-a:\n  tag: {team: x}\n',
      /tags\.yml:2:3: example-a\.tag: unknown key "tag"; did you mean "tags"\?/,
    ],
    [
      'a nested tag value',
      'example-a:\n  tags:\n    team: {name: x}\n',
      /tags\.yml:3:11: example-a\.tags\.team: expected a string or a number or true or false; got a mapping/,
    ],
    ['invalid YAML', 'example-a: [\n', /tags\.yml:2:1: invalid YAML: /],
    [
      'a list instead of a mapping',
      '- example-a\n',
      /tags\.yml:1:1: \(top level\): expected a mapping; got a list/,
    ],
  ])('names the problem for %s', (_label, text, message) => {
    const file = join(dir, 'tags.yml');
    writeFileSync(file, text);
    expect(() => loadAlarmTagsFile(file)).toThrow(AlarmTagsFileError);
    expect(() => loadAlarmTagsFile(file)).toThrow(message);
    expect(() => loadAlarmTagsFile(file)).not.toThrow(
      /Invalid input|Unrecognized key|expected \w+, received/,
    );
  });
});

describe('cloud-alerts replay --alarm-tags', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-alarm-tags-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function replay(files: string[], extra: string[] = []): Promise<Line[]> {
    const { code, stdout, stderr } = await runCli([
      'replay',
      ...files.map((f) => `events/cloudwatch/${f}`),
      '--json',
      '--alarm-tags',
      'events/alarm-tags.yml',
      ...extra,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }

  it('lets the severity tag change severity and so the receivers', async () => {
    const [anomaly, insights] = await replay(['anomaly-band-alarm.json', 'metrics-insights-alarm.json']);
    expect(anomaly?.alerts.map((a) => a.severity)).toEqual(['medium']);
    expect(anomaly?.notifications.map((n) => n.receiver)).toEqual(['slack-default', 'email-default']);
    expect(insights?.alerts.map((a) => a.severity)).toEqual(['low']);
    expect(insights?.notifications.map((n) => n.receiver)).toEqual(['slack-default']);
  });

  it('keeps only the channels the notify tag names, and a runbook button in Slack', async () => {
    const [composite] = await replay(['composite-alarm.json']);
    expect(composite?.alerts.map((a) => a.severity)).toEqual(['critical']);
    expect(composite?.notifications.map((n) => `${n.channel}:${n.receiver}`)).toEqual([
      'slack:slack-default',
      'pagerduty:pagerduty-default',
    ]);
    const blocks = composite?.notifications[0]?.body.blocks;
    expect(blocks).toEqual(
      expect.arrayContaining([
        {
          type: 'actions',
          elements: [
            expect.objectContaining({ text: expect.objectContaining({ text: 'Open alarm' }) }),
            {
              type: 'button',
              text: expect.objectContaining({ type: 'plain_text', text: 'Runbook (runbooks.example.com)' }),
              url: 'https://runbooks.example.com/checkout/health',
              action_id: 'link-1',
            },
          ],
        },
      ]),
    );
  });

  it('routes by the team tag with a config that names it', async () => {
    const config = join(dir, 'cloud-alerts.yml');
    writeFileSync(
      config,
      [
        'receivers:',
        '  - name: slack-payments',
        '    slack: { webhookUrlParameter: /cloud-alerts/dev/slack/payments }',
        '  - name: slack-default',
        '    slack: { webhookUrlParameter: /cloud-alerts/dev/slack/default }',
        'route:',
        '  receivers: [slack-default]',
        '  routes:',
        '    - match: { tags: { team: payments } }',
        '      receivers: [slack-payments]',
        '',
      ].join('\n'),
    );
    const [math, orders] = await replay(
      ['metric-math-alarm.json', 'lambda-errors-alarm.json'],
      ['--config', config],
    );
    expect(math?.notifications.map((n) => n.receiver)).toEqual(['slack-payments']);
    expect(orders?.notifications.map((n) => n.receiver)).toEqual(['slack-default']);
  });

  it('pairs trigger and resolve on one dedup_key through ALARM → INSUFFICIENT_DATA → OK', async () => {
    const lines = await replay([
      'lambda-errors-alarm-next-episode.json',
      'lambda-errors-insufficient-data.json',
      'lambda-errors-ok-after-insufficient-data.json',
    ]);
    const pagerduty = lines.map((l) => l.notifications.find((n) => n.channel === 'pagerduty')?.body);
    expect(pagerduty[0]).toMatchObject({ event_action: 'trigger', payload: { severity: 'critical' } });
    // INSUFFICIENT_DATA is low: Slack only, the incident stays open.
    expect(pagerduty[1]).toBeUndefined();
    expect(pagerduty[2]).toEqual({
      routing_key: '<routing key from SSM /cloud-alerts/dev/pagerduty/default>',
      event_action: 'resolve',
      dedup_key: pagerduty[0]?.dedup_key,
    });
  });

  it('exits 2 and names the file when it is not valid', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'example-a: {tags: [1, 2]}\n');
    const { code, stderr } = await runCli([
      'replay',
      'events/cloudwatch/metric-math-alarm.json',
      '--alarm-tags',
      file,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('bad.yml');
  });
});
