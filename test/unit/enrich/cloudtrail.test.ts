import { detectCloudTrail } from '../../../shared/detect/catalog.ts';
import type { Finding } from '../../../shared/detect/types.ts';
import { cloudTrailAlert, genericAlert, previewJson } from '../../../shared/enrich/cloudtrail.ts';
import type { CloudTrailRecord } from '../../../shared/events/cloudtrail.ts';
import type { Envelope } from '../../../shared/events/envelope.ts';
import { cloudTrailDetail, detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const ACCOUNTS = { '123456789012': 'example-production' };

function build(relPath: string, edit?: (detail: Record<string, unknown>) => void) {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  const envelope = envelopeOf(event);
  const record = cloudTrailDetail(event);
  const [finding] = detectCloudTrail(record, { account: envelope.account, region: envelope.region }).findings;
  if (!finding) throw new Error(`no finding for ${relPath}`);
  return { envelope, record, finding };
}

function alertFor(relPath: string, edit?: (detail: Record<string, unknown>) => void) {
  const { envelope, record, finding } = build(relPath, edit);
  return cloudTrailAlert(envelope, record, finding, ACCOUNTS);
}

function factValue(alert: { facts: { label: string; value: string }[] }, label: string): string | undefined {
  return alert.facts.find((f) => f.label === label)?.value;
}

describe('cloudTrailAlert', () => {
  it('builds the alert for a public ACL', () => {
    const alert = alertFor('s3/put-bucket-acl-public-read.json');
    expect(alert).toMatchObject({
      id: 'ct:3b5b9776-954a-4b25-b6e9-715e24e6b6dd:s3-bucket-acl-public',
      ruleId: 's3-bucket-acl-public',
      title: 'S3 bucket made public by ACL',
      severity: 'critical',
      status: 'firing',
      kind: 'cloudtrail',
      summary: 'IAM user alice made bucket example-data public with canned ACL public-read',
      verdict: 'Public now: canned ACL public-read: everyone can read.',
      account: { id: '123456789012', alias: 'example-production' },
      region: 'eu-west-1',
      dedupKey: 'cloud-alerts/s3-bucket-acl-public/3b5b9776-954a-4b25-b6e9-715e24e6b6dd',
      eventId: '3756725d-6d5a-4f46-be7e-e6e81b69ad94',
      cloudTrailEventId: '3b5b9776-954a-4b25-b6e9-715e24e6b6dd',
      resource: { type: 'S3 bucket', name: 'example-data', arn: 'arn:aws:s3:::example-data' },
    });
    expect(alert.attempted).toBeUndefined();
    expect(alert.facts.map((f) => f.label)).toEqual([
      'Call',
      'Source IP',
      'Client',
      'Principal',
      'User agent',
      'Public grants',
    ]);
    expect(alert.links.map((l) => l.text)).toEqual(['Open bucket', 'CloudTrail event']);
  });

  it('derives id and dedupKey from the CloudTrail eventID, stable across redeliveries', () => {
    const first = alertFor('s3/put-bucket-acl-public-read.json');
    const again = alertFor('s3/put-bucket-acl-public-read.json');
    expect(again.id).toBe(first.id);
    expect(again.dedupKey).toBe(first.dedupKey);
    const other = alertFor('s3/put-bucket-acl-public-read.json', (d) => {
      d.eventID = '00000000-0000-4000-8000-000000000000';
    });
    expect(other.id).toBe('ct:00000000-0000-4000-8000-000000000000:s3-bucket-acl-public');
    expect(other.dedupKey).toBe('cloud-alerts/s3-bucket-acl-public/00000000-0000-4000-8000-000000000000');
  });

  it('keeps the same id when EventBridge redelivers under a new envelope id', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    event.id = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const envelope = envelopeOf(event);
    const record = cloudTrailDetail(event);
    const { finding } = build('s3/put-bucket-acl-public-read.json');
    const alert = cloudTrailAlert(envelope, record, finding, ACCOUNTS);
    expect(alert.id).toBe('ct:3b5b9776-954a-4b25-b6e9-715e24e6b6dd:s3-bucket-acl-public');
    expect(alert.eventId).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('falls back to the EventBridge id when the record has no eventID', () => {
    const alert = alertFor('s3/put-bucket-acl-public-read.json', (d) => {
      delete d.eventID;
    });
    expect(alert.id).toBe('ct:3756725d-6d5a-4f46-be7e-e6e81b69ad94:s3-bucket-acl-public');
  });

  describe('a denied call', () => {
    it('is titled "Attempted: …", one severity lower, with the Error fact first and a denied verdict', () => {
      const alert = alertFor('s3/put-bucket-acl-public-denied.json');
      expect(alert).toMatchObject({
        title: 'Attempted: S3 bucket made public by ACL',
        severity: 'high',
        attempted: true,
        verdict: 'Denied: nothing changed, but someone tried. Check whether the caller should be doing this.',
        summary:
          'role example-partner-sync (session sync-job-4821) from account 210987654321 tried PutBucketAcl on S3 bucket example-shared and was denied (AccessDenied)',
      });
      expect(alert.facts[0]).toEqual({ label: 'Error', value: 'AccessDenied: Access Denied' });
      expect(alert.actor?.crossAccount).toBe(true);
    });

    it('lowers a critical AdministratorAccess attach to high', () => {
      const alert = alertFor('iam/attach-role-policy-admin-denied.json');
      expect(alert.title).toBe('Attempted: IAM policy attached');
      expect(alert.severity).toBe('high');
      expect(alert.facts[0]?.label).toBe('Error');
      expect(alert.facts[0]?.value).toMatch(/^AccessDenied: /);
    });

    it('shows only the error code when there is no message', () => {
      const alert = alertFor('s3/put-bucket-acl-public-denied.json', (d) => {
        delete d.errorMessage;
      });
      expect(alert.facts[0]).toEqual({ label: 'Error', value: 'AccessDenied' });
    });

    it('keeps the severity when the finding asks for it', () => {
      const { envelope, record, finding } = build('s3/put-bucket-acl-public-denied.json');
      const kept: Finding = { ...finding, keepSeverityWhenDenied: true };
      expect(cloudTrailAlert(envelope, record, kept, ACCOUNTS).severity).toBe('critical');
    });

    it('leaves info at info', () => {
      const { envelope, record, finding } = build('s3/put-bucket-acl-public-denied.json');
      expect(cloudTrailAlert(envelope, record, { ...finding, severity: 'info' }, ACCOUNTS).severity).toBe(
        'info',
      );
    });
  });

  it('names the account by alias from the accounts map, and by id alone otherwise', () => {
    const { envelope, record, finding } = build('s3/put-bucket-acl-public-read.json');
    expect(cloudTrailAlert(envelope, record, finding, ACCOUNTS).account).toEqual({
      id: '123456789012',
      alias: 'example-production',
    });
    expect(cloudTrailAlert(envelope, record, finding, {}).account).toEqual({ id: '123456789012' });
  });

  it('takes the account from the envelope EventBridge set, not from recipientAccountId', () => {
    const alert = alertFor('s3/put-bucket-acl-public-read.json', (d) => {
      d.recipientAccountId = '999999999999';
    });
    expect(alert.account).toEqual({ id: '123456789012', alias: 'example-production' });
    // The caller is alice of 123456789012, the envelope's account: not "cross-account".
    expect(alert.actor?.crossAccount).toBe(false);
    expect(factValue(alert, 'Record names account')).toBe(
      '999999999999 (unverified: the alert uses 123456789012, which EventBridge set)',
    );
  });

  it.each([
    ['"true"', 'true', 'yes'],
    ['"false"', 'false', 'no'],
  ])('reads MFA from sessionContext.attributes.mfaAuthenticated %s', (_label, value, expected) => {
    const alert = alertFor('iam/create-access-key.json', (d) => {
      const ui = d.userIdentity as { sessionContext: { attributes: Record<string, unknown> } };
      ui.sessionContext.attributes.mfaAuthenticated = value;
    });
    expect(factValue(alert, 'MFA')).toBe(expected);
  });

  it('reads mfaAuthenticated given as a boolean', () => {
    const alert = alertFor('iam/create-access-key.json', (d) => {
      const ui = d.userIdentity as { sessionContext: { attributes: Record<string, unknown> } };
      ui.sessionContext.attributes.mfaAuthenticated = true;
    });
    expect(factValue(alert, 'MFA')).toBe('yes');
  });

  it.each([
    ['Yes', 'yes'],
    ['No', 'no'],
  ])('reads MFA from additionalEventData.MFAUsed %s, ahead of the session attribute', (used, expected) => {
    const alert = alertFor('iam/create-access-key.json', (d) => {
      d.additionalEventData = { MFAUsed: used };
      const ui = d.userIdentity as { sessionContext: { attributes: Record<string, unknown> } };
      ui.sessionContext.attributes.mfaAuthenticated = used === 'Yes' ? 'false' : 'true';
    });
    expect(factValue(alert, 'MFA')).toBe(expected);
  });

  it('omits the MFA fact when neither source says', () => {
    expect(factValue(alertFor('s3/put-bucket-acl-public-read.json'), 'MFA')).toBeUndefined();
  });

  it('names the client and keeps the raw user agent', () => {
    const alert = alertFor('iam/put-role-policy-scoped.json');
    expect(factValue(alert, 'Client')).toBe('Terraform 1.9.5');
    expect(factValue(alert, 'User agent')).toMatch(/^APN\/1\.0 HashiCorp/);
  });

  it('uses a sanitised region in the CloudTrail link', () => {
    const alert = alertFor('s3/put-bucket-acl-public-read.json', (d) => {
      d.awsRegion = '"><script>';
    });
    for (const link of alert.links) expect(link.url).not.toContain('<');
    expect(alert.links.at(-1)?.url).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/3b5b9776-954a-4b25-b6e9-715e24e6b6dd',
    );
  });
});

describe('genericAlert', () => {
  function genericFor(relPath: string): { envelope: Envelope; record: CloudTrailRecord } {
    const event = loadEvent(relPath);
    return { envelope: envelopeOf(event), record: cloudTrailDetail(event) };
  }

  it('describes a CloudTrail call no rule knows, with the actor and a link', () => {
    const { envelope, record } = genericFor('iam/list-users.json');
    const alert = genericAlert(envelope, 'no rule for iam.amazonaws.com ListUsers', ACCOUNTS, record);
    expect(alert).toMatchObject({
      id: 'generic:691d43fe-f0ad-4df5-9cc4-32ac26384324',
      ruleId: 'generic-event',
      title: 'Unrecognised event',
      severity: 'low',
      status: 'firing',
      kind: 'generic',
      summary: 'IAM user alice called iam:ListUsers',
      account: { id: '123456789012', alias: 'example-production' },
      dedupKey: 'cloud-alerts/generic-event/691d43fe-f0ad-4df5-9cc4-32ac26384324',
      actor: { kind: 'iam-user', name: 'alice' },
    });
    expect(alert.facts[0]).toEqual({
      label: 'Why generic',
      value: 'no rule for iam.amazonaws.com ListUsers',
    });
    expect(alert.links).toEqual([
      {
        text: 'CloudTrail event',
        url: 'https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/1efa4704-7b1e-4b1e-98fe-c6438c3a529c',
      },
    ]);
  });

  it('puts the error code first for a failed call', () => {
    const { envelope, record } = genericFor('iam/list-users.json');
    const alert = genericAlert(envelope, 'why', ACCOUNTS, { ...record, errorCode: 'AccessDenied' });
    expect(alert.facts[0]).toEqual({ label: 'Error', value: 'AccessDenied' });
  });

  it('shows a bounded preview of the detail when there is no record', () => {
    const event = loadEvent('iam/list-users.json');
    event['detail-type'] = 'Something Else';
    event.detail = { blob: 'x'.repeat(5000) };
    const alert = genericAlert(envelopeOf(event), 'no rule', {}, undefined);
    expect(alert.summary).toBe('Something Else from aws.iam');
    expect(alert.account).toEqual({ id: '123456789012' });
    expect(alert.actor).toBeUndefined();
    expect(alert.links).toEqual([]);
    const detail = alert.facts.find((f) => f.label === 'Detail')?.value ?? '';
    expect(detail.startsWith('{"blob":"xxx')).toBe(true);
    expect(detail.length).toBeLessThanOrEqual(1501);
  });
});

describe('previewJson', () => {
  it('shortens long strings and the whole text', () => {
    expect(previewJson({ a: 'y'.repeat(400) })).toBe(`{"a":"${'y'.repeat(300)}…"}`);
    expect(previewJson({ a: 'z'.repeat(50) }, 10)).toBe(`${'{"a":"zzzz'}…`);
  });

  it('does not throw on values JSON cannot encode', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(previewJson(cyclic)).toBe('[object Object]');
    expect(previewJson(undefined)).toBe('null');
    expect(previewJson(10n)).toBe('10');
  });
});
