import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listFiles, MAX_REPLAY_FILE_BYTES } from '../../../shared/replay/load.ts';
import { runCli } from '../../helpers/cli.ts';

interface Line {
  source: string;
  id: string | null;
  detailType: string | null;
  matchedRules: string[];
  alerts: Array<{
    rule: string;
    severity: string;
    status: string;
    title: string;
    covers?: number;
    examples?: string[];
  }>;
  notifications: Array<{ channel: string; receiver: string; body: Record<string, unknown> }>;
  suppressed: Array<{ rule: string; kind: string; reason: string; severity?: string }>;
  error: string | null;
  time?: string;
}

/**
 * What each sample must raise: [rule, severity, status] per alert. Status `held`: grouping (on by
 * default) held it back, as the samples replay as one run in file order and the same actor acted
 * minutes earlier; it is counted in that actor's group summary (see SUMMARIES).
 */
const EXPECTED: Record<string, Array<[string, string, string]>> = {
  'events/cloudwatch/alarm-insufficient-data.json': [['cloudwatch-alarm', 'low', 'firing']],
  'events/cloudwatch/anomaly-band-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/anomaly-band-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/composite-actions-suppressed.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/composite-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/composite-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/lambda-errors-alarm-next-episode.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/lambda-errors-insufficient-data.json': [['cloudwatch-alarm', 'low', 'firing']],
  'events/cloudwatch/lambda-errors-ok-after-insufficient-data.json': [
    ['cloudwatch-alarm', 'high', 'resolved'],
  ],
  'events/cloudwatch/metric-math-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/metric-math-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/metrics-insights-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/metrics-insights-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/lambda-errors-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/lambda-errors-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/sqs-queue-depth-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/eventbridge/delete-archive.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/delete-event-bus.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/delete-rule-denied.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/delete-rule-other.json': [],
  'events/eventbridge/disable-rule.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/put-rule-disabled.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/put-rule-enabled-by-cloudformation.json': [],
  'events/eventbridge/remove-targets.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/disable-rule-member-forwarder.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/eventbridge/put-permission-alerts-bus.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/eventbridge/put-rule-pattern-rewritten.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/eventbridge/put-targets-by-cloudformation.json': [],
  'events/eventbridge/put-targets-redirect.json': [['alerting-eventbridge-tampered', 'critical', 'firing']],
  'events/eventbridge/remove-permission-alerts-bus.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/eventbridge/remove-permission-organization.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/eventbridge/remove-targets-global-forwarder.json': [
    ['alerting-eventbridge-tampered', 'critical', 'firing'],
  ],
  'events/iam/attach-role-policy-admin-denied.json': [['iam-policy-attached', 'high', 'firing']],
  'events/iam/attach-role-policy-readonly.json': [['iam-policy-attached', 'medium', 'firing']],
  'events/iam/attach-user-policy-admin.json': [['iam-policy-attached', 'critical', 'firing']],
  'events/iam/create-access-key-self.json': [['iam-access-key-created', 'medium', 'firing']],
  'events/iam/create-access-key.json': [['iam-access-key-created', 'high', 'firing']],
  'events/iam/create-user-by-root.json': [
    ['iam-user-created', 'medium', 'firing'],
    ['root-usage', 'critical', 'firing'],
  ],
  'events/iam/create-user.json': [['iam-user-created', 'medium', 'firing']],
  'events/iam/list-users.json': [],
  'events/iam/put-role-policy-scoped.json': [['iam-inline-policy-changed', 'high', 'firing']],
  'events/iam/put-user-policy-star.json': [['iam-inline-policy-changed', 'critical', 'firing']],
  'events/logs/delete-log-group-alert-function.json': [['alerting-log-group-deleted', 'critical', 'firing']],
  'events/logs/delete-log-group-cloudtrail.json': [['alerting-log-group-deleted', 'critical', 'firing']],
  'events/logs/delete-log-group-other.json': [],
  'events/monitoring/delete-alarms-other.json': [],
  'events/monitoring/delete-alarms.json': [['alerting-alarm-disabled', 'critical', 'firing']],
  'events/monitoring/disable-alarm-actions.json': [['alerting-alarm-disabled', 'critical', 'firing']],
  'events/monitoring/put-metric-alarm-actions-disabled.json': [
    ['alerting-alarm-disabled', 'critical', 'firing'],
  ],
  'events/monitoring/set-alarm-state-ok.json': [],
  'events/s3/delete-bucket-policy.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/delete-bucket-public-access-block.json': [['s3-block-public-access-weakened', 'high', 'firing']],
  'events/s3/get-bucket-acl.json': [],
  'events/s3/put-bucket-acl-authenticated-read.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-acl-grant-allusers.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-acl-log-delivery.json': [['s3-bucket-acl-changed', 'low', 'firing']],
  'events/s3/put-bucket-acl-private.json': [['s3-bucket-acl-changed', 'low', 'firing']],
  'events/s3/put-bucket-acl-public-denied.json': [['s3-bucket-acl-public', 'high', 'firing']],
  'events/s3/put-bucket-acl-public-read.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-cross-account.json': [['s3-bucket-policy-changed', 'medium', 'firing']],
  'events/s3/put-bucket-policy-deny-only.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/put-bucket-policy-org-pinned.json': [['s3-bucket-policy-changed', 'medium', 'firing']],
  'events/s3/put-bucket-policy-public-aws-star.json': [['s3-bucket-policy-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-public-new-bucket.json': [['s3-bucket-policy-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-public.json': [['s3-bucket-policy-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-source-ip-pinned.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/put-bucket-public-access-block-disabled.json': [
    ['s3-block-public-access-weakened', 'high', 'firing'],
  ],
  'events/s3/put-bucket-public-access-block-enabled.json': [],
  'events/cloudtrail/create-trail.json': [['cloudtrail-changed', 'low', 'firing']],
  'events/cloudtrail/delete-trail-denied.json': [['cloudtrail-tampering', 'critical', 'firing']],
  'events/cloudtrail/put-event-selectors.json': [['cloudtrail-tampering', 'critical', 'firing']],
  'events/cloudtrail/start-logging.json': [['cloudtrail-changed', 'low', 'held']],
  'events/cloudtrail/stop-logging.json': [['cloudtrail-tampering', 'critical', 'firing']],
  'events/cloudtrail/update-trail.json': [['cloudtrail-tampering', 'critical', 'firing']],
  'events/config/delete-delivery-channel.json': [['config-tampering', 'high', 'firing']],
  'events/config/put-configuration-recorder.json': [['config-changed', 'low', 'held']],
  'events/config/put-delivery-channel.json': [['config-changed', 'low', 'held']],
  'events/config/stop-configuration-recorder.json': [['config-tampering', 'high', 'held']],
  'events/ec2/attach-internet-gateway.json': [['network-gateway-changed', 'medium', 'firing']],
  'events/ec2/authorize-security-group-ingress-ipv6-all.json': [
    ['security-group-open-ingress', 'high', 'held'],
  ],
  'events/ec2/authorize-security-group-ingress-private.json': [['security-group-changed', 'low', 'held']],
  'events/ec2/authorize-security-group-ingress-ssh-open.json': [
    ['security-group-open-ingress', 'high', 'firing'],
  ],
  'events/ec2/create-customer-gateway.json': [['network-gateway-changed', 'medium', 'firing']],
  'events/ec2/create-network-acl-entry-open.json': [['network-acl-changed', 'medium', 'firing']],
  'events/ec2/create-route.json': [['route-table-changed', 'low', 'held']],
  'events/ec2/create-security-group.json': [['security-group-changed', 'low', 'held']],
  'events/ec2/create-vpc-peering-connection.json': [['vpc-changed', 'medium', 'held']],
  'events/ec2/delete-flow-logs-denied.json': [['vpc-flow-logs-deleted', 'high', 'firing']],
  'events/ec2/delete-flow-logs-partial.json': [['vpc-flow-logs-deleted', 'high', 'held']],
  'events/ec2/delete-flow-logs.json': [['vpc-flow-logs-deleted', 'high', 'held']],
  'events/ec2/delete-network-acl.json': [['network-acl-changed', 'low', 'held']],
  'events/ec2/delete-vpc.json': [['vpc-changed', 'low', 'firing']],
  'events/ec2/modify-security-group-rules-rdp-open.json': [['security-group-open-ingress', 'high', 'firing']],
  'events/ec2/modify-vpc-attribute.json': [['vpc-changed', 'low', 'held']],
  'events/ec2/replace-network-acl-entry-private.json': [['network-acl-changed', 'low', 'held']],
  'events/ec2/replace-route-table-association.json': [['route-table-changed', 'low', 'firing']],
  'events/ec2/revoke-security-group-ingress.json': [['security-group-changed', 'low', 'held']],
  'events/ec2/run-instances-insufficient-capacity.json': [],
  'events/ec2/run-instances-unauthorized.json': [['unauthorized-call', 'medium', 'firing']],
  'events/forged/root-console-login-custom-source.json': [['forged-aws-event', 'medium', 'firing']],
  'events/guardduty/delete-detector.json': [['guardduty-tampering', 'critical', 'firing']],
  'events/cloudtrail/stop-logging-siem-export.json': [['cloudtrail-tampering', 'critical', 'firing']],
  'events/s3/put-bucket-acl-request-parameters-dropped.json': [
    ['s3-bucket-acl-public', 'critical', 'firing'],
  ],
  'events/guardduty/disassociate-from-administrator.json': [['guardduty-tampering', 'critical', 'firing']],
  'events/guardduty/update-detector-disable.json': [['guardduty-tampering', 'critical', 'firing']],
  'events/guardduty/update-detector-frequency.json': [],
  'events/iam/add-user-to-group-admins.json': [['iam-group-changed', 'high', 'held']],
  'events/iam/add-user-to-group-developers.json': [['iam-group-changed', 'medium', 'firing']],
  'events/iam/create-group.json': [['iam-group-changed', 'low', 'held']],
  'events/iam/create-login-profile-other-user.json': [['iam-login-profile-changed', 'high', 'held']],
  'events/iam/create-policy-version-default-star.json': [
    ['iam-managed-policy-changed', 'critical', 'firing'],
  ],
  'events/iam/create-policy-version-not-default.json': [['iam-managed-policy-changed', 'low', 'held']],
  'events/iam/create-policy.json': [['iam-managed-policy-changed', 'low', 'held']],
  'events/iam/create-role-cross-account-trust.json': [['iam-role-trust-changed', 'critical', 'firing']],
  'events/iam/create-role-lambda-service.json': [['iam-role-trust-changed', 'low', 'held']],
  'events/iam/deactivate-mfa-device.json': [['iam-mfa-deactivated', 'high', 'held']],
  'events/iam/delete-access-key.json': [['iam-access-key-changed', 'low', 'firing']],
  'events/iam/delete-login-profile.json': [['iam-login-profile-changed', 'low', 'held']],
  'events/iam/delete-role-policy.json': [['iam-inline-policy-deleted', 'low', 'held']],
  'events/iam/delete-user-policy.json': [['iam-inline-policy-deleted', 'low', 'held']],
  'events/iam/delete-user-terraform.json': [['iam-user-deleted', 'low', 'held']],
  'events/iam/delete-user.json': [['iam-user-deleted', 'low', 'held']],
  'events/iam/delete-virtual-mfa-device.json': [['iam-mfa-deactivated', 'high', 'held']],
  'events/iam/detach-group-policy.json': [['iam-policy-detached', 'low', 'held']],
  'events/iam/detach-role-policy.json': [['iam-policy-detached', 'low', 'held']],
  'events/iam/remove-user-from-group.json': [['iam-group-changed', 'low', 'held']],
  'events/iam/set-default-policy-version.json': [['iam-managed-policy-changed', 'high', 'held']],
  'events/iam/update-access-key-deactivate.json': [['iam-access-key-changed', 'low', 'held']],
  'events/iam/update-access-key-reactivate.json': [['iam-access-key-changed', 'medium', 'held']],
  'events/iam/update-assume-role-policy-same-account.json': [['iam-role-trust-changed', 'medium', 'held']],
  'events/iam/update-assume-role-policy-star.json': [['iam-role-trust-changed', 'critical', 'firing']],
  'events/iam/update-login-profile-self.json': [['iam-login-profile-changed', 'medium', 'held']],
  'events/kms/create-grant-root-invoked-by.json': [],
  'events/kms/disable-key.json': [['kms-key-disabled', 'high', 'held']],
  'events/kms/schedule-key-deletion.json': [['kms-key-disabled', 'high', 'held']],
  'events/lambda/delete-event-source-mapping.json': [['alerting-function-disabled', 'critical', 'firing']],
  'events/lambda/delete-function-alert.json': [['alerting-function-disabled', 'critical', 'firing']],
  'events/lambda/delete-function-by-arn.json': [['alerting-function-disabled', 'critical', 'firing']],
  'events/lambda/delete-function-concurrency.json': [['lambda-concurrency-changed', 'low', 'held']],
  'events/lambda/delete-function-version.json': [],
  'events/lambda/put-function-concurrency-zero-alert.json': [
    ['alerting-function-disabled', 'critical', 'firing'],
  ],
  'events/lambda/put-function-concurrency-zero.json': [['lambda-concurrency-changed', 'high', 'held']],
  'events/lambda/put-function-concurrency.json': [['lambda-concurrency-changed', 'medium', 'held']],
  'events/lambda/remove-permission.json': [['alerting-function-disabled', 'critical', 'firing']],
  'events/lambda/update-event-source-mapping-disabled.json': [
    ['alerting-function-disabled', 'critical', 'firing'],
  ],
  'events/lambda/update-function-configuration.json': [],
  'events/lambda/delete-function-event-invoke-config.json': [
    ['alerting-function-disabled', 'critical', 'firing'],
  ],
  'events/lambda/put-function-event-invoke-config-alert.json': [
    ['alerting-function-changed', 'critical', 'firing'],
  ],
  'events/lambda/update-function-code-alert.json': [['alerting-function-changed', 'critical', 'firing']],
  'events/lambda/update-function-code-by-cloudformation.json': [],
  'events/lambda/update-function-configuration-alert.json': [
    ['alerting-function-changed', 'critical', 'firing'],
  ],
  'events/lambda/update-function-event-invoke-config-alert.json': [
    ['alerting-function-changed', 'critical', 'firing'],
  ],
  'events/organizations/create-account.json': [['organizations-changed', 'medium', 'firing']],
  'events/organizations/detach-policy.json': [['organizations-changed', 'high', 'held']],
  'events/organizations/describe-organization.json': [],
  'events/organizations/leave-organization-denied.json': [['organizations-changed', 'critical', 'firing']],
  'events/organizations/leave-organization.json': [
    ['root-usage', 'critical', 'firing'],
    ['organizations-changed', 'critical', 'firing'],
  ],
  'events/rds/delete-db-cluster-final-snapshot.json': [['rds-stopped-or-deleted', 'medium', 'held']],
  'events/rds/delete-db-instance-skip-snapshot.json': [['rds-stopped-or-deleted', 'high', 'held']],
  'events/rds/stop-db-cluster.json': [['rds-stopped-or-deleted', 'medium', 'held']],
  'events/rds/stop-db-instance.json': [['rds-stopped-or-deleted', 'medium', 'held']],
  'events/s3/create-bucket-public-read.json': [['s3-bucket-created', 'critical', 'firing']],
  'events/s3/create-bucket.json': [['s3-bucket-created', 'info', 'firing']],
  'events/s3/delete-account-public-access-block.json': [
    ['s3-account-block-public-access-weakened', 'critical', 'firing'],
  ],
  'events/s3/delete-bucket-website.json': [['s3-bucket-config-changed', 'low', 'firing']],
  'events/s3/list-buckets-by-root.json': [['root-usage', 'critical', 'firing']],
  'events/s3/put-account-public-access-block-disabled.json': [
    ['s3-account-block-public-access-weakened', 'critical', 'firing'],
  ],
  'events/s3/put-account-public-access-block-enabled.json': [],
  'events/s3/put-account-public-access-block-partial.json': [
    ['s3-account-block-public-access-weakened', 'critical', 'firing'],
  ],
  'events/s3/put-bucket-cors.json': [['s3-bucket-config-changed', 'low', 'held']],
  'events/s3/put-bucket-lifecycle-configuration.json': [['s3-bucket-config-changed', 'low', 'held']],
  'events/s3/put-bucket-ownership-controls-enforced.json': [],
  'events/s3/put-bucket-ownership-controls-object-writer.json': [
    ['s3-bucket-acls-enabled', 'medium', 'held'],
  ],
  'events/s3/put-bucket-ownership-controls-preferred.json': [['s3-bucket-acls-enabled', 'medium', 'held']],
  'events/s3/put-bucket-replication.json': [['s3-bucket-config-changed', 'low', 'held']],
  'events/secretsmanager/get-secret-value-denied.json': [['unauthorized-call', 'medium', 'held']],
  'events/securityhub/disable-security-hub-denied.json': [['securityhub-disabled', 'critical', 'firing']],
  'events/securityhub/disable-security-hub.json': [['securityhub-disabled', 'critical', 'firing']],
  'events/signin/console-login-failure-unknown-user.json': [['console-login-failed', 'medium', 'firing']],
  'events/signin/console-login-failure.json': [['console-login-failed', 'medium', 'held']],
  'events/signin/console-login-no-mfa-signin-spelling.json': [
    ['console-login-without-mfa', 'high', 'firing'],
  ],
  'events/signin/console-login-no-mfa.json': [['console-login-without-mfa', 'high', 'held']],
  'events/signin/console-login-root.json': [['root-usage', 'critical', 'firing']],
  'events/signin/console-login-sso.json': [],
  'events/signin/console-login-with-mfa.json': [],
  'events/sns/delete-topic.json': [['alerting-topic-tampered', 'critical', 'firing']],
  'events/sns/set-subscription-filter-policy.json': [['alerting-topic-tampered', 'critical', 'firing']],
  'events/sns/set-subscription-raw-delivery.json': [],
  'events/sns/unsubscribe.json': [['alerting-topic-tampered', 'critical', 'firing']],
  'events/sns/remove-permission-topic.json': [['alerting-topic-tampered', 'critical', 'firing']],
  'events/sns/set-topic-attributes-display-name.json': [],
  'events/sns/set-topic-attributes-policy.json': [['alerting-topic-tampered', 'critical', 'firing']],
  'events/sqs/delete-queue-dlq.json': [['alerting-queue-deleted', 'critical', 'firing']],
  'events/sqs/delete-queue-other.json': [],
  'events/sqs/purge-queue-dlq.json': [['alerting-queue-deleted', 'critical', 'firing']],
  'events/sqs/set-queue-attributes-by-cloudformation.json': [],
  'events/sqs/set-queue-attributes-dlq-policy.json': [['alerting-queue-changed', 'critical', 'firing']],
  'events/sqs/set-queue-attributes-dlq-retention.json': [['alerting-queue-changed', 'critical', 'firing']],
  'events/ssm/delete-parameter-denied.json': [['alerting-secret-deleted', 'critical', 'firing']],
  'events/ssm/delete-parameter-other.json': [],
  'events/ssm/delete-parameter.json': [['alerting-secret-deleted', 'critical', 'firing']],
  'events/ssm/delete-parameters.json': [['alerting-secret-deleted', 'critical', 'firing']],
  'events/ssm/put-parameter-create.json': [],
  'events/ssm/put-parameter-overwrite-denied.json': [['alerting-secret-changed', 'medium', 'firing']],
  'events/ssm/put-parameter-overwrite.json': [['alerting-secret-changed', 'medium', 'firing']],
  'events/dynamodb/delete-table-idempotency.json': [['alerting-table-deleted', 'critical', 'firing']],
  'events/dynamodb/delete-table-other.json': [],
  'events/dynamodb/delete-table-state.json': [['alerting-table-deleted', 'critical', 'firing']],
  // The canary's write is counted, never sent; a denied one is someone removing its permission.
  'events/ssm/heartbeat.json': [],
  'events/ssm/heartbeat-denied.json': [['unauthorized-call', 'medium', 'firing']],
  'events/ssm/heartbeat-other-writer.json': [],
};

/** The default config's severity routing. */
const RECEIVERS: Record<string, string[]> = {
  critical: ['slack:slack-default', 'pagerduty:pagerduty-default', 'email:email-default'],
  high: ['slack:slack-default', 'pagerduty:pagerduty-default', 'email:email-default'],
  medium: ['slack:slack-default', 'email:email-default'],
  low: ['slack:slack-default'],
  info: [],
};

/**
 * The group summaries the run sends, all when the groups' first slot ends: [title, severity]. A
 * group is an actor per set of receivers, and the default config routes by severity: one actor's
 * low and high alerts form two groups, each summarised to its own receivers.
 */
const SUMMARIES: Array<[string, string]> = [
  ['1 more alert by role/terraform-ci', 'low'],
  ['19 more alerts by role/terraform-ci', 'low'],
  ['7 more alerts by user/bob', 'high'],
  ['1 more alert by SSO user sam.lee@example.com (DeveloperAccess)', 'high'],
  ['5 more alerts by user/alice', 'medium'],
  ['1 more alert by role/terraform-ci', 'high'],
  ['5 more alerts by SSO user jane.doe@example.com (AdministratorAccess)', 'low'],
  ['2 more alerts by user/alice', 'low'],
  ['4 more alerts by user/alice', 'high'],
  ['3 more alerts by role/terraform-ci', 'medium'],
  ['2 more alerts by SSO user jane.doe@example.com (AdministratorAccess)', 'high'],
  ['2 more alerts by SSO user sam.lee@example.com (DeveloperAccess)', 'medium'],
  ['1 more alert by SSO user jane.doe@example.com (AdministratorAccess)', 'medium'],
  ['1 more alert by role/example-contractor-role', 'medium'],
];

describe('cloud-alerts replay events --json', () => {
  let all: Line[];
  /** One per sample: the group summaries printed between them are left out. */
  let lines: Line[];
  let code: number;
  beforeAll(async () => {
    const out = await runCli(['replay', 'events', '--json']);
    code = out.code;
    all = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    lines = all.filter((l) => !l.source.startsWith('grouping summary'));
  });

  it('exits 0 and prints one line per sample event', () => {
    expect(code).toBe(0);
    expect(lines.map((l) => l.source)).toEqual(listFiles('events'));
  });

  it('sends the group summaries with the shipped config, and they report every alert held', () => {
    const summaries = all.filter((l) => l.source.startsWith('grouping summary'));
    expect(summaries.map((l) => l.source)).toEqual(
      SUMMARIES.map(() => 'grouping summary (window closed, sent 2026-11-21T09:20:27.000Z)'),
    );
    expect(summaries.flatMap((l) => l.alerts.map((a) => [a.title, a.severity]))).toEqual(SUMMARIES);
    const held = lines.flatMap((l) => l.suppressed).filter((s) => s.kind === 'group').length;
    const covered = summaries.flatMap((l) => l.alerts).reduce((n, a) => n + (a.covers ?? 0), 0);
    expect(covered).toBe(held);
    for (const l of summaries) {
      const want = l.alerts.flatMap((a) => RECEIVERS[a.severity] ?? []);
      expect(l.notifications.map((n) => `${n.channel}:${n.receiver}`)).toEqual(want);
    }
  });

  it('covers every sample in the expectation table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(listFiles('events').sort());
  });

  it('prints every documented field on every line', () => {
    for (const l of all) {
      expect(Object.keys(l).sort()).toEqual([
        'alerts',
        'detailType',
        'error',
        'id',
        'matchedRules',
        'notifications',
        'source',
        'suppressed',
        // A summary has no input event: when it was sent instead.
        ...(l.source.startsWith('grouping summary') ? ['time'] : []),
      ]);
      expect(l.error).toBeNull();
    }
  });

  it.each(Object.entries(EXPECTED))('%s raises the expected alerts, routed by severity', (file, expected) => {
    const line = lines.find((l) => l.source === file);
    expect([
      ...(line?.alerts.map((a) => [a.rule, a.severity, a.status]) ?? []),
      ...(line?.suppressed.filter((s) => s.kind === 'group').map((s) => [s.rule, s.severity, 'held']) ?? []),
    ]).toEqual(expected);
    const want = expected
      .filter(([, , status]) => status !== 'held')
      .flatMap(([, severity]) => RECEIVERS[severity] ?? []);
    expect(line?.notifications.map((n) => `${n.channel}:${n.receiver}`)).toEqual(want);
  });

  it('shows the exact bodies: Slack blocks, a PagerDuty event with the key masked, an SNS Publish input', () => {
    const line = lines.find((l) => l.source === 'events/s3/put-bucket-acl-public-read.json');
    const [slack, pagerduty, email] = line?.notifications ?? [];
    expect(slack?.body).toMatchObject({
      text: expect.stringMatching(/^<!here> \[CRITICAL\]/),
      blocks: expect.any(Array),
    });
    expect(pagerduty?.body).toMatchObject({
      routing_key: '<routing key from SSM /cloud-alerts/dev/pagerduty/default>',
      event_action: 'trigger',
      payload: {
        severity: 'critical',
        summary: expect.stringContaining('IAM user alice made bucket example-data public'),
      },
    });
    expect(email?.body).toMatchObject({
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
      Subject: '[CRITICAL] S3 bucket made public by ACL in example-production (123456789012)',
    });
  });

  it('pairs an alarm trigger and its resolve on one PagerDuty dedup_key', () => {
    const key = (file: string) =>
      lines.find((l) => l.source === file)?.notifications.find((n) => n.channel === 'pagerduty')?.body
        .dedup_key;
    expect(key('events/cloudwatch/lambda-errors-alarm.json')).toEqual(expect.any(String));
    expect(key('events/cloudwatch/lambda-errors-ok.json')).toBe(
      key('events/cloudwatch/lambda-errors-alarm.json'),
    );
  });
});

describe('cloud-alerts replay events (as npm start runs it): the per-rule table', () => {
  it('ends with a table of alerts and notifications per rule, then the summary line last', async () => {
    const json = await runCli(['replay', 'events', '--json']);
    const results: Line[] = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const human = await runCli(['replay', 'events']);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^\d+ event\(s\), (\d+) alert\(s\), (\d+) notification\(s\), 0 error\(s\) \(dry-run/,
    );
    const head = lines.indexOf('Per rule (notifications by channel):');
    expect(head).toBeGreaterThan(0);
    const table = lines.slice(head + 1, -2).map((l) => l.trim().split(/\s{2,}/));
    expect(lines.at(-2)).toBe('');
    const [columns, ...rows] = table;
    expect(columns?.slice(0, 2)).toEqual(['rule', 'alerts']);
    const channels = columns?.slice(2) ?? [];
    expect(channels).toEqual(
      [...new Set(results.flatMap((r) => r.notifications.map((n) => n.channel)))].sort(),
    );
    const total = rows.at(-1);
    const perRule = rows.slice(0, -1);
    expect(total?.[0]).toBe('total');
    // Every alert counted on its rule, busiest rule first, and the columns add up to the summary line.
    const alerts = new Map<string, number>();
    for (const r of results) for (const a of r.alerts) alerts.set(a.rule, (alerts.get(a.rule) ?? 0) + 1);
    for (const [rule, n] of alerts) expect(perRule.find((r) => r[0] === rule)?.[1]).toBe(String(n));
    const counts = perRule.map((r) => Number(r[1]));
    expect(counts.filter((n) => n > 0)).toEqual([...counts.filter((n) => n > 0)].sort((a, b) => b - a));
    const [, alertTotal, notificationTotal] =
      /(\d+) alert\(s\), (\d+) notification/.exec(lines.at(-1) ?? '') ?? [];
    expect(total?.[1]).toBe(alertTotal);
    expect(total?.slice(2).reduce((a, c) => a + Number(c), 0)).toBe(Number(notificationTotal));
    for (const [i, channel] of channels.entries()) {
      const sent = results.flatMap((r) => r.notifications).filter((n) => n.channel === channel).length;
      expect(perRule.reduce((a, r) => a + Number(r[i + 2]), 0)).toBe(sent);
      expect(total?.[i + 2]).toBe(String(sent));
    }
    // The busiest sample rule, worked out by hand: cloudwatch-alarm fires on 16 samples.
    expect(perRule[0]?.slice(0, 2)).toEqual(['cloudwatch-alarm', '16']);
  });

  it('prints no table with --json: stdout holds only the JSON lines', async () => {
    const out = await runCli(['replay', 'events/s3', '--json']);
    expect(out.stdout).not.toContain('Per rule');
    for (const l of out.stdout.trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
  });
});

describe('cloud-alerts replay errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a malformed file on its own line and goes on, exit 0', async () => {
    writeFileSync(join(dir, 'a-bad.json'), '{not json');
    writeFileSync(
      join(dir, 'b-odd.json'),
      '{"detail-type": "AWS API Call via CloudTrail", "source": "aws.s3"}',
    );
    writeFileSync(join(dir, 'c-text.json'), '"just a string"');
    const { code, stdout } = await runCli(['replay', dir, '--json']);
    const out: Line[] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(code).toBe(0);
    expect(out.map((l) => [l.source.slice(dir.length + 1), l.error === null])).toEqual([
      ['a-bad.json', false],
      ['b-odd.json', true],
      ['c-text.json', false],
    ]);
    expect(out[0]?.error).toMatch(/^invalid JSON/);
  });

  it('reports a gzip bomb and a huge plain file by name and still replays the good file beside them', async () => {
    // A bomb past the 100 MB bound: 1 MB of zeros gzips to about 1 KB, and gzip members concatenate,
    // so ~110 KB on disk inflates to 101 MB without the test spending time compressing it.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const members = Math.floor(MAX_REPLAY_FILE_BYTES / (1024 * 1024)) + 1;
    writeFileSync(join(dir, 'a-bomb.json.gz'), Buffer.concat(Array.from({ length: members }, () => member)));
    // A sparse plain file past the bound: its size is set, its content never written.
    writeFileSync(join(dir, 'b-huge.json'), '');
    truncateSync(join(dir, 'b-huge.json'), MAX_REPLAY_FILE_BYTES + 1024 * 1024);
    writeFileSync(join(dir, 'c-good.json'), readFileSync('events/s3/put-bucket-acl-public-read.json'));

    const json = await runCli(['replay', dir, '--json']);
    const out: Line[] = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json.code).toBe(0);
    expect(out.map((l) => [l.source.slice(dir.length + 1), l.error])).toEqual([
      [
        'a-bomb.json.gz',
        expect.stringMatching(/^inflates past 100 MB; replay reads at most 100 MB of JSON per file/),
      ],
      ['b-huge.json', expect.stringMatching(/^file is 101 MB; replay reads at most 100 MB/)],
      ['c-good.json', null],
    ]);
    expect(out[2]?.alerts.map((a) => a.rule)).toEqual(['s3-bucket-acl-public']);

    const human = await runCli(['replay', dir]);
    expect(human.stdout).toContain(`${join(dir, 'a-bomb.json.gz')}\n  error inflates past 100 MB`);
    expect(human.stdout).toMatch(/3 event\(s\), 1 alert\(s\), 3 notification\(s\), 2 error\(s\)/);
  });

  it('exits 2 for an unreadable path and names it', async () => {
    const { code, stderr } = await runCli(['replay', join(dir, 'missing.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.json');
  });

  it('exits 2 with usage help when no path is given', async () => {
    const { code, stderr } = await runCli(['replay']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give at least one file or folder/);
  });

  it('prints a readable report for people by default', async () => {
    const { code, stdout } = await runCli(['replay', 'events/s3/put-bucket-acl-public-read.json']);
    expect(code).toBe(0);
    expect(stdout).toContain('● CRITICAL S3 bucket made public by ACL [s3-bucket-acl-public]');
    expect(stdout).toContain('IAM user alice made bucket example-data public with canned ACL public-read');
    expect(stdout).toContain('→ pagerduty pagerduty-default');
    expect(stdout).toMatch(/1 event\(s\), 1 alert\(s\), 3 notification\(s\), 0 error\(s\) \(dry-run/);
  });
});

const CORPUS = resolve('../shared/corpus');

describe('cloud-alerts replay: grouping windows close in event time', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-grouping-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** events/iam/create-user.json by the same person, `seconds` after its own time, for another user. */
  function createUser(name: string, seconds: number): string {
    const e = JSON.parse(readFileSync('events/iam/create-user.json', 'utf8'));
    const time = new Date(Date.parse(e.time) + seconds * 1000).toISOString().replace('.000Z', 'Z');
    e.id = `grouping-${name}`;
    e.time = time;
    e.detail.eventTime = time;
    e.detail.eventID = `grouping-${name}`;
    e.detail.requestParameters.userName = name;
    return JSON.stringify(e);
  }

  it('sends the summary of a burst when its window closes, before the next event, and at the end', async () => {
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `${readFileSync('config/cloud-alerts.yml', 'utf8')}\ngrouping: { windowMinutes: 5 }\n`,
    );
    const events = join(dir, 'events');
    mkdirSync(events);
    // A burst of four, a quiet stretch past the window, then a second burst of two.
    const at = [0, 20, 40, 60, 900, 910];
    for (const [i, s] of at.entries()) writeFileSync(join(events, `${i}.json`), createUser(`user-${i}`, s));
    const { code, stdout } = await runCli(['replay', events, '--json', '--config', config]);
    expect(code).toBe(0);
    const out: Line[] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rows = out.map((l) => [
      l.source.startsWith('grouping summary') ? 'summary' : l.source.slice(events.length + 1),
      l.alerts.map((a) => `${a.rule}: ${a.title}`),
    ]);
    expect(rows).toEqual([
      ['0.json', ['iam-user-created: IAM user created']],
      ['1.json', []],
      ['2.json', []],
      ['3.json', []],
      // Due 5 minutes after the first and a minute's grace: before 4.json, 15 minutes on.
      [
        'summary',
        ['alert-group-summary: 3 more alerts by SSO user jane.doe@example.com (AdministratorAccess)'],
      ],
      ['4.json', ['iam-user-created: IAM user created']],
      ['5.json', []],
      [
        'summary',
        ['alert-group-summary: 1 more alert by SSO user jane.doe@example.com (AdministratorAccess)'],
      ],
    ]);
    // The summary reaches the receivers its route names, like any alert.
    const summary = out[4];
    expect(summary?.notifications.length).toBeGreaterThan(0);
    expect(summary?.source).toMatch(/^grouping summary \(window closed, sent 2026-11-19T10:37:07\.000Z\)$/);
    // It says which alerts it held, not only how many.
    const examples = [
      'iam-user-created: IAM user user-1 at 2026-11-19T10:31:27.000Z',
      'iam-user-created: IAM user user-2 at 2026-11-19T10:31:47.000Z',
      'iam-user-created: IAM user user-3 at 2026-11-19T10:32:07.000Z',
    ];
    expect(summary?.alerts[0]?.examples).toEqual(examples);

    // Printed for people: the summary block shows the alert, not "no rule matches".
    const human = await runCli(['replay', events, '--config', config]);
    const block = human.stdout.split('\n\n').find((b) => b.startsWith('grouping summary'));
    expect(block?.split('\n')[1]).toBe(
      '  ● MEDIUM 3 more alerts by SSO user jane.doe@example.com (AdministratorAccess) [alert-group-summary]',
    );
    expect(block).not.toContain('no serverless.yml rule matches');
    expect(block).toContain(['    Examples:', ...examples.map((e) => `      • ${e}`)].join('\n'));
  });
});

describe('replay over ../shared/corpus', () => {
  const present = existsSync(CORPUS);

  it(`completes with no crash (${present ? 'corpus present' : 'corpus absent: nothing to replay'})`, async () => {
    const { code, stdout, stderr } = await runCli(present ? ['replay', CORPUS, '--json'] : ['help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    if (present) {
      const out: Line[] = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(out.length).toBeGreaterThan(500);
      // Every crash would surface as an error naming an exception, not an input problem.
      expect(
        out.filter(
          (l) => l.error && !/^(invalid JSON|not an EventBridge event|not a JSON object)/.test(l.error),
        ),
      ).toEqual([]);
    }
  }, 120000);
});
