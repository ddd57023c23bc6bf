import { CRITICAL_DEBT_MS } from '../../shared/delivery/budget.ts';
import type { Channel } from '../../shared/events/alert.ts';
import { requirePlugin } from '../../shared/notify/channels/registry.ts';
import { emissionIntervalMs } from '../../shared/state/send-budget.ts';
import { ISSUE_STORM } from './kit/storm.ts';
import { accountAll, type ChannelAccount, groupingAccount, STORM_CHANNELS } from './kit/storm-accounting.ts';
import { CHANNEL_FUNCTIONS, runStorm, type StormRun, type StormRunOptions } from './kit/storm-run.ts';
import { SNS_EMAIL_PER_SECOND } from './kit/vendors.ts';

/**
 * Issue 18's storm, end to end: 2,000 events (one SSO user making 600 buckets public, 40 people each
 * changing ten things, 100 alarms flapping through a regional outage) and, half-way, one critical
 * change by somebody else. They go through the real alert app (shared/app/alert.ts) and the real
 * notifier handlers (shared/aws/notifier.ts) with the real HTTP and SNS senders, wired as
 * serverless.yml wires them, against stand-ins on 127.0.0.1 that enforce the vendors' limits
 * (test/integration/kit/vendors.ts). Lambda, SQS and EventBridge are the harness in
 * test/integration/kit/lambda-harness.ts; the configuration is the shipped one, with one change below.
 *
 * Time: the alert app's clock runs 60 times faster than the wall, so the storm's five minutes arrive
 * in five seconds and the shipped five-minute group interval passes in five: to the vendors, whose
 * limits run on the wall clock, the storm is a burst, which is what the issue asks about. Lambda's
 * async retries (about 1 and 2 minutes) are scaled the same way. The send budgets and their flushes run
 * on the wall clock, with `delivery.overflowSummarySeconds` at 5 instead of the shipped 30, so that
 * every overflow summary is sent within the run and the test takes well under a minute.
 */
const OPTIONS: StormRunOptions = {
  storm: ISSUE_STORM,
  alertClockScale: 60,
  lambdaRetryDelaysMs: [1000, 2000],
  overflowSummarySeconds: 5,
  settleTimeoutMs: 45_000,
};

/**
 * "Within seconds", from the critical event reaching EventBridge to the vendor taking its message.
 * Criticals are never held behind anything of a lower lane, and the resolves that close incidents
 * (never folded) wait for a free token rather than reserve a slot ahead of them. So the critical may
 * wait only for the sends already admitted ahead of it at the budget's rate, plus two slots and two
 * seconds of slack for scheduling, and never longer than the budget's critical debt
 * (shared/delivery/budget.ts) lets anything wait.
 */
function criticalBoundMs(channel: Channel): number {
  const ahead = accounts[channel].aheadOfCritical.length;
  const slotMs = emissionIntervalMs(requirePlugin(channel).budget);
  return Math.min((ahead + 2) * slotMs + 2000, CRITICAL_DEBT_MS + 2000);
}

/** An event-loop stall longer than this means the run was starved of CPU (see the vendor-limit test). */
const STARVED_MS = 250;

let run: StormRun;
let accounts: Record<Channel, ChannelAccount>;

/** "3 high firing, 14 high resolved": what went ahead of the critical, by kind. */
function aheadKinds(ahead: string[]): string {
  const counts = new Map<string, number>();
  for (const what of ahead) counts.set(what, (counts.get(what) ?? 0) + 1);
  return [...counts].map(([what, n]) => `${n} ${what}`).join(', ') || 'nothing';
}

function figures(): string {
  const lines = STORM_CHANNELS.map((c) => {
    const a = accounts[c];
    return `${c}: ${a.requests} requests for ${a.requestedAlerts} alerts; ${a.accepted} vendor calls taken (${a.throttled} refused with 429), ${a.delivered} requests delivered, ${a.missing.length} folded into ${a.overflowSummaries.length} overflow summaries for ${a.summarisedAlerts} alerts; busiest 60 s ${a.busiestMinute}, busiest 1 s ${a.busiestSecond} (granted ${a.busiestGrantSecond}); critical after ${a.criticalAfterMs ?? '—'} ms behind ${a.aheadOfCritical.length} others (${aheadKinds(a.aheadOfCritical)})`;
  });
  const g = groupingAccount(run);
  return [
    `storm: ${run.storm.events.length} events injected in ${run.timing.lastInjectedAt - run.timing.startedAt} ms, settled after ${run.timing.settledAt - run.timing.startedAt} ms (${run.settled ? 'settled' : `${run.inFlightAtEnd} pieces of work still in flight`})`,
    `event loop: longest stall ${Math.round(run.eventLoopStallMs)} ms`,
    `grouping: ${g.held} alerts held, ${g.summaries} summaries standing for ${g.summarised}`,
    ...lines,
  ].join('\n');
}

beforeAll(async () => {
  run = await runStorm(OPTIONS);
  accounts = accountAll(run);
  // The figures, for whoever reads the test log: `npm run bench` writes them into BENCHMARKS.md.
  console.log(figures());
}, 90_000);

afterAll(() => run?.close());

describe('a storm of 2,000 events and one critical change', () => {
  it('settles: nothing is left in flight, no delayed message and no retry, within the run', () => {
    expect(run.settled).toBe(true);
    expect(Object.fromEntries(Object.entries(run.workQueues).map(([k, q]) => [k, q.depth()]))).toEqual(
      Object.fromEntries(Object.keys(run.workQueues).map((k) => [k, 0])),
    );
  });

  it('leaves nothing in any dead-letter queue or on-failure destination', () => {
    const depths = Object.fromEntries(Object.entries(run.deadLetters).map(([k, q]) => [k, q.depth()]));
    expect(depths).toEqual({
      AlertDlq: 0,
      NotifySlackDlq: 0,
      NotifyPagerDutyDlq: 0,
      NotifyEmailDlq: 0,
      GroupCloseDlq: 0,
    });
    const failed = run.notifyOutcomes.filter((o) => o.status === 'failed' || o.status === 'dead-lettered');
    expect(failed).toEqual([]);
  });

  it('counts every alert grouping held back in a grouping summary the alert function published', () => {
    const g = groupingAccount(run);
    // 599 of the 600 bucket changes and most of the forty callers' repeats.
    expect(g.held).toBeGreaterThan(800);
    expect(g.summarised).toBe(g.held);
  });

  it.each(STORM_CHANNELS)(
    '%s: every notification was delivered, or folded and counted by a delivered overflow summary',
    (channel) => {
      const a = accounts[channel];
      expect(a.requests).toBeGreaterThan(800);
      // Every request the vendor did not receive was folded by the send budget…
      expect({ notFolded: a.missingNotFolded.length, first: a.missingNotFolded.slice(0, 3) }).toEqual({
        notFolded: 0,
        first: [],
      });
      // …and the overflow summaries the vendor received stand for exactly those alerts. A notifier
      // invocation that failed after folding (a harness timeout on a starved machine) is retried and
      // folds again: a summary may then count high by a retry, never low (docs/failure-handling.md).
      const failedRuns =
        run.functions[CHANNEL_FUNCTIONS[channel as keyof typeof CHANNEL_FUNCTIONS]]?.stats.errors ?? 0;
      if (failedRuns === 0) {
        expect(a.summarisedAlerts).toBe(a.missingAlerts);
        expect(a.deliveredAlerts + a.summarisedAlerts).toBe(a.requestedAlerts);
      } else {
        expect(a.summarisedAlerts).toBeGreaterThanOrEqual(a.missingAlerts);
        expect(a.deliveredAlerts + a.summarisedAlerts).toBeGreaterThanOrEqual(a.requestedAlerts);
      }
      // Nothing else reached the vendor.
      expect(a.unexplained).toEqual([]);
    },
  );

  it.each(['slack', 'pagerduty', 'email'] as const)(
    '%s: the critical change from another actor arrives within seconds of its event',
    (channel) => {
      expect(accounts[channel].criticalAfterMs).toBeDefined();
      expect(accounts[channel].criticalAfterMs).toBeLessThanOrEqual(criticalBoundMs(channel));
    },
  );

  it.each(['slack', 'pagerduty', 'email'] as const)(
    '%s: while the critical waited, nothing below high went first',
    (channel) => {
      const ahead = accounts[channel].aheadOfCritical;
      // A high may be ahead: the issue asks that critical and high never wait behind the rest.
      expect(ahead.filter((what) => !/^(critical|high) firing$|resolved$/.test(what))).toEqual([]);
    },
  );

  it('keeps every vendor within its limit: the budgets, not the vendors, hold the storm back', () => {
    const { slack, pagerduty, email } = accounts;
    // Slack's 429s come from criticals sent into debt and are waited out (Retry-After); they stay few.
    expect(slack.throttled).toBeLessThanOrEqual(slack.accepted);
    // PagerDuty promises no Retry-After: its budget (110 a minute, burst 10) must never meet a 429.
    expect(pagerduty.throttled).toBe(0);
    expect(pagerduty.busiestMinute).toBeLessThanOrEqual(120);
    // SNS takes everything; more than 10 a second would get the e-mail subscription suspended.
    // The budget never lets more than that go in any second: what our code decides…
    expect(email.busiestGrantSecond).toBeLessThanOrEqual(SNS_EMAIL_PER_SECOND);
    // …and SNS receives no more while this process keeps time. Starved of CPU (every test worker
    // busy: the event loop once stalled past STARVED_MS), the one process that runs every
    // "invocation" releases in one bunch sends the budget spread over seconds; in Lambda each send
    // waits in its own invocation, and no stall of one releases the others. Starved, the bound is
    // twice the limit, still far below what 951 unbudgeted requests would make.
    const starved = run.eventLoopStallMs > STARVED_MS;
    expect(email.busiestSecond).toBeLessThanOrEqual((starved ? 2 : 1) * SNS_EMAIL_PER_SECOND);
  });

  it('turns 2,000 events into tens of vendor calls per channel, not thousands', () => {
    for (const c of STORM_CHANNELS) {
      expect(accounts[c].accepted).toBeGreaterThan(0);
      expect(accounts[c].accepted).toBeLessThan(150);
    }
  });
});
