import { loadConfigFile } from '../../../shared/config/load.ts';
import { readCloudTrailRecord } from '../../../shared/events/cloudtrail.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

function read(edit: (d: Record<string, unknown>) => void) {
  const detail = detailOf(loadEvent('signin/console-login-root.json'));
  edit(detail);
  const r = readCloudTrailRecord(detail);
  if (!r.ok) throw new Error(r.reason);
  return r;
}

/** The rules the alert function raises for the root sign-in sample with `edit` applied to its record. */
function rootSignIn(edit: (d: Record<string, unknown>) => void): string[] {
  const event = loadEvent('signin/console-login-root.json');
  edit(detailOf(event));
  return evaluate(event, config).alerts.map((a) => `${a.ruleId}:${a.severity}`);
}

describe('readCloudTrailRecord', () => {
  it('reads nulls, "null" and "true"/"false" the way exporters write them', () => {
    const { record, unreadable } = read((d) => {
      d.errorCode = null;
      d.errorMessage = 'null';
      d.readOnly = 'false';
      d.managementEvent = 'TRUE';
      d.responseElements = 'null';
      d.resources = null;
    });
    expect(record).toMatchObject({ readOnly: false, managementEvent: true, responseElements: null });
    expect(record.errorCode).toBeUndefined();
    expect(record.errorMessage).toBeUndefined();
    expect(unreadable).toEqual([]);
  });

  it('restores an account id written as a number, leading zeros included', () => {
    const { record } = read((d) => {
      d.recipientAccountId = 12345678901;
    });
    expect(record.recipientAccountId).toBe('012345678901');
  });

  it('reads request bodies and the identity written as JSON strings', () => {
    const { record } = read((d) => {
      d.requestParameters = '{"bucketName":"b"}';
      d.userIdentity = JSON.stringify(d.userIdentity);
    });
    expect(record.requestParameters).toEqual({ bucketName: 'b' });
    expect(record.userIdentity.type).toBe('Root');
  });

  it.each(['root', 'Root ', ' ROOT'])('spells userIdentity.type %j as AWS does', (type) => {
    const { record } = read((d) => {
      d.userIdentity = { ...(d.userIdentity as object), type };
    });
    expect(record.userIdentity.type).toBe('Root');
  });

  it('names what it could not read, and keeps the rest', () => {
    const { record, unreadable } = read((d) => {
      d.sourceIPAddress = { ip: '1.2.3.4' };
      d.readOnly = 'maybe';
      d.resources = 'arn:aws:s3:::b';
    });
    expect(unreadable).toEqual(['sourceIPAddress', 'readOnly', 'resources']);
    expect(record.eventName).toBe('ConsoleLogin');
    expect(record.sourceIPAddress).toBeUndefined();
  });

  it('fails only when it cannot tell which call this is, and says why', () => {
    expect(readCloudTrailRecord({ eventSource: 's3.amazonaws.com' })).toEqual({
      ok: false,
      reason: 'cannot tell which call this is: no eventName',
    });
    expect(readCloudTrailRecord({ eventSource: 's3.amazonaws.com', eventName: 7 })).toEqual({
      ok: false,
      reason: 'cannot tell which call this is: eventName is not text',
    });
    expect(readCloudTrailRecord('x')).toEqual({ ok: false, reason: 'the detail is not a JSON object' });
  });
});

describe('a root console sign-in in an exporter’s shape keeps its verdict', () => {
  it.each([
    [
      'invokedBy ""',
      (d: Record<string, unknown>) => Object.assign(d.userIdentity as object, { invokedBy: '' }),
    ],
    [
      'invokedBy null',
      (d: Record<string, unknown>) => Object.assign(d.userIdentity as object, { invokedBy: null }),
    ],
    [
      'type "root"',
      (d: Record<string, unknown>) => Object.assign(d.userIdentity as object, { type: 'root' }),
    ],
    [
      'type "Root "',
      (d: Record<string, unknown>) => Object.assign(d.userIdentity as object, { type: 'Root ' }),
    ],
    [
      'userIdentity as a JSON string',
      (d: Record<string, unknown>) => {
        d.userIdentity = JSON.stringify(d.userIdentity);
      },
    ],
  ])('%s → root-usage critical', (_what, edit) => {
    expect(rootSignIn(edit)).toContain('root-usage:critical');
  });

  it('with no identity at all, the sign-in rules cannot rule out a password-only sign-in', () => {
    expect(
      rootSignIn((d) => {
        d.userIdentity = null;
      }),
    ).toEqual(['console-login-without-mfa:high']);
  });
});
