import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { NOTIFIER_DEPLOYMENTS } from '../../../shared/deploy/deployments.ts';
import {
  type NotifierDeployment,
  notifierFunctions,
  notifierResources,
} from '../../../shared/deploy/notifiers.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';

const PREFIX = 'cloud-alerts-dev';
const GENERATOR = './scripts/serverless-notifiers.cjs';
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] };
/** A channel the template has never heard of: it must get everything the others get, with no other edit. */
const FAKE: NotifierDeployment = {
  name: 'chat',
  title: 'Chat',
  deploy: {
    id: 'Chat',
    description: 'Notification requests for chat receivers → a chat service',
    stateKeyPrefixes: ['chatmsg#'],
    environment: { CHAT_MODE: 'rooms' },
  },
};
const ALL = [...NOTIFIER_DEPLOYMENTS, FAKE];

// biome-ignore lint/suspicious/noExplicitAny: the generated template, read back by path in assertions
type Json = Record<string, any>;
const functions = notifierFunctions(ALL, { prefix: PREFIX }) as Json;
const { Resources, Outputs } = notifierResources(ALL, { prefix: PREFIX, assumeRolePolicy: TRUST }) as {
  Resources: Json;
  Outputs: Json;
};

function leadingKeys(role: Json): string[] {
  const statements: Json[] = role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
  const state = statements.filter((st) => JSON.stringify(st.Resource).includes('StateTable'));
  expect(state).toHaveLength(1);
  return state[0]?.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'];
}

describe('notifierFunctions and notifierResources', () => {
  it.each(ALL.map((d) => [d.name, d] as const))(
    'give %s its function, queues, role, alarms and outputs',
    (name, d) => {
      const id = `Notify${d.deploy.id}`;
      const fn = functions[`notify${d.deploy.id}`];
      expect(fn).toMatchObject({
        name: `${PREFIX}-notify-${name}`,
        handler: `functions/notify-${name}/handler.handler`,
        role: `${id}Role`,
        description: d.deploy.description,
        timeout: 30,
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': [`${id}Dlq`, 'Arn'] } } },
      });
      expect(fn.environment).toEqual({
        ...d.deploy.environment,
        DEAD_LETTER_QUEUE_URL: { Ref: `${id}Dlq` },
        STATE_TABLE_NAME: `${PREFIX}-state`,
        [`${name.toUpperCase()}_FLUSH_QUEUE_URL`]: { Ref: `${id}FlushQueue` },
      });
      expect(fn.events).toEqual([
        {
          sqs: {
            arn: { 'Fn::GetAtt': [`${id}FlushQueue`, 'Arn'] },
            batchSize: 1,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
        {
          eventBridge: {
            eventBus: { 'Fn::GetAtt': ['AlertsBus', 'Name'] },
            name: `${PREFIX}-notify-${name}`,
            deadLetterQueueArn: { 'Fn::GetAtt': ['EventDeliveryDlq', 'Arn'] },
            pattern: {
              source: ['cloud-alerts'],
              'detail-type': ['Notification Requested'],
              detail: { channel: [name] },
            },
          },
        },
      ]);

      expect(Resources[`${id}Dlq`]).toEqual({
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${PREFIX}-notify-${name}-dlq`,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      });
      expect(Resources[`${id}FlushQueue`].Properties).toMatchObject({
        QueueName: `${PREFIX}-notify-${name}-flush`,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [`${id}Dlq`, 'Arn'] }, maxReceiveCount: 5 },
      });

      const role = Resources[`${id}Role`];
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties.AssumeRolePolicyDocument).toEqual(TRUST);
      expect(role.Properties.Policies.map((p: Json) => p.PolicyName)).toEqual([`notify-${name}`]);
      expect(leadingKeys(role)).toEqual([
        `budget#${name}#*`,
        `overflow#${name}#*`,
        ...(d.deploy.stateKeyPrefixes ?? []).map((p) => `${p}*`),
      ]);
      const policy = JSON.stringify(role.Properties.Policies);
      expect(policy).toContain(`log-group:/aws/lambda/${PREFIX}-notify-${name}:*`);
      expect(policy).toContain(`"${id}Dlq"`);
      expect(policy).toContain(`"${id}FlushQueue"`);
      // Its own queues only: no other notifier's.
      for (const other of ALL.filter((o) => o !== d))
        expect(policy).not.toContain(`Notify${other.deploy.id}`);

      for (const [alarm, metric, dimension] of [
        [`${id}ErrorsAlarm`, 'Errors', `${PREFIX}-notify-${name}`],
        [`${id}ThrottlesAlarm`, 'Throttles', `${PREFIX}-notify-${name}`],
        [
          `${id}DlqDepthAlarm`,
          'ApproximateNumberOfMessagesVisible',
          { 'Fn::GetAtt': [`${id}Dlq`, 'QueueName'] },
        ],
      ] as const) {
        expect(Resources[alarm]?.Type).toBe('AWS::CloudWatch::Alarm');
        expect(Resources[alarm].Properties).toMatchObject({
          MetricName: metric,
          AlarmActions: [{ Ref: 'AlertsTopic' }],
          OKActions: [{ Ref: 'AlertsTopic' }],
        });
        expect(Resources[alarm].Properties.Dimensions[0].Value).toEqual(dimension);
      }
      expect(Resources[`${id}DlqDepthAlarm`].Properties.AlarmDescription).toContain(
        `holds notifications for ${d.title} receivers`,
      );

      expect(Outputs[`${id}DlqUrl`]).toEqual({ Value: { Ref: `${id}Dlq` } });
      expect(Outputs[`${id}FlushQueueArn`]).toEqual({ Value: { 'Fn::GetAtt': [`${id}FlushQueue`, 'Arn'] } });
    },
  );

  it('generate exactly a function and six resources per channel, nothing else', () => {
    expect(Object.keys(functions).sort()).toEqual(ALL.map((d) => `notify${d.deploy.id}`).sort());
    expect(Object.keys(Resources)).toHaveLength(6 * ALL.length);
    expect(Object.keys(Outputs)).toHaveLength(2 * ALL.length);
  });

  it("keep today's logical ids and state prefixes", () => {
    const released = notifierResources(NOTIFIER_DEPLOYMENTS, { prefix: PREFIX, assumeRolePolicy: TRUST });
    // Released ids stay; a channel added later adds its own without touching this list.
    expect(Object.keys(released.Resources).filter((k) => k.endsWith('Role'))).toEqual(
      expect.arrayContaining([
        'NotifySlackRole',
        'NotifyPagerDutyRole',
        'NotifyEmailRole',
        'NotifyTeamsRole',
        'NotifyWebhookRole',
      ]),
    );
    expect(leadingKeys(released.Resources.NotifyPagerDutyRole as Json)).toEqual([
      'budget#pagerduty#*',
      'overflow#pagerduty#*',
      'incident#pagerduty#*',
    ]);
    // The Slack app mode's thread ledger (shared/state/slack-messages.ts).
    expect(leadingKeys(released.Resources.NotifySlackRole as Json)).toEqual([
      'budget#slack#*',
      'overflow#slack#*',
      'slackmsg#*',
    ]);
  });

  it('refuse two channels of one name or id, and ids CloudFormation cannot take', () => {
    const options = { prefix: PREFIX, assumeRolePolicy: TRUST };
    const twin = { ...FAKE, name: 'chat2' };
    expect(() => notifierResources([FAKE, twin], options)).toThrow('two channels share the id chat');
    expect(() =>
      notifierFunctions([FAKE, { ...FAKE, deploy: { ...FAKE.deploy, id: 'Other' } }], options),
    ).toThrow('two channels share the name chat');
    expect(() => notifierResources([{ ...FAKE, deploy: { ...FAKE.deploy, id: 'chat-x' } }], options)).toThrow(
      'is not PascalCase',
    );
    expect(() => notifierResources([{ ...FAKE, name: 'Chat' }], options)).toThrow('not lower-case');
  });
});

describe('the template sources', () => {
  it('declare no notifier resource of their own: every one is generated', () => {
    for (const file of ['core', 'iam', 'monitoring', 'organization']) {
      const doc = parse(readFileSync(`resources/${file}.yml`, 'utf8'), { logLevel: 'silent' }) ?? {};
      const own = [...Object.keys(doc.Resources ?? {}), ...Object.keys(doc.Outputs ?? {})];
      expect(own.filter((k) => k.startsWith('Notify'))).toEqual([]);
    }
    const serverless = parse(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' });
    const declared = serverless.functions.flatMap((f: unknown) =>
      typeof f === 'object' ? Object.keys(f as Json) : [],
    );
    expect(declared).toEqual(['alert', 'heartbeat']);
    expect(serverless.functions).toContain(`\${file(${GENERATOR}):functions}`);
    expect(serverless.resources).toContain(`\${file(${GENERATOR}):resources}`);
  });

  it('scripts/notifiers.ts prints what the generator builds for the prefix', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['bin/run-ts.js', 'scripts/notifiers.ts', PREFIX], {
        env: { ...process.env, NODE_OPTIONS: '' },
      }).toString(),
    );
    const trust = parse(readFileSync('resources/lambda-trust.yml', 'utf8'));
    expect(out.functions).toEqual(notifierFunctions(NOTIFIER_DEPLOYMENTS, { prefix: PREFIX }));
    expect(out.resources).toEqual(
      notifierResources(NOTIFIER_DEPLOYMENTS, { prefix: PREFIX, assumeRolePolicy: trust }),
    );
  }, 30_000);

  it("replay and doctor read the generated notifiers' rules from serverless.yml", () => {
    const rules = readServerlessRules('serverless.yml', { stage: 'prod' }).filter(
      (r) => r.bus === 'AlertsBus',
    );
    expect(rules.map((r) => [r.name, r.functionKey, r.handler])).toEqual(
      NOTIFIER_DEPLOYMENTS.map((d) => [
        `cloud-alerts-prod-notify-${d.name}`,
        `notify${d.deploy.id}`,
        `functions/notify-${d.name}/handler.handler`,
      ]),
    );
  });
});
