import { loadAlarmTagsFile } from '../../shared/alarms/tags-file.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { replayHeartbeatIdentity } from '../../shared/heartbeat/heartbeat.ts';
import { inputsFromFile, listFiles } from '../../shared/replay/load.ts';
import { createReplayer, eventTimeMs, type ReplayResult } from '../../shared/replay/replay.ts';

/**
 * Replay of every sample in events/ (in file order, one run, so dedupe, grouping and flapping act
 * across events by event time) with config/examples/multi-team.yml and the sample alarm tags.
 * Each row: the receivers notified, then "(kind)" for each alert held back.
 */
const EXPECTED: Record<string, string> = {
  'events/cloudtrail/create-trail.json': 'slack-security',
  'events/cloudtrail/delete-trail-denied.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/cloudtrail/put-event-selectors.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/cloudtrail/start-logging.json': '(group)',
  'events/cloudtrail/stop-logging-siem-export.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/cloudtrail/stop-logging.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/cloudtrail/update-trail.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/cloudwatch/alarm-insufficient-data.json': 'slack-platform',
  'events/cloudwatch/anomaly-band-alarm.json': '(silence)',
  'events/cloudwatch/anomaly-band-ok.json': 'teams-payments',
  'events/cloudwatch/composite-actions-suppressed.json': 'slack-platform pagerduty-platform',
  'events/cloudwatch/composite-alarm.json': '(silence)',
  'events/cloudwatch/composite-ok.json': 'slack-payments-oncall pagerduty-platform',
  'events/cloudwatch/lambda-errors-alarm-next-episode.json': 'slack-orders pagerduty-platform',
  'events/cloudwatch/lambda-errors-alarm.json': 'slack-orders pagerduty-platform',
  'events/cloudwatch/lambda-errors-insufficient-data.json': 'slack-orders',
  'events/cloudwatch/lambda-errors-ok-after-insufficient-data.json': 'slack-orders pagerduty-platform',
  'events/cloudwatch/lambda-errors-ok.json': 'slack-orders pagerduty-platform',
  'events/cloudwatch/metric-math-alarm.json': '(silence)',
  'events/cloudwatch/metric-math-ok.json': 'teams-payments pagerduty-platform',
  'events/cloudwatch/metrics-insights-alarm.json': 'slack-platform',
  'events/cloudwatch/metrics-insights-ok.json': 'slack-platform',
  'events/cloudwatch/sqs-queue-depth-alarm.json': 'slack-platform pagerduty-platform',
  'events/config/delete-delivery-channel.json': 'slack-security pagerduty-security',
  'events/config/put-configuration-recorder.json': '(group)',
  'events/config/put-delivery-channel.json': '(group)',
  'events/config/stop-configuration-recorder.json': 'slack-security pagerduty-security',
  'events/ec2/attach-internet-gateway.json': 'slack-security email-security',
  'events/ec2/authorize-security-group-ingress-ipv6-all.json': 'slack-security pagerduty-security',
  'events/dynamodb/delete-table-idempotency.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/dynamodb/delete-table-other.json': '',
  'events/dynamodb/delete-table-state.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/ec2/authorize-security-group-ingress-private.json': '(allow-list)',
  'events/ec2/authorize-security-group-ingress-ssh-open.json': 'slack-security pagerduty-security',
  'events/ec2/create-customer-gateway.json': 'slack-security email-security',
  'events/ec2/create-network-acl-entry-open.json': 'slack-security email-security',
  'events/ec2/create-route.json': '(allow-list)',
  'events/ec2/create-security-group.json': '(allow-list)',
  'events/ec2/create-vpc-peering-connection.json': '(group)',
  'events/ec2/delete-flow-logs-denied.json': 'slack-security pagerduty-security',
  'events/ec2/delete-flow-logs-partial.json': 'slack-security pagerduty-security',
  'events/ec2/delete-flow-logs.json': '(group)',
  'events/ec2/delete-network-acl.json': '(allow-list)',
  'events/ec2/delete-vpc.json': 'slack-security',
  'events/ec2/modify-security-group-rules-rdp-open.json': 'slack-security pagerduty-security',
  'events/ec2/modify-vpc-attribute.json': '(group)',
  'events/ec2/replace-network-acl-entry-private.json': '(allow-list)',
  'events/ec2/replace-route-table-association.json': 'slack-security',
  'events/ec2/revoke-security-group-ingress.json': '(allow-list)',
  'events/ec2/run-instances-insufficient-capacity.json': '',
  'events/ec2/run-instances-unauthorized.json': 'slack-security email-security',
  'events/eventbridge/disable-rule-member-forwarder.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/put-permission-alerts-bus.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/put-rule-pattern-rewritten.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/put-targets-by-cloudformation.json': '',
  'events/eventbridge/put-targets-redirect.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/remove-permission-alerts-bus.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/remove-permission-organization.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/remove-targets-global-forwarder.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/forged/root-console-login-custom-source.json': 'slack-security email-security',
  'events/eventbridge/delete-archive.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/delete-event-bus.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/delete-rule-denied.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/delete-rule-other.json': '',
  'events/eventbridge/disable-rule.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/put-rule-disabled.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/eventbridge/put-rule-enabled-by-cloudformation.json': '',
  'events/eventbridge/remove-targets.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/guardduty/delete-detector.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/guardduty/disassociate-from-administrator.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/guardduty/update-detector-disable.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/guardduty/update-detector-frequency.json': '',
  'events/iam/add-user-to-group-admins.json': 'email-audit slack-security pagerduty-security',
  'events/iam/add-user-to-group-developers.json': 'email-audit slack-security email-security',
  'events/iam/attach-role-policy-admin-denied.json': 'email-audit slack-security pagerduty-security',
  'events/iam/attach-role-policy-readonly.json': 'email-audit slack-security email-security',
  'events/iam/attach-user-policy-admin.json':
    'email-audit slack-security pagerduty-security email-security webhook-siem',
  'events/iam/create-access-key-self.json': 'email-audit slack-security email-security',
  'events/iam/create-access-key.json': 'email-audit slack-security pagerduty-security',
  'events/iam/create-group.json': 'email-audit slack-security',
  'events/iam/create-login-profile-other-user.json': '(group)',
  'events/iam/create-policy-version-default-star.json':
    'email-audit slack-security pagerduty-security email-security webhook-siem',
  'events/iam/create-policy-version-not-default.json': '(group)',
  'events/iam/create-policy.json': '(group)',
  'events/iam/create-role-cross-account-trust.json':
    'email-audit slack-security pagerduty-security email-security webhook-siem',
  'events/iam/create-role-lambda-service.json': '(group)',
  'events/iam/create-user-by-root.json':
    'email-audit slack-security email-security slack-security pagerduty-security email-security webhook-siem',
  'events/iam/create-user.json': 'email-audit slack-security email-security',
  'events/iam/deactivate-mfa-device.json': '(group)',
  'events/iam/delete-access-key.json': 'email-audit slack-security',
  'events/iam/delete-login-profile.json': 'email-audit slack-security',
  'events/iam/delete-role-policy.json': '(group)',
  'events/iam/delete-user-policy.json': 'email-audit slack-security',
  'events/iam/delete-user-terraform.json': '(group)',
  'events/iam/delete-user.json': '(group)',
  'events/iam/delete-virtual-mfa-device.json': 'email-audit slack-security pagerduty-security',
  'events/iam/detach-group-policy.json': '(group)',
  'events/iam/detach-role-policy.json': '(group)',
  'events/iam/list-users.json': '',
  'events/iam/put-role-policy-scoped.json': 'email-audit slack-security pagerduty-security',
  'events/iam/put-user-policy-star.json':
    'email-audit slack-security pagerduty-security email-security webhook-siem',
  'events/iam/remove-user-from-group.json': '(group)',
  'events/iam/set-default-policy-version.json': '(group)',
  'events/iam/update-access-key-deactivate.json': '(group)',
  'events/iam/update-access-key-reactivate.json': 'email-audit slack-security email-security',
  'events/iam/update-assume-role-policy-same-account.json': 'email-audit slack-security email-security',
  'events/iam/update-assume-role-policy-star.json':
    'email-audit slack-security pagerduty-security email-security webhook-siem',
  'events/iam/update-login-profile-self.json': '(group)',
  'events/kms/create-grant-root-invoked-by.json': '',
  'events/kms/disable-key.json': '(group)',
  'events/kms/schedule-key-deletion.json': '(group)',
  'events/lambda/delete-event-source-mapping.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/delete-function-alert.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/delete-function-by-arn.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/delete-function-concurrency.json': '(group)',
  'events/lambda/delete-function-event-invoke-config.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/delete-function-version.json': '',
  'events/lambda/put-function-concurrency-zero-alert.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/put-function-concurrency-zero.json': '(group)',
  'events/lambda/put-function-concurrency.json': '(group)',
  'events/lambda/remove-permission.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/put-function-event-invoke-config-alert.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/update-event-source-mapping-disabled.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/update-function-code-alert.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/update-function-code-by-cloudformation.json': '',
  'events/lambda/update-function-configuration-alert.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/update-function-configuration.json': '',
  'events/logs/delete-log-group-alert-function.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/logs/delete-log-group-cloudtrail.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/logs/delete-log-group-other.json': '',
  'events/monitoring/delete-alarms-other.json': '',
  'events/monitoring/delete-alarms.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/monitoring/disable-alarm-actions.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/lambda/update-function-event-invoke-config-alert.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/monitoring/put-metric-alarm-actions-disabled.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/monitoring/set-alarm-state-ok.json': '',
  'events/organizations/create-account.json': 'slack-security email-security',
  'events/organizations/describe-organization.json': '',
  'events/organizations/detach-policy.json': '(group)',
  'events/organizations/leave-organization-denied.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/organizations/leave-organization.json':
    'slack-security pagerduty-security email-security webhook-siem slack-security pagerduty-security email-security webhook-siem',
  'events/rds/delete-db-cluster-final-snapshot.json': '(group)',
  'events/rds/delete-db-instance-skip-snapshot.json': '(group)',
  'events/rds/stop-db-cluster.json': '(group)',
  'events/rds/stop-db-instance.json': '(group)',
  'events/s3/create-bucket-public-read.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/create-bucket.json': '',
  'events/s3/delete-account-public-access-block.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/delete-bucket-policy.json': 'slack-security',
  'events/s3/delete-bucket-public-access-block.json': 'slack-security pagerduty-security',
  'events/s3/delete-bucket-website.json': 'slack-security',
  'events/s3/get-bucket-acl.json': '',
  'events/s3/list-buckets-by-root.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-account-public-access-block-disabled.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-account-public-access-block-enabled.json': '',
  'events/s3/put-account-public-access-block-partial.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-acl-authenticated-read.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-acl-grant-allusers.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-acl-log-delivery.json': 'slack-security',
  'events/s3/put-bucket-acl-private.json': 'slack-security',
  'events/s3/put-bucket-acl-public-denied.json': 'slack-security pagerduty-security',
  'events/s3/put-bucket-acl-public-read.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-acl-request-parameters-dropped.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-cors.json': '(group)',
  'events/s3/put-bucket-lifecycle-configuration.json': '(allow-list)',
  'events/s3/put-bucket-ownership-controls-enforced.json': '',
  'events/s3/put-bucket-ownership-controls-object-writer.json': '(group)',
  'events/s3/put-bucket-ownership-controls-preferred.json': 'slack-security email-security',
  'events/s3/put-bucket-policy-cross-account.json': '(allow-list)',
  'events/s3/put-bucket-policy-deny-only.json': 'slack-security',
  'events/s3/put-bucket-policy-org-pinned.json': '(allow-list)',
  'events/s3/put-bucket-policy-public-aws-star.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-policy-public-new-bucket.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-policy-public.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/s3/put-bucket-policy-source-ip-pinned.json': 'slack-security',
  'events/s3/put-bucket-public-access-block-disabled.json': 'slack-security pagerduty-security',
  'events/s3/put-bucket-public-access-block-enabled.json': '',
  'events/s3/put-bucket-replication.json': '(allow-list)',
  'events/secretsmanager/get-secret-value-denied.json': '(group)',
  'events/securityhub/disable-security-hub-denied.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/securityhub/disable-security-hub.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/signin/console-login-failure-unknown-user.json': 'slack-security email-security',
  'events/signin/console-login-failure.json': '(group)',
  'events/signin/console-login-no-mfa-signin-spelling.json': 'slack-security pagerduty-security',
  'events/signin/console-login-no-mfa.json': '(group)',
  'events/signin/console-login-root.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/signin/console-login-sso.json': '',
  'events/signin/console-login-with-mfa.json': '',
  'events/sns/delete-topic.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/sns/set-subscription-filter-policy.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/sns/set-subscription-raw-delivery.json': '',
  'events/sns/unsubscribe.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/sqs/delete-queue-dlq.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/sqs/delete-queue-other.json': '',
  'events/sqs/purge-queue-dlq.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/ssm/delete-parameter-denied.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/ssm/delete-parameter-other.json': '',
  'events/ssm/delete-parameter.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/ssm/delete-parameters.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/sns/remove-permission-topic.json': 'slack-security pagerduty-security email-security webhook-siem',
  'events/sns/set-topic-attributes-display-name.json': '',
  'events/sns/set-topic-attributes-policy.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/sqs/set-queue-attributes-by-cloudformation.json': '',
  'events/sqs/set-queue-attributes-dlq-policy.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/sqs/set-queue-attributes-dlq-retention.json':
    'slack-security pagerduty-security email-security webhook-siem',
  'events/ssm/put-parameter-create.json': '',
  'events/ssm/put-parameter-overwrite-denied.json': 'slack-security email-security',
  'events/ssm/put-parameter-overwrite.json': 'slack-security email-security',
  'events/ssm/heartbeat-denied.json': 'slack-security email-security',
  'events/ssm/heartbeat-other-writer.json': '',
  'events/ssm/heartbeat.json': '',
};

describe('replay of events/ with config/examples/multi-team.yml', () => {
  let results: ReplayResult[];
  /** Grouping summaries sent when their window closed (between events or at the end), as the CLI prints them. */
  let closed: ReplayResult[];
  beforeAll(async () => {
    const replay = createReplayer({
      rules: readServerlessRules('serverless.yml', { stage: 'dev' }),
      config: loadConfigFile('config/examples/multi-team.yml', { stage: 'dev' }),
      alarmLookup: loadAlarmTagsFile('events/alarm-tags.yml'),
      heartbeat: replayHeartbeatIdentity('cloud-alerts', 'dev'),
    });
    results = [];
    closed = [];
    for (const file of listFiles('events'))
      for (const input of inputsFromFile(file)) {
        const at = eventTimeMs(input.event);
        if (at !== undefined) closed.push(...(await replay.closeDue(at)));
        results.push(await replay(input.source, input.event));
      }
    closed.push(...(await replay.closeDue()));
  });

  it('reports every alert grouping held back in exactly one summary', () => {
    const held = results.flatMap((r) => r.suppressed).filter((s) => s.kind === 'group').length;
    const summaries = [...results, ...closed]
      .flatMap((r) => r.alerts)
      .filter((a) => a.rule === 'alert-group-summary');
    const reported = summaries.reduce(
      (n, a) => n + Number(/^(\d+) more alerts? by /.exec(a.title)?.[1] ?? 0),
      0,
    );
    expect(summaries.reduce((n, a) => n + (a.covers ?? 0), 0)).toBe(reported);
    expect(held).toBeGreaterThan(0);
    expect(summaries.length).toBeGreaterThan(0);
    expect(reported).toBe(held);
    // The ones sent at a window's close reach receivers like any alert.
    expect(closed.every((r) => r.notifications.length > 0)).toBe(true);
  });

  it("tells the audit mailbox (routed by rule: iam-*) about the iam alerts held back, in its own groups' summaries", () => {
    const heldIam = results
      .flatMap((r) => r.suppressed)
      .filter((s) => s.kind === 'group' && s.rule.startsWith('iam-')).length;
    // In this run every summary is sent at its slot's end, one per close.
    expect(results.flatMap((r) => r.alerts).filter((a) => a.rule === 'alert-group-summary')).toEqual([]);
    expect(closed.every((r) => r.alerts.length === 1)).toBe(true);
    const toAudit = closed.filter((r) => r.notifications.some((n) => n.receiver === 'email-audit'));
    expect(heldIam).toBeGreaterThan(0);
    expect(toAudit.reduce((n, r) => n + (r.alerts[0]?.covers ?? 0), 0)).toBe(heldIam);
  });

  it('covers every sample', () => {
    expect(results.map((r) => r.source).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s reaches exactly: %s', (source, expected) => {
    const r = results.find((x) => x.source === source);
    expect(r?.error).toBeNull();
    const got = [
      ...(r?.notifications ?? []).map((n) => n.receiver),
      ...(r?.suppressed ?? []).map((s) => `(${s.kind})`),
    ];
    expect(got.join(' ')).toBe(expected);
  });

  it('holds back what Terraform CI is allowed to do, but not a public bucket policy by anyone', () => {
    const allowListed = results.filter((r) => r.suppressed.some((s) => s.kind === 'allow-list'));
    expect(
      allowListed.every((r) => r.suppressed.every((s) => s.reason.startsWith('allowList[0]: Terraform CI'))),
    ).toBe(true);
    expect(allowListed.length).toBeGreaterThan(0);
    const pub = results.find((r) => r.source === 'events/s3/put-bucket-policy-public.json');
    expect(pub?.notifications.map((n) => n.receiver)).toContain('pagerduty-security');
  });
});
