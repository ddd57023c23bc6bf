import { CLOUDTRAIL_RULES } from '../../../shared/detect/catalog.ts';
import { alertsFor } from './alerts.ts';

type Row = [file: string, severity: string, summary: string, verdict: string, links: string[]];

/**
 * The first two lines a responder reads for every sample, per rule: who did what to which resource
 * (summary), is it dangerous now (verdict), and what to click (link texts, the CloudTrail event last).
 */
const SAMPLES: Record<string, Row[]> = {
  'cloudtrail-changed': [
    [
      'cloudtrail/create-trail.json',
      'low',
      'role terraform-ci (session GitHubActions) created trail audit-trail',
      'Adds logging: no exposure.',
      ['Open trail', 'CloudTrail event'],
    ],
    [
      'cloudtrail/start-logging.json',
      'low',
      'role terraform-ci (session GitHubActions) started logging on trail audit-trail',
      'Adds logging: no exposure.',
      ['Open trail', 'CloudTrail event'],
    ],
  ],
  'cloudtrail-tampering': [
    [
      'cloudtrail/delete-trail-denied.json',
      'critical',
      'role example-orders-api-role (session i-0a1b2c3d4e5f60718) tried DeleteTrail on CloudTrail trail org-trail and was denied (AccessDenied)',
      'Denied: nothing changed, but the attempt alone is the signal (kept critical). Find out who holds these credentials and why they tried.',
      ['Open trail', 'CloudTrail event'],
    ],
    [
      'cloudtrail/put-event-selectors.json',
      'critical',
      'role terraform-ci (session GitHubActions) changed the event selectors of trail org-trail',
      'Some events (management or data) may no longer be recorded.',
      ['Open trail', 'CloudTrail event'],
    ],
    [
      'cloudtrail/stop-logging.json',
      'critical',
      'IAM user bob stopped logging on trail org-trail',
      'No API activity is recorded by this trail from now on.',
      ['Open trail', 'CloudTrail event'],
    ],
    [
      'cloudtrail/update-trail.json',
      'critical',
      'SSO user sam.lee@example.com (DeveloperAccess) changed trail org-trail',
      'Where or what the trail logs may have changed: check its bucket, regions and encryption.',
      ['Open trail', 'CloudTrail event'],
    ],
  ],
  'config-tampering': [
    [
      'config/delete-delivery-channel.json',
      'high',
      'SSO user jane.doe@example.com (AdministratorAccess) deleted AWS Config delivery channel default',
      'Resource changes are no longer recorded, and Config rules stop evaluating.',
      ['Open AWS Config settings', 'CloudTrail event'],
    ],
    [
      'config/stop-configuration-recorder.json',
      'high',
      'IAM user bob stopped AWS Config recorder default',
      'Resource changes are no longer recorded, and Config rules stop evaluating.',
      ['Open AWS Config settings', 'CloudTrail event'],
    ],
  ],
  'config-changed': [
    [
      'config/put-configuration-recorder.json',
      'low',
      'role terraform-ci (session GitHubActions) changed AWS Config recorder default',
      'Check which resource types are still recorded and where snapshots go.',
      ['Open AWS Config settings', 'CloudTrail event'],
    ],
    [
      'config/put-delivery-channel.json',
      'low',
      'role terraform-ci (session GitHubActions) changed AWS Config delivery channel default',
      'Check which resource types are still recorded and where snapshots go.',
      ['Open AWS Config settings', 'CloudTrail event'],
    ],
  ],
  'network-gateway-changed': [
    [
      'ec2/attach-internet-gateway.json',
      'medium',
      'SSO user sam.lee@example.com (DeveloperAccess) attached internet gateway igw-0a1b2c3d4e5f67890',
      'The VPC can now route to and from the internet.',
      ['Open internet gateway', 'CloudTrail event'],
    ],
    [
      'ec2/create-customer-gateway.json',
      'medium',
      'role terraform-ci (session GitHubActions) created customer gateway cgw-0a1b2c3d4e5f67890',
      'A path into or out of the network changed: confirm it was planned.',
      ['Open customer gateway', 'CloudTrail event'],
    ],
  ],
  'security-group-open-ingress': [
    [
      'ec2/authorize-security-group-ingress-ipv6-all.json',
      'high',
      'SSO user sam.lee@example.com (DeveloperAccess) opened security group sg-0a1b2c3d4e5f67890 to the internet (all traffic from ::/0, tcp/3389 from 0.0.0.0/0)',
      'Reachable from anywhere now on all traffic from ::/0, tcp/3389 from 0.0.0.0/0, for every instance or interface in this group.',
      ['Open security group', 'CloudTrail event'],
    ],
    [
      'ec2/authorize-security-group-ingress-ssh-open.json',
      'high',
      'IAM user alice opened security group sg-0a1b2c3d4e5f67890 to the internet (tcp/22 from 0.0.0.0/0)',
      'Reachable from anywhere now on tcp/22 from 0.0.0.0/0, for every instance or interface in this group.',
      ['Open security group', 'CloudTrail event'],
    ],
  ],
  'security-group-changed': [
    [
      'ec2/authorize-security-group-ingress-private.json',
      'low',
      'role terraform-ci (session GitHubActions) added inbound rules to security group sg-0a1b2c3d4e5f67890',
      'Not open to the internet.',
      ['Open security group', 'CloudTrail event'],
    ],
    [
      'ec2/create-security-group.json',
      'low',
      'role terraform-ci (session GitHubActions) created security group sg-0fedcba9876543210',
      'Not open to the internet.',
      ['Open security group', 'CloudTrail event'],
    ],
    [
      'ec2/revoke-security-group-ingress.json',
      'low',
      'role terraform-ci (session GitHubActions) removed inbound rules from security group sg-0a1b2c3d4e5f67890',
      'Not open to the internet.',
      ['Open security group', 'CloudTrail event'],
    ],
  ],
  'network-acl-changed': [
    [
      'ec2/create-network-acl-entry-open.json',
      'medium',
      'IAM user alice added an entry to network ACL acl-0a1b2c3d4e5f67890: allow tcp/22 from 0.0.0.0/0',
      'Subnets behind this ACL accept tcp/22 from anywhere (security groups still apply).',
      ['Open network ACL', 'CloudTrail event'],
    ],
    [
      'ec2/delete-network-acl.json',
      'low',
      'role terraform-ci (session GitHubActions) deleted network ACL acl-0a1b2c3d4e5f67890',
      'Check which subnets it guards.',
      ['Open network ACL', 'CloudTrail event'],
    ],
    [
      'ec2/replace-network-acl-entry-private.json',
      'low',
      'role terraform-ci (session GitHubActions) replaced an entry in network ACL acl-0a1b2c3d4e5f67890',
      'Check which subnets it guards.',
      ['Open network ACL', 'CloudTrail event'],
    ],
  ],
  'route-table-changed': [
    [
      'ec2/create-route.json',
      'low',
      'role terraform-ci (session GitHubActions) added a route to route table rtb-0a1b2c3d4e5f67890',
      'Traffic may take a different path.',
      ['Open route table', 'CloudTrail event'],
    ],
    [
      'ec2/replace-route-table-association.json',
      'low',
      'IAM user alice changed the association of route table rtb-0fedcba9876543210',
      'Traffic may take a different path.',
      ['Open route table', 'CloudTrail event'],
    ],
  ],
  'vpc-changed': [
    [
      'ec2/create-vpc-peering-connection.json',
      'medium',
      'IAM user alice requested VPC peering connection pcx-0a1b2c3d4e5f67890',
      'Two networks may now reach each other: confirm the peer is yours.',
      ['Open peering connection', 'CloudTrail event'],
    ],
    [
      'ec2/delete-vpc.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) deleted VPC vpc-0123456789abcdef1',
      'Network boundary changed: confirm it was planned.',
      ['Open VPC', 'CloudTrail event'],
    ],
    [
      'ec2/modify-vpc-attribute.json',
      'low',
      'role terraform-ci (session GitHubActions) changed attributes of VPC vpc-0f1e2d3c4b5a69788',
      'Network boundary changed: confirm it was planned.',
      ['Open VPC', 'CloudTrail event'],
    ],
  ],
  'unauthorized-call': [
    [
      'ec2/run-instances-unauthorized.json',
      'medium',
      'role example-contractor-role (session laptop) tried RunInstances and was denied (Client.UnauthorizedOperation)',
      'Denied: nothing changed. One denial is often a misconfigured tool; many, or from an unknown principal, suggest probing.',
      ['CloudTrail event'],
    ],
    [
      'secretsmanager/get-secret-value-denied.json',
      'medium',
      'role example-contractor-role (session laptop) tried GetSecretValue and was denied (AccessDenied)',
      'Denied: nothing changed. One denial is often a misconfigured tool; many, or from an unknown principal, suggest probing.',
      ['CloudTrail event'],
    ],
  ],
  'guardduty-tampering': [
    [
      'guardduty/delete-detector.json',
      'critical',
      'IAM user bob deleted GuardDuty detector 6ac8f1e2b3d4c5a6978f0e1d2c3b4a59',
      'Threat detection is off for the affected account(s): findings stop.',
      ['Open GuardDuty settings', 'CloudTrail event'],
    ],
    [
      'guardduty/disassociate-from-administrator.json',
      'critical',
      'IAM user bob left the GuardDuty administrator account with detector 6ac8f1e2b3d4c5a6978f0e1d2c3b4a59',
      'Threat detection is off for the affected account(s): findings stop.',
      ['Open GuardDuty settings', 'CloudTrail event'],
    ],
    [
      'guardduty/update-detector-disable.json',
      'critical',
      'SSO user sam.lee@example.com (DeveloperAccess) disabled GuardDuty detector 6ac8f1e2b3d4c5a6978f0e1d2c3b4a59',
      'Threat detection is off for the affected account(s): findings stop.',
      ['Open GuardDuty settings', 'CloudTrail event'],
    ],
  ],
  'iam-group-changed': [
    [
      'iam/add-user-to-group-admins.json',
      'high',
      'IAM user bob added bob to group Admins',
      'Likely privilege escalation: bob now has what Admins allows.',
      ['Open group', 'Open user', 'CloudTrail event'],
    ],
    [
      'iam/add-user-to-group-developers.json',
      'medium',
      'SSO user jane.doe@example.com (AdministratorAccess) added example-contractor to group developers',
      'example-contractor now has what the group allows: review its policies.',
      ['Open group', 'Open user', 'CloudTrail event'],
    ],
    [
      'iam/create-group.json',
      'low',
      'role terraform-ci (session GitHubActions) created IAM group auditors',
      'No one gains access by this alone.',
      ['Open group', 'CloudTrail event'],
    ],
    [
      'iam/remove-user-from-group.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) removed bob from group Admins',
      'Access removed: no exposure.',
      ['Open group', 'CloudTrail event'],
    ],
  ],
  'iam-login-profile-changed': [
    [
      'iam/create-login-profile-other-user.json',
      'high',
      'IAM user bob created a console password for another user, example-ci-bot',
      'Whoever set it can sign in as this user: confirm the user asked for it.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'iam/delete-login-profile.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) removed the console password of example-contractor',
      'Console access removed: no exposure.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'iam/update-login-profile-self.json',
      'medium',
      'IAM user alice reset the console password of alice',
      'Console access changed for the caller itself: confirm it is expected.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
  'iam-managed-policy-changed': [
    [
      'iam/create-policy-version-default-star.json',
      'critical',
      'IAM user bob created a new default version of policy example-ci-deploy',
      'Privilege escalation: everyone the policy is attached to now has administrator access (Everything: Action "*" on Resource "*").',
      ['Open policy', 'CloudTrail event'],
    ],
    [
      'iam/create-policy-version-not-default.json',
      'low',
      'role terraform-ci (session GitHubActions) created a new version of policy example-reports-read',
      'Not in effect: the new version is not the default.',
      ['Open policy', 'CloudTrail event'],
    ],
    [
      'iam/create-policy.json',
      'low',
      'role terraform-ci (session GitHubActions) created managed policy example-reports-read',
      'Not attached to anyone yet.',
      ['Open policy', 'CloudTrail event'],
    ],
    [
      'iam/set-default-policy-version.json',
      'high',
      'IAM user bob made version v1 the default of policy example-ci-deploy',
      'In effect now, and the event does not carry the document: open the policy and read that version (rolling back to an older, broader version is a known escalation).',
      ['Open policy', 'CloudTrail event'],
    ],
  ],
  'iam-role-trust-changed': [
    [
      'iam/create-role-cross-account-trust.json',
      'critical',
      'IAM user bob created role support-access, trusting account 210987654321',
      'Assumable from outside this account now: account 210987654321.',
      ['Open role', 'CloudTrail event'],
    ],
    [
      'iam/create-role-lambda-service.json',
      'low',
      'role terraform-ci (session GitHubActions) created role example-orders-fn-role',
      'Trust stays inside this account, AWS services or identity providers.',
      ['Open role', 'CloudTrail event'],
    ],
    [
      'iam/update-assume-role-policy-same-account.json',
      'medium',
      'role terraform-ci (session GitHubActions) changed who can assume role deploy',
      'Trust stays inside this account, AWS services or identity providers.',
      ['Open role', 'CloudTrail event'],
    ],
    [
      'iam/update-assume-role-policy-star.json',
      'critical',
      'SSO user sam.lee@example.com (DeveloperAccess) changed who can assume role example-orders-api-role, trusting anyone (Principal "*")',
      'Assumable from outside this account now: anyone (Principal "*").',
      ['Open role', 'CloudTrail event'],
    ],
  ],
  'iam-mfa-deactivated': [
    [
      'iam/deactivate-mfa-device.json',
      'high',
      'IAM user bob deactivated an MFA device of alice',
      'Weaker sign-in now: the account is protected by its password alone until MFA is back.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'iam/delete-virtual-mfa-device.json',
      'high',
      'IAM user alice deleted an MFA device of alice',
      'Weaker sign-in now: the account is protected by its password alone until MFA is back.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
  'iam-access-key-changed': [
    [
      'iam/delete-access-key.json',
      'low',
      'IAM user bob deleted access key AKIAXQ3ZJ7KDBOB00002 of bob',
      'Credentials taken away: no exposure; check nothing breaks.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'iam/update-access-key-deactivate.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) deactivated access key AKIAXQ3ZJ7KDXFOGO6MV of example-ci-bot',
      'Credentials taken away: no exposure; check nothing breaks.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'iam/update-access-key-reactivate.json',
      'medium',
      'IAM user alice reactivated access key AKIAXQ3ZJ7KDXFOGO6MV of example-ci-bot',
      'A dormant credential works again: confirm the owner asked for it.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
  'iam-inline-policy-deleted': [
    [
      'iam/delete-role-policy.json',
      'low',
      'role terraform-ci (session GitHubActions) deleted inline policy read-example-data from role example-orders-api-role',
      'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ['Open role', 'CloudTrail event'],
    ],
    [
      'iam/delete-user-policy.json',
      'low',
      'IAM user alice deleted inline policy ci-full-access from user example-ci-bot',
      'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
  'iam-user-deleted': [
    [
      'iam/delete-user-terraform.json',
      'low',
      'role terraform-ci (session GitHubActions) deleted IAM user legacy-deploy-bot',
      'Access removed: confirm it was planned.',
      ['CloudTrail event'],
    ],
    [
      'iam/delete-user.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) deleted IAM user example-contractor',
      'Access removed: confirm it was planned.',
      ['CloudTrail event'],
    ],
  ],
  'iam-policy-detached': [
    [
      'iam/detach-group-policy.json',
      'low',
      'SSO user jane.doe@example.com (AdministratorAccess) detached deny-prod-delete from group developers',
      'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ['Open group', 'CloudTrail event'],
    ],
    [
      'iam/detach-role-policy.json',
      'low',
      'role terraform-ci (session GitHubActions) detached AmazonS3ReadOnlyAccess from role example-orders-api-role',
      'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ['Open role', 'CloudTrail event'],
    ],
  ],
  'kms-key-disabled': [
    [
      'kms/disable-key.json',
      'high',
      'SSO user jane.doe@example.com (AdministratorAccess) disabled KMS key 1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
      'Everything encrypted under this key is unreadable until it is enabled again.',
      ['Open KMS key', 'CloudTrail event'],
    ],
    [
      'kms/schedule-key-deletion.json',
      'high',
      'IAM user bob scheduled KMS key 1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d for deletion',
      'Data encrypted under this key is lost for good once the window ends: cancel the deletion if unplanned.',
      ['Open KMS key', 'CloudTrail event'],
    ],
  ],
  'lambda-concurrency-changed': [
    [
      'lambda/delete-function-concurrency.json',
      'low',
      'role terraform-ci (session GitHubActions) removed the reserved concurrency of function example-orders-api',
      'The function now shares the account’s unreserved pool: no limit, no guarantee.',
      ['Open function', 'CloudTrail event'],
    ],
    [
      'lambda/put-function-concurrency-zero.json',
      'high',
      'IAM user alice set the reserved concurrency of function example-orders-api to 0',
      'The function is throttled completely: every invocation fails until this is raised.',
      ['Open function', 'CloudTrail event'],
    ],
    [
      'lambda/put-function-concurrency.json',
      'medium',
      'SSO user sam.lee@example.com (DeveloperAccess) set the reserved concurrency of function example-orders-api to 50',
      'At most 50 concurrent executions: more are throttled.',
      ['Open function', 'CloudTrail event'],
    ],
  ],
  'organizations-changed': [
    [
      'organizations/create-account.json',
      'medium',
      'role OrganizationAccountAccessRole (session jane.doe@example.com) created a member account (sandbox-7)',
      'A new account: confirm it has an owner and a baseline.',
      ['Open AWS Organizations', 'CloudTrail event'],
    ],
    [
      'organizations/detach-policy.json',
      'high',
      'SSO user jane.doe@example.com (AdministratorAccess) detached an organization policy (p-a1b2c3d4 on ou-a1b2-c3d4e5f6)',
      'A guardrail no longer applies to the target.',
      ['Open AWS Organizations', 'CloudTrail event'],
    ],
    [
      'organizations/leave-organization-denied.json',
      'critical',
      'SSO user jane.doe@example.com (AdministratorAccess) tried LeaveOrganization on AWS account 123456789012 and was denied (AccessDeniedException)',
      'Denied: nothing changed, but the attempt alone is the signal (kept critical). Find out who holds these credentials and why they tried.',
      ['Open AWS Organizations', 'CloudTrail event'],
    ],
    [
      'organizations/leave-organization.json',
      'critical',
      'root user took this account out of its organization',
      'Service control policies and central security services no longer apply to this account.',
      ['Open AWS Organizations', 'CloudTrail event'],
    ],
  ],
  'root-usage': [
    [
      'organizations/leave-organization.json',
      'critical',
      'root user called organizations:LeaveOrganization',
      'Root credentials bypass every IAM policy and guardrail: confirm who holds them and why they were used.',
      ['Open root security credentials', 'CloudTrail event'],
    ],
    [
      's3/list-buckets-by-root.json',
      'critical',
      'root user called s3:ListBuckets',
      'Root credentials bypass every IAM policy and guardrail: confirm who holds them and why they were used.',
      ['Open root security credentials', 'CloudTrail event'],
    ],
    [
      'signin/console-login-root.json',
      'critical',
      'root user signed in to the console without MFA',
      'Root credentials bypass every IAM policy and guardrail: confirm who holds them and why they were used.',
      ['Open root security credentials', 'CloudTrail event'],
    ],
  ],
  'rds-stopped-or-deleted': [
    [
      'rds/delete-db-cluster-final-snapshot.json',
      'medium',
      'role terraform-ci (session GitHubActions) deleted DB cluster example-reports-cluster',
      'Deleted; a final snapshot was requested: confirm it exists.',
      ['Open DB cluster', 'CloudTrail event'],
    ],
    [
      'rds/delete-db-instance-skip-snapshot.json',
      'high',
      'IAM user alice deleted DB instance example-orders-db without a final snapshot',
      'Data since the last retained backup is gone for good.',
      ['Open DB instance', 'CloudTrail event'],
    ],
    [
      'rds/stop-db-cluster.json',
      'medium',
      'role terraform-ci (session GitHubActions) stopped DB cluster example-reports-cluster',
      'Unavailable until started; RDS starts it again by itself after seven days.',
      ['Open DB cluster', 'CloudTrail event'],
    ],
    [
      'rds/stop-db-instance.json',
      'medium',
      'SSO user sam.lee@example.com (DeveloperAccess) stopped DB instance example-orders-db',
      'Unavailable until started; RDS starts it again by itself after seven days.',
      ['Open DB instance', 'CloudTrail event'],
    ],
  ],
  's3-bucket-created': [
    [
      's3/create-bucket-public-read.json',
      'critical',
      'role deploy-static-site (session ci-1942) created bucket example-static-preview public with canned ACL public-read',
      'Public now: canned ACL public-read: everyone can read.',
      ['Open bucket', 'CloudTrail event'],
    ],
    [
      's3/create-bucket.json',
      'info',
      'IAM user alice created bucket example-reports-2026',
      'Not public: created without a public ACL (new buckets block public access by default).',
      ['Open bucket', 'CloudTrail event'],
    ],
  ],
  's3-account-block-public-access-weakened': [
    [
      's3/delete-account-public-access-block.json',
      'critical',
      'IAM user alice removed account-level Block Public Access in 123456789012',
      'Exposure risk for every bucket: a public ACL or policy on any bucket without its own block would now take effect.',
      ['Open account Block Public Access', 'CloudTrail event'],
    ],
    [
      's3/put-account-public-access-block-disabled.json',
      'critical',
      'SSO user jane.doe@example.com (AdministratorAccess) turned off account-level Block Public Access (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets) in 123456789012',
      'Exposure risk for every bucket: a public ACL or policy on any bucket without its own block would now take effect.',
      ['Open account Block Public Access', 'CloudTrail event'],
    ],
    [
      's3/put-account-public-access-block-partial.json',
      'critical',
      'role terraform-ci (session GitHubActions) turned off account-level Block Public Access (BlockPublicPolicy, RestrictPublicBuckets) in 123456789012',
      'Exposure risk for every bucket: a public ACL or policy on any bucket without its own block would now take effect.',
      ['Open account Block Public Access', 'CloudTrail event'],
    ],
  ],
  's3-bucket-config-changed': [
    [
      's3/delete-bucket-website.json',
      'low',
      'SSO user sam.lee@example.com (DeveloperAccess) turned off static website hosting for bucket example-website',
      'Not an exposure by itself: confirm the change is expected.',
      ['Open bucket', 'CloudTrail event'],
    ],
    [
      's3/put-bucket-cors.json',
      'low',
      'IAM user alice set the CORS rules of bucket example-assets',
      'Not an exposure by itself: confirm the change is expected.',
      ['Open bucket', 'CloudTrail event'],
    ],
    [
      's3/put-bucket-lifecycle-configuration.json',
      'low',
      'role terraform-ci (session GitHubActions) set the lifecycle rules of bucket example-logs',
      'Not an exposure by itself: confirm the change is expected.',
      ['Open bucket', 'CloudTrail event'],
    ],
    [
      's3/put-bucket-replication.json',
      'low',
      'role terraform-ci (session GitHubActions) set replication on bucket example-data',
      'Data will be copied to the destination bucket(s): confirm they are yours.',
      ['Open bucket', 'CloudTrail event'],
    ],
  ],
  's3-bucket-acls-enabled': [
    [
      's3/put-bucket-ownership-controls-object-writer.json',
      'medium',
      'IAM user alice re-enabled ACLs on bucket example-uploads (object ownership ObjectWriter)',
      'Not public by itself, but ACL grants, including public ones, now take effect on this bucket.',
      ['Open bucket', 'CloudTrail event'],
    ],
    [
      's3/put-bucket-ownership-controls-preferred.json',
      'medium',
      'SSO user jane.doe@example.com (AdministratorAccess) re-enabled ACLs on bucket example-uploads (object ownership BucketOwnerPreferred)',
      'Not public by itself, but ACL grants, including public ones, now take effect on this bucket.',
      ['Open bucket', 'CloudTrail event'],
    ],
  ],
  'securityhub-disabled': [
    [
      'securityhub/disable-security-hub-denied.json',
      'critical',
      'role example-contractor-role (session laptop) tried DisableSecurityHub on Security Hub eu-west-1 and was denied (AccessDeniedException)',
      'Denied: nothing changed, but the attempt alone is the signal (kept critical). Find out who holds these credentials and why they tried.',
      ['Open Security Hub', 'CloudTrail event'],
    ],
    [
      'securityhub/disable-security-hub.json',
      'critical',
      'IAM user bob disabled Security Hub in eu-west-1',
      'Security findings and CIS checks stop for this account and region.',
      ['Open Security Hub', 'CloudTrail event'],
    ],
  ],
  'console-login-failed': [
    [
      'signin/console-login-failure-unknown-user.json',
      'medium',
      'someone using an unknown user name failed to sign in to the console (No username found in supplied account)',
      'Nothing accessed. Many failures from one IP, or for a user who did not try, mean someone is guessing.',
      ['CloudTrail event'],
    ],
    [
      'signin/console-login-failure.json',
      'medium',
      'IAM user alice failed to sign in to the console (Failed authentication)',
      'Nothing accessed. Many failures from one IP, or for a user who did not try, mean someone is guessing.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
  'console-login-without-mfa': [
    [
      'signin/console-login-no-mfa-signin-spelling.json',
      'high',
      'IAM user example-contractor signed in to the console without MFA',
      'Only a password protects this user: enforce MFA, and check the source IP is theirs.',
      ['Open user', 'CloudTrail event'],
    ],
    [
      'signin/console-login-no-mfa.json',
      'high',
      'IAM user alice signed in to the console without MFA',
      'Only a password protects this user: enforce MFA, and check the source IP is theirs.',
      ['Open user', 'CloudTrail event'],
    ],
  ],
};

describe.each(Object.entries(SAMPLES))('%s', (ruleId, rows) => {
  const rule = CLOUDTRAIL_RULES.find((r) => r.id === ruleId);

  it('is in the catalog', () => {
    expect(rule?.id).toBe(ruleId);
  });

  it.each(rows)(
    'raises %s as %s with its summary, verdict and links',
    (file, severity, summary, verdict, links) => {
      const alert = alertsFor(file).find((a) => a.ruleId === ruleId);
      expect(
        alert && {
          severity: alert.severity,
          summary: alert.summary,
          verdict: alert.verdict,
          links: alert.links.map((l) => l.text),
        },
      ).toEqual({ severity, summary, verdict, links });
    },
  );
});
