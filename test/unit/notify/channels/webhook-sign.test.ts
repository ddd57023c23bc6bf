import { createHmac } from 'node:crypto';
import type { NotificationRequest } from '../../../../shared/events/alert.ts';
import { webhook } from '../../../../shared/notify/channels/webhook/index.ts';
import { WEBHOOK_CHANNEL } from '../../../../shared/notify/channels/webhook/limits.ts';
import type { WebhookDocument } from '../../../../shared/notify/channels/webhook/render.ts';
import { WEBHOOK_USER_AGENT } from '../../../../shared/notify/channels/webhook/sender.ts';
import type { WebhookSettings } from '../../../../shared/notify/channels/webhook/settings.ts';
import {
  verifyWebhookSignature,
  webhookSignature,
} from '../../../../shared/notify/channels/webhook/verify.ts';
import { DeliveryError } from '../../../../shared/notify/errors.ts';
import type { FetchLike } from '../../../../shared/notify/http.ts';
import { buildAlert } from '../fixtures.ts';

const SECRET = 'whsec-3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e';
const SETTINGS: WebhookSettings = {
  url: 'https://siem.example.com/hooks/cloud-alerts',
  signingSecretParameter: '/cloud-alerts/prod/webhook/siem',
  headers: { 'X-Tenant': 'secops' },
};
const NOW = Date.parse('2026-12-05T04:30:00.250Z');
const NOW_SECONDS = Math.floor(NOW / 1000);

function request(): NotificationRequest {
  const alert = buildAlert();
  return { channel: WEBHOOK_CHANNEL, receiver: 'siem', key: `${alert.id}/siem`, alert };
}

interface Sent {
  url: string;
  init: RequestInit;
  headers: Headers;
  bytes: Buffer;
}

/** A fetch that records what it was given and answers `status`. */
function capture(
  status = 204,
  text = '',
  headers: Record<string, string> = {},
): { sent: Sent[]; fetchImpl: FetchLike } {
  const sent: Sent[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    const body = init.body;
    if (!(body instanceof Uint8Array)) throw new Error('expected the body as bytes');
    sent.push({ url, init, headers: new Headers(init.headers), bytes: Buffer.from(body) });
    return new Response(status === 204 ? null : text, { status, headers });
  };
  return { sent, fetchImpl };
}

/** `secret` has no default: an undefined one is a case of its own. */
async function sendOnce(now: number, secret: string | undefined): Promise<Sent> {
  const { sent, fetchImpl } = capture();
  const sender = webhook.createSender({ fetchImpl, now: () => now });
  const req = request();
  await sender.send(webhook.render(req.alert, SETTINGS, { secret: undefined, stackTopicArn: undefined }), {
    receiver: 'siem',
    settings: SETTINGS,
    secret,
    request: req,
  });
  const first = sent[0];
  if (first === undefined) throw new Error('nothing sent');
  return first;
}

describe('webhookSignature', () => {
  it('matches a known answer computed outside Node (openssl dgst -sha256 -hmac)', () => {
    // printf '%s' '1764900000.{"version":1}' | openssl dgst -sha256 -hmac 'whsec-test-0123456789abcdef'
    expect(webhookSignature('whsec-test-0123456789abcdef', 1764900000, '{"version":1}')).toBe(
      'ea252660789b03f0b96b7770382affed83f87915188857ae6a3bd32ffdbd3f57',
    );
  });
});

describe('createWebhookSender', () => {
  it('sends the headers we document, the static ones, and no redirect following', async () => {
    const { url, init, headers } = await sendOnce(NOW, SECRET);
    expect(url).toBe(SETTINGS.url);
    expect(init.method).toBe('POST');
    expect(init.redirect).toBe('manual');
    expect(Object.fromEntries(headers)).toEqual({
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'x-cloud-alerts-timestamp': String(NOW_SECONDS),
      'x-cloud-alerts-signature': expect.stringMatching(/^v1=[0-9a-f]{64}$/),
      'x-cloud-alerts-delivery': `${request().key}`,
      'x-tenant': 'secops',
    });
  });

  it('signs exactly the bytes it sends: HMAC-SHA256 of "<timestamp>.<body>", computed here independently', async () => {
    const { headers, bytes } = await sendOnce(NOW, SECRET);
    const expected = createHmac('sha256', SECRET)
      .update(Buffer.concat([Buffer.from(`${NOW_SECONDS}.`), bytes]))
      .digest('hex');
    expect(headers.get('x-cloud-alerts-signature')).toBe(`v1=${expected}`);
    const document = JSON.parse(bytes.toString('utf8')) as WebhookDocument;
    expect(document.id).toBe(headers.get('x-cloud-alerts-delivery'));
    expect(document.receiver).toBe('siem');
    expect(document.sentAt).toBe('2026-12-05T04:30:00.250Z');
  });

  it('signs each attempt anew: a retry has its own timestamp and signature and the same delivery id', async () => {
    const first = await sendOnce(NOW, SECRET);
    const retry = await sendOnce(NOW + 61_000, SECRET);
    expect(retry.headers.get('x-cloud-alerts-timestamp')).toBe(String(NOW_SECONDS + 61));
    expect(retry.headers.get('x-cloud-alerts-signature')).not.toBe(
      first.headers.get('x-cloud-alerts-signature'),
    );
    expect(retry.headers.get('x-cloud-alerts-delivery')).toBe(first.headers.get('x-cloud-alerts-delivery'));
  });

  it('refuses to send unsigned: no secret is a permanent error that names the receiver only', async () => {
    await expect(sendOnce(NOW, undefined)).rejects.toMatchObject({
      name: 'DeliveryError',
      retryable: false,
      message: 'webhook delivery failed: receiver siem: signing secret not available, permanent',
    });
    await expect(sendOnce(NOW, '')).rejects.toBeInstanceOf(DeliveryError);
  });

  it('keeps the secret out of the error when the receiver echoes it', async () => {
    const { fetchImpl } = capture(400, `bad signature, expected secret ${SECRET}`);
    const req = request();
    const error: unknown = await webhook
      .createSender({ fetchImpl })
      .send(webhook.render(req.alert, SETTINGS, { secret: undefined, stackTopicArn: undefined }), {
        receiver: 'siem',
        settings: SETTINGS,
        secret: SECRET,
        request: req,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(String((error as Error).message)).toBe(
      'webhook delivery failed: HTTP 400 (bad signature, expected secret [redacted]), permanent',
    );
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"version":1,"type":"alert.firing"}';
  const ts = String(NOW_SECONDS);
  const good = `v1=${webhookSignature(SECRET, NOW_SECONDS, body)}`;
  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
    verifyWebhookSignature({ secret: SECRET, timestamp: ts, signature: good, body, now: NOW, ...over });

  it('accepts a fresh, correctly signed request, as a string or as bytes', () => {
    expect(check()).toEqual({ ok: true, timestamp: NOW_SECONDS });
    expect(check({ body: Buffer.from(body) })).toEqual({ ok: true, timestamp: NOW_SECONDS });
  });

  it('refuses a changed body, another secret, or a timestamp other than the one signed', () => {
    expect(check({ body: body.replace('firing', 'resolved') })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    expect(check({ secret: `${SECRET}x` })).toEqual({ ok: false, reason: 'bad signature' });
    expect(check({ timestamp: String(NOW_SECONDS - 1) })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it.each([
    [-300, true],
    [300, true],
    [-301, false],
    [301, false],
    [-86_400, false],
  ])('with the default 300 s tolerance, a timestamp %i s from now is accepted: %s', (offset, ok) => {
    const at = NOW_SECONDS + offset;
    const result = check({ timestamp: String(at), signature: `v1=${webhookSignature(SECRET, at, body)}` });
    expect(result).toEqual(ok ? { ok: true, timestamp: at } : { ok: false, reason: 'stale timestamp' });
  });

  it('takes a tolerance of its own', () => {
    const at = NOW_SECONDS - 30;
    const signature = `v1=${webhookSignature(SECRET, at, body)}`;
    expect(check({ timestamp: String(at), signature, toleranceSeconds: 10 })).toEqual({
      ok: false,
      reason: 'stale timestamp',
    });
  });

  it.each([[undefined], [null], [''], ['abc'], ['1.5'], ['-1'], ['1e9'], ['12345678901234']])(
    'refuses the timestamp %j as malformed',
    (timestamp) => {
      expect(check({ timestamp })).toEqual({ ok: false, reason: 'malformed timestamp' });
    },
  );

  it.each([
    [undefined],
    [''],
    ['abc'],
    [good.slice(3)],
    [`v0=${good.slice(3)}`],
    [good.slice(0, -2)],
    [good.toUpperCase()],
  ])('refuses the signature %j as malformed', (signature) => {
    expect(check({ signature })).toEqual({ ok: false, reason: 'malformed signature' });
  });

  it('accepts any of several v1 signatures, for rotating the secret', () => {
    const other = `v1=${webhookSignature('old-secret', NOW_SECONDS, body)}`;
    expect(check({ signature: `${other}, ${good}` })).toEqual({ ok: true, timestamp: NOW_SECONDS });
    expect(check({ signature: `${other}, ${other}` })).toEqual({ ok: false, reason: 'bad signature' });
  });
});
