import type { IncomingHttpHeaders } from 'node:http';
import { AlarmLookupError, createCloudWatchAlarmLookup } from '../../shared/alarms/lookup.ts';
import { type AssumeRole, createMemberCredentials } from '../../shared/alarms/member-access.ts';
import { startRecorder } from '../helpers/http.ts';

// The alarm lookup against a CloudWatch stand-in on 127.0.0.1 that records how each request was
// signed: an alarm in a member account must be read with that account's reader-role session, and
// one in the function's own account with the function's own credentials.
const OWN = '123456789012';
const MEMBER = '210987654321';
const ROLE_NAME = 'cloud-alerts-prod-alarm-reader';
const MEMBER_ARN = `arn:aws:cloudwatch:eu-west-1:${MEMBER}:alarm:payments-5xx`;
const OWN_ARN = `arn:aws:cloudwatch:eu-west-1:${OWN}:alarm:orders-5xx`;

const headers: IncomingHttpHeaders[] = [];
let cloudwatch: Awaited<ReturnType<typeof startRecorder>>;
const saved = { ...process.env };

beforeAll(async () => {
  cloudwatch = await startRecorder((req, res) => {
    headers.push(req.headers);
    // Any refusal will do: what is under test is how the request was signed.
    res.writeHead(403, { 'content-type': 'text/plain' }).end('denied by the stand-in');
  });
  process.env.AWS_ENDPOINT_URL = cloudwatch.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIAOWNFUNCTION';
  process.env.AWS_SECRET_ACCESS_KEY = 'own-secret';
  delete process.env.AWS_SESSION_TOKEN;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_MAX_ATTEMPTS = '1';
});
afterAll(async () => {
  process.env = saved;
  await cloudwatch.close();
});
beforeEach(() => {
  headers.length = 0;
});

/** The lookup fails on the first refusal; the other of its two calls may still be on the way. */
async function requestsReceived(n: number): Promise<void> {
  const until = Date.now() + 5_000;
  while (headers.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}

function fakeAssumeRole(fail?: Error) {
  const calls: string[] = [];
  const assumeRole: AssumeRole = async (roleArn) => {
    calls.push(roleArn);
    if (fail) throw fail;
    return {
      accessKeyId: 'ASIAMEMBERSESSION',
      secretAccessKey: 'member-secret',
      sessionToken: 'member-session-token',
      expiration: new Date(Date.now() + 3_600_000),
    };
  };
  return { assumeRole, calls };
}

function lookupWith(assumeRole: AssumeRole) {
  return createCloudWatchAlarmLookup({
    members: { ownAccount: OWN, roleName: ROLE_NAME, credentials: createMemberCredentials({ assumeRole }) },
  });
}

describe('looking up alarms across an organisation', () => {
  it('signs a member account’s alarm with the session of the reader role in that account', async () => {
    const sts = fakeAssumeRole();
    await expect(lookupWith(sts.assumeRole)(MEMBER_ARN, 'eu-west-1')).rejects.toBeInstanceOf(
      AlarmLookupError,
    );
    expect(sts.calls).toEqual([`arn:aws:iam::${MEMBER}:role/${ROLE_NAME}`]);
    // DescribeAlarms and ListTagsForResource, both with the member session.
    await requestsReceived(2);
    expect(headers).toHaveLength(2);
    for (const h of headers) {
      expect(h.authorization).toContain('Credential=ASIAMEMBERSESSION/');
      expect(h['x-amz-security-token']).toBe('member-session-token');
    }
  });

  it('signs an alarm of its own account with its own credentials, assuming nothing', async () => {
    const sts = fakeAssumeRole();
    await expect(lookupWith(sts.assumeRole)(OWN_ARN, 'eu-west-1')).rejects.toBeInstanceOf(AlarmLookupError);
    expect(sts.calls).toEqual([]);
    await requestsReceived(2);
    expect(headers).toHaveLength(2);
    for (const h of headers) {
      expect(h.authorization).toContain('Credential=AKIAOWNFUNCTION/');
      expect(h['x-amz-security-token']).toBeUndefined();
    }
  });

  it('sends nothing to CloudWatch when the reader role cannot be assumed, and says which role', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    const sts = fakeAssumeRole(denied);
    const error = await lookupWith(sts.assumeRole)(MEMBER_ARN, 'eu-west-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlarmLookupError);
    expect((error as Error).message).toContain(
      `cannot assume arn:aws:iam::${MEMBER}:role/${ROLE_NAME} (AccessDenied: not authorized to perform: sts:AssumeRole)`,
    );
    expect(headers).toEqual([]);
  });
});
