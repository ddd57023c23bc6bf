/**
 * The storm of test/integration/storm.test.ts, run once for its figures: how fast the alert function
 * takes the events, what each vendor was sent per minute, how long the critical change took to reach
 * each vendor, and what the send budgets folded. Same harness, same options as the test.
 */
import { ISSUE_STORM } from '../test/integration/kit/storm.ts';
import { accountAll, groupingAccount, STORM_CHANNELS } from '../test/integration/kit/storm-accounting.ts';
import { busyMs, runStorm, type StormRunOptions } from '../test/integration/kit/storm-run.ts';
import { SNS_EMAIL_PER_SECOND } from '../test/integration/kit/vendors.ts';

/** As in test/integration/storm.test.ts (see its header for why each differs from production). */
export const STORM_OPTIONS: StormRunOptions = {
  storm: ISSUE_STORM,
  alertClockScale: 60,
  lambdaRetryDelaysMs: [1000, 2000],
  overflowSummarySeconds: 5,
  settleTimeoutMs: 45_000,
};

export type Row = [string, string, string];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;

/**
 * Issue 18 asks whether the send budget belongs in the state table or in the notifiers' reserved
 * concurrency: the same storm with no budgets and each notifier at reserved concurrency 1, cut off
 * after 30 s.
 */
async function reservedConcurrencyRows(): Promise<Row[]> {
  const cutOffMs = 30_000;
  const run = await runStorm({ ...STORM_OPTIONS, notifierReservedConcurrency: 1, settleTimeoutMs: cutOffMs });
  try {
    const accounts = accountAll(run);
    const waiting = (fn: string) => run.functions[fn]?.throttled ?? 0;
    const critical = (c: 'slack' | 'pagerduty') => {
      const after = accounts[c].criticalAfterMs;
      return after === undefined ? 'not delivered' : ms(after);
    };
    return [
      [
        'Storm without budgets, notifiers at reserved concurrency 1: time from the critical change to Slack / PagerDuty',
        `${critical('slack')} / ${critical('pagerduty')} (after ${cutOffMs / 1000} s: ${waiting('notifySlack')} Slack and ${waiting('notifyPagerDuty')} PagerDuty invocations still waiting their turn)`,
        'only criticals, highs and resolves ahead, each at the budget’s rate (storm.test.ts)',
      ],
      [
        '… Slack / PagerDuty calls taken, and refused with 429, in those 30 s',
        `${accounts.slack.accepted} (${accounts.slack.throttled} refused) / ${accounts.pagerduty.accepted} (${accounts.pagerduty.throttled} refused)`,
        '—',
      ],
    ];
  } finally {
    await run.close();
  }
}

export async function benchStorm(): Promise<{ rows: Row[]; note: string }> {
  const comparison = await reservedConcurrencyRows();
  const run = await runStorm(STORM_OPTIONS);
  try {
    const accounts = accountAll(run);
    const alert = run.functions.alert;
    if (!alert) throw new Error('the storm run has no alert function');
    const events = run.storm.events.length;
    const durations = [...alert.stats.durations].sort((a, b) => a - b);
    const offeredMs = run.timing.lastInjectedAt - run.timing.startedAt;
    const label = (c: string) => ({ slack: 'Slack', pagerduty: 'PagerDuty', email: 'e-mail (SNS)' })[c] ?? c;
    const rows: Row[] = [
      [
        `Storm: events through the alert function (${events.toLocaleString('en-US')} events offered over ${ms(offeredMs)}, concurrent invocations, busy time)`,
        `${Math.round(events / (busyMs(alert) / 1000)).toLocaleString('en-US')} events/s`,
        '—',
      ],
      [
        `Storm: alert invocation wall time, median / p99 (up to ${alert.stats.maxConcurrent} at once)`,
        `${quantile(durations, 0.5).toFixed(1)} / ${quantile(durations, 0.99).toFixed(1)} ms`,
        '—',
      ],
    ];
    const limits: Record<string, string> = {
      slack: '≤ 60 + burst 3, 429s waited out',
      pagerduty: '≤ 120, no 429',
      email: `≤ ${SNS_EMAIL_PER_SECOND} in any second`,
    };
    for (const c of STORM_CHANNELS) {
      const a = accounts[c];
      const perMinute =
        c === 'email'
          ? `${a.accepted} in all, ${a.busiestSecond} in the busiest second`
          : `${a.busiestMinute} in the busiest 60 s (${a.accepted} in all), ${a.throttled.toLocaleString('en-US')} refused with 429`;
      rows.push(
        [`Storm: ${label(c)} calls taken per minute`, perMinute, limits[c] ?? '—'],
        [
          `Storm: ${label(c)} requests delivered / folded into overflow summaries`,
          `${a.delivered} / ${a.missing.length} of ${a.requests} (${a.overflowSummaries.length} summaries for ${a.summarisedAlerts} of ${a.missingAlerts} alerts)`,
          'folded alerts all summarised',
        ],
        [
          `Storm: time from the critical change to ${label(c)}`,
          a.criticalAfterMs === undefined ? 'not delivered' : ms(a.criticalAfterMs),
          'only criticals, highs and resolves ahead, each at the budget’s rate (storm.test.ts)',
        ],
      );
    }
    const dead = Object.entries(run.deadLetters)
      .filter(([, q]) => q.depth() > 0)
      .map(([k, q]) => `${k} ${q.depth()}`);
    const g = groupingAccount(run);
    rows.push(
      ['Storm: messages in dead-letter queues and on-failure destinations', dead.join(', ') || '0', '0'],
      [
        'Storm: wall time until nothing was left in flight',
        run.settled
          ? ms(run.timing.settledAt - run.timing.startedAt)
          : `not settled after ${ms(STORM_OPTIONS.settleTimeoutMs)}`,
        '< 60,000 ms',
      ],
      ...comparison,
    );
    const note = `Storm figures: \`test/integration/storm.test.ts\`'s run (harness in \`test/integration/kit/\`): ${events.toLocaleString('en-US')} events (${ISSUE_STORM.buckets} buckets made public by one SSO user, ${ISSUE_STORM.actors} actors × ${ISSUE_STORM.eventsPerActor} changes, ${ISSUE_STORM.alarms} alarms × ${ISSUE_STORM.transitionsPerAlarm} state changes, one critical change by another actor half-way) through the real alert app and notifier handlers, against stand-ins on 127.0.0.1 that enforce Slack's 1/s (burst 3), PagerDuty's 120 per 60 s per routing key and flag more than 10 SNS e-mails a second. The shipped configuration, with delivery.overflowSummarySeconds 5; the alert app's clock runs ${STORM_OPTIONS.alertClockScale}× the wall, so the storm's five minutes reach the vendors, whose limits run on the wall clock, as a burst of ${(offeredMs / 1000).toFixed(0)} s. Grouping held ${g.held} alerts in ${g.summaries} summaries. "Events through the alert function" is events divided by the time at least one alert invocation was running; the events were offered at ${Math.round(events / (offeredMs / 1000)).toLocaleString('en-US')}/s. PagerDuty incidents opened: ${run.pagerduty.incidentsOpened()}.`;
    return { rows, note };
  } finally {
    await run.close();
  }
}
