import * as z from 'zod';

/**
 * A CloudTrail record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
 * Only the fields we read are typed; everything else passes through untouched. Fields that AWS
 * documents as optional or that vary between services are optional here, and request/response
 * bodies stay `unknown` for the detectors to narrow.
 */
const SessionIssuerSchema = z
  .object({
    type: z.string().optional(),
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    userName: z.string().optional(),
  })
  .loose();

export const UserIdentitySchema = z
  .object({
    type: z.string().optional(),
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    accessKeyId: z.string().optional(),
    userName: z.string().optional(),
    invokedBy: z.string().optional(),
    identityProvider: z.string().optional(),
    sessionContext: z
      .object({
        sessionIssuer: SessionIssuerSchema.optional(),
        attributes: z
          .object({
            mfaAuthenticated: z.union([z.string(), z.boolean()]).optional(),
            creationDate: z.string().optional(),
          })
          .loose()
          .optional(),
        sourceIdentity: z.string().optional(),
      })
      .loose()
      .optional(),
    onBehalfOf: z
      .object({ userId: z.string().optional(), identityStoreArn: z.string().optional() })
      .loose()
      .optional(),
  })
  .loose();
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

export const CloudTrailRecordSchema = z
  .object({
    eventVersion: z.string().optional(),
    userIdentity: UserIdentitySchema.optional().default({}),
    eventTime: z.string().optional(),
    eventSource: z.string().min(1),
    eventName: z.string().min(1),
    awsRegion: z.string().optional(),
    sourceIPAddress: z.string().optional(),
    userAgent: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    requestParameters: z.unknown().optional(),
    responseElements: z.unknown().optional(),
    additionalEventData: z.unknown().optional(),
    requestID: z.string().optional(),
    eventID: z.string().optional(),
    eventType: z.string().optional(),
    readOnly: z.boolean().optional(),
    recipientAccountId: z.string().optional(),
    eventCategory: z.string().optional(),
    managementEvent: z.boolean().optional(),
    resources: z.array(z.unknown()).optional(),
  })
  .loose();
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;
