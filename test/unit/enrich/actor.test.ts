import { describeActor } from '../../../shared/enrich/actor.ts';
import type { UserIdentity } from '../../../shared/events/cloudtrail.ts';
import { cloudTrailDetail, loadEvent } from '../../helpers/events.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';

describe('describeActor', () => {
  it('describes an IAM user by user name', () => {
    const identity = cloudTrailDetail(loadEvent('iam/attach-user-policy-admin.json')).userIdentity;
    expect(describeActor(identity, ACCOUNT)).toEqual({
      kind: 'iam-user',
      name: 'alice',
      display: 'IAM user alice',
      arn: 'arn:aws:iam::123456789012:user/alice',
      accountId: ACCOUNT,
      crossAccount: false,
    });
  });

  it('takes an IAM user name from the ARN when userName is missing', () => {
    const identity: UserIdentity = {
      type: 'IAMUser',
      arn: 'arn:aws:iam::123456789012:user/ops/carol',
      accountId: ACCOUNT,
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'iam-user',
      name: 'carol',
      display: 'IAM user carol',
    });
  });

  it('describes the root user', () => {
    const identity = cloudTrailDetail(loadEvent('iam/create-user-by-root.json')).userIdentity;
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'root',
      name: 'root',
      display: 'root user',
      crossAccount: false,
    });
  });

  it('describes an assumed role with the session name from the ARN', () => {
    const identity = cloudTrailDetail(loadEvent('s3/put-bucket-acl-private.json')).userIdentity;
    expect(describeActor(identity, ACCOUNT)).toEqual({
      kind: 'assumed-role',
      name: 'terraform-ci',
      display: 'role terraform-ci (session GitHubActions)',
      arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/GitHubActions',
      session: 'GitHubActions',
      issuerArn: 'arn:aws:iam::123456789012:role/terraform-ci',
      accountId: ACCOUNT,
      crossAccount: false,
    });
  });

  it('keeps a federated user name as the session and the IAM user that issued it', () => {
    const identity: UserIdentity = {
      type: 'FederatedUser',
      principalId: '123456789012:terraform-ci',
      arn: 'arn:aws:sts::123456789012:federated-user/terraform-ci',
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'IAMUser',
          arn: 'arn:aws:iam::123456789012:user/mallory',
          userName: 'mallory',
        },
      },
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'federated',
      name: 'terraform-ci',
      session: 'terraform-ci',
      issuerArn: 'arn:aws:iam::123456789012:user/mallory',
    });
  });

  it('falls back to the principalId for the session and the issuer ARN for the role', () => {
    const identity: UserIdentity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:build-7',
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/path/deployer' } },
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'assumed-role',
      name: 'deployer',
      display: 'role deployer (session build-7)',
    });
  });

  it('describes an IAM Identity Center permission-set role as the SSO user and permission set', () => {
    const role = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
    const identity: UserIdentity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:jane@example.com',
      arn: `arn:aws:sts::123456789012:assumed-role/${role}/jane@example.com`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
      },
    };
    const actor = describeActor(identity, ACCOUNT);
    expect(actor).toMatchObject({ kind: 'sso-user', name: role, crossAccount: false });
    expect(actor.display).toBe('SSO user jane@example.com (AdministratorAccess)');
  });

  it('does not take a role merely named like Identity Center’s, outside its path, for an SSO user', () => {
    const role = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
    const identity: UserIdentity = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::123456789012:assumed-role/${role}/jane.doe@example.com`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::123456789012:role/${role}`, userName: role },
      },
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'assumed-role',
      display: `role ${role} (session jane.doe@example.com)`,
    });
  });

  it('reads an SSO permission set whose name has underscores', () => {
    const role = 'AWSReservedSSO_Data_Platform_Admin_0f1e2d3c4b5a6978';
    const identity: UserIdentity = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::123456789012:assumed-role/${role}/sam@example.com`,
      sessionContext: { sessionIssuer: { userName: role } },
    };
    expect(describeActor(identity, ACCOUNT).display).toBe('SSO user sam@example.com (Data_Platform_Admin)');
  });

  it('describes a federated user by name from the ARN', () => {
    const identity: UserIdentity = {
      type: 'FederatedUser',
      principalId: '123456789012:dana',
      arn: 'arn:aws:sts::123456789012:federated-user/dana',
      accountId: ACCOUNT,
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'federated',
      name: 'dana',
      display: 'federated user dana',
    });
  });

  it('describes an AWS service by invokedBy and never flags it cross-account', () => {
    const identity: UserIdentity = {
      type: 'AWSService',
      invokedBy: 'cloudtrail.amazonaws.com',
      accountId: OTHER,
    };
    expect(describeActor(identity, ACCOUNT)).toMatchObject({
      kind: 'aws-service',
      name: 'cloudtrail.amazonaws.com',
      display: 'AWS service cloudtrail.amazonaws.com',
      crossAccount: false,
    });
  });

  it.each([
    [
      'IAMUser',
      { type: 'IAMUser', userName: 'eve', accountId: OTHER },
      'IAM user eve from account 210987654321',
    ],
    ['Root', { type: 'Root', accountId: OTHER }, 'root user from account 210987654321'],
    [
      'AssumedRole',
      {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${OTHER}:assumed-role/example-partner-sync/sync-job-4821`,
        accountId: OTHER,
        sessionContext: { sessionIssuer: { userName: 'example-partner-sync' } },
      },
      'role example-partner-sync (session sync-job-4821) from account 210987654321',
    ],
  ])('flags a %s from another account as cross-account', (_type, identity, display) => {
    expect(describeActor(identity as UserIdentity, ACCOUNT)).toMatchObject({ crossAccount: true, display });
  });

  it('flags the cross-account caller of the denied fixture', () => {
    const identity = cloudTrailDetail(loadEvent('s3/put-bucket-acl-public-denied.json')).userIdentity;
    expect(describeActor(identity, ACCOUNT)).toMatchObject({ crossAccount: true, accountId: OTHER });
  });

  it('does not flag a caller without an accountId as cross-account', () => {
    expect(describeActor({ type: 'IAMUser', userName: 'x' }, ACCOUNT).crossAccount).toBe(false);
  });

  it('describes an unknown identity type with whatever name it has', () => {
    expect(describeActor({ type: 'SomethingNew', principalId: 'p-1' }, ACCOUNT)).toMatchObject({
      kind: 'unknown',
      name: 'p-1',
      display: 'SomethingNew principal p-1',
    });
  });

  it('describes an identity with no type at all', () => {
    expect(describeActor({}, ACCOUNT)).toEqual({
      kind: 'unknown',
      name: undefined,
      display: 'unknown principal',
      arn: undefined,
      accountId: undefined,
      crossAccount: false,
    });
  });
});
