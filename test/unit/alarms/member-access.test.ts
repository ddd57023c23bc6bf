import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import 'aws-sdk-client-mock-jest';
import {
  type AssumeRole,
  createMemberCredentials,
  FAILURE_BACKOFF_MS,
  isRepeatedMemberFailure,
  MemberAccessError,
  memberReaderFromEnv,
  READER_SESSION_NAME,
  READER_SESSION_SECONDS,
  RENEW_BEFORE_MS,
  readerRoleArn,
  type SessionCredentials,
  stsAssumeRole,
  TRANSIENT_BACKOFF_MS,
} from '../../../shared/alarms/member-access.ts';

const ROLE = 'arn:aws:iam::210987654321:role/cloud-alerts-prod-alarm-reader';
const OTHER_ROLE = 'arn:aws:iam::345678901234:role/cloud-alerts-prod-alarm-reader';
const T0 = Date.parse('2026-11-24T10:00:00Z');

function session(n: number, expiresAt: number): SessionCredentials {
  return {
    accessKeyId: `ASIA${n}`,
    secretAccessKey: `secret-${n}`,
    sessionToken: `token-${n}`,
    expiration: new Date(expiresAt),
  };
}

/** A fake AssumeRole that counts its calls and hands out hour-long sessions from the fake clock. */
function fakeSts(clock: { now: number }) {
  const calls: string[] = [];
  let fail: Error | undefined;
  const assumeRole: AssumeRole = async (roleArn) => {
    calls.push(roleArn);
    if (fail) throw fail;
    return session(calls.length, clock.now + READER_SESSION_SECONDS * 1000);
  };
  return {
    assumeRole,
    calls,
    failWith(e: Error | undefined) {
      fail = e;
    },
  };
}

describe('memberReaderFromEnv', () => {
  it('reads member alarms only when the stack names the reader role (an organisation)', () => {
    const roleName = 'cloud-alerts-prod-alarm-reader';
    expect(memberReaderFromEnv({ ACCOUNT_ID: '123456789012', ALARM_READER_ROLE_NAME: roleName })).toEqual({
      ownAccount: '123456789012',
      roleName,
    });
    expect(memberReaderFromEnv({ ACCOUNT_ID: '123456789012' })).toBeUndefined();
    expect(memberReaderFromEnv({ ALARM_READER_ROLE_NAME: roleName })).toBeUndefined();
  });
});

describe('readerRoleArn', () => {
  it('names the role in the alarm’s account and partition', () => {
    expect(readerRoleArn('aws', '210987654321', 'cloud-alerts-prod-alarm-reader')).toBe(ROLE);
    expect(readerRoleArn('aws-cn', '210987654321', 'r')).toBe('arn:aws-cn:iam::210987654321:role/r');
  });
});

describe('createMemberCredentials', () => {
  it('assumes the role once and reuses the session until shortly before it expires', async () => {
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = createMemberCredentials({ assumeRole: sts.assumeRole, now: () => clock.now });
    const provider = credentials(ROLE);
    const first = await provider();
    expect(first).toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 'token-1' });
    clock.now += READER_SESSION_SECONDS * 1000 - RENEW_BEFORE_MS - 1;
    await expect(provider()).resolves.toBe(first);
    // A provider asked for again (a second client of the same account) shares the session.
    await expect(credentials(ROLE)()).resolves.toBe(first);
    expect(sts.calls).toEqual([ROLE]);
    clock.now += 2;
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
    expect(sts.calls).toEqual([ROLE, ROLE]);
  });

  it('keeps one session per role', async () => {
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = createMemberCredentials({ assumeRole: sts.assumeRole, now: () => clock.now });
    const a = await credentials(ROLE)();
    const b = await credentials(OTHER_ROLE)();
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(sts.calls).toEqual([ROLE, OTHER_ROLE]);
  });

  it('makes one AssumeRole call for concurrent lookups', async () => {
    const clock = { now: T0 };
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const calls: string[] = [];
    const credentials = createMemberCredentials({
      assumeRole: async (roleArn) => {
        calls.push(roleArn);
        await gate;
        return session(1, clock.now + 3_600_000);
      },
      now: () => clock.now,
    });
    const both = Promise.all([credentials(ROLE)(), credentials(ROLE)()]);
    release();
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(calls).toEqual([ROLE]);
  });

  it('backs off from a role it was denied, reporting the failure once, then tries again', async () => {
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = createMemberCredentials({ assumeRole: sts.assumeRole, now: () => clock.now });
    const denied = Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    sts.failWith(denied);
    const first = await credentials(ROLE)().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(MemberAccessError);
    expect(first).toMatchObject({ roleArn: ROLE, repeat: false, cause: denied });
    expect((first as Error).message).toBe(
      `cannot assume ${ROLE} (AccessDenied: User is not authorized to perform: sts:AssumeRole); deploy the member forwarder with --alarm-reader in that account, or turn on tag propagation for its alarms`,
    );
    expect(isRepeatedMemberFailure(first)).toBe(false);
    // Within the back-off the failure comes back at once, marked as a repeat, without asking STS.
    clock.now += FAILURE_BACKOFF_MS - 1;
    const again = await credentials(ROLE)().catch((e: unknown) => e);
    expect(again).toMatchObject({ roleArn: ROLE, repeat: true, message: (first as Error).message });
    expect(isRepeatedMemberFailure(new Error('lookup failed', { cause: again }))).toBe(true);
    expect(sts.calls).toEqual([ROLE]);
    // Another account is not held back by this one.
    sts.failWith(undefined);
    await expect(credentials(OTHER_ROLE)()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
    clock.now += 1;
    await expect(credentials(ROLE)()).resolves.toMatchObject({ accessKeyId: 'ASIA3' });
    expect(sts.calls).toEqual([ROLE, OTHER_ROLE, ROLE]);
  });

  it('waits only briefly after a failure that is not a denial', async () => {
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = createMemberCredentials({ assumeRole: sts.assumeRole, now: () => clock.now });
    sts.failWith(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(credentials(ROLE)()).rejects.toMatchObject({ repeat: false });
    clock.now += TRANSIENT_BACKOFF_MS - 1;
    await expect(credentials(ROLE)()).rejects.toMatchObject({ repeat: true });
    sts.failWith(undefined);
    clock.now += 1;
    await expect(credentials(ROLE)()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
  });

  it('goes on with a session that is still valid when renewing it fails', async () => {
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = createMemberCredentials({ assumeRole: sts.assumeRole, now: () => clock.now });
    const first = await credentials(ROLE)();
    // Time to renew, but STS fails: the old session has minutes left and still signs.
    clock.now += READER_SESSION_SECONDS * 1000 - RENEW_BEFORE_MS;
    sts.failWith(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(credentials(ROLE)()).resolves.toBe(first);
    await expect(credentials(ROLE)()).resolves.toBe(first);
    expect(sts.calls).toEqual([ROLE, ROLE]);
    // Once it is about to expire it is no longer handed out: the failure is reported, once.
    clock.now += RENEW_BEFORE_MS - 30_000;
    await expect(credentials(ROLE)()).rejects.toMatchObject({ repeat: false });
    await expect(credentials(ROLE)()).rejects.toMatchObject({ repeat: true });
  });
});

describe('stsAssumeRole', () => {
  const sts = mockClient(STSClient);
  useFakeAwsEnv();
  beforeEach(() => sts.reset());

  it('asks for an hour-long session named after cloud-alerts, and returns its credentials', async () => {
    const expiration = new Date(T0 + 3_600_000);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAMEMBER',
        SecretAccessKey: 'member-secret',
        SessionToken: 'member-token',
        Expiration: expiration,
      },
    });
    await expect(stsAssumeRole(ROLE)).resolves.toEqual({
      accessKeyId: 'ASIAMEMBER',
      secretAccessKey: 'member-secret',
      sessionToken: 'member-token',
      expiration,
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: READER_SESSION_NAME,
      DurationSeconds: READER_SESSION_SECONDS,
    });
  });

  it('fails when STS answers without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    await expect(stsAssumeRole(ROLE)).rejects.toThrow('AssumeRole answered without credentials');
  });
});
