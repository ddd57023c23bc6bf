import type { Channel, NotificationRequest } from '../../../shared/events/alert.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import { renderNotification } from '../../../shared/notify/deliver.ts';
import { GROUP_SUMMARY_RULE_ID } from '../../../shared/stages/grouping.ts';
import type { StormRun } from './storm-run.ts';

/** The vendors the storm stands in for (test/integration/kit/vendors.ts), one per channel. */
export const STORM_CHANNELS = ['slack', 'pagerduty', 'email'] as const satisfies readonly Channel[];

import { busiestWindow, type VendorCall } from './vendors.ts';

/**
 * What a storm run delivered, counted from what the vendors took: every notification request on the
 * alerts bus is either found, byte for byte, among the messages a vendor accepted, or it was folded and
 * must be counted by an overflow summary that a vendor accepted. Alerts are counted with `covers`:
 * a grouping summary stands for the alerts it held back.
 */

export interface OverflowSeen {
  alerts: number;
  notifications: number;
  at: number;
}

export interface ChannelAccount {
  channel: Channel;
  requests: number;
  /** Alerts the requests stand for (Σ covers ?? 1). */
  requestedAlerts: number;
  delivered: number;
  deliveredAlerts: number;
  /** Requests no vendor message matches. */
  missing: NotificationRequest[];
  missingAlerts: number;
  /** Of the missing, those the notifier did not report as folded into an overflow summary. */
  missingNotFolded: string[];
  /** Distinct overflow summaries the vendor accepted. */
  overflowSummaries: OverflowSeen[];
  summarisedAlerts: number;
  /** Accepted vendor messages that match no request and are no overflow summary. */
  unexplained: string[];
  /** Messages a vendor took more than once (the same request or summary again). */
  duplicates: number;
  /** Vendor calls: accepted, refused with 429, and the most accepted in any 60 s and any 1 s. */
  accepted: number;
  throttled: number;
  busiestMinute: number;
  busiestSecond: number;
  /** The most tokens the channel's budgets granted within any one second. */
  busiestGrantSecond: number;
  /** Wall ms from the critical event's injection to the vendor accepting its message. */
  criticalAfterMs: number | undefined;
  /**
   * What the vendor took while the critical waited (after its injection, before its own message):
   * `severity status` of each request, so a test can see nothing of a lower lane went first.
   */
  aheadOfCritical: string[];
}

// The e-mail subject may cut the title short ("… send... in <account>"): the words up to the receiver suffice.
const OVERFLOW_TITLE = /(\d+) more alerts? held back by the [\w.-]+ send/;
const OVERFLOW_COUNTS = /(\d+) alerts? in (\d+) notifications?/;

/** What the vendor received for one message, in the form `bodyOf` renders it. */
function vendorMessages(run: StormRun, channel: Channel): VendorCall[] {
  if (channel === 'email') {
    return run.sns.published.map((p) => ({
      at: p.at,
      key: p.topicArn,
      status: 200,
      body: `${p.subject ?? ''}\n${p.message}`,
    }));
  }
  return (channel === 'slack' ? run.slack : run.pagerduty).accepted();
}

function bodyOf(run: StormRun, request: NotificationRequest): string {
  const rendered = renderNotification(
    request,
    run.config,
    {
      secret: (receiver) => ('slack' in receiver ? run.webhookUrl : run.routingKey),
      stackTopicArn: run.topicArn,
    },
    requirePlugin(request.channel),
  );
  if (rendered.channel === 'email') return `${rendered.body.Subject ?? ''}\n${rendered.body.Message ?? ''}`;
  return JSON.stringify(rendered.body);
}

const coversOf = (r: NotificationRequest) => r.alert.covers ?? 1;

export function accountChannel(run: StormRun, channel: Channel): ChannelAccount {
  // Two requests can render the same body (resolves of one alarm, one sent and one folded): the
  // requests the notifier folded are matched last, so a vendor message goes to a request it sent.
  const foldedKeys = new Set(
    run.notifyOutcomes.filter((o) => o.channel === channel && o.status === 'folded').map((o) => o.key),
  );
  const requests = run.requests
    .filter((r) => r.channel === channel)
    .sort((a, b) => Number(foldedKeys.has(a.key)) - Number(foldedKeys.has(b.key)));
  const messages = vendorMessages(run, channel);
  // Each message a vendor took is matched to at most one request: two requests can render the same
  // body (two resolves of one alarm), and each must find its own message.
  const byBody = new Map<string, VendorCall[]>();
  for (const m of messages) byBody.set(m.body, [...(byBody.get(m.body) ?? []), m]);
  const requestBodies = new Set<string>();
  const missing: NotificationRequest[] = [];
  let delivered = 0;
  let deliveredAlerts = 0;
  let criticalAfterMs: number | undefined;
  const deliveredAt: Array<{ at: number; what: string }> = [];
  const criticalEventId = String(run.storm.critical.event.id);
  for (const r of requests) {
    const body = bodyOf(run, r);
    requestBodies.add(body);
    const seen = byBody.get(body)?.shift();
    if (!seen) {
      missing.push(r);
      continue;
    }
    delivered++;
    deliveredAlerts += coversOf(r);
    if (r.alert.eventId === criticalEventId && r.alert.ruleId !== GROUP_SUMMARY_RULE_ID) {
      criticalAfterMs = seen.at - run.timing.criticalInjectedAt;
    }
    deliveredAt.push({ at: seen.at, what: `${r.alert.severity} ${r.alert.status}` });
  }
  const aheadOfCritical =
    criticalAfterMs === undefined
      ? []
      : deliveredAt
          .filter(
            (d) =>
              d.at >= run.timing.criticalInjectedAt &&
              d.at < run.timing.criticalInjectedAt + (criticalAfterMs ?? 0),
          )
          .map((d) => d.what);
  const overflowSummaries: OverflowSeen[] = [];
  const unexplained: string[] = [];
  let duplicates = 0;
  for (const [body, left] of byBody) {
    if (left.length === 0) continue;
    // A request's message taken twice: the at-least-once edge (the vendor took it, the client timed out).
    if (requestBodies.has(body)) {
      duplicates += left.length;
      continue;
    }
    const title = OVERFLOW_TITLE.exec(body);
    const counts = OVERFLOW_COUNTS.exec(body);
    if (!title?.[1] || !counts?.[2]) {
      unexplained.push(...left.map((m) => m.body));
      continue;
    }
    // The same summary sent twice (a retried flush) is one summary: it counts once.
    duplicates += left.length - 1;
    overflowSummaries.push({
      alerts: Number(title[1]),
      notifications: Number(counts[2]),
      at: Math.min(...left.map((m) => m.at)),
    });
  }
  const folded = new Set(
    run.notifyOutcomes.filter((o) => o.channel === channel && o.status === 'folded').map((o) => o.key),
  );
  const calls = channel === 'email' ? messages : (channel === 'slack' ? run.slack : run.pagerduty).calls;
  const accepted = messages;
  const grants = run.grants.filter((g) => g.channel === channel);
  return {
    channel,
    requests: requests.length,
    requestedAlerts: requests.reduce((n, r) => n + coversOf(r), 0),
    delivered,
    deliveredAlerts,
    missing,
    missingAlerts: missing.reduce((n, r) => n + coversOf(r), 0),
    missingNotFolded: missing.filter((r) => !folded.has(r.key)).map((r) => r.key),
    overflowSummaries,
    summarisedAlerts: overflowSummaries.reduce((n, s) => n + s.alerts, 0),
    unexplained,
    duplicates,
    accepted: accepted.length,
    throttled: calls.filter((c) => c.status === 429).length,
    busiestMinute: busiestWindow(accepted, 60_000),
    busiestSecond: busiestWindow(accepted, 1000),
    busiestGrantSecond: busiestWindow(grants, 1000),
    criticalAfterMs,
    aheadOfCritical,
  };
}

export function accountAll(run: StormRun): Record<Channel, ChannelAccount> {
  return Object.fromEntries(STORM_CHANNELS.map((c) => [c, accountChannel(run, c)])) as Record<
    Channel,
    ChannelAccount
  >;
}

/**
 * Grouping: how many alerts the grouping stage held back, per actor, and how many the grouping
 * summaries the alert function published say they stand for.
 */
export function groupingAccount(run: StormRun): { held: number; summarised: number; summaries: number } {
  const held = run.alertOutcomes.flatMap((o) => o.suppressed).filter((s) => s.kind === 'group').length;
  const summaries = new Map<string, number>();
  for (const a of run.raised) if (a.ruleId === GROUP_SUMMARY_RULE_ID) summaries.set(a.id, a.covers ?? 1);
  return { held, summarised: [...summaries.values()].reduce((n, c) => n + c, 0), summaries: summaries.size };
}
