/**
 * The Teams plug-in end to end against a local stand-in for a Workflows webhook: the card it posts is
 * one the trigger and the post-card step take, and every answer a workflow can give is classified as
 * docs/failure-handling.md says, with the secret URL nowhere in an error.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../shared/config/load.ts';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { teams } from '../../shared/notify/channels/teams/index.ts';
import { TEAMS_BODY_MAX_BYTES, TEAMS_CARD_VERSION } from '../../shared/notify/channels/teams/limits.ts';
import type { TeamsMessage } from '../../shared/notify/channels/teams/render.ts';
import { TEAMS_CHANNEL } from '../../shared/notify/channels/teams/sender.ts';
import type { TeamsSettings } from '../../shared/notify/channels/teams/settings.ts';
import type { SendTarget } from '../../shared/notify/channels/types.ts';
import { DeliveryError } from '../../shared/notify/errors.ts';
import { notifierWithSecret } from '../helpers/channels.ts';
import { notificationEvent } from '../helpers/events.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert, hugeString } from '../unit/notify/fixtures.ts';
import {
  DOCUMENTED_MESSAGE_MAX_BYTES,
  startTeamsWorkflow,
  type TeamsWorkflow,
} from './kit/teams-workflow.ts';

const settings: TeamsSettings = { workflowUrlParameter: '/cloud-alerts/test/teams/security' };
const ctx = { secret: undefined, stackTopicArn: undefined };

let workflow: TeamsWorkflow;

beforeEach(async () => {
  workflow = await startTeamsWorkflow();
});
afterEach(async () => {
  await workflow.close();
});

function target(secret: string | undefined = workflow.url): SendTarget<TeamsSettings> {
  const alert = buildAlert();
  const request: NotificationRequest = {
    channel: TEAMS_CHANNEL,
    receiver: 'security-teams',
    key: `${alert.id}/security-teams`,
    alert,
  };
  return { receiver: 'security-teams', settings, secret, request };
}

/** The rejection of `promise`, which must be a DeliveryError. */
async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof DeliveryError) return e;
    throw e;
  }
  throw new Error('expected the send to fail');
}

/** Everything of an error that could end up in a log or a dead-letter body. */
function everything(e: Error): string {
  const parts = [e.message, e.stack ?? '', JSON.stringify(e)];
  for (let c: unknown = e.cause; c instanceof Error; c = c.cause) parts.push(c.message, c.stack ?? '');
  return parts.join('\n');
}

function expectNoSecret(e: Error): void {
  const all = everything(e);
  expect(all).not.toContain(workflow.signature);
  expect(all).not.toContain('/workflows/');
  expect(all).not.toContain('127.0.0.1');
}

describe('Teams plug-in against a Workflows webhook stand-in', () => {
  it('posts a card the workflow takes: a message, one Adaptive Card attachment, version 1.4, under the size limit; answered 202', async () => {
    const body = teams.render(buildAlert(), settings, ctx);
    await teams.createSender().send(body, target());
    expect(workflow.refused).toEqual([]);
    expect(workflow.posted).toHaveLength(1);
    const [posted] = workflow.posted;
    expect(posted?.contentType).toBe('application/json; charset=utf-8');
    expect(posted?.message).toEqual(body);
    expect(posted?.message).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard', version: TEAMS_CARD_VERSION },
        },
      ],
    });
    expect(posted?.bytes).toBeLessThanOrEqual(TEAMS_BODY_MAX_BYTES);
  });

  it('posts a resolve and a grouping summary as cards of their own', async () => {
    const sender = teams.createSender();
    const resolved = buildAlert({ status: 'resolved', verdict: 'Resolved after 12 min in ALARM.' });
    await sender.send(teams.render(resolved, settings, ctx), target());
    await sender.send(teams.render(buildAlert({ covers: 7 }), settings, ctx), target());
    expect(workflow.refused).toEqual([]);
    const titles = workflow.posted.map((p) => JSON.stringify(p.message));
    expect(titles[0]).toContain('Resolved: S3 bucket made public');
    expect(titles[1]).toContain('Summary card: stands for 7 alerts not sent one by one');
  });

  it('keeps an alert of 250 KB strings and a thousand facts under the limit, and the workflow takes it', async () => {
    const huge = hugeString(250 * 1024, '\u6f22');
    const alert = buildAlert({
      title: huge,
      summary: huge,
      verdict: huge,
      facts: Array.from({ length: 1000 }, (_, i) => ({ label: `F${i}${huge}`, value: huge })),
      links: Array.from({ length: 40 }, (_, i) => ({
        text: huge,
        url: `https://console.aws.amazon.com/${i}`,
      })),
    });
    await teams.createSender().send(teams.render(alert, settings, ctx), target());
    expect(workflow.refused).toEqual([]);
    expect(workflow.posted[0]?.bytes).toBeLessThanOrEqual(TEAMS_BODY_MAX_BYTES);
    expect(TEAMS_BODY_MAX_BYTES).toBeLessThan(DOCUMENTED_MESSAGE_MAX_BYTES);
  });

  it('refuses what the workflow would refuse: a body without the card is a permanent 400', async () => {
    const bad = { type: 'message', attachments: [] } as unknown as TeamsMessage;
    const e = await failure(teams.createSender().send(bad, target()));
    expect(workflow.refused).toEqual(['not exactly one attachment']);
    expect(e).toMatchObject({ channel: 'teams', retryable: false, status: 400 });
    expect(e.message).toBe(
      'teams delivery failed: HTTP 400 ({"error":{"code":"InvalidRequestContent","message":"not exactly one attachment"}}), permanent',
    );
    expectNoSecret(e);
  });

  it('classifies 429 with Retry-After in seconds as retryable and keeps the delay', async () => {
    workflow.script({ kind: 'reply', status: 429, headers: { 'retry-after': '7' } });
    const e = await failure(teams.createSender().send(teams.render(buildAlert(), settings, ctx), target()));
    expect(e).toMatchObject({ channel: 'teams', retryable: true, status: 429, retryAfterMs: 7000 });
    expectNoSecret(e);
  });

  it('classifies 429 with Retry-After as an HTTP date against the sender clock', async () => {
    const now = Date.parse('2026-12-05T05:00:00Z');
    workflow.script({
      kind: 'reply',
      status: 429,
      headers: { 'retry-after': 'Sat, 05 Dec 2026 05:00:30 GMT' },
    });
    const sender = teams.createSender({ now: () => now });
    const e = await failure(sender.send(teams.render(buildAlert(), settings, ctx), target()));
    expect(e).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it('classifies 500 and 503 as retryable', async () => {
    workflow.script(
      { kind: 'reply', status: 500, body: '{"error":{"code":"InternalServerError"}}' },
      {
        kind: 'reply',
        status: 503,
      },
    );
    const sender = teams.createSender();
    const body = teams.render(buildAlert(), settings, ctx);
    await expect(sender.send(body, target())).rejects.toMatchObject({ retryable: true, status: 500 });
    await expect(sender.send(body, target())).rejects.toMatchObject({ retryable: true, status: 503 });
  });

  it('classifies a timeout and a reset as retryable', async () => {
    workflow.script({ kind: 'hang' }, { kind: 'drop' });
    const sender = teams.createSender({ timeoutMs: 200 });
    const body = teams.render(buildAlert(), settings, ctx);
    const timeout = await failure(sender.send(body, target()));
    expect(timeout).toMatchObject({
      retryable: true,
      message: 'teams delivery failed: timed out after 200 ms, retryable',
    });
    const reset = await failure(sender.send(body, target()));
    expect(reset.retryable).toBe(true);
    expect(reset.message).toMatch(/^teams delivery failed: network error \(/);
    expectNoSecret(timeout);
    expectNoSecret(reset);
  });

  it('does not follow a redirect: the card would go to another host', async () => {
    workflow.script({ kind: 'reply', status: 307, headers: { location: 'https://evil.example/collect' } });
    const e = await failure(teams.createSender().send(teams.render(buildAlert(), settings, ctx), target()));
    expect(e).toMatchObject({ retryable: false, status: 307 });
    expect(workflow.requests).toBe(1);
  });

  it('never puts the URL or its signature in an error, even when the workflow quotes it', async () => {
    // A wrong signature: the stand-in answers 401 quoting the signature it expected, as Power Automate does.
    const wrong = workflow.url.replace(workflow.signature, `${workflow.signature.slice(0, -4)}XXXX`);
    const e = await failure(
      teams.createSender().send(teams.render(buildAlert(), settings, ctx), target(wrong)),
    );
    expect(e).toMatchObject({ retryable: false, status: 401 });
    expect(e.message).toContain('[redacted]');
    expectNoSecret(e);
    expect(everything(e)).not.toContain(`${workflow.signature.slice(0, -4)}XXXX`);
  });

  it('budgets per workflow URL: the identity is the URL itself', () => {
    expect(teams.budgetIdentity(settings, { secret: workflow.url, stackTopicArn: undefined })).toBe(
      workflow.url,
    );
  });
});

describe('notify-teams end to end: a request event in, a card at the workflow, an outcome out', () => {
  const PARAMETER = '/cloud-alerts/test/teams/payments';
  const CONFIG = parseConfig(
    `receivers:\n  - name: teams-payments\n    teams: { workflowUrlParameter: ${PARAMETER} }\nroute: { receivers: [teams-payments] }\n`,
    { stage: 'test' },
  );
  const ssm = mockClient(SSMClient);
  afterAll(() => ssm.restore());

  /** functions/notify-teams as Lambda runs it, with the workflow URL in (emulated) SSM and the DLQ recorded. */
  const notifier = () =>
    notifierWithSecret(ssm, teams, CONFIG, { parameter: PARAMETER, value: workflow.url });

  function requestEvent() {
    const alert = buildAlert();
    return {
      alert,
      event: notificationEvent({
        channel: 'teams',
        receiver: 'teams-payments',
        key: `${alert.id}/teams-payments`,
        alert,
      }),
    };
  }

  it('posts the card the plug-in renders for the alert and reports it delivered', async () => {
    const { handler, deadLettered } = notifier();
    const { alert, event } = requestEvent();
    const outcome = await handler(event, lambdaContext('notify-teams'));
    expect(outcome).toEqual({ status: 'delivered', receiver: 'teams-payments' });
    expect(deadLettered).toEqual([]);
    expect(workflow.refused).toEqual([]);
    expect(workflow.posted.map((p) => p.message)).toEqual([
      teams.render(alert, { workflowUrlParameter: PARAMETER }, ctx),
    ]);
  });

  it('dead-letters a card the workflow refuses (400) with a reason that carries no part of the URL', async () => {
    const { handler, deadLettered } = notifier();
    workflow.script({
      kind: 'reply',
      status: 400,
      body: JSON.stringify({
        error: { code: 'InvalidRequestContent', message: `bad card for ${workflow.url}` },
      }),
    });
    const outcome = await handler(requestEvent().event, lambdaContext('notify-teams'));
    expect(outcome).toMatchObject({ status: 'dead-lettered', receiver: 'teams-payments' });
    expect(workflow.requests).toBe(1);
    expect(deadLettered.map((r) => r.receiver)).toEqual(['teams-payments']);
    expect(deadLettered[0]?.reason).toMatch(/^teams delivery failed: .*400/);
    const leaked = JSON.stringify([outcome, deadLettered]);
    expect(leaked).not.toContain(workflow.signature);
    expect(leaked).not.toContain('/workflows/');
  });
});
