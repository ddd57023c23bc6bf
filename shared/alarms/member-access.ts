import type { STSClient } from '@aws-sdk/client-sts';
import { onFirstUse } from '../aws/lazy.ts';

/**
 * Reading alarms in an organisation's member accounts. Each member account may deploy a reader role
 * (`cloud-alerts forwarder --alarm-reader`, docs/deploy.md) that only the central alert function can
 * assume and that may only describe alarms and list their tags. The central function assumes it in
 * the alarm's account, keeps the session until shortly before it expires, and backs off from an
 * account whose role it could not assume, so a member without the role costs one STS call and one
 * warning per few minutes rather than per alarm event.
 */

/** What AssumeRole hands back, in the shape an SDK client's `credentials` option takes. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Port: AssumeRole for one role ARN. Throws on failure. */
export type AssumeRole = (roleArn: string) => Promise<SessionCredentials>;

/** Shows in the member account's CloudTrail as the session that read its alarms. */
export const READER_SESSION_NAME = 'cloud-alerts-alarm-context';
/** One hour: the longest a role allows by default, so a busy account costs one AssumeRole an hour. */
export const READER_SESSION_SECONDS = 3600;
/** A session this close to its end is renewed before use, so no call is signed with a dying one. */
export const RENEW_BEFORE_MS = 5 * 60_000;
/** After a failed AssumeRole, the account's alarms are not tried again for this long. */
export const FAILURE_BACKOFF_MS = 5 * 60_000;

export class MemberAccessError extends Error {
  override readonly name = 'MemberAccessError';
  readonly roleArn: string;

  constructor(roleArn: string, options: { cause: unknown }) {
    const cause = options.cause;
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `cannot assume ${roleArn} (${what}); deploy the member forwarder with --alarm-reader in that account, or turn on tag propagation for its alarms`,
      options,
    );
    this.roleArn = roleArn;
  }
}

/**
 * From the alert function's environment (serverless.yml): the account it runs in, and the reader
 * role's name, which the stack sets only when it receives from an organisation. Without both, no
 * other account's alarm is looked up.
 */
export function memberReaderFromEnv(
  env: Record<string, string | undefined>,
): { ownAccount: string; roleName: string } | undefined {
  const ownAccount = env.ACCOUNT_ID;
  const roleName = env.ALARM_READER_ROLE_NAME;
  return ownAccount && roleName ? { ownAccount, roleName } : undefined;
}

/** arn:<partition>:iam::<account>:role/<name>, the reader role in one member account. */
export function readerRoleArn(partition: string, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

// Only alarms from member accounts need STS: load it with the first of them, not at cold start.
const loadSts = onFirstUse(() => import('@aws-sdk/client-sts'));
let sts: STSClient | undefined;

/** AssumeRole through the function's own credentials, with the regional STS endpoint of its region. */
export const stsAssumeRole: AssumeRole = async (roleArn) => {
  const sdk = await loadSts();
  sts ??= new sdk.STSClient({});
  const out = await sts.send(
    new sdk.AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: READER_SESSION_NAME,
      DurationSeconds: READER_SESSION_SECONDS,
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
    throw new Error('AssumeRole answered without credentials');
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
};

interface Session {
  credentials?: SessionCredentials;
  pending?: Promise<SessionCredentials>;
  failedUntil?: number;
  failure?: MemberAccessError;
}

export interface MemberCredentialsOptions {
  assumeRole?: AssumeRole;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

/** A credentials provider per role ARN, for SDK clients that act in a member account. */
export type MemberCredentials = (roleArn: string) => () => Promise<SessionCredentials>;

/**
 * Sessions per role, shared by every client that uses the role: one AssumeRole at a time per role
 * (concurrent lookups wait for the same call), reused until RENEW_BEFORE_MS before expiry.
 */
export function createMemberCredentials(options: MemberCredentialsOptions = {}): MemberCredentials {
  const assumeRole = options.assumeRole ?? stsAssumeRole;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  function fresh(s: Session): SessionCredentials | undefined {
    const c = s.credentials;
    return c && c.expiration.getTime() - now() > RENEW_BEFORE_MS ? c : undefined;
  }

  return (roleArn) => async () => {
    let s = sessions.get(roleArn);
    if (!s) {
      s = {};
      sessions.set(roleArn, s);
    }
    const session = s;
    const ready = fresh(session);
    if (ready) return ready;
    if (session.failure && session.failedUntil !== undefined && now() < session.failedUntil)
      throw session.failure;
    session.pending ??= assumeRole(roleArn)
      .then((credentials) => {
        session.credentials = credentials;
        delete session.failure;
        delete session.failedUntil;
        return credentials;
      })
      .catch((err: unknown) => {
        const failure = new MemberAccessError(roleArn, { cause: err });
        session.failure = failure;
        session.failedUntil = now() + FAILURE_BACKOFF_MS;
        throw failure;
      })
      .finally(() => {
        delete session.pending;
      });
    return session.pending;
  };
}
