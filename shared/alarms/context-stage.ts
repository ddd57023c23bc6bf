import {
  ALARM_RULE_ID,
  type AlarmContext,
  alarmAlert,
  alarmArnOf,
  alarmOptionsFrom,
} from '../enrich/alarm.ts';
import { type AlarmDetail, AlarmDetailSchema } from '../events/alarm.ts';
import type { Alert } from '../events/alert.ts';
import type { AlertStage, StageContext } from '../pipeline/stages.ts';
import { type AlarmLookup, alarmArnAccount } from './lookup.ts';
import { isRepeatedMemberFailure } from './member-access.ts';

export interface AlarmContextStageOptions {
  lookup: AlarmLookup;
  /**
   * The account the function runs in. An alarm forwarded from another account (an organisation's
   * member) cannot be looked up with this account's credentials, and DescribeAlarms by name would
   * find this account's alarm of the same name: such alarms are looked up only when the lookup
   * reads other accounts through their reader role (`readsMemberAccounts`).
   */
  ownAccount?: string | undefined;
  /** The lookup assumes each member account's reader role (see CloudWatchLookupOptions.members). */
  readsMemberAccounts?: boolean;
}

/** The event already says all a lookup would add: tags (tag propagation) and the description. */
function eventIsComplete(detail: AlarmDetail): boolean {
  return detail.alarmTags !== undefined && detail.configuration?.description !== undefined;
}

/** arn:aws:cloudwatch:<region>:<account>:alarm:<name>; the envelope's region when the ARN is odd. */
function regionOf(arn: string, fallback: string): string {
  const region = arn.split(':')[3];
  return region && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : fallback;
}

/**
 * Rebuilds alarm alerts with what the alarm says about itself: tags (severity, team, runbook,
 * notify), description, threshold and window. It runs first, before anything routes on tags. A
 * failed lookup is logged and the alert goes on as the event alone described it: never dropped.
 */
export function createAlarmContextStage(options: AlarmContextStageOptions): AlertStage {
  async function enrich(alert: Alert, ctx: StageContext): Promise<Alert> {
    if (alert.kind !== 'alarm' || alert.ruleId !== ALARM_RULE_ID) return alert;
    const parsed = AlarmDetailSchema.safeParse(ctx.envelope.detail);
    if (!parsed.success || eventIsComplete(parsed.data)) return alert;
    const arn = alarmArnOf(ctx.envelope, parsed.data);
    const account = alarmArnAccount(arn)?.account;
    if (options.ownAccount && account && account !== options.ownAccount && !options.readsMemberAccounts) {
      ctx.logger.info('alarm in another account: tags and description from the event only', {
        alarmArn: arn,
        alertId: alert.id,
        hint: 'turn on tag propagation for the alarm so its tags travel in the event, or deploy the alarm reader (docs/deploy.md)',
      });
      return alert;
    }
    let context: AlarmContext | undefined;
    try {
      context = await options.lookup(arn, regionOf(arn, ctx.envelope.region));
    } catch (err) {
      // A member account whose reader role failed is warned about once per back-off, not per event.
      const level = isRepeatedMemberFailure(err) ? 'info' : 'warn';
      ctx.logger[level]('alarm lookup failed; alerting from the event alone', {
        alarmArn: arn,
        alertId: alert.id,
        error: err instanceof Error ? err.message : String(err),
      });
      return alert;
    }
    if (!context) return alert;
    return alarmAlert(ctx.envelope, parsed.data, alarmOptionsFrom(ctx.config), context);
  }

  return {
    name: 'alarm-context',
    async run(alerts, ctx) {
      const out: Alert[] = [];
      for (const alert of alerts) out.push(await enrich(alert, ctx));
      return { alerts: out, suppressed: [] };
    },
  };
}
