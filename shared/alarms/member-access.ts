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
/** After AssumeRole was denied (no reader role there, or it does not trust us), wait this long. */
export const FAILURE_BACKOFF_MS = 5 * 60_000;
/** After any other failure (throttling, a network blip), wait only this long. */
export const TRANSIENT_BACKOFF_MS = 30_000;
/** A session with at least this long to live still signs a lookup when renewing it failed. */
const STILL_VALID_MS = 60_000;
/**
 * For the clients that only enrich an alert (STS and CloudWatch here): they are called in the alert
 * path, so a hung connection must fail the lookup in seconds, not hold the invocation to its timeout.
 */
export const LOOKUP_CLIENT_CONFIG = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;

/** What STS answers when the role is missing or does not trust the caller. */
function denied(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

export class MemberAccessError extends Error {
  override readonly name = 'MemberAccessError';
  readonly roleArn: string;
  /** True for the repeats while the account is backed off: the first failure was already reported. */
  readonly repeat: boolean;

  constructor(roleArn: string, options: { cause: unknown; repeat?: boolean }) {
    const cause = options.cause;
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `cannot assume ${roleArn} (${what}); deploy the member forwarder with --alarm-reader in that account, or turn on tag propagation for its alarms`,
      { cause },
    );
    this.roleArn = roleArn;
    this.repeat = options.repeat ?? false;
  }
}

/** Whether an error (or what caused it) is a repeat of a reported MemberAccessError. */
export function isRepeatedMemberFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    if (e instanceof MemberAccessError) return e.repeat;
  return false;
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
  sts ??= new sdk.STSClient(LOOKUP_CLIENT_CONFIG);
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
  /** No AssumeRole before this time (epoch ms), after a failure. */
  retryAt?: number;
  failure?: MemberAccessError;
  /** The failure has reached a caller once: later ones are repeats. */
  reported?: boolean;
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
 * (concurrent lookups wait for the same call), reused until RENEW_BEFORE_MS before expiry. After a
 * failure the role is not asked again for a while (long when denied, short otherwise); meanwhile a
 * session that is still valid goes on being used, and without one each lookup fails at once with
 * the failure marked as a repeat.
 */
export function createMemberCredentials(options: MemberCredentialsOptions = {}): MemberCredentials {
  const assumeRole = options.assumeRole ?? stsAssumeRole;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  const lifeLeft = (c: SessionCredentials) => c.expiration.getTime() - now();

  return (roleArn) => async () => {
    let session = sessions.get(roleArn);
    if (!session) {
      session = {};
      sessions.set(roleArn, session);
    }
    const s = session;
    const failed = (failure: MemberAccessError): never => {
      const repeat = s.reported === true;
      s.reported = true;
      throw repeat ? new MemberAccessError(roleArn, { cause: failure.cause, repeat: true }) : failure;
    };
    const held = s.credentials;
    if (held && lifeLeft(held) > RENEW_BEFORE_MS) return held;
    if (s.retryAt !== undefined && now() < s.retryAt) {
      if (held && lifeLeft(held) > STILL_VALID_MS) return held;
      if (s.failure) failed(s.failure);
    }
    s.pending ??= assumeRole(roleArn)
      .then((credentials) => {
        s.credentials = credentials;
        delete s.failure;
        delete s.retryAt;
        delete s.reported;
        return credentials;
      })
      .catch((err: unknown) => {
        const failure = new MemberAccessError(roleArn, { cause: err });
        s.failure = failure;
        s.retryAt = now() + (denied(err) ? FAILURE_BACKOFF_MS : TRANSIENT_BACKOFF_MS);
        delete s.reported;
        if (s.credentials && lifeLeft(s.credentials) > STILL_VALID_MS) return s.credentials;
        return failed(failure);
      })
      .finally(() => {
        delete s.pending;
      });
    return s.pending;
  };
}
