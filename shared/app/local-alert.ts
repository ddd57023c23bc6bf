import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AlarmLookup } from '../alarms/lookup.ts';
import { AlertSchema, NOTIFICATION_REQUESTED, NotificationRequestSchema } from '../events/alert.ts';
import { type LogPort, silentLogger } from '../pipeline/logger.ts';
import type { PutEventsPort } from '../pipeline/publish.ts';
import { createMemoryStateStore } from '../state/memory.ts';
import { terminalLine } from '../util/terminal.ts';
import { type AlertApp, type AlertPorts, noAlarmLookup } from './alert.ts';
import type { Print } from './local.ts';

/** One line per entry the alert function would put on the alerts bus. */
function describeEntry(entry: PutEventsRequestEntry): string {
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail ?? 'null');
  } catch {
    detail = undefined;
  }
  const request = NotificationRequestSchema.safeParse(detail);
  if (entry.DetailType === NOTIFICATION_REQUESTED && request.success)
    return `  ${NOTIFICATION_REQUESTED}: ${request.data.channel} → ${terminalLine(request.data.receiver)}`;
  const alert = AlertSchema.safeParse(detail);
  if (alert.success) {
    const a = alert.data;
    return `  ${terminalLine(entry.DetailType ?? '')}: ${terminalLine(a.ruleId)} ${a.severity} ${a.status}: ${terminalLine(a.title)}`;
  }
  return `  ${terminalLine(entry.DetailType ?? '(no detail-type)')}`;
}

/** The alerts bus as `invoke local` shows it: every entry printed, none sent, each accepted. */
export function printingBus(busName: string, print: Print): PutEventsPort {
  return async (entries) => {
    print(
      [
        `alert would put ${entries.length} event(s) on ${terminalLine(busName)} (invoke local: nothing was sent):`,
        ...entries.map(describeEntry),
        '',
      ].join('\n'),
    );
    return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `invoke-local-${i + 1}` })) };
  };
}

/**
 * The alert function's ports for `serverless invoke local`: a bus that prints, windows in memory (one
 * invocation, so dedupe and grouping start empty), no CloudWatch (an alarm alert says what its event
 * says), and a group-close queue that says when a summary would be sent.
 */
export function localAlertPorts(
  env: Readonly<Record<string, string | undefined>>,
  parts: { logger: LogPort; print: Print },
): AlertPorts {
  const { print } = parts;
  const busName = env.ALERTS_BUS_NAME ?? 'the alerts bus';
  return {
    bus: { name: busName, putEvents: printingBus(busName, print) },
    state: createMemoryStateStore(),
    groupClose: {
      scheduler: {
        async schedule(request) {
          const due = new Date(request.at + request.dueInMs).toISOString();
          print(
            `grouping window ${terminalLine(request.key)}: its summary would be sent when its slot closes (${due})\n`,
          );
        },
      },
      async requeue() {},
    },
    alarms: {
      async lookup(alarmArn) {
        print(
          `alarm ${terminalLine(alarmArn)}: not looked up (invoke local reads no CloudWatch); tags and description from the event only\n`,
        );
        return undefined;
      },
    },
    logger: parts.logger,
  };
}

/**
 * Ports that keep what the alert function puts on the bus, for commands that show it (`routes test`,
 * the alerts-bus samples): fresh windows in memory, no grouping summary (one event never closes a
 * window), alarm context from `alarmLookup` (a tags file) or from the event alone.
 */
export function recordingAlertPorts(
  bus: PutEventsRequestEntry[],
  opts: { alarmLookup?: AlarmLookup | undefined; clock?: () => number; logger?: LogPort },
): AlertPorts {
  return {
    bus: {
      name: 'recorded',
      putEvents: async (entries) => {
        bus.push(...entries);
        return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'recorded' })) };
      },
    },
    state: createMemoryStateStore(),
    groupClose: { scheduler: { schedule: async () => {} }, requeue: async () => {} },
    alarms: { lookup: opts.alarmLookup ?? noAlarmLookup },
    logger: opts.logger ?? silentLogger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  };
}

/** Says which stages the application runs, in order: `invoke local` shows the chain Lambda runs. */
export function printStages(app: AlertApp, print: Print): void {
  print(`alert stages: ${app.stages.map((s) => s.name).join(' → ')}\n`);
}
