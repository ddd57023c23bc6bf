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

/** The request's condition keys the tier knows: the partition keys a DynamoDB call touches. */
export interface RequestContext {
  leadingKeys?: string[];
}

/**
 * Whether a statement's Condition holds for the request. Only `ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys` is understood (the notifiers' state-table grant); any other condition holds
 * for nothing, which can only make the tier stricter than AWS.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
function conditionHolds(statement: Statement, context: RequestContext): boolean {
  if (statement.Condition === undefined) return true;
  const entries = Object.entries(statement.Condition);
  return entries.every(([operator, keys]) => {
    if (operator !== 'ForAllValues:StringLike' || typeof keys !== 'object' || keys === null) return false;
    return Object.entries(keys).every(([key, patterns]) => {
      if (key !== 'dynamodb:LeadingKeys' || context.leadingKeys === undefined) return false;
      const allowed = list(z.union([z.string(), z.array(z.string())]).parse(patterns));
      return context.leadingKeys.every((k) => allowed.some((p) => glob(p).test(k)));
    });
  });
}

/**
 * Whether identity policies allow `action` on `resource`: some Allow matches and no Deny does. A
 * statement with a Condition grants only when the condition is one the tier can evaluate and holds
 * for `context` (see conditionHolds).
 */
export function allows(
  policies: readonly PolicyDocument[],
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  const statements = policies.flatMap((p) => p.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, action, resource))) return false;
  return statements.some(
    (s) => s.Effect === 'Allow' && matches(s, action, resource) && conditionHolds(s, context),
  );
}

// moto checks the resource of SQS, STS and IAM calls; for every other service it authorises against
// "*", which a statement naming an ARN never matches (moto/iam/access_control.py, moto/*/responses.py
// `_determine_resource`).
const MOTO_CHECKS_RESOURCES = new Set(['sqs', 'sts', 'iam']);

/**
 * moto names an action by the service's signing name, not its IAM prefix: a CloudWatch call is checked
 * as `monitoring:GetMetricData` (moto/iam/access_control.py takes the credential scope's service), where
 * AWS checks `cloudwatch:GetMetricData`. The same grant, spelled both ways.
 */
const MOTO_ACTION_SPELLING: Readonly<Record<string, string>> = { cloudwatch: 'monitoring' };

function withMotoSpelling(actions: string | string[]): string | string[] {
  const extra = list(actions).flatMap((a) => {
    const [prefix, name] = a.split(':');
    const moto = prefix === undefined ? undefined : MOTO_ACTION_SPELLING[prefix];
    return moto && name ? [`${moto}:${name}`] : [];
  });
  return extra.length === 0 ? actions : [...list(actions), ...extra];
}

/**
 * The same policy, in the form moto can enforce: statements on services whose resources moto does
 * not check are widened to "*", and lose their conditions (moto knows no dynamodb:LeadingKeys), and
 * CloudWatch actions are also spelled as moto checks them. moto then enforces the actions;
 * {@link checkCalls} checks resources and conditions against the policy as deployed.
 */
export function enforceableByMoto(policy: PolicyDocument): PolicyDocument {
  return {
    ...policy,
    Statement: policy.Statement.map((s) => {
      if (list(s.Action).every((a) => MOTO_CHECKS_RESOURCES.has(a.split(':')[0] ?? ''))) return s;
      const { Condition: _unenforceable, ...rest } = s;
      return { ...rest, Action: withMotoSpelling(s.Action), Resource: '*' };
    }),
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
    // Evidence (shared/config/evidence-access.ts): GetMetricData and LookupEvents have no resource
    // type, FilterLogEvents acts on the log group.
    case 'cloudwatch:DescribeAlarms':
    case 'cloudwatch:GetMetricData':
    case 'cloudtrail:LookupEvents':
      return ['*'];
    case 'logs:FilterLogEvents':
      return [arn('logs', `log-group:${Param('logGroupName').parse(p).logGroupName ?? ''}`)];
    default:
      throw new Error(
        `the emulator tier does not know which resource ${call.action} acts on: add it to test/aws/kit/iam.ts`,
      );
  }
}

export interface CallVerdict {
  action: string;
  resource: string;
  /** For a DynamoDB item call: the partition keys it named. */
  keys?: string[];
  allowed: boolean;
}

/** The partition key values a DynamoDB item call names (its Key's string attributes). */
export function leadingKeysOf(call: AwsCall): string[] | undefined {
  if (!call.action.startsWith('dynamodb:')) return undefined;
  const key = z
    .object({ Key: z.record(z.string(), z.object({ S: z.string().optional() }).passthrough()) })
    .safeParse(call.params);
  if (!key.success) return undefined;
  return Object.values(key.data.Key).flatMap((v) => (v.S === undefined ? [] : [v.S]));
}

/** Every resource of every call, judged against the caller's policies as deployed. */
export function checkCalls(
  calls: readonly AwsCall[],
  policies: readonly PolicyDocument[],
  region: string,
  account: string,
): CallVerdict[] {
  return calls.flatMap((call) => {
    const leadingKeys = leadingKeysOf(call);
    return resourcesOf(call, region, account).map((resource) => ({
      action: call.action,
      resource,
      ...(leadingKeys ? { keys: leadingKeys } : {}),
      allowed: allows(policies, call.action, resource, leadingKeys ? { leadingKeys } : {}),
    }));
  });
}
