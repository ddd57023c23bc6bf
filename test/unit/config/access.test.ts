import { accessProblems, receiverAccess, receiverPolicy } from '../../../shared/config/access.ts';
import { loadConfigFile, parseConfig } from '../../../shared/config/load.ts';

/** The ARN CloudFormation resolves for a parameter of the stack's account and region. */
const param = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`,
});
const STACK_TOPIC_STATEMENTS = [
  {
    Sid: 'PublishToReceiverTopics',
    Effect: 'Allow',
    Action: 'sns:Publish',
    Resource: [{ Ref: 'AlertsTopic' }],
  },
  {
    Sid: 'EncryptForReceiverTopics',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }],
  },
];

describe('receiverPolicy for the shipped configurations', () => {
  it('grants config/cloud-alerts.yml exactly its two parameters and the stack topic', () => {
    const access = receiverAccess(loadConfigFile('config/cloud-alerts.yml', { stage: 'prod' }));
    expect(receiverPolicy(access, 'slack')).toEqual({
      PolicyName: 'notify-slack-receivers',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadReceiverSecrets',
            Effect: 'Allow',
            Action: 'ssm:GetParameters',
            Resource: [param('/cloud-alerts/prod/slack/default')],
          },
        ],
      },
    });
    expect(receiverPolicy(access, 'pagerduty')?.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadReceiverSecrets',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: [param('/cloud-alerts/prod/pagerduty/default')],
      },
    ]);
    expect(receiverPolicy(access, 'email')?.PolicyDocument.Statement).toEqual(STACK_TOPIC_STATEMENTS);
  });

  it('grants config/examples/multi-team.yml each team parameter and the audit topic, nothing else', () => {
    const access = receiverAccess(loadConfigFile('config/examples/multi-team.yml', { stage: 'dev' }));
    expect(receiverPolicy(access, 'slack')?.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadReceiverSecrets',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: ['orders', 'payments-bot', 'platform', 'security'].map((t) =>
          param(`/cloud-alerts/dev/slack/${t}`),
        ),
      },
    ]);
    // Payments works in Microsoft Teams, and the SIEM gets a signed webhook: each notifier reads only its own.
    for (const [channel, parameter] of [
      ['teams', '/cloud-alerts/dev/teams/payments'],
      ['webhook', '/cloud-alerts/dev/webhook/siem'],
    ] as const) {
      expect(receiverPolicy(access, channel)?.PolicyDocument.Statement).toEqual([
        {
          Sid: 'ReadReceiverSecrets',
          Effect: 'Allow',
          Action: 'ssm:GetParameters',
          Resource: [param(parameter)],
        },
      ]);
    }
    expect(receiverPolicy(access, 'pagerduty')?.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadReceiverSecrets',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: ['platform', 'security'].map((t) => param(`/cloud-alerts/dev/pagerduty/${t}`)),
      },
    ]);
    // email-audit names another topic: before, the role could publish to the stack topic only and
    // every IAM-change mail went to the dead-letter queue.
    expect(receiverPolicy(access, 'email')?.PolicyDocument.Statement).toEqual([
      {
        ...STACK_TOPIC_STATEMENTS[0],
        Resource: [{ Ref: 'AlertsTopic' }, 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-audit'],
      },
      STACK_TOPIC_STATEMENTS[1],
    ]);
    expect(accessProblems(access, 'eu-west-1')).toEqual([]);
  });
});

const CONFIG = `receivers:
  - name: slack-a
    slack: { webhookUrlParameter: /team-a/slack-webhook }
  - name: slack-b
    slack:
      webhookUrlParameter: /cloud-alerts/qa/slack/b
      kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-0000-4000-8000-000000000001
  - name: slack-c
    slack:
      webhookUrlParameter: /shared/slack-c
      kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-0000-4000-8000-000000000001
  - name: audit
    email:
      topicArn: arn:aws:sns:eu-west-1:444455556666:central-audit
      kmsKeyArn: arn:aws:kms:eu-west-1:444455556666:key/2222bbbb-0000-4000-8000-000000000002
route: { receivers: [slack-a] }
`;

describe('receiverPolicy', () => {
  const access = receiverAccess(parseConfig(CONFIG, { stage: 'qa' }));

  it('grants any parameter path a receiver names, each one by its ARN', () => {
    const [read] = receiverPolicy(access, 'slack')?.PolicyDocument.Statement ?? [];
    expect(read?.Resource).toEqual([
      param('/cloud-alerts/qa/slack/b'),
      param('/shared/slack-c'),
      param('/team-a/slack-webhook'),
    ]);
  });

  it('lets a customer managed key decrypt only its own parameters, only through SSM', () => {
    const [, decrypt, ...rest] = receiverPolicy(access, 'slack')?.PolicyDocument.Statement ?? [];
    expect(rest).toEqual([]);
    expect(decrypt).toEqual({
      Sid: 'DecryptReceiverSecrets1',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-0000-4000-8000-000000000001',
      Condition: {
        StringEquals: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
          'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
          'kms:EncryptionContext:PARAMETER_ARN': [
            param('/cloud-alerts/qa/slack/b'),
            param('/shared/slack-c'),
          ],
        },
      },
    });
  });

  it('grants a topic of another account and its key, and not the stack topic nobody names', () => {
    expect(receiverPolicy(access, 'email')?.PolicyDocument.Statement).toEqual([
      {
        Sid: 'PublishToReceiverTopics',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: ['arn:aws:sns:eu-west-1:444455556666:central-audit'],
      },
      {
        Sid: 'EncryptForReceiverTopics',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: ['arn:aws:kms:eu-west-1:444455556666:key/2222bbbb-0000-4000-8000-000000000002'],
      },
    ]);
  });

  it('gives a channel without receivers no policy at all', () => {
    expect(receiverPolicy(access, 'pagerduty')).toBeUndefined();
  });
});

describe('accessProblems', () => {
  const access = receiverAccess(parseConfig(CONFIG, { stage: 'qa' }));

  it('accepts every topic and key of the stack region, in any account', () => {
    expect(accessProblems(access, 'eu-west-1')).toEqual([]);
  });

  it('names the receiver and the resource a stack in another region could not use', () => {
    expect(accessProblems(access, 'us-east-1')).toEqual([
      {
        path: ['receivers', 3, 'email', 'topicArn'],
        message:
          'receiver audit: the topic is in eu-west-1, but notify-email publishes in us-east-1 and SNS publishes only to topics of its own region; create the topic in us-east-1, or deploy the stack to eu-west-1',
      },
      {
        path: ['receivers', 1, 'slack', 'kmsKeyArn'],
        message:
          'receiver slack-b: the key is in eu-west-1, but a parameter in us-east-1 is encrypted with a key of us-east-1',
      },
      {
        path: ['receivers', 2, 'slack', 'kmsKeyArn'],
        message:
          'receiver slack-c: the key is in eu-west-1, but a parameter in us-east-1 is encrypted with a key of us-east-1',
      },
      {
        path: ['receivers', 3, 'email', 'kmsKeyArn'],
        message:
          'receiver audit: the key is in eu-west-1, but a topic in us-east-1 is encrypted with a key of us-east-1',
      },
    ]);
  });
});
