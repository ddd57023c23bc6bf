import { SSMClient } from '@aws-sdk/client-ssm';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../shared/config/load.ts';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { webhook } from '../../shared/notify/channels/webhook/index.ts';
import { WEBHOOK_CHANNEL } from '../../shared/notify/channels/webhook/limits.ts';
import { WebhookSettingsSchema } from '../../shared/notify/channels/webhook/settings.ts';
import { DeliveryError } from '../../shared/notify/errors.ts';
import { notifierWithSecret } from '../helpers/channels.ts';
import { notificationEvent } from '../helpers/events.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert, HOSTILE_USER_AGENT, LONE_SURROGATES } from '../unit/notify/fixtures.ts';
import { type Answer, startWebhookReceiver, type WebhookReceiver } from './kit/webhook-receiver.ts';

const SECRET = 'whsec-9c1e5b2d8f4a6c0e3f7a1b9d5c3e7f1a';
const TIMEOUT_MS = 300;

/** The receiver's answer per case, by the first path segment. */
const ANSWERS: Readonly<Record<string, Answer>> = {
  ok: { kind: 'process' },
  'rate-limited': { kind: 'reply', status: 429, body: 'slow down', headers: { 'retry-after': '7' } },
  'rate-limited-date': {
    kind: 'reply',
    status: 429,
    body: 'slow down',
    headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() },
  },
  'server-error': { kind: 'reply', status: 500, body: '<html><body>Internal Server Error</body></html>' },
  unavailable: { kind: 'reply', status: 503, body: 'maintenance', headers: { 'retry-after': '2' } },
  'bad-request': { kind: 'reply', status: 400, body: 'unknown field alert.rule' },
  'not-found': { kind: 'reply', status: 404, body: 'no such hook' },
  echo: { kind: 'reply', status: 400, body: `signature computed with ${SECRET} did not match` },
  redirect: { kind: 'reply', status: 302, headers: { location: '/ok/elsewhere' } },
  hang: { kind: 'hang' },
  'process-then-hang': { kind: 'process-then-hang' },
  drop: { kind: 'drop' },
};

let receiver: WebhookReceiver;
let clock: number;

beforeEach(async () => {
  clock = Date.now();
  receiver = await startWebhookReceiver({
    secret: SECRET,
    now: () => clock,
    answer: (path) => ANSWERS[path.split('/')[1] ?? ''] ?? { kind: 'reply', status: 418, body: 'no case' },
  });
});

afterEach(() => receiver.close());

function requestFor(alert = buildAlert()): NotificationRequest {
  return { channel: WEBHOOK_CHANNEL, receiver: 'siem', key: `${alert.id}/siem`, alert };
}

async function send(
  testCase: string,
  options: { request?: NotificationRequest; senderNow?: () => number; secret?: string } = {},
): Promise<void> {
  const settings = WebhookSettingsSchema.parse({
    url: `${receiver.url}/${testCase}/hook`,
    signingSecretParameter: '/cloud-alerts/test/webhook/siem',
    headers: { 'X-Tenant': 'secops' },
  });
  const request = options.request ?? requestFor();
  const body = webhook.render(request.alert, settings, { secret: undefined, stackTopicArn: undefined });
  const sender = webhook.createSender({ timeoutMs: TIMEOUT_MS, now: options.senderNow ?? (() => clock) });
  await sender.send(body, { receiver: 'siem', settings, secret: options.secret ?? SECRET, request });
}

async function failure(testCase: string): Promise<DeliveryError> {
  const error: unknown = await send(testCase).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError for ${testCase}`);
  return error;
}

/** Everything an error could leak through: message, stack, own fields and the cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e)));
      e = e.cause;
    } else {
      parts.push(String(e));
      e = undefined;
    }
  }
  return parts.join('\n');
}

describe('webhook delivery to a receiver that verifies', () => {
  it('is accepted (204) after the receiver checked the signature over the raw bytes', async () => {
    await send('ok');
    expect(receiver.refused).toEqual([]);
    expect(receiver.processed).toHaveLength(1);
    const [{ id, document }] = receiver.processed as [{ id: string; document: Record<string, unknown> }];
    expect(id).toBe(`${buildAlert().id}/siem`);
    expect(document).toMatchObject({ version: 1, type: 'alert.firing', receiver: 'siem' });
    const headers = receiver.requests[0]?.headers ?? {};
    expect(headers['user-agent']).toMatch(/^cloud-alerts\/\d+\.\d+\.\d+$/);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-tenant']).toBe('secops');
  });

  it('verifies a body full of non-ASCII, invisible and broken text: the bytes signed are the bytes sent', async () => {
    const alert = buildAlert({
      summary: `${HOSTILE_USER_AGENT} 😀 é \u2028\u202Eexe.txt\u200B ${LONE_SURROGATES}`,
      facts: [{ label: 'Clé', value: '値\r\nforged: line' }],
    });
    await send('ok', { request: requestFor(alert) });
    expect(receiver.refused).toEqual([]);
    const alertSeen = receiver.processed[0]?.document.alert as { summary: string; facts: unknown[] };
    expect(alertSeen.summary).toBe(`${HOSTILE_USER_AGENT} 😀 é \u2028\u202Eexe.txt\u200B a\uFFFDb\uFFFDc`);
    expect(alertSeen.facts).toEqual([{ label: 'Clé', value: '値\r\nforged: line' }]);
  });

  it('is refused (401, permanent) when the sender clock is past the tolerance', async () => {
    const error: unknown = await send('ok', { senderNow: () => clock - 10 * 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(receiver.refused).toEqual(['stale timestamp']);
    expect(receiver.processed).toEqual([]);
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect((error as Error).message).toBe('webhook delivery failed: HTTP 401 (stale timestamp), permanent');
  });

  it('is refused (401) when signed with another secret', async () => {
    await expect(send('ok', { secret: 'whsec-another-secret-0000000000000' })).rejects.toMatchObject({
      retryable: false,
      status: 401,
    });
    expect(receiver.refused).toEqual(['bad signature']);
  });

  describe('a captured request sent again', () => {
    async function replay(change: (raw: Buffer) => Buffer = (raw) => raw): Promise<number> {
      const captured = receiver.requests[0];
      if (captured === undefined) throw new Error('nothing captured');
      const headers = Object.entries(captured.headers).flatMap(([name, value]) =>
        typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)
          ? [[name, value]]
          : [],
      ) as [string, string][];
      const response = await fetch(`${receiver.url}${captured.path}`, {
        method: 'POST',
        headers,
        body: change(captured.raw),
      });
      await response.arrayBuffer();
      return response.status;
    }

    it('within the tolerance is recognised by its delivery id and not processed twice', async () => {
      await send('ok');
      expect(await replay()).toBe(200);
      expect(receiver.processed).toHaveLength(1);
      expect(receiver.duplicates).toEqual([`${buildAlert().id}/siem`]);
    });

    it('after the tolerance is refused as stale', async () => {
      await send('ok');
      clock += 301_000;
      expect(await replay()).toBe(401);
      expect(receiver.refused).toEqual(['stale timestamp']);
    });

    it('with its body changed (a new id to dodge the dedupe) is refused: the signature covers the body', async () => {
      await send('ok');
      expect(await replay((raw) => Buffer.from(raw.toString('utf8').replace('/siem"', '/siem-2"')))).toBe(
        401,
      );
      expect(receiver.refused).toEqual(['bad signature']);
      expect(receiver.processed).toHaveLength(1);
    });
  });

  it('delivers once when the answer was lost: the retry carries the same id and the receiver dedupes it', async () => {
    const first = await failure('process-then-hang');
    expect(first.retryable).toBe(true);
    await send('ok');
    expect(receiver.processed).toHaveLength(1);
    expect(receiver.duplicates).toEqual([`${buildAlert().id}/siem`]);
    const [a, b] = receiver.requests;
    expect(b?.headers['x-cloud-alerts-delivery']).toBe(a?.headers['x-cloud-alerts-delivery']);
  });
});

describe('webhook retry table', () => {
  it.each([
    ['rate-limited', { retryable: true, status: 429, retryAfterMs: 7000 }, 'HTTP 429 (slow down)'],
    ['server-error', { retryable: true, status: 500 }, 'HTTP 500'],
    ['unavailable', { retryable: true, status: 503, retryAfterMs: 2000 }, 'HTTP 503 (maintenance)'],
    ['bad-request', { retryable: false, status: 400 }, 'HTTP 400 (unknown field alert.rule)'],
    ['not-found', { retryable: false, status: 404 }, 'HTTP 404 (no such hook)'],
    ['redirect', { retryable: false, status: 302 }, 'HTTP 302'],
    ['hang', { retryable: true }, `timed out after ${TIMEOUT_MS} ms`],
    ['drop', { retryable: true }, 'network error'],
  ] as const)('%s → %o', async (testCase, expected, reason) => {
    const error = await failure(testCase);
    expect(error).toMatchObject(expected);
    expect(error.message).toContain(`webhook delivery failed: ${reason}`);
    expect(error.message).toMatch(expected.retryable ? /, retryable$/ : /, permanent$/);
  });

  it('takes Retry-After as an HTTP date', async () => {
    const error = await failure('rate-limited-date');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(61_000);
  });

  it('does not follow a redirect: the alert goes to the host configured, or nowhere', async () => {
    await failure('redirect');
    expect(receiver.requests.map((r) => r.path)).toEqual(['/redirect/hook']);
    expect(receiver.processed).toEqual([]);
  });

  it('never lets the signing secret into an error, its cause or a log line', async () => {
    const logged: string[] = [];
    const record = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    const spies = [
      jest.spyOn(console, 'log').mockImplementation(record),
      jest.spyOn(console, 'info').mockImplementation(record),
      jest.spyOn(console, 'warn').mockImplementation(record),
      jest.spyOn(console, 'error').mockImplementation(record),
      jest.spyOn(console, 'debug').mockImplementation(record),
    ];
    try {
      const errors: DeliveryError[] = [];
      for (const testCase of Object.keys(ANSWERS).filter((c) => c !== 'ok' && c !== 'process-then-hang')) {
        errors.push(await failure(testCase));
      }
      expect(errors).toHaveLength(10);
      const echoed = errors.find((e) => e.status === 400 && e.message.includes('signature computed'));
      expect(echoed?.message).toBe(
        'webhook delivery failed: HTTP 400 (signature computed with [redacted] did not match), permanent',
      );
      for (const error of errors) expect(everythingIn(error)).not.toContain(SECRET);
      expect(logged.join('\n')).not.toContain(SECRET);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('notify-webhook end to end: a request event in, a verified body at the receiver, an outcome out', () => {
  const PARAMETER = '/cloud-alerts/test/webhook/siem';
  const ssm = mockClient(SSMClient);
  afterAll(() => ssm.restore());

  /** functions/notify-webhook as Lambda runs it, the signing secret in (emulated) SSM, the DLQ recorded. */
  function notifier(testCase: string) {
    const config = parseConfig(
      `receivers:\n  - name: siem\n    webhook: { url: "${receiver.url}/${testCase}/hook", signingSecretParameter: ${PARAMETER} }\nroute: { receivers: [siem] }\n`,
      { stage: 'test' },
    );
    return notifierWithSecret(
      ssm,
      webhook,
      config,
      { parameter: PARAMETER, value: SECRET },
      {
        timeoutMs: TIMEOUT_MS,
        now: () => clock,
      },
    );
  }

  it('delivers a body the receiver verifies, with the request key as its delivery id', async () => {
    const { handler, deadLettered } = notifier('ok');
    const request = requestFor();
    const outcome = await handler(notificationEvent(request), lambdaContext('notify-webhook'));
    expect(outcome).toEqual({ status: 'delivered', receiver: 'siem' });
    expect(deadLettered).toEqual([]);
    expect(receiver.refused).toEqual([]);
    expect(receiver.processed.map((p) => p.id)).toEqual([request.key]);
    expect(receiver.processed[0]?.document).toMatchObject({
      version: 1,
      type: 'alert.firing',
      receiver: 'siem',
      alert: { id: request.alert.id, title: request.alert.title },
    });
  });

  it('dead-letters a body the receiver refuses (400) without the signing secret anywhere', async () => {
    const { handler, deadLettered } = notifier('echo');
    const outcome = await handler(notificationEvent(requestFor()), lambdaContext('notify-webhook'));
    expect(outcome).toMatchObject({ status: 'dead-lettered', receiver: 'siem' });
    expect(receiver.requests).toHaveLength(1);
    expect(deadLettered.map((r) => r.receiver)).toEqual(['siem']);
    expect(deadLettered[0]?.reason).toMatch(/^webhook delivery failed: .*400/);
    expect(JSON.stringify([outcome, deadLettered])).not.toContain(SECRET);
  });
});
