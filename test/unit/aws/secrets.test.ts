import { GetParametersCommand, type GetParametersCommandInput, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { notifierHandler } from '../../../shared/aws/notifier.ts';
import { createSecretReader, SecretsUnavailableError, secretsFromSsm } from '../../../shared/aws/secrets.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import type { DeadLetterRecord } from '../../../shared/delivery/dead-letter.ts';
import { pagerduty } from '../../../shared/notify/channels/pagerduty/index.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import type { SlackMessage } from '../../../shared/notify/channels/slack/render.ts';
import type { SendTarget } from '../../../shared/notify/channels/types.ts';
import { notificationEvent } from '../../helpers/events.ts';
import { lambdaContext } from '../../helpers/lambda.ts';
import { buildAlert } from '../notify/fixtures.ts';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });

const SECURITY = '/cloud-alerts/prod/slack/security';
const PLATFORM = '/teams/platform/slack-webhook';
const PAGER = '/cloud-alerts/prod/pagerduty/security';
const SECURITY_URL = 'https://hooks.example.test/services/T0/B0/securitySecretToken';
const PLATFORM_URL = 'https://hooks.example.test/services/T0/B1/platformSecretToken';

/** What SSM holds; names not in it come back in InvalidParameters, as GetParameters answers. */
function answerFrom(store: Record<string, string>, denied: string[] = []) {
  return (input: GetParametersCommandInput) => {
    const names = input.Names ?? [];
    if (names.some((n) => denied.includes(n))) {
      throw Object.assign(new Error(`User: arn:aws:sts::123456789012:assumed-role/x is not authorized`), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      Parameters: names
        .filter((n) => n in store)
        .map((n) => ({ Name: n, Value: store[n], Type: 'SecureString' })),
      InvalidParameters: names.filter((n) => !(n in store)),
    };
  };
}

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

beforeEach(() => ssm.reset());

describe('createSecretReader', () => {
  it('reads every name in one decrypted GetParameters call', async () => {
    ssm
      .on(GetParametersCommand)
      .callsFake(answerFrom({ [SECURITY]: SECURITY_URL, [PLATFORM]: PLATFORM_URL }));
    const outcomes = await createSecretReader({ client }).read([SECURITY, PLATFORM]);
    expect(Object.fromEntries(outcomes)).toEqual({
      [SECURITY]: { value: SECURITY_URL },
      [PLATFORM]: { value: PLATFORM_URL },
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
      Names: [SECURITY, PLATFORM],
      WithDecryption: true,
    });
  });

  it('reports a missing parameter by itself and still reads the others', async () => {
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [PLATFORM]: PLATFORM_URL }));
    const outcomes = await createSecretReader({ client }).read([SECURITY, PLATFORM]);
    expect(Object.fromEntries(outcomes)).toEqual({
      [SECURITY]: { kind: 'missing', label: 'InvalidParameters' },
      [PLATFORM]: { value: PLATFORM_URL },
    });
  });

  it('asks for each name alone when the call is denied, to tell which one the role may not read', async () => {
    ssm
      .on(GetParametersCommand)
      .callsFake(answerFrom({ [SECURITY]: SECURITY_URL, [PLATFORM]: PLATFORM_URL }, [PLATFORM]));
    const outcomes = await createSecretReader({ client }).read([SECURITY, PLATFORM]);
    expect(Object.fromEntries(outcomes)).toEqual({
      [SECURITY]: { value: SECURITY_URL },
      [PLATFORM]: { kind: 'denied', label: 'AccessDeniedException' },
    });
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names)).toEqual([
      [SECURITY, PLATFORM],
      [SECURITY],
      [PLATFORM],
    ]);
  });

  it('asks in batches of ten, the most GetParameters takes', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/p/${i}`);
    ssm.on(GetParametersCommand).callsFake(answerFrom(Object.fromEntries(names.map((n) => [n, `v${n}`]))));
    const outcomes = await createSecretReader({ client }).read(names);
    expect([...outcomes.values()].every((o) => 'value' in o)).toBe(true);
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names?.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('serves values from its cache for five minutes, then reads them again', async () => {
    let now = 0;
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [SECURITY]: SECURITY_URL }));
    const reader = createSecretReader({ client, now: () => now });
    await reader.read([SECURITY]);
    now = 5 * 60 * 1000 - 1;
    await reader.read([SECURITY]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    now = 5 * 60 * 1000;
    await reader.read([SECURITY]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('serves a stale value when the refresh is throttled, and says unavailable when there is none', async () => {
    let now = 0;
    const reader = createSecretReader({ client, now: () => now });
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [SECURITY]: SECURITY_URL }));
    await reader.read([SECURITY]);
    ssm.reset();
    ssm.on(GetParametersCommand).rejects(throttled());
    now = 10 * 60 * 1000;
    expect(Object.fromEntries(await reader.read([SECURITY, PLATFORM]))).toEqual({
      [SECURITY]: { value: SECURITY_URL },
      [PLATFORM]: { kind: 'unavailable', label: 'ThrottlingException' },
    });
  });

  it('forgets a value whose parameter was deleted since', async () => {
    let now = 0;
    const reader = createSecretReader({ client, now: () => now });
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [SECURITY]: SECURITY_URL }));
    await reader.read([SECURITY]);
    ssm.reset();
    ssm.on(GetParametersCommand).callsFake(answerFrom({}));
    now = 10 * 60 * 1000;
    expect(Object.fromEntries(await reader.read([SECURITY]))).toEqual({
      [SECURITY]: { kind: 'missing', label: 'InvalidParameters' },
    });
  });
});

const CONFIG = parseConfig(
  `receivers:
  - name: slack-security
    slack: { webhookUrlParameter: ${SECURITY} }
  - name: slack-platform
    slack: { webhookUrlParameter: ${PLATFORM} }
  - name: pagerduty-security
    pagerduty: { routingKeyParameter: ${PAGER} }
route: { receivers: [slack-security, slack-platform, pagerduty-security] }
`,
  { stage: 'prod' },
);

function request(receiver: string, channel: 'slack' | 'pagerduty') {
  const alert = buildAlert();
  return notificationEvent({ channel, receiver, key: `${alert.id}/${receiver}`, alert });
}

/** A Slack notifier as functions/notify-slack wires it, with the sender and dead-letter queue recorded. */
function slackNotifier() {
  const sent: string[] = [];
  const deadLettered: DeadLetterRecord[] = [];
  const handler = notifierHandler(slack, CONFIG, {
    sender: {
      send: async (_message: SlackMessage, target: SendTarget<unknown>) => {
        if (target.secret !== undefined) sent.push(target.secret);
      },
    },
    secrets: secretsFromSsm(CONFIG, slack, { client, region: 'eu-west-1' }),
    delivery: {
      deadLetter: async (record) => {
        deadLettered.push(record);
      },
    },
  });
  return { handler, sent, deadLettered };
}

describe('a notifier whose secret cannot be read', () => {
  it('dead-letters with a reason naming the missing parameter and the command that creates it', async () => {
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [PLATFORM]: PLATFORM_URL }));
    const { handler, sent, deadLettered } = slackNotifier();

    const outcome = await handler(request('slack-security', 'slack'), lambdaContext('notify-slack'));

    const reason = `slack delivery failed: receiver slack-security: webhook URL unavailable: SSM parameter ${SECURITY} does not exist in eu-west-1; create it: aws ssm put-parameter --region eu-west-1 --name ${SECURITY} --type SecureString --value '<Slack incoming webhook URL>', permanent`;
    expect(outcome).toEqual({ status: 'dead-lettered', receiver: 'slack-security', reason });
    expect(deadLettered.map((r) => [r.receiver, r.reason])).toEqual([['slack-security', reason]]);
    expect(sent).toEqual([]);
    // The other receiver's secret was read in the same call: it appears nowhere.
    expect(JSON.stringify([outcome, deadLettered])).not.toContain('platformSecretToken');
  });

  it('keeps delivering to the channel receivers whose secrets are there', async () => {
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [PLATFORM]: PLATFORM_URL }));
    const { handler, sent, deadLettered } = slackNotifier();

    const outcome = await handler(request('slack-platform', 'slack'), lambdaContext('notify-slack'));

    expect(outcome).toEqual({ status: 'delivered', receiver: 'slack-platform' });
    expect(sent).toEqual([PLATFORM_URL]);
    expect(deadLettered).toEqual([]);
  });

  it('says the role may not read the parameter, and what to change, when SSM denies it', async () => {
    ssm
      .on(GetParametersCommand)
      .callsFake(answerFrom({ [SECURITY]: SECURITY_URL, [PLATFORM]: PLATFORM_URL }, [SECURITY]));
    const { handler, sent, deadLettered } = slackNotifier();

    await handler(request('slack-security', 'slack'), lambdaContext('notify-slack'));
    await handler(request('slack-platform', 'slack'), lambdaContext('notify-slack'));

    expect(deadLettered.map((r) => r.reason)).toEqual([
      `slack delivery failed: receiver slack-security: webhook URL unavailable: notify-slack may not read SSM parameter ${SECURITY} (AccessDeniedException): its role is granted the parameters the configuration names when the stack is packaged, so deploy again after changing a receiver; a parameter encrypted with a customer managed KMS key needs that key in the receiver's kmsKeyArn, permanent`,
    ]);
    expect(sent).toEqual([PLATFORM_URL]);
    expect(JSON.stringify(deadLettered)).not.toMatch(/SecretToken/);
  });

  it('fails the invocation, naming the parameter, when SSM is throttled and nothing is cached', async () => {
    ssm.on(GetParametersCommand).rejects(throttled());
    const { handler, sent, deadLettered } = slackNotifier();

    const failure = await handler(request('slack-platform', 'slack'), lambdaContext('notify-slack')).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(SecretsUnavailableError);
    expect(String(failure)).toBe(
      `SecretsUnavailableError: cannot read SSM parameter ${SECURITY} (ThrottlingException), ${PLATFORM} (ThrottlingException) now; Lambda retries the invocation`,
    );
    expect(sent).toEqual([]);
    expect(deadLettered).toEqual([]);
  });

  it('reads a parameter created after the cold start at the next invocation: the redrive delivers', async () => {
    ssm.on(GetParametersCommand).callsFake(answerFrom({ [PLATFORM]: PLATFORM_URL }));
    const { handler, sent, deadLettered } = slackNotifier();
    await handler(request('slack-security', 'slack'), lambdaContext('notify-slack'));
    expect(deadLettered).toHaveLength(1);

    ssm.reset();
    ssm
      .on(GetParametersCommand)
      .callsFake(answerFrom({ [SECURITY]: SECURITY_URL, [PLATFORM]: PLATFORM_URL }));
    const outcome = await handler(request('slack-security', 'slack'), lambdaContext('notify-slack'));

    expect(outcome).toEqual({ status: 'delivered', receiver: 'slack-security' });
    expect(sent).toEqual([SECURITY_URL]);
    // Only the parameter that was missing is asked for again; the other is still cached.
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [SECURITY], WithDecryption: true });
  });

  it('names the PagerDuty routing key parameter the same way', async () => {
    ssm.on(GetParametersCommand).callsFake(answerFrom({}));
    const deadLettered: DeadLetterRecord[] = [];
    const handler = notifierHandler(pagerduty, CONFIG, {
      sender: { send: async () => {} },
      secrets: secretsFromSsm(CONFIG, pagerduty, { client, region: 'eu-west-1' }),
      delivery: {
        deadLetter: async (record) => {
          deadLettered.push(record);
        },
      },
    });
    await handler(request('pagerduty-security', 'pagerduty'), lambdaContext('notify-pagerduty'));
    expect(deadLettered.map((r) => r.reason)).toEqual([
      `pagerduty delivery failed: receiver pagerduty-security: routing key unavailable: SSM parameter ${PAGER} does not exist in eu-west-1; create it: aws ssm put-parameter --region eu-west-1 --name ${PAGER} --type SecureString --value '<PagerDuty Events API v2 integration key>', permanent`,
    ]);
  });
});
