import { receiverAccess } from '../../../shared/config/access.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import {
  addRolePolicies,
  dropImpliedDependsOn,
  finalizeTemplate,
  ROLE_INLINE_POLICIES_MAX_CHARS,
  resolveStaticConditions,
  TemplateError,
} from '../../../shared/deploy/template.ts';

/** The shape resources/organization.yml and iam.yml compile to, with the organisation id resolved. */
function organisationTemplate(organizationId: string) {
  return {
    Conditions: { ReceivesFromOrganization: { 'Fn::Not': [{ 'Fn::Equals': [organizationId, ''] }] } },
    Resources: {
      OrganizationEventsPolicy: {
        Type: 'AWS::Events::EventBusPolicy',
        Condition: 'ReceivesFromOrganization',
        Properties: {
          EventBusName: 'default',
          Statement: { Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } } },
        },
      },
      AlertRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'alert',
              PolicyDocument: {
                Statement: [
                  { Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' },
                  {
                    'Fn::If': [
                      'ReceivesFromOrganization',
                      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'reader' },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      AlertLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['AlertLogGroup', 'AlertRole'],
        Properties: {
          Role: { 'Fn::GetAtt': ['AlertRole', 'Arn'] },
          Environment: {
            Variables: {
              STAGE: 'dev',
              ALARM_READER_ROLE_NAME: {
                'Fn::If': ['ReceivesFromOrganization', 'reader', { Ref: 'AWS::NoValue' }],
              },
            },
          },
        },
      },
    },
  };
}

describe('resolveStaticConditions', () => {
  // cfn-lint W8003: `Fn::Not [Fn::Equals ["", ""]]` "will always return True or False"; the emulator
  // tier's ValidateTemplate refused the deploy on it.
  it('leaves out what only an organisation needs when organizationId is empty', () => {
    const out = resolveStaticConditions(organisationTemplate(''));
    expect(out.Conditions).toBeUndefined();
    expect(out.Resources).toEqual({
      AlertRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'alert',
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }] },
            },
          ],
        },
      },
      AlertLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['AlertLogGroup', 'AlertRole'],
        Properties: {
          Role: { 'Fn::GetAtt': ['AlertRole', 'Arn'] },
          Environment: { Variables: { STAGE: 'dev' } },
        },
      },
    });
  });

  it('keeps it, unconditionally, when an organisation id is given', () => {
    const out = resolveStaticConditions(organisationTemplate('o-abc123def4'));
    expect(out.Conditions).toBeUndefined();
    const resources = out.Resources as ReturnType<typeof organisationTemplate>['Resources'];
    expect(resources.OrganizationEventsPolicy).toEqual({
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        EventBusName: 'default',
        Statement: { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } } },
      },
    });
    expect(resources.AlertRole.Properties.Policies[0]?.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'reader' },
    ]);
    expect(resources.AlertLambdaFunction.Properties.Environment.Variables.ALARM_READER_ROLE_NAME).toBe(
      'reader',
    );
  });

  it('keeps a condition that depends on the deployment, and the decided ones it names', () => {
    const template = {
      Conditions: {
        Known: { 'Fn::Equals': ['a', 'a'] },
        InRegion: {
          'Fn::And': [{ Condition: 'Known' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }],
        },
        Never: { 'Fn::Or': [{ 'Fn::Equals': ['a', 'b'] }, { 'Fn::Not': [{ Condition: 'Known' }] }] },
      },
      Resources: {
        Regional: { Type: 'AWS::SNS::Topic', Condition: 'InRegion', Properties: {} },
        Gone: { Type: 'AWS::SNS::Topic', Condition: 'Never', Properties: {} },
        Kept: { Type: 'AWS::SNS::Topic', DependsOn: ['Gone'], Properties: {} },
      },
      Outputs: { GoneArn: { Condition: 'Never', Value: 'x' }, KeptArn: { Value: { Ref: 'Kept' } } },
    };
    expect(resolveStaticConditions(template)).toEqual({
      Conditions: { InRegion: template.Conditions.InRegion, Known: template.Conditions.Known },
      Resources: {
        Regional: template.Resources.Regional,
        Kept: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
      Outputs: { KeptArn: { Value: { Ref: 'Kept' } } },
    });
  });

  it('refuses a template that still refers to a resource its condition left out', () => {
    const template = {
      Conditions: { Off: { 'Fn::Equals': ['', 'x'] } },
      Resources: {
        Maybe: { Type: 'AWS::SNS::Topic', Condition: 'Off', Properties: {} },
        User: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Maybe' }] } },
      },
    };
    expect(() => resolveStaticConditions(template)).toThrow(
      new TemplateError('User refers to Maybe, which its condition leaves out of this deployment'),
    );
  });
});

describe('dropImpliedDependsOn', () => {
  // cfn-lint W3005, on every function osls compiles: `DependsOn: [<role>]` beside `Role: !GetAtt`.
  it('drops what Ref, Fn::GetAtt and Fn::Sub already order, and keeps the rest', () => {
    const out = dropImpliedDependsOn({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['LogGroup', 'Role', 'Queue', 'Topic', 'Table'],
          Properties: {
            Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
            Environment: {
              Variables: {
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
                QUEUE: { 'Fn::Sub': 'https://sqs/${Queue.QueueName}/${AWS::Region}' },
                TOPIC: { Ref: 'Topic' },
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
                LOCAL: { 'Fn::Sub': ['${Table}', { Table: 'not-a-resource' }] },
              },
            },
          },
        },
        Mapping: { Type: 'AWS::Lambda::EventSourceMapping', DependsOn: 'Role', Properties: {} },
        Plain: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    });
    expect(out.Resources).toEqual({
      Fn: expect.objectContaining({ DependsOn: ['LogGroup', 'Table'] }),
      Mapping: { Type: 'AWS::Lambda::EventSourceMapping', DependsOn: ['Role'], Properties: {} },
      Plain: { Type: 'AWS::SNS::Topic', Properties: {} },
    });
  });

  it('removes DependsOn altogether when every entry is implied', () => {
    const out = dropImpliedDependsOn({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['Role'],
          Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' } },
        },
      },
    });
    expect(out.Resources).toEqual({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' } } },
    });
  });
});

describe('addRolePolicies', () => {
  const role = (policies: unknown[]) => ({
    Resources: { R: { Type: 'AWS::IAM::Role', Properties: { Policies: policies } } },
  });

  it('appends the policies to the role', () => {
    const out = addRolePolicies(role([{ PolicyName: 'a' }]), 'R', [{ PolicyName: 'b' }]);
    expect(out.Resources).toEqual({
      R: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'a' }, { PolicyName: 'b' }] } },
    });
  });

  it('refuses a role that is not in the template', () => {
    expect(() => addRolePolicies(role([]), 'Missing', [])).toThrow(/no IAM role Missing/);
  });

  it('refuses policies IAM would reject as too large, before the deploy does', () => {
    const resources = Array.from({ length: 160 }, (_, i) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/team-${i}/slack`,
    }));
    const policy = {
      PolicyName: 'p',
      PolicyDocument: { Statement: [{ Effect: 'Allow', Resource: resources }] },
    };
    expect(() => addRolePolicies(role([]), 'R', [policy])).toThrow(
      new RegExp(
        `R: its inline policies could reach \\d+ characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_CHARS}`,
      ),
    );
    expect(() =>
      addRolePolicies(role([]), 'R', [{ ...policy, PolicyDocument: { Statement: [] } }]),
    ).not.toThrow();
  });
});

describe('finalizeTemplate', () => {
  it('adds each notifier role its receivers policy, and none to a channel without receivers', () => {
    const config = parseConfig(
      `receivers:
  - name: s
    slack: { webhookUrlParameter: /a/s }
route: { receivers: [s] }
`,
      { stage: 'dev' },
    );
    const roles = ['NotifySlackRole', 'NotifyPagerDutyRole', 'NotifyEmailRole'];
    const template = {
      Resources: Object.fromEntries(
        roles.map((id) => [
          id,
          { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'base' }] } },
        ]),
      ),
    };
    const out = finalizeTemplate(template, receiverAccess(config));
    const names = (id: string) =>
      (
        (out.Resources as Record<string, { Properties: { Policies: Array<{ PolicyName: string }> } }>)[id]
          ?.Properties.Policies ?? []
      ).map((p) => p.PolicyName);
    expect(roles.map(names)).toEqual([['base', 'notify-slack-receivers'], ['base'], ['base']]);
  });
});
