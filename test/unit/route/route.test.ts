import type { Match, Route } from '../../../shared/config/schema.ts';
import { describeActor } from '../../../shared/enrich/actor.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { globMatch, matchAlert, routeAlert } from '../../../shared/route/route.ts';
import { silenceMatches } from '../../../shared/route/silence.ts';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'ct:3b5b9776-954a-4b25-b6e9-715e24e6b6dd:s3-bucket-acl-public',
    ruleId: 's3-bucket-acl-public',
    title: 'S3 bucket made public by ACL',
    severity: 'high',
    status: 'firing',
    kind: 'cloudtrail',
    summary: 'IAM user alice made bucket example-data public',
    account: { id: '123456789012', alias: 'example-production' },
    region: 'eu-west-1',
    time: '2026-11-20T09:15:02Z',
    actor: {
      kind: 'iam-user',
      display: 'IAM user alice',
      name: 'alice',
      arn: 'arn:aws:iam::123456789012:user/alice',
      accountId: '123456789012',
      crossAccount: false,
    },
    facts: [],
    links: [],
    dedupKey: 'cloud-alerts/s3-bucket-acl-public/3b5b9776-954a-4b25-b6e9-715e24e6b6dd',
    eventId: '3756725d-6d5a-4f46-be7e-e6e81b69ad94',
    tags: { team: 'payments', env: 'prod' },
    ...overrides,
  };
}

describe('globMatch', () => {
  it.each([
    ['s3-*', 's3-bucket-acl-public', true],
    ['s3-*', 'iam-user-created', false],
    ['*-public', 's3-bucket-acl-public', true],
    ['*-public', 's3-bucket-acl-changed', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a-b-c', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'ab', false],
    ['a*b*c', 'abcx', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['ab*bc', 'abc', false],
    ['ab*bc', 'abbc', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['exact', 'Exact', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['**', 'x', true],
    ['a**b', 'ab', true],
    ['', '', true],
    ['', 'x', false],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:role/deploy', true],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:user/deploy', false],
  ])('globMatch(%p, %p) is %p', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });
});

describe('matchAlert', () => {
  it('matches everything when there is no matcher', () => {
    expect(matchAlert(undefined, alert())).toBe(true);
    expect(matchAlert({}, alert())).toBe(true);
  });

  it.each([
    ['high', 'high', true],
    ['high', 'critical', false],
    [['critical', 'high'], 'high', true],
    [['critical', 'high'], 'medium', false],
    ['>=high', 'critical', true],
    ['>=high', 'high', true],
    ['>=high', 'medium', false],
    ['<=low', 'low', true],
    ['<=low', 'info', true],
    ['<=low', 'medium', false],
    ['>medium', 'high', true],
    ['>medium', 'medium', false],
    ['<medium', 'low', true],
    ['<medium', 'medium', false],
    ['urgent', 'high', false],
  ] as const)('severity %p against %s is %p', (expr, severity, expected) => {
    const match = { severity: expr } as Match;
    expect(matchAlert(match, alert({ severity }))).toBe(expected);
  });

  it.each([
    [{ rule: 's3-*' }, true],
    [{ rule: ['iam-*', 's3-bucket-acl-*'] }, true],
    [{ rule: 'iam-*' }, false],
    [{ kind: 'cloudtrail' }, true],
    [{ kind: ['alarm', 'generic'] }, false],
    [{ source: 'cloudtrail' }, true],
    [{ source: 'alarm' }, false],
    [{ source: ['alarm', 'cloudtrail'] }, true],
    [{ source: 'cloudtrail', kind: 'alarm' }, false],
    [{ account: '123456789012' }, true],
    [{ account: 'example-production' }, true],
    [{ account: 'example-*' }, true],
    [{ account: '210987654321' }, false],
    [{ region: 'eu-*' }, true],
    [{ region: ['us-east-1', 'us-west-2'] }, false],
    [{ actor: 'arn:aws:iam::123456789012:user/*' }, true],
    [{ actor: 'ali*' }, true],
    [{ actor: 'bob' }, false],
    [{ status: 'firing' }, true],
    [{ status: 'resolved' }, false],
    [{ tags: { team: 'payments' } }, true],
    [{ tags: { team: ['data', 'pay*'] } }, true],
    [{ tags: { team: 'payments', env: 'dev' } }, false],
    [{ tags: { owner: '*' } }, false],
    [{ severity: '>=high', rule: 's3-*', region: 'eu-west-1' }, true],
    [{ severity: '>=high', rule: 's3-*', region: 'us-east-1' }, false],
  ] as const)('%j is %p', (match, expected) => {
    expect(matchAlert(match as Match, alert())).toBe(expected);
  });

  it('does not match an account alias when the alert has none', () => {
    expect(matchAlert({ account: 'example-*' }, alert({ account: { id: '123456789012' } }))).toBe(false);
  });

  it('does not match an actor pattern when the alert has no actor', () => {
    expect(matchAlert({ actor: '*' }, alert({ actor: undefined }))).toBe(false);
  });

  it('does not match a tag pattern when the alert has no tags', () => {
    expect(matchAlert({ tags: { team: '*' } }, alert({ tags: undefined }))).toBe(false);
  });
});

describe('actor matchers in routes and silences match who called, never the session name they chose', () => {
  const session = (role: string, name: string) =>
    describeActor(
      {
        type: 'AssumedRole',
        arn: `arn:aws:sts::123456789012:assumed-role/${role}/${name}`,
        accountId: '123456789012',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: `arn:aws:iam::123456789012:role/${role}`, userName: role },
        },
      },
      '123456789012',
    );

  it('does not route an attacker role to the CI channel because its session is named terraform-ci', () => {
    const root: Route = {
      receivers: ['security'],
      routes: [{ match: { actor: '*terraform-ci*' }, receivers: ['ci'] }],
    };
    expect(routeAlert(root, alert({ actor: session('attacker-role', 'terraform-ci') })).receivers).toEqual([
      'security',
    ]);
    expect(routeAlert(root, alert({ actor: session('terraform-ci', 'GitHubActions') })).receivers).toEqual([
      'ci',
    ]);
  });

  it('does not silence an attacker role whose session is named deploy-bot', () => {
    const silence = {
      match: { actor: '*deploy-bot*' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
      comment: 'deploy bot migration',
      createdBy: 'ops@example.com',
    };
    expect(silenceMatches(silence, alert({ actor: session('attacker-role', 'deploy-bot') }))).toBe(false);
    expect(silenceMatches(silence, alert({ actor: session('deploy-bot', 'run-42') }))).toBe(true);
  });

  it('matches the role by its ARN, and never by the session ARN', () => {
    const actor = session('terraform-ci', 'nightly');
    expect(matchAlert({ actor: 'arn:aws:iam::123456789012:role/terraform-ci' }, alert({ actor }))).toBe(true);
    expect(matchAlert({ actor: 'arn:aws:sts::*:assumed-role/*/nightly' }, alert({ actor }))).toBe(false);
  });
});

describe('routeAlert', () => {
  const tree: Route = {
    receivers: ['root'],
    routes: [
      { match: { severity: 'critical' }, receivers: ['pager'] },
      { match: { rule: 's3-*' }, receivers: ['s3-team'], continue: true },
      { match: { kind: 'cloudtrail' }, receivers: ['security'] },
      { match: { kind: 'alarm' }, receivers: ['ops'] },
    ],
  };

  it('stops at the first matching route', () => {
    expect(routeAlert(tree, alert({ severity: 'critical' }))).toEqual({
      receivers: ['pager'],
      matched: ['route.routes[0]'],
    });
  });

  it('goes on after a route with continue: true', () => {
    expect(routeAlert(tree, alert())).toEqual({
      receivers: ['s3-team', 'security'],
      matched: ['route.routes[1]', 'route.routes[2]'],
    });
  });

  it('delivers to the root receivers when nothing matches', () => {
    expect(routeAlert(tree, alert({ kind: 'generic', ruleId: 'generic-event' }))).toEqual({
      receivers: ['root'],
      matched: ['route'],
    });
  });

  it('delivers to nobody when nothing matches and the root names no receivers', () => {
    expect(routeAlert({ routes: [{ match: { kind: 'alarm' }, receivers: ['ops'] }] }, alert())).toEqual({
      receivers: [],
      matched: ['route'],
    });
  });

  it('lets a child without receivers inherit its parent’s', () => {
    const inherit: Route = {
      receivers: ['root'],
      routes: [
        {
          match: { rule: 's3-*' },
          receivers: ['s3-team'],
          routes: [{ match: { region: 'eu-*' } }, { match: { region: 'us-*' }, receivers: ['us-team'] }],
        },
      ],
    };
    expect(routeAlert(inherit, alert())).toEqual({
      receivers: ['s3-team'],
      matched: ['route.routes[0].routes[0]'],
    });
    expect(routeAlert(inherit, alert({ region: 'us-east-1' }))).toEqual({
      receivers: ['us-team'],
      matched: ['route.routes[0].routes[1]'],
    });
    expect(routeAlert(inherit, alert({ region: 'ap-south-1' }))).toEqual({
      receivers: ['s3-team'],
      matched: ['route.routes[0]'],
    });
  });

  it('inherits the root receivers through several levels', () => {
    const deep: Route = {
      receivers: ['root'],
      routes: [{ match: { kind: 'cloudtrail' }, routes: [{ match: { severity: 'high' } }] }],
    };
    expect(routeAlert(deep, alert())).toEqual({
      receivers: ['root'],
      matched: ['route.routes[0].routes[0]'],
    });
  });

  it('lists a receiver reached by several routes once', () => {
    const dup: Route = {
      routes: [
        { match: { severity: '>=high' }, receivers: ['slack', 'pager'], continue: true },
        { match: { rule: 's3-*' }, receivers: ['pager', 'email'] },
      ],
    };
    expect(routeAlert(dup, alert()).receivers).toEqual(['slack', 'pager', 'email']);
  });

  it('matches a route without a matcher', () => {
    expect(routeAlert({ routes: [{ receivers: ['catch-all'] }] }, alert())).toEqual({
      receivers: ['catch-all'],
      matched: ['route.routes[0]'],
    });
  });
});
