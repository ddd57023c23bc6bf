import { receiverAccess } from '../../../shared/config/access.ts';
import { EVIDENCE_CONFIG_DEFAULTS, EvidenceConfigSchema } from '../../../shared/config/evidence.ts';
import {
  EVIDENCE_POLICY_NAME,
  evidencePolicy,
  logGroupAllowed,
} from '../../../shared/config/evidence-access.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { finalizeTemplate } from '../../../shared/deploy/template.ts';

const sub = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:*:\${AWS::AccountId}:log-group:${name}`,
});

describe('evidencePolicy', () => {
  it('grants by default the three read actions, log reads only under /aws/lambda/', () => {
    expect(evidencePolicy(EVIDENCE_CONFIG_DEFAULTS)).toEqual({
      PolicyName: EVIDENCE_POLICY_NAME,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'EvidenceMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
          {
            Sid: 'EvidenceLogs',
            Effect: 'Allow',
            Action: 'logs:FilterLogEvents',
            Resource: [sub('/aws/lambda/*')],
          },
          { Sid: 'EvidenceHistory', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
        ],
      },
    });
  });

  it('names an exact log group with and without the :* suffix, a prefix once', () => {
    const config = EvidenceConfigSchema.parse({ logs: { logGroups: ['/ecs/orders', '/app/*'] } });
    const logs = evidencePolicy(config)?.PolicyDocument.Statement.find((s) => s.Sid === 'EvidenceLogs');
    expect(logs?.Resource).toEqual([sub('/ecs/orders'), sub('/ecs/orders:*'), sub('/app/*')]);
  });

  it('leaves out what is turned off, and everything when evidence is off', () => {
    const partial = EvidenceConfigSchema.parse({ logs: { enabled: false }, history: { enabled: false } });
    expect(evidencePolicy(partial)?.PolicyDocument.Statement.map((s) => s.Sid)).toEqual(['EvidenceMetrics']);
    expect(evidencePolicy(EvidenceConfigSchema.parse({ enabled: false }))).toBeUndefined();
  });

  it('refuses a log group pattern IAM and CloudWatch Logs could not mean', () => {
    for (const bad of ['', '/aws/*/x', 'a b', '/aws/lambda/**', 'x'.repeat(600), '/a/$' + '{AWS::AccountId}'])
      expect(EvidenceConfigSchema.safeParse({ logs: { logGroups: [bad] } }).success).toBe(false);
  });
});

describe('logGroupAllowed', () => {
  it('matches names exactly and prefixes by their text before *', () => {
    const patterns = ['/aws/lambda/*', '/ecs/orders'];
    expect(logGroupAllowed('/aws/lambda/checkout', patterns)).toBe(true);
    expect(logGroupAllowed('/ecs/orders', patterns)).toBe(true);
    expect(logGroupAllowed('/ecs/orders-2', patterns)).toBe(false);
    expect(logGroupAllowed('/aws/lambdax', patterns)).toBe(false);
  });
});

describe('finalizeTemplate with evidence', () => {
  it('adds the evidence policy to the alert role only', () => {
    const config = parseConfig(
      'receivers:\n  - name: s\n    slack: { webhookUrlParameter: /a/s }\nroute: { receivers: [s] }\n',
      {
        stage: 'dev',
      },
    );
    const role = () => ({ Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'base' }] } });
    const template = { Resources: { AlertRole: role(), NotifySlackRole: role() } };
    const policy = evidencePolicy(config.evidence);
    const out = finalizeTemplate(template, receiverAccess(config), policy ? [policy] : []);
    const names = (id: string) =>
      (out.Resources as Record<string, { Properties: { Policies: Array<{ PolicyName: string }> } }>)[
        id
      ]?.Properties.Policies.map((p) => p.PolicyName);
    expect(names('AlertRole')).toEqual(['base', EVIDENCE_POLICY_NAME]);
    expect(names('NotifySlackRole')).toEqual(['base', 'notify-slack-receivers']);
  });
});
