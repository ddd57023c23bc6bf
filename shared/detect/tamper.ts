import { serviceLink, trailLink } from '../enrich/links.ts';
import type { Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule, FindingDraft } from './types.ts';
import { asList, field, isRecord, short, str } from './values.ts';

/**
 * Turning off the tools that would record or detect an attack: CloudTrail, AWS Config, GuardDuty,
 * Security Hub. A denied attempt keeps its severity: trying is the signal.
 */
const FEED = 'cloudtrail-tampering';

function param(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.requestParameters, key));
}

/** Trails are named by name or ARN; the resource shows the name, the link keeps what was given. */
function trail(
  record: CloudTrailRecord,
  region: string,
): Pick<FindingDraft, 'resource' | 'links'> & { name: string } {
  const given = param(record, 'name') ?? param(record, 'trailName') ?? 'unknown trail';
  const name = given.includes(':trail/') ? (given.split(':trail/')[1] ?? given) : given;
  return {
    name,
    resource: { type: 'CloudTrail trail', name, ...(given.startsWith('arn:') ? { arn: given } : {}) },
    links: [trailLink(region, given)],
  };
}

const TRAIL_ACTIONS: Record<string, [string, string]> = {
  StopLogging: ['stopped logging on trail', 'No API activity is recorded by this trail from now on.'],
  DeleteTrail: ['deleted trail', 'The trail and its delivery are gone: API activity is no longer archived.'],
  UpdateTrail: [
    'changed trail',
    'Where or what the trail logs may have changed: check its bucket, regions and encryption.',
  ],
  PutEventSelectors: [
    'changed the event selectors of trail',
    'Some events (management or data) may no longer be recorded.',
  ],
  PutInsightSelectors: [
    'changed the Insights selectors of trail',
    'Unusual-activity detection may be off for this trail.',
  ],
};

export const cloudTrailTampering: CloudTrailRule = {
  id: 'cloudtrail-tampering',
  title: 'CloudTrail logging tampered with',
  severity: 'critical',
  description:
    'StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors, PutInsightSelectors (CIS 4.5); critical even when denied.',
  cis: '4.5',
  feed: FEED,
  eventSource: 'cloudtrail.amazonaws.com',
  eventNames: Object.keys(TRAIL_ACTIONS),
  check(record, ctx) {
    const t = trail(record, record.awsRegion ?? ctx.region);
    const [verb, verdict] = TRAIL_ACTIONS[record.eventName] ?? ['changed trail', 'Check the trail.'];
    const facts = [];
    const bucket = param(record, 's3BucketName');
    if (bucket) facts.push({ label: 'Log bucket', value: bucket });
    return {
      action: `${verb} ${t.name}`,
      verdict,
      resource: t.resource,
      links: t.links,
      facts,
      keepSeverityWhenDenied: true,
    };
  },
};

export const cloudTrailChanged: CloudTrailRule = {
  id: 'cloudtrail-changed',
  title: 'CloudTrail trail created or started',
  severity: 'low',
  description: 'CreateTrail and StartLogging (CIS 4.5 watches every trail change); these add logging.',
  cis: '4.5',
  feed: FEED,
  eventSource: 'cloudtrail.amazonaws.com',
  eventNames: ['CreateTrail', 'StartLogging'],
  check(record, ctx) {
    const t = trail(record, record.awsRegion ?? ctx.region);
    return {
      action: `${record.eventName === 'CreateTrail' ? 'created trail' : 'started logging on trail'} ${t.name}`,
      verdict: 'Adds logging: no exposure.',
      resource: t.resource,
      links: t.links,
    };
  },
};

const CONFIG_ACTIONS: Record<string, string> = {
  StopConfigurationRecorder: 'stopped AWS Config recorder',
  DeleteConfigurationRecorder: 'deleted AWS Config recorder',
  DeleteDeliveryChannel: 'deleted AWS Config delivery channel',
  PutConfigurationRecorder: 'changed AWS Config recorder',
  PutDeliveryChannel: 'changed AWS Config delivery channel',
};

function configResource(record: CloudTrailRecord): Resource {
  const name =
    param(record, 'configurationRecorderName') ??
    param(record, 'deliveryChannelName') ??
    str(field(field(record.requestParameters, 'configurationRecorder'), 'name')) ??
    str(field(field(record.requestParameters, 'deliveryChannel'), 'name')) ??
    'default';
  const channel = record.eventName.includes('DeliveryChannel');
  return { type: channel ? 'Config delivery channel' : 'Config recorder', name };
}

export const configTampering: CloudTrailRule = {
  id: 'config-tampering',
  title: 'AWS Config recording stopped',
  severity: 'high',
  description:
    'Config recorder stopped or deleted, or delivery channel deleted (CIS 4.9): configuration history stops; high even when denied.',
  cis: '4.9',
  feed: FEED,
  eventSource: 'config.amazonaws.com',
  eventNames: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'],
  check(record, ctx) {
    const resource = configResource(record);
    return {
      action: `${CONFIG_ACTIONS[record.eventName] ?? 'changed AWS Config'} ${resource.name}`,
      verdict: 'Resource changes are no longer recorded, and Config rules stop evaluating.',
      resource,
      links: [serviceLink(record.awsRegion ?? ctx.region, 'config')],
      keepSeverityWhenDenied: true,
    };
  },
};

export const configChanged: CloudTrailRule = {
  id: 'config-changed',
  title: 'AWS Config settings changed',
  severity: 'low',
  description:
    'PutConfigurationRecorder / PutDeliveryChannel (CIS 4.9): what is recorded, or where it goes, changed.',
  cis: '4.9',
  feed: FEED,
  eventSource: 'config.amazonaws.com',
  eventNames: ['PutConfigurationRecorder', 'PutDeliveryChannel'],
  check(record, ctx) {
    const resource = configResource(record);
    const bucket = str(field(field(record.requestParameters, 'deliveryChannel'), 's3BucketName'));
    return {
      action: `${CONFIG_ACTIONS[record.eventName] ?? 'changed AWS Config'} ${resource.name}`,
      verdict: 'Check which resource types are still recorded and where snapshots go.',
      resource,
      links: [serviceLink(record.awsRegion ?? ctx.region, 'config')],
      ...(bucket ? { facts: [{ label: 'Delivery bucket', value: bucket }] } : {}),
    };
  },
};

const GUARDDUTY_ACTIONS: Record<string, string> = {
  DeleteDetector: 'deleted GuardDuty detector',
  UpdateDetector: 'disabled GuardDuty detector',
  DisassociateFromMasterAccount: 'left the GuardDuty administrator account with detector',
  DisassociateFromAdministratorAccount: 'left the GuardDuty administrator account with detector',
  DisassociateMembers: 'disassociated GuardDuty member accounts from detector',
  DeleteMembers: 'deleted GuardDuty member accounts from detector',
  StopMonitoringMembers: 'stopped GuardDuty monitoring of member accounts on detector',
};

export const guardDutyTampering: CloudTrailRule = {
  id: 'guardduty-tampering',
  title: 'GuardDuty disabled',
  severity: 'critical',
  description:
    'GuardDuty detector deleted or disabled, or accounts taken out of central monitoring; critical even when denied.',
  feed: FEED,
  eventSource: 'guardduty.amazonaws.com',
  eventNames: Object.keys(GUARDDUTY_ACTIONS),
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    if (record.eventName === 'UpdateDetector') {
      const enable = field(record.requestParameters, 'enable');
      // UpdateDetector also changes publishing frequency or features: only "enable: false" turns it off.
      if (enable !== false && enable !== 'false') return null;
    }
    const detector = param(record, 'detectorId') ?? 'unknown';
    const accounts = field(record.requestParameters, 'accountIds');
    const draft: FindingDraft = {
      action: `${GUARDDUTY_ACTIONS[record.eventName] ?? 'changed GuardDuty detector'} ${detector}`,
      verdict: 'Threat detection is off for the affected account(s): findings stop.',
      resource: { type: 'GuardDuty detector', name: detector },
      links: [serviceLink(record.awsRegion ?? ctx.region, 'guardduty')],
      keepSeverityWhenDenied: true,
    };
    if (Array.isArray(accounts) && accounts.length > 0)
      draft.facts = [
        { label: 'Member accounts', value: accounts.filter((a) => typeof a === 'string').join(', ') },
      ];
    return draft;
  },
};

export const securityHubDisabled: CloudTrailRule = {
  id: 'securityhub-disabled',
  title: 'Security Hub disabled',
  severity: 'critical',
  description: 'DisableSecurityHub: findings and control checks stop; critical even when denied.',
  feed: FEED,
  eventSource: 'securityhub.amazonaws.com',
  eventNames: ['DisableSecurityHub'],
  check(record, ctx) {
    const region = record.awsRegion ?? ctx.region;
    return {
      action: `disabled Security Hub in ${region}`,
      verdict: 'Security findings and CIS checks stop for this account and region.',
      resource: { type: 'Security Hub', name: region },
      links: [serviceLink(region, 'securityhub')],
      keepSeverityWhenDenied: true,
    };
  },
};

/**
 * EC2 records DeleteFlowLogs in its XML-derived shape: `DeleteFlowLogsRequest.FlowLogId` is one
 * `{content, tag}` item or a list of them. Older or exported records may carry plain strings.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteFlowLogs.html
 */
function flowLogIds(record: CloudTrailRecord): string[] {
  const rp = record.requestParameters;
  const request = field(rp, 'DeleteFlowLogsRequest') ?? rp;
  const raw = field(request, 'FlowLogId') ?? field(request, 'FlowLogIds') ?? field(request, 'flowLogIds');
  return asList(raw).flatMap((item) => {
    const id = typeof item === 'string' ? item : str(field(item, 'content'));
    return id ? [id] : [];
  });
}

/** `unsuccessful` is "" when every flow log was deleted, else items naming each one that was not. */
function flowLogsNotDeleted(record: CloudTrailRecord): Map<string, string> {
  const responseBody = field(record.responseElements, 'DeleteFlowLogsResponse') ?? record.responseElements;
  const unsuccessful = field(responseBody, 'unsuccessful');
  const items = isRecord(unsuccessful) && 'item' in unsuccessful ? unsuccessful.item : unsuccessful;
  const out = new Map<string, string>();
  for (const item of asList(items)) {
    const id = str(field(item, 'resourceId'));
    const code = str(field(field(item, 'error'), 'code'));
    if (id) out.set(id, code ?? 'not deleted');
  }
  return out;
}

export const vpcFlowLogsDeleted: CloudTrailRule = {
  id: 'vpc-flow-logs-deleted',
  title: 'VPC flow logs deleted',
  severity: 'high',
  description:
    'DeleteFlowLogs: network traffic of a VPC, subnet or interface stops being recorded (defence evasion); the flow logs are named; high even when denied.',
  feed: 'network-changes',
  eventSource: 'ec2.amazonaws.com',
  eventNames: ['DeleteFlowLogs'],
  check(record) {
    const ids = flowLogIds(record);
    const failed = flowLogsNotDeleted(record);
    const deleted = ids.filter((id) => !failed.has(id));
    const facts = [];
    if (ids.length > 1) facts.push({ label: 'Flow logs', value: short(ids.join(', '), 500) });
    if (failed.size > 0)
      facts.push({
        label: 'Not deleted',
        value: short([...failed].map(([id, code]) => `${id} (${code})`).join(', '), 500),
      });
    const noneDeleted = ids.length > 0 && deleted.length === 0;
    const noun = (n: number) => (n === 1 ? 'flow log' : 'flow logs');
    // One call can name many: the summary names three, the facts hold the rest.
    const some = (list: string[]) =>
      list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
    const action =
      ids.length === 0
        ? 'deleted flow logs the event does not name'
        : noneDeleted
          ? `tried to delete ${noun(ids.length)} ${some(ids)}; none was deleted`
          : `deleted ${noun(deleted.length)} ${some(deleted)}`;
    return {
      action,
      verdict: noneDeleted
        ? 'Nothing stopped recording, but someone tried to switch off network logging: find out why.'
        : 'Traffic of the VPC, subnet or interface they covered is no longer recorded: a common step before exfiltration or lateral movement.',
      resource: { type: 'VPC flow log', name: deleted[0] ?? ids[0] ?? 'unknown flow log' },
      facts,
      keepSeverityWhenDenied: true,
      deniedVerdict:
        'Nothing changed (the call was refused or failed), but someone tried to switch off network logging: kept high. Find out who holds these credentials and why they tried.',
    };
  },
};

export const TAMPER_RULES: readonly CloudTrailRule[] = [
  cloudTrailTampering,
  cloudTrailChanged,
  configTampering,
  configChanged,
  guardDutyTampering,
  securityHubDisabled,
  vpcFlowLogsDeleted,
];
