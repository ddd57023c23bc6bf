import type { Actor } from '../events/alert.ts';
import type { UserIdentity } from '../events/cloudtrail.ts';

/** IAM Identity Center permission-set roles: the session name is the person. */
const SSO_ROLE = /^AWSReservedSSO_(.+?)_[0-9a-f]{6,}$/;
const SSO_PATH = /:role\/aws-reserved\/sso\.amazonaws\.com\//;

function lastSegment(arn: string | undefined, marker: string): string | undefined {
  if (!arn) return undefined;
  const at = arn.indexOf(marker);
  if (at < 0) return undefined;
  const rest = arn.slice(at + marker.length);
  return rest.split('/').pop() || undefined;
}

/**
 * Put the CloudTrail caller into words a responder recognises, and keep the principal's name for
 * allow-lists. `eventAccount` is the account the event happened in, to flag callers from elsewhere.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
export function describeActor(identity: UserIdentity, eventAccount: string): Actor {
  const accountId = identity.accountId;
  const crossAccount =
    accountId !== undefined && accountId !== eventAccount && identity.type !== 'AWSService';
  const base = { arn: identity.arn, accountId, crossAccount };
  const fromAccount = crossAccount ? ` from account ${accountId}` : '';

  switch (identity.type) {
    case 'Root':
      return { ...base, kind: 'root', name: 'root', display: `root user${fromAccount}` };
    case 'IAMUser': {
      // Failed sign-ins with a user name that does not exist: CloudTrail will not repeat what was typed.
      if (identity.userName === 'HIDDEN_DUE_TO_SECURITY_REASONS')
        return { ...base, kind: 'iam-user', display: 'someone using an unknown user name' };
      const name = identity.userName ?? lastSegment(identity.arn, ':user/') ?? 'unknown';
      return { ...base, kind: 'iam-user', name, display: `IAM user ${name}${fromAccount}` };
    }
    case 'AssumedRole': {
      const issuer = identity.sessionContext?.sessionIssuer;
      const role = issuer?.userName ?? lastSegment(issuer?.arn, ':role/') ?? 'unknown-role';
      const session = lastSegment(identity.arn, ':assumed-role/') ?? identity.principalId?.split(':')[1];
      // Identity Center creates its roles under /aws-reserved/sso.amazonaws.com/ (the path its service
      // role may write: AWSSSOServiceRolePolicy). Anyone can name a role AWSReservedSSO_Admin_0a1b…
      // elsewhere and pick a session name that reads as a colleague's e-mail: that is a role, not SSO.
      // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html
      const sso = issuer?.arn === undefined || SSO_PATH.test(issuer.arn) ? SSO_ROLE.exec(role) : null;
      const sessionFields = {
        ...(session ? { session } : {}),
        ...(issuer?.arn ? { issuerArn: issuer.arn } : {}),
      };
      if (sso) {
        const person = session ?? 'unknown';
        return {
          ...base,
          ...sessionFields,
          kind: 'sso-user',
          name: role,
          display: `SSO user ${person} (${sso[1]})${fromAccount}`,
        };
      }
      const sessionPart = session ? ` (session ${session})` : '';
      return {
        ...base,
        ...sessionFields,
        kind: 'assumed-role',
        name: role,
        display: `role ${role}${sessionPart}${fromAccount}`,
      };
    }
    case 'FederatedUser': {
      // GetFederationToken's caller names the federated user: a session name, issued by that caller.
      const session = lastSegment(identity.arn, ':federated-user/');
      const name = session ?? identity.principalId ?? 'unknown';
      const issuerArn = identity.sessionContext?.sessionIssuer?.arn;
      return {
        ...base,
        ...(session ? { session } : {}),
        ...(issuerArn ? { issuerArn } : {}),
        kind: 'federated',
        name,
        display: `federated user ${name}${fromAccount}`,
      };
    }
    case 'WebIdentityUser':
    case 'SAMLUser': {
      const name = identity.userName ?? identity.principalId ?? 'unknown';
      const provider = identity.identityProvider ? ` via ${identity.identityProvider}` : '';
      return {
        ...base,
        kind: 'web-identity',
        name,
        display: `${identity.type === 'SAMLUser' ? 'SAML' : 'web identity'} user ${name}${provider}`,
      };
    }
    case 'AWSService': {
      const name = identity.invokedBy ?? 'unknown service';
      return { ...base, crossAccount: false, kind: 'aws-service', name, display: `AWS service ${name}` };
    }
    case 'AWSAccount': {
      const name = accountId ?? identity.principalId ?? 'unknown';
      return { ...base, kind: 'aws-account', name, display: `AWS account ${name}` };
    }
    case 'IdentityCenterUser': {
      const name = identity.onBehalfOf?.userId ?? identity.principalId ?? 'unknown';
      return { ...base, kind: 'sso-user', name, display: `Identity Center user ${name}` };
    }
    default: {
      const name = identity.userName ?? identity.principalId ?? identity.invokedBy;
      const what = identity.type ? `${identity.type} principal` : 'unknown principal';
      return { ...base, kind: 'unknown', name, display: name ? `${what} ${name}` : what };
    }
  }
}
