import { checkConfig } from '../../../shared/config/load.ts';

const SOURCE = 'cloud-alerts.yml';
const NOW = new Date('2026-11-24T12:00:00Z');

const BASE = `receivers:
  - name: slack
    slack:
      webhookUrlParameter: /cloud-alerts/dev/slack
route:
  receivers: [slack]
`;

function check(extra: string) {
  return checkConfig(`${BASE}${extra}`, { stage: 'dev', source: SOURCE, now: NOW });
}

describe('checkConfig', () => {
  it('accepts allow-lists, silences and noise windows, with defaults when absent', () => {
    const result = checkConfig(BASE, { stage: 'dev', source: SOURCE, now: NOW });
    expect(result.errors).toEqual([]);
    expect(result.config).toMatchObject({
      allowList: [],
      silences: [],
      dedupe: { windowMinutes: 10 },
      grouping: { groupIntervalMinutes: 5, repeatIntervalMinutes: 60 },
      flapping: { transitions: 4, windowMinutes: 30 },
    });
  });

  it('takes grouping.windowMinutes as the old spelling of groupIntervalMinutes', () => {
    const result = check('grouping: { windowMinutes: 10 }\n');
    expect(result.errors).toEqual([]);
    expect(result.config?.grouping).toEqual({ groupIntervalMinutes: 10, repeatIntervalMinutes: 60 });
    expect(check('grouping: { groupIntervalMinutes: 0 }\n').config?.grouping.groupIntervalMinutes).toBe(0);
  });

  it('warns about an expired allow-list entry and an ended silence, at their lines', () => {
    const result = check(`allowList:
  - reason: old migration
    actor: migrator
    expires: 2026-01-31
silences:
  - match: { source: alarm }
    startsAt: 2026-11-01T00:00:00Z
    endsAt: 2026-11-02T00:00:00Z
    comment: done long ago
    createdBy: jane
`);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      `${SOURCE}:10:14: allowList[0].expires: expired 2026-01-31; the entry is ignored`,
      `${SOURCE}:14:13: silences[0].endsAt: ended 2026-11-02T00:00:00Z; the silence is ignored`,
    ]);
  });

  it('warns about an entry that trusts the user agent alone', () => {
    const result = check(`allowList:
  - reason: terraform
    userAgent: "*Terraform*"
`);
    expect(result.warnings).toEqual([
      `${SOURCE}:9:16: allowList[0].userAgent: the caller writes its own user agent; also name an actor, account or sourceIp`,
    ]);
  });

  it('warns about a leading-wildcard actor on an entry that holds back critical rules or every rule', () => {
    const result = check(`allowList:
  - reason: terraform
    actor: "*terraform-ci*"
    rule: [s3-bucket-policy-*, security-group-changed]
  - reason: any CI role
    actor: [ci-runner, "*:role/deployer"]
  - reason: narrow
    actor: "*terraform-ci*"
    rule: s3-bucket-policy-changed
  - reason: exact
    actor: arn:aws:iam::123456789012:role/terraform-ci
`);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      `${SOURCE}:9:12: allowList[0].actor: "*terraform-ci*" starts with a wildcard, so it also matches roles and users you did not mean (any name ending that way; an ARN in any account), and the entry holds back critical rule(s) s3-bucket-policy-public; name the role, or its full ARN`,
      `${SOURCE}:12:12: allowList[1].actor: "*:role/deployer" starts with a wildcard, so it also matches roles and users you did not mean (any name ending that way; an ARN in any account), and the entry holds back every rule, critical ones included; name the role, or its full ARN`,
    ]);
  });

  it.each([
    [
      'a session without an actor',
      'allowList:\n  - reason: ci\n    rule: s3-bucket-policy-changed\n    session: GitHubActions\n',
      `${SOURCE}:10:14: allowList[0].session: session only narrows an actor: name the role in actor too`,
    ],
    [
      'an allow-list entry without a reason',
      'allowList:\n  - actor: terraform-ci\n',
      `${SOURCE}:8:5: allowList[0].reason: missing: expected a string`,
    ],
    [
      'an allow-list entry that matches everything',
      'allowList:\n  - reason: everything\n',
      `${SOURCE}:8:5: allowList[0]: name at least one of actor, userAgent, account, rule, region, sourceIp`,
    ],
    [
      'a malformed CIDR',
      'allowList:\n  - reason: vpn\n    sourceIp: 10.0.0.0/33\n',
      `${SOURCE}:9:15: allowList[0].sourceIp: an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32`,
    ],
    [
      'an unreadable expiry',
      'allowList:\n  - reason: x\n    actor: y\n    expires: next year\n',
      `${SOURCE}:10:14: allowList[0].expires: a date such as 2026-12-31 or a timestamp such as 2026-12-31T18:00:00Z`,
    ],
    [
      'a silence that ends before it starts',
      'silences:\n  - match: { rule: x }\n    startsAt: 2026-12-02T00:00:00Z\n    endsAt: 2026-12-01T00:00:00Z\n    comment: c\n    createdBy: j\n',
      `${SOURCE}:10:13: silences[0].endsAt: endsAt must be after startsAt`,
    ],
    [
      'a silence without a matcher',
      'silences:\n  - match: {}\n    startsAt: 2026-12-01T00:00:00Z\n    endsAt: 2026-12-02T00:00:00Z\n    comment: c\n    createdBy: j\n',
      `${SOURCE}:8:12: silences[0].match: a silence needs at least one matcher`,
    ],
    [
      'a silence time without an offset',
      'silences:\n  - match: { rule: x }\n    startsAt: 2026-12-01 22:00\n    endsAt: 2026-12-02T00:00:00Z\n    comment: c\n    createdBy: j\n',
      `${SOURCE}:9:15: silences[0].startsAt: a timestamp with offset, e.g. 2026-12-01T22:00:00Z`,
    ],
    [
      'an unknown source',
      'route:\n  receivers: [slack]\n  routes:\n    - match: { source: guardduty }\n',
      undefined,
    ],
    ['a negative window', 'dedupe: { windowMinutes: -1 }\n', `${SOURCE}:7:26: dedupe.windowMinutes: `],
    [
      'both spellings of the group interval',
      'grouping: { groupIntervalMinutes: 5, windowMinutes: 10 }\n',
      `${SOURCE}:7:53: grouping.windowMinutes: windowMinutes is the old spelling of groupIntervalMinutes: give one of groupIntervalMinutes and windowMinutes, not both`,
    ],
    [
      'a repeat interval shorter than the group interval',
      'grouping: { groupIntervalMinutes: 10, repeatIntervalMinutes: 5 }\n',
      `${SOURCE}:7:62: grouping.repeatIntervalMinutes: repeatIntervalMinutes (5) must be at least groupIntervalMinutes (10)`,
    ],
  ])('reports %s with its location', (_label, yaml, expected) => {
    const text = yaml.startsWith('route:') ? BASE.replace(/route:\n.*\n/, '') + yaml : `${BASE}${yaml}`;
    const result = checkConfig(text, { stage: 'dev', source: SOURCE, now: NOW });
    expect(result.config).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    if (expected === undefined) expect(result.errors[0]).toMatch(/routes\[0\]\.match\.source: /);
    else expect(result.errors[0]?.startsWith(expected)).toBe(true);
  });
});
