import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadPipelineSetup } from '../../../cli/setup.ts';
import { inputsFromFile, listFiles } from '../../../shared/replay/load.ts';
import { createReplayer } from '../../../shared/replay/replay.ts';
import { runCli } from '../../helpers/cli.ts';
import { loadEvent } from '../../helpers/events.ts';

const MULTI = 'config/examples/multi-team.yml';
const NO_RULE = '  no serverless.yml rule matches: the alert function would not run';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-routes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** routes test's output, one entry per event: its lines after the source line. */
function blocks(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('receivers: ')) continue;
    if (!line.startsWith(' ')) {
      current = [];
      out.set(line, current);
    } else current?.push(line);
  }
  return out;
}

/** The receivers routes test names for one event, across its alerts. */
function routedTo(lines: string[]): string[] {
  const names = lines
    .filter((l) => l.startsWith('    receivers: ') && !l.endsWith('(none)'))
    .flatMap((l) => l.slice('    receivers: '.length).split(', '));
  return [...new Set(names)].sort();
}

describe('routes test reads what replay reads', () => {
  // A CloudTrail record as it sits in a log file, without EventBridge's envelope.
  const record = () => loadEvent('s3/put-bucket-policy-public.json').detail as Record<string, unknown>;

  it('a bare CloudTrail record', async () => {
    const file = join(dir, 'record.json');
    writeFileSync(file, JSON.stringify(record()));
    const { code, stdout } = await runCli(['routes', 'test', '--event', file, '--config', MULTI]);
    expect(code).toBe(0);
    expect(stdout).toContain('  s3-bucket-policy-public critical firing: S3 bucket made public by policy\n');
    expect(stdout).toMatch(
      /\nreceivers: slack-security, pagerduty-security, email-security, webhook-siem\n$/,
    );
  });

  it('a CloudTrail log file (Records), gzipped, each record named by its index', async () => {
    const listUsers = loadEvent('iam/list-users.json').detail;
    const file = join(dir, 'log.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ Records: [record(), listUsers] })));
    const { code, stdout } = await runCli(['routes', 'test', file, '--config', MULTI]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `${file}#0`,
        '  s3-bucket-policy-public critical firing: S3 bucket made public by policy',
        '    matched: route.routes[2].routes[0]',
        '    receivers: slack-security, pagerduty-security, email-security, webhook-siem',
        `${file}#1`,
        NO_RULE,
        'receivers: slack-security, pagerduty-security, email-security, webhook-siem',
        '',
      ].join('\n'),
    );
  });

  it('a folder, recursively, in file order', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(join(folder, 'b.json'), JSON.stringify(record()));
    writeFileSync(join(folder, 'nested', 'a.json'), JSON.stringify(loadEvent('iam/list-users.json')));
    const { stdout } = await runCli(['routes', 'test', '--event', folder, '--config', MULTI]);
    expect([...blocks(stdout).keys()]).toEqual([join(folder, 'b.json'), join(folder, 'nested', 'a.json')]);
  });

  it('an event no serverless.yml rule matches is reported as such, not routed as generic', async () => {
    const { code, stdout } = await runCli(['routes', 'test', '--event', 'events/iam/list-users.json']);
    expect(code).toBe(0);
    expect(stdout).toBe(['events/iam/list-users.json', NO_RULE, 'receivers: (none)', ''].join('\n'));
    expect(stdout).not.toContain('generic');
  });

  it('exits 2 on a missing path, an unreadable file or an empty folder, and says which', async () => {
    const notGzip = join(dir, 'not.json.gz');
    writeFileSync(notGzip, '{}');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const missing = join(dir, 'missing.json');
    const { code, stderr } = await runCli(['routes', 'test', notGzip, empty, missing]);
    expect(code).toBe(2);
    expect(stderr).toContain(`routes test: ${notGzip}: cannot read: `);
    expect(stderr).toContain(`routes test: ${empty}: no .json or .json.gz files`);
    expect(stderr).toContain(`routes test: cannot read ${missing}: no such file or folder`);
  });
});

describe('routes test agrees with replay on every sample in events/', () => {
  it.each([['config/cloud-alerts.yml'], [MULTI]])('with %s', async (config) => {
    const flags = { config, 'alarm-tags': 'events/alarm-tags.yml' };
    const setup = loadPipelineSetup('test', flags, { stderr: () => {}, env: {} } as never);
    if (typeof setup === 'number') throw new Error('no setup');
    const { code, stdout } = await runCli([
      'routes',
      'test',
      'events',
      '--config',
      config,
      '--alarm-tags',
      'events/alarm-tags.yml',
    ]);
    expect(code).toBe(0);
    const routed = blocks(stdout);
    let unmatched = 0;
    let compared = 0;
    for (const file of listFiles('events')) {
      for (const input of inputsFromFile(file)) {
        // A fresh replayer per event: routes test answers for each event alone, with fresh state.
        const replay = createReplayer({
          rules: setup.rules,
          config: setup.config,
          heartbeat: setup.heartbeat,
          ...(setup.alarmLookup ? { alarmLookup: setup.alarmLookup } : {}),
        });
        const result = await replay(input.source, input.event);
        const lines = routed.get(input.source);
        expect([input.source, lines !== undefined]).toEqual([input.source, true]);
        if (result.matchedRules.length === 0) {
          unmatched++;
          expect([input.source, lines]).toEqual([input.source, [NO_RULE]]);
          continue;
        }
        const replayed = [...new Set(result.notifications.map((n) => n.receiver))].sort();
        expect([input.source, routedTo(lines ?? [])]).toEqual([input.source, replayed]);
        compared++;
      }
    }
    expect(routed.size).toBe(compared + unmatched);
    // The samples hold events no rule matches (read-only calls, other services) and many that alert.
    expect(unmatched).toBeGreaterThan(0);
    expect(compared).toBeGreaterThan(50);
  });
});
