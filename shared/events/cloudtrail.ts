import * as z from 'zod/mini';

/**
 * A CloudTrail record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
 * Only the fields we read are typed; everything else passes through untouched. Fields that AWS
 * documents as optional or that vary between services are optional here, and request/response
 * bodies stay `unknown` for the detectors to narrow.
 */
const SessionIssuerSchema = z.looseObject({
  type: z.optional(z.string()),
  principalId: z.optional(z.string()),
  arn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  userName: z.optional(z.string()),
});

export const UserIdentitySchema = z.looseObject({
  type: z.optional(z.string()),
  principalId: z.optional(z.string()),
  arn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  accessKeyId: z.optional(z.string()),
  userName: z.optional(z.string()),
  invokedBy: z.optional(z.string()),
  identityProvider: z.optional(z.string()),
  sessionContext: z.optional(
    z.looseObject({
      sessionIssuer: z.optional(SessionIssuerSchema),
      attributes: z.optional(
        z.looseObject({
          mfaAuthenticated: z.optional(z.union([z.string(), z.boolean()])),
          creationDate: z.optional(z.string()),
        }),
      ),
      sourceIdentity: z.optional(z.string()),
    }),
  ),
  onBehalfOf: z.optional(
    z.looseObject({ userId: z.optional(z.string()), identityStoreArn: z.optional(z.string()) }),
  ),
});
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

const RecordShapeSchema = z.looseObject({
  eventVersion: z.optional(z.string()),
  userIdentity: z._default(z.optional(UserIdentitySchema), {}),
  eventTime: z.optional(z.string()),
  eventSource: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  awsRegion: z.optional(z.string()),
  sourceIPAddress: z.optional(z.string()),
  userAgent: z.optional(z.string()),
  errorCode: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  requestParameters: z.optional(z.unknown()),
  responseElements: z.optional(z.unknown()),
  additionalEventData: z.optional(z.unknown()),
  requestID: z.optional(z.string()),
  eventID: z.optional(z.string()),
  eventType: z.optional(z.string()),
  readOnly: z.optional(z.boolean()),
  recipientAccountId: z.optional(z.string()),
  eventCategory: z.optional(z.string()),
  managementEvent: z.optional(z.boolean()),
  resources: z.optional(z.array(z.unknown())),
});
export type CloudTrailRecord = z.infer<typeof RecordShapeSchema>;

/**
 * Real records reach people in more shapes than EventBridge delivers: exports, SIEMs, Athena
 * results and test fixtures write explicit `null`s, the string "null", booleans as "true"/"false",
 * numbers for account ids, request bodies as JSON strings (Athena's CloudTrail table keeps
 * requestParameters as a string column), and leave fields out. One odd field must not cost the
 * record its verdict, so each field is read on its own: what cannot be read is absent, and named.
 */
const TEXT_FIELDS = [
  'eventVersion',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'eventType',
  'recipientAccountId',
  'eventCategory',
] as const;
/** Identifiers and codes: surrounding space is an exporter's, never AWS's. */
const TRIMMED = new Set(['eventSource', 'eventName', 'eventType', 'errorCode', 'awsRegion', 'eventCategory']);
/** An empty error code is no error at all: a denied call always names its code. */
const EMPTY_IS_ABSENT = new Set(['errorCode', 'errorMessage', 'invokedBy']);
/**
 * userIdentity.type as AWS spells it; exporters lower-case or pad it, and `root` must still be Root.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
const IDENTITY_TYPES = new Map(
  [
    'Root',
    'IAMUser',
    'AssumedRole',
    'Role',
    'FederatedUser',
    'Directory',
    'AWSAccount',
    'AWSService',
    'IdentityCenterUser',
    'SAMLUser',
    'WebIdentityUser',
    'Unknown',
  ].map((t) => [t.toLowerCase(), t]),
);
const FLAG_FIELDS = ['readOnly', 'managementEvent'] as const;
const BODY_FIELDS = ['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails'];
const IDENTITY_TEXT = [
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
  'identityProvider',
];
const ISSUER_TEXT = ['type', 'principalId', 'arn', 'accountId', 'userName'];
const ACCOUNT_ID = /^\d{1,12}$/;

// Events sit below detect/ in the import order, so this one-liner is not borrowed from detect/values.ts.
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Read<T> = { value?: T; unreadable?: true };

const isNullish = (v: unknown) => v === undefined || v === null || v === 'null';

function readText(v: unknown, name: string): Read<string> {
  if (isNullish(v)) return {};
  // A JSON number loses an account id's leading zeros; other fields are text or unreadable.
  if (typeof v === 'number' && /accountid$/i.test(name) && Number.isSafeInteger(v) && v >= 0) {
    const digits = String(v);
    return ACCOUNT_ID.test(digits) ? { value: digits.padStart(12, '0') } : { unreadable: true };
  }
  if (typeof v !== 'string') return { unreadable: true };
  const text = TRIMMED.has(name) ? v.trim() : v;
  if (text === '' && EMPTY_IS_ABSENT.has(name)) return {};
  return { value: text };
}

function readFlag(v: unknown): Read<boolean> {
  if (isNullish(v)) return {};
  if (typeof v === 'boolean') return { value: v };
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim()))
    return { value: v.trim().toLowerCase() === 'true' };
  return { unreadable: true };
}

/** A body written as a JSON string is read as the object it holds; "null" is null. */
function readBody(v: unknown): unknown {
  if (v === 'null') return null;
  if (typeof v === 'string' && /^\s*\{/.test(v)) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (isRecord(parsed)) return parsed;
    } catch {
      // Not JSON after all (a truncated document): the detectors see the string and say so.
    }
  }
  return v;
}

function readTexts(
  from: Record<string, unknown>,
  names: readonly string[],
  into: Record<string, unknown>,
  path: string,
  unreadable: string[],
): void {
  for (const name of names) {
    const read = readText(from[name], name);
    if (read.value !== undefined) into[name] = read.value;
    else delete into[name];
    if (read.unreadable) unreadable.push(`${path}${name}`);
  }
}

function readIdentity(raw: unknown, unreadable: string[]): Record<string, unknown> {
  // An identity written as a JSON string is read as the object it holds, as request bodies are.
  const v = readBody(raw);
  if (isNullish(v)) return {};
  if (!isRecord(v)) {
    unreadable.push('userIdentity');
    return {};
  }
  const identity: Record<string, unknown> = { ...v };
  readTexts(v, IDENTITY_TEXT, identity, 'userIdentity.', unreadable);
  const type =
    typeof identity.type === 'string' ? IDENTITY_TYPES.get(identity.type.trim().toLowerCase()) : undefined;
  if (type) identity.type = type;
  const context = v.sessionContext;
  if (isNullish(context) || !isRecord(context)) {
    if (!isNullish(context)) unreadable.push('userIdentity.sessionContext');
    delete identity.sessionContext;
    return identity;
  }
  const session: Record<string, unknown> = { ...context };
  const issuer = context.sessionIssuer;
  if (isRecord(issuer)) {
    const read: Record<string, unknown> = { ...issuer };
    readTexts(issuer, ISSUER_TEXT, read, 'userIdentity.sessionContext.sessionIssuer.', unreadable);
    session.sessionIssuer = read;
  } else {
    if (!isNullish(issuer)) unreadable.push('userIdentity.sessionContext.sessionIssuer');
    delete session.sessionIssuer;
  }
  const attributes = context.attributes;
  if (isRecord(attributes)) {
    const read: Record<string, unknown> = { ...attributes };
    const mfa = attributes.mfaAuthenticated;
    if (typeof mfa === 'boolean' || (typeof mfa === 'string' && mfa !== 'null')) read.mfaAuthenticated = mfa;
    else delete read.mfaAuthenticated;
    readTexts(attributes, ['creationDate'], read, 'userIdentity.sessionContext.attributes.', unreadable);
    session.attributes = read;
  } else delete session.attributes;
  readTexts(context, ['sourceIdentity'], session, 'userIdentity.sessionContext.', unreadable);
  identity.sessionContext = session;
  if (!isRecord(v.onBehalfOf)) delete identity.onBehalfOf;
  return identity;
}

export type RecordReading =
  | { ok: true; record: CloudTrailRecord; unreadable: string[] }
  | { ok: false; reason: string };

/**
 * Read a CloudTrail record leniently. Fails only when it cannot name the call (no eventSource or
 * eventName), because then no rule can be chosen; everything else that cannot be read is dropped
 * and listed in `unreadable`, so the rule still runs and the alert says what it could not tell.
 */
export function readCloudTrailRecord(detail: unknown): RecordReading {
  if (!isRecord(detail)) return { ok: false, reason: 'the detail is not a JSON object' };
  const unreadable: string[] = [];
  const out: Record<string, unknown> = { ...detail };
  readTexts(detail, TEXT_FIELDS, out, '', unreadable);
  for (const name of FLAG_FIELDS) {
    const read = readFlag(detail[name]);
    if (read.value !== undefined) out[name] = read.value;
    else delete out[name];
    if (read.unreadable) unreadable.push(name);
  }
  for (const name of BODY_FIELDS) if (name in detail) out[name] = readBody(detail[name]);
  out.userIdentity = readIdentity(detail.userIdentity, unreadable);
  if (!Array.isArray(detail.resources)) {
    if (!isNullish(detail.resources)) unreadable.push('resources');
    delete out.resources;
  }
  const missing = (['eventSource', 'eventName'] as const).filter((k) => !out[k]);
  if (missing.length > 0) {
    const why = missing.map((k) => (unreadable.includes(k) ? `${k} is not text` : `no ${k}`)).join(', ');
    return { ok: false, reason: `cannot tell which call this is: ${why}` };
  }
  const parsed = RecordShapeSchema.safeParse(out);
  // Every field the schema types was normalised above, so this holds; kept as the type's proof.
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'unreadable record' };
  return { ok: true, record: parsed.data, unreadable };
}

/** The lenient reading as a schema, for callers that only need the record (stages, tests). */
export const CloudTrailRecordSchema = z.pipe(
  z.transform((detail: unknown) => {
    const read = readCloudTrailRecord(detail);
    return read.ok ? read.record : detail;
  }),
  RecordShapeSchema,
);
