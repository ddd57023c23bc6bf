import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  awsSdkClientsAtInit,
  buildFunctionBundle,
  bundleEntry,
  type FunctionName,
  functionEnv,
} from '../../bench/bundles.ts';
import { CHANNEL_PLUGINS } from '../../shared/notify/channels/registry.ts';

// Each function is bundled as `serverless package` bundles it and loaded in a fresh node process;
// the AWS SDK packages it requires while loading are what every cold start pays for. Clients that
// only some invocations use (SQS for a dead letter, CloudWatch for an alarm's tags, STS for a member account's alarm) must wait for
// their first use, and no function may load another channel's client.
const NOTIFIERS = CHANNEL_PLUGINS.map((plugin) => `notify-${plugin.name}` as const);
const AT_INIT: Record<FunctionName, string[]> = {
  alert: ['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge', '@aws-sdk/lib-dynamodb'],
  // The state table's document client: every request takes a token from its receiver's send budget.
  // A channel with secrets reads them from SSM at cold start.
  ...(Object.fromEntries(
    NOTIFIERS.map((fn) => [fn, ['@aws-sdk/client-dynamodb', '@aws-sdk/client-ssm', '@aws-sdk/lib-dynamodb']]),
  ) as Record<(typeof NOTIFIERS)[number], string[]>),
  // E-mail has no secret: it publishes with SNS, and never loads SSM.
  'notify-email': ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sns', '@aws-sdk/lib-dynamodb'],
  // The canary's one call, on every invocation.
  heartbeat: ['@aws-sdk/client-ssm'],
};

const out = mkdtempSync(join(tmpdir(), 'cloud-alerts-cold-start-'));
const env = functionEnv(out);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('what a cold start loads', () => {
  it.each(Object.entries(AT_INIT))(
    '%s creates only the AWS SDK clients every invocation needs',
    async (fn, expected) => {
      const { file } = await buildFunctionBundle(fn as FunctionName, out);
      expect(awsSdkClientsAtInit(file, env)).toEqual(expected);
    },
  );
});

describe('what a bundle holds', () => {
  // The functions parse events with zod/mini. zod's classic API (config validation, the CLI) is about
  // 70 KB more to compile and slower to build schemas with: one import of it from a runtime module
  // would put it back in every cold start.
  it.each(Object.keys(AT_INIT))('%s has no zod classic in it', async (fn) => {
    const { inputs } = await buildFunctionBundle(fn as FunctionName, out);
    expect(inputs.filter((i) => i.includes('node_modules/zod/v4/classic/'))).toEqual([]);
    // The canary parses nothing: it carries no zod at all.
    expect(inputs.some((i) => i.includes('node_modules/zod/v4/mini/'))).toBe(fn !== 'heartbeat');
  });
});

describe('what a notifier bundle leaves out', () => {
  // A notifier renders and sends an alert the alert function already judged: the rule catalog,
  // enrichment and the noise stages are the alert function's. One stray import (a helper living next
  // to them) once doubled every notifier bundle and its start-up.
  it.each(NOTIFIERS)('%s carries no detection, enrichment or stage code', async (fn) => {
    const { inputs } = await buildFunctionBundle(fn, out);
    // shared/detect/values.ts is the small reader of untrusted JSON every layer uses, not a rule.
    const domain = inputs.filter(
      (i) => /^shared\/(detect|enrich|stages|route)\//.test(i) && i !== 'shared/detect/values.ts',
    );
    expect(domain).toEqual([]);
  });
});

describe('a notifier bundle carries its own channel only', () => {
  // Each notifier imports its own plug-in; the registry, which imports every channel, is for the CLI,
  // the config schema and the template. A string only each channel's renderer writes stands for its code.
  // Every registered channel is checked by its folder; those with a mark here by their code too.
  const RENDER_MARK: Partial<Record<string, string>> = {
    slack: ':large_orange_circle:',
    pagerduty: 'custom details removed: the event exceeded',
    email: 'cloud-alerts notification',
    teams: 'application/vnd.microsoft.card.adaptive',
    webhook: 'x-cloud-alerts-signature',
  };
  const channels = CHANNEL_PLUGINS.map((plugin) => plugin.name);
  const marked = channels.filter((c) => RENDER_MARK[c] !== undefined);

  it.each(channels)('notify-%s has no other channel’s folder or render code in it', async (channel) => {
    const { file, inputs } = await buildFunctionBundle(`notify-${channel}`, out);
    const code = readFileSync(file, 'utf8');
    expect(inputs.some((i) => i.startsWith(`shared/notify/channels/${channel}/`))).toBe(true);
    if (marked.includes(channel)) expect(code).toContain(RENDER_MARK[channel]);
    for (const other of channels.filter((c) => c !== channel)) {
      expect(inputs.filter((i) => i.startsWith(`shared/notify/channels/${other}/`))).toEqual([]);
      if (marked.includes(other)) expect(code).not.toContain(RENDER_MARK[other]);
    }
  });

  it.each(Object.keys(AT_INIT))('%s does not include the channel registry', async (fn) => {
    const { inputs } = await buildFunctionBundle(fn as FunctionName, out);
    expect(inputs).not.toContain('shared/notify/channels/registry.ts');
  });
});

describe('clients loaded on first use', () => {
  // Lambda's runtime SDK is reachable only through NODE_PATH, which require() honours and the ESM
  // resolver behind a dynamic import() does not: serverless.yml compiles import() to require().
  it('find the runtime SDK through NODE_PATH inside the bundle', async () => {
    const { file } = await bundleEntry(
      resolve('test/fixtures/probes/lazy-clients.ts'),
      join(out, 'probe.cjs'),
    );
    const run = spawnSync(process.execPath, [file], {
      env: { ...env, AWS_MAX_ATTEMPTS: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      sqs: expect.objectContaining({ code: 'ECONNREFUSED' }),
      cloudwatch: expect.objectContaining({ code: 'ECONNREFUSED' }),
      sts: expect.objectContaining({ code: 'ECONNREFUSED' }),
      groupClose: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });
});
