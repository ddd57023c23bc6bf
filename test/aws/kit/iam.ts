import { execFileSync } from 'node:child_process';
import * as z from 'zod';
import type { AwsCall } from './gateway.ts';

const StringOrList = z.union([z.string(), z.array(z.string())]);

export const StatementSchema = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: StringOrList,
    Resource: StringOrList,
    Condition: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Statement = z.infer<typeof StatementSchema>;

export const PolicyDocumentSchema = z.object({
  Version: z.literal('2012-10-17'),
  Statement: z.array(StatementSchema),
});
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

/**
 * An inline policy as moto returns it. A policy created through CloudFormation comes back as the
 * Python repr of a dict ({'Version': …}), not JSON, and a statement that was `Fn::If … AWS::NoValue`
 * stays in the list as None where CloudFormation drops it. Python's own literal parser reads the repr
 * exactly (python3 is there: moto runs on it); the Nones go, as they would in AWS.
 */
export function parseMotoPolicy(raw: string): PolicyDocument {
  const text = decodeURIComponent(raw);
  const json = text.trimStart().startsWith("{'")
    ? execFileSync(
        'python3',
        ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'],
        {
          input: text,
        },
      ).toString('utf8')
    : text;
  const parsed: unknown = JSON.parse(json);
  const withoutNoValue = z
    .object({ Version: z.unknown(), Statement: z.array(z.unknown()) })
    .passthrough()
    .parse(parsed);
  return PolicyDocumentSchema.parse({
    ...withoutNoValue,
    Statement: withoutNoValue.Statement.filter((s) => s !== null),
  });
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function glob(pattern: string, flags = ''): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}

/** IAM compares actions without regard to case, resources with it; both take * and ? wildcards. */
function matches(statement: Statement, action: string, resource: string): boolean {
  return (
    list(statement.Action).some((a) => glob(a, 'i').test(action)) &&
    list(statement.Resource).some((r) => glob(r).test(resource))
  );
}

/**
 * Whether identity policies allow `action` on `resource`: some Allow matches and no Deny does. A
 * statement with a Condition grants nothing here (the tier cannot know the request's context keys),
 * which can only make it stricter than AWS.
 */
export function allows(policies: readonly PolicyDocument[], action: string, resource: string): boolean {
  const statements = policies.flatMap((p) => p.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, action, resource))) return false;
  return statements.some(
    (s) => s.Effect === 'Allow' && s.Condition === undefined && matches(s, action, resource),
  );
}

// moto checks the resource of SQS, STS and IAM calls; for every other service it authorises against
// "*", which a statement naming an ARN never matches (moto/iam/access_control.py, moto/*/responses.py
// `_determine_resource`).
const MOTO_CHECKS_RESOURCES = new Set(['sqs', 'sts', 'iam']);

/**
 * The same policy, in the form moto can enforce: statements on services whose resources moto does
 * not check are widened to "*". moto then enforces the actions; {@link checkCalls} checks the
 * resources against the policy as deployed.
 */
export function enforceableByMoto(policy: PolicyDocument): PolicyDocument {
  return {
    ...policy,
    Statement: policy.Statement.map((s) =>
      list(s.Action).every((a) => MOTO_CHECKS_RESOURCES.has(a.split(':')[0] ?? ''))
        ? s
        : { ...s, Resource: '*' },
    ),
  };
}

const Strings = z.array(z.string());
const Param = (key: string) => z.object({ [key]: z.string() });

/** The ARNs a call acts on, as IAM evaluates it. */
export function resourcesOf(call: AwsCall, region: string, account: string): string[] {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
  const p = call.params;
  switch (call.action) {
    case 'ssm:GetParameters':
      return z
        .object({ Names: Strings })
        .parse(p)
        .Names.map((n) => arn('ssm', `parameter${n.startsWith('/') ? n : `/${n}`}`));
    case 'ssm:GetParameter': {
      const n = Param('Name').parse(p).Name ?? '';
      return [arn('ssm', `parameter${n.startsWith('/') ? n : `/${n}`}`)];
    }
    case 'dynamodb:GetItem':
    case 'dynamodb:PutItem':
    case 'dynamodb:UpdateItem':
    case 'dynamodb:DeleteItem':
      return [arn('dynamodb', `table/${Param('TableName').parse(p).TableName}`)];
    case 'events:PutEvents':
      return z
        .object({ Entries: z.array(z.object({ EventBusName: z.string().optional() })) })
        .parse(p)
        .Entries.map((e) => {
          const bus = e.EventBusName ?? 'default';
          return bus.startsWith('arn:') ? bus : arn('events', `event-bus/${bus}`);
        });
    case 'sqs:SendMessage':
    case 'sqs:ReceiveMessage':
    case 'sqs:DeleteMessage':
    case 'sqs:GetQueueAttributes': {
      const url = Param('QueueUrl').parse(p).QueueUrl ?? '';
      return [arn('sqs', url.slice(url.lastIndexOf('/') + 1))];
    }
    case 'sns:Publish':
      return [Param('TopicArn').parse(p).TopicArn ?? ''];
    case 'cloudwatch:DescribeAlarms':
      return ['*'];
    default:
      throw new Error(
        `the emulator tier does not know which resource ${call.action} acts on: add it to test/aws/kit/iam.ts`,
      );
  }
}

export interface CallVerdict {
  action: string;
  resource: string;
  allowed: boolean;
}

/** Every resource of every call, judged against the caller's policies as deployed. */
export function checkCalls(
  calls: readonly AwsCall[],
  policies: readonly PolicyDocument[],
  region: string,
  account: string,
): CallVerdict[] {
  return calls.flatMap((call) =>
    resourcesOf(call, region, account).map((resource) => ({
      action: call.action,
      resource,
      allowed: allows(policies, call.action, resource),
    })),
  );
}
