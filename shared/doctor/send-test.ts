import { randomBytes } from 'node:crypto';
import { FilterLogEventsCommand, type FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import * as z from 'zod/mini';
import { receiverChannel } from '../config/receivers.ts';
import type { Config, Receiver } from '../config/schema.ts';
import { NOTIFIER_DEPLOYMENTS } from '../deploy/deployments.ts';
import { notifierIds } from '../deploy/notifiers.ts';
import {
  ALERTS_SOURCE,
  type Alert,
  type Channel,
  NOTIFICATION_REQUESTED,
  type NotificationRequest,
  NotificationRequestSchema,
  notificationKey,
} from '../events/alert.ts';
import { truncate } from '../notify/text.ts';
import { PUT_EVENTS_MAX_ENTRIES } from '../pipeline/publish.ts';
import type { DoctorClients } from './clients.ts';
import type { LocalSetup } from './local.ts';
import { errorLine, type Finding, fail, ok, warn } from './report.ts';
import { alertsBusName, type DeployedStack } from './stack.ts';

/**
 * `cloud-alerts doctor --send-test`: one "Notification Requested" per receiver on the alerts bus, as
 * the alert function would put it, so each goes through the deployed rule, notifier, secret and
 * vendor. The outcome is read from the notifier's own log lines for that request's key ("delivered",
 * "delivery failed permanently, dead-lettered", …), which name the failure without reading the
 * dead-letter queue (a receive would hide its messages from `dlq list` for a while).
 *
 * Every channel shows it as a test: the title starts with TEST, the severity is info (no mention, no
 * page-level severity), the summary says who sent it and that nothing happened. A PagerDuty test
 * incident is resolved again once its trigger was delivered.
 */

export const TEST_RULE_ID = 'cloud-alerts-test';
export const TEST_TITLE = 'TEST: cloud-alerts delivery test (not a real alert)';

export interface SendTestOptions {
  local: LocalSetup;
  config: Config;
  stack: DeployedStack;
  clients: DoctorClients;
  timeoutMs: number;
  pollMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  runId?: string;
}

interface TestRun {
  id: string;
  time: string;
  sentBy: string;
  account: string;
  region: string;
  prefix: string;
}

function testAlert(run: TestRun, receiver: string, status: Alert['status']): Alert {
  const resolved = status === 'resolved';
  return {
    id: resolved ? `${run.id}-resolve` : run.id,
    ruleId: TEST_RULE_ID,
    title: TEST_TITLE,
    severity: 'info',
    status,
    kind: 'generic',
    summary: resolved
      ? `End of the cloud-alerts delivery test ${run.id}: nothing happened in the account.`
      : `cloud-alerts doctor --send-test checks that ${receiver} receives alerts from ${run.prefix}. Nothing happened in the account; no action is needed.`,
    verdict: 'A test: no action needed.',
    account: { id: run.account },
    region: run.region,
    time: run.time,
    facts: [
      { label: 'Test run', value: run.id },
      { label: 'Sent by', value: run.sentBy },
    ],
    links: [],
    // A resolve reuses the trigger's dedup key, so PagerDuty closes the test incident.
    dedupKey: run.id,
    eventId: run.id,
  };
}

export function testRequest(run: TestRun, receiver: Receiver, status: Alert['status']): NotificationRequest {
  const alert = testAlert(run, receiver.name, status);
  return NotificationRequestSchema.parse({
    channel: receiverChannel(receiver),
    receiver: receiver.name,
    key: notificationKey(alert.id, receiver.name),
    alert,
  });
}

// What the notifiers log about a request (shared/pipeline/notify.ts), by its key.
const NotifierLogSchema = z.object({
  message: z.string(),
  key: z.optional(z.string()),
  error: z.optional(z.string()),
});

type Outcome =
  | { state: 'waiting'; error?: string }
  | { state: 'delivered'; at: number }
  | { state: 'dead-lettered'; error: string }
  | { state: 'refused'; error: string };

/**
 * The notifiers redact secrets from their errors; a log line is still text from elsewhere, so before
 * it is printed any URL (a webhook) and any long token (a routing key) is masked once more.
 */
export function maskSecrets(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>,]+/g, '[url]').replace(/\b[A-Za-z0-9]{32,}\b/g, '[redacted]');
}

/** Each notifier's dead-letter queue, by its logical id (shared/deploy/notifiers.ts). */
const DEAD_LETTER_QUEUE: Readonly<Record<string, string>> = Object.fromEntries(
  NOTIFIER_DEPLOYMENTS.map((d) => [d.name, notifierIds(d).dlq]),
);

function logGroup(prefix: string, channel: Channel): string {
  return `/aws/lambda/${prefix}-notify-${channel}`;
}

/** Reads the notifier's log lines about one key since `since`; the most final state wins. */
async function outcomeOf(
  clients: DoctorClients,
  group: string,
  key: string,
  since: number,
): Promise<Outcome> {
  let waiting: Outcome = { state: 'waiting' };
  let token: string | undefined;
  let pages = 0;
  do {
    let page: FilterLogEventsCommandOutput;
    try {
      page = await clients.logs.send(
        new FilterLogEventsCommand({
          logGroupName: group,
          // Keys are ours (test run id and receiver name): no quote or backslash to escape.
          filterPattern: `{ $.key = "${key}" }`,
          startTime: since,
          ...(token ? { nextToken: token } : {}),
        }),
      );
    } catch (err) {
      // No log group yet: the notifier has never run. Anything else is for the caller to report.
      if (err instanceof Error && err.name === 'ResourceNotFoundException') return waiting;
      throw err;
    }
    for (const event of page.events ?? []) {
      let line: unknown;
      try {
        line = JSON.parse(event.message ?? '');
      } catch {
        continue;
      }
      const read = NotifierLogSchema.safeParse(line);
      if (!read.success || read.data.key !== key) continue;
      const { message, error } = read.data;
      const at = event.timestamp ?? Date.now();
      if (message === 'delivered' || message === 'already delivered, not sent again')
        return { state: 'delivered', at };
      if (message === 'delivery failed permanently, dead-lettered')
        return { state: 'dead-lettered', error: error ?? 'no reason logged' };
      if (message.startsWith('delivery failed')) waiting = { state: 'waiting', error: error ?? message };
    }
    token = page.nextToken;
    pages += 1;
  } while (token && pages < 10);
  return waiting;
}

function shortError(text: string): string {
  return truncate(maskSecrets(text), 300, '…');
}

interface Pending {
  receiver: Receiver;
  channel: Channel;
  request: NotificationRequest;
  sentAt: number;
  outcome: Outcome;
  /** PagerDuty: the resolve that closes the test incident, once the trigger is delivered. */
  resolve?: { request: NotificationRequest; outcome: Outcome };
}

async function put(
  clients: DoctorClients,
  bus: string,
  requests: NotificationRequest[],
): Promise<Array<string | undefined>> {
  const errors: Array<string | undefined> = [];
  for (let i = 0; i < requests.length; i += PUT_EVENTS_MAX_ENTRIES) {
    const batch = requests.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
    const entries: PutEventsRequestEntry[] = batch.map((r) => ({
      EventBusName: bus,
      Source: ALERTS_SOURCE,
      DetailType: NOTIFICATION_REQUESTED,
      Detail: JSON.stringify(r),
    }));
    try {
      const out = await clients.eventBridge.send(new PutEventsCommand({ Entries: entries }));
      for (const [j] of batch.entries()) {
        const e = out.Entries?.[j];
        errors.push(
          e?.ErrorCode ? `${e.ErrorCode}: ${e.ErrorMessage ?? ''}` : e?.EventId ? undefined : 'no event id',
        );
      }
    } catch (err) {
      const hint =
        err instanceof Error && /AccessDenied/.test(err.name)
          ? ` (only the alert function's role and params.alertsBusWriter may put events on ${bus}: run doctor as that principal, docs/deploy.md section 3)`
          : '';
      for (const _ of batch) errors.push(`${errorLine(err)}${hint}`);
    }
  }
  return errors;
}

export async function sendTest(opts: SendTestOptions): Promise<Finding[]> {
  const { local, config, stack, clients } = opts;
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = opts.pollMs ?? 5000;
  if (config.receivers.length === 0) return [ok('send-test', 'no receivers configured: nothing to test')];
  const bus = alertsBusName(local.prefix, stack);

  let sentBy = 'unknown caller';
  try {
    sentBy = (await clients.sts.send(new GetCallerIdentityCommand({}))).Arn ?? sentBy;
  } catch {
    // Only a label in the test message; PutEvents says soon enough whether the credentials work.
  }
  const start = now();
  const stamp = start.toISOString().replace(/[-:]/g, '').slice(0, 15);
  const run: TestRun = {
    id: opts.runId ?? `cloud-alerts-test-${stamp}-${randomBytes(3).toString('hex')}`,
    time: start.toISOString(),
    sentBy,
    account: stack.account,
    region: local.region,
    prefix: local.prefix,
  };

  const pending: Pending[] = config.receivers.map((receiver) => ({
    receiver,
    channel: receiverChannel(receiver),
    request: testRequest(run, receiver, 'firing'),
    sentAt: start.getTime(),
    outcome: { state: 'waiting' },
  }));
  const refused = await put(
    clients,
    bus,
    pending.map((p) => p.request),
  );
  for (const [i, error] of refused.entries()) {
    const p = pending[i];
    if (p && error) p.outcome = { state: 'refused', error };
  }

  // Logs can start a little before our clock says: look back a minute.
  const since = start.getTime() - 60_000;
  const deadline = start.getTime() + opts.timeoutMs;
  const open = () =>
    pending.filter(
      (p) =>
        p.outcome.state === 'waiting' || (p.resolve !== undefined && p.resolve.outcome.state === 'waiting'),
    );
  while (open().length > 0) {
    for (const p of open()) {
      const group = logGroup(local.prefix, p.channel);
      try {
        if (p.outcome.state === 'waiting') {
          p.outcome = await outcomeOf(clients, group, p.request.key, since);
          if (p.outcome.state === 'delivered' && p.channel === 'pagerduty') {
            const request = testRequest(run, p.receiver, 'resolved');
            const [error] = await put(clients, bus, [request]);
            p.resolve = { request, outcome: error ? { state: 'refused', error } : { state: 'waiting' } };
          }
        } else if (p.resolve) {
          p.resolve.outcome = await outcomeOf(clients, group, p.resolve.request.key, since);
        }
      } catch (err) {
        p.outcome = { state: 'refused', error: `cannot read ${group}: ${errorLine(err)}` };
      }
    }
    if (open().length === 0 || now().getTime() >= deadline) break;
    await sleep(pollMs);
  }

  const seconds = Math.round(opts.timeoutMs / 1000);
  return pending.map((p) => {
    const who = `${p.receiver.name} (${p.channel})`;
    const o = p.outcome;
    switch (o.state) {
      case 'delivered': {
        const took = `delivered in ${Math.max(0, Math.round((o.at - p.sentAt) / 1000))} s`;
        if (!p.resolve) return ok('send-test', `${who}: ${took}`);
        if (p.resolve.outcome.state === 'delivered')
          return ok('send-test', `${who}: ${took}; the test incident was resolved`);
        return warn(
          'send-test',
          `${who}: ${took}, but resolving the test incident was not confirmed: resolve it in PagerDuty (dedup key ${run.id})`,
        );
      }
      case 'dead-lettered': {
        const queue =
          stack.resources.get(DEAD_LETTER_QUEUE[p.channel] ?? '')?.physicalId ?? '<its dead-letter queue>';
        return fail(
          'send-test',
          `${who}: dead-lettered: ${shortError(o.error)} (npx cloud-alerts dlq list --queue ${queue})`,
        );
      }
      case 'refused':
        return fail('send-test', `${who}: ${shortError(o.error)}`);
      default:
        return fail(
          'send-test',
          o.error
            ? `${who}: not delivered within ${seconds} s: ${shortError(o.error)}; Lambda retries it, then its dead-letter queue gets it`
            : `${who}: no word from ${local.prefix}-notify-${p.channel} within ${seconds} s: is rule ${local.prefix}-notify-${p.channel} enabled, and may these credentials read its logs (logs:FilterLogEvents)?`,
        );
    }
  });
}
