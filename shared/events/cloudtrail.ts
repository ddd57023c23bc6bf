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

export const CloudTrailRecordSchema = z.looseObject({
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
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;
