import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { nearestKey } from '../../../shared/config/issues.ts';
import { CHANNEL_PLUGINS } from '../../../shared/notify/channels/registry.ts';
import { configProblems } from '../../helpers/config.ts';

// Every registered channel, in the registry's order: a new plug-in changes the message, not this test.
const CHANNELS = CHANNEL_PLUGINS.map((p) => p.name).join(', ');
const SOURCE = 'c.yml';

/** Lines 1-12; each case replaces a line's text or appends sections from line 13. */
const BASE = `receivers:
  - name: slack-security
    slack:
      webhookUrlParameter: /cloud-alerts/dev/slack/security
  - name: pager
    pagerduty:
      routingKeyParameter: /cloud-alerts/dev/pagerduty/security
route:
  receivers: [slack-security]
  routes:
    - match: { severity: critical }
      receivers: [pager]
`;

const problemsOf = (text: string): string[] => configProblems(text, SOURCE);

const edit = (from: string, to: string) => {
  if (!BASE.includes(from)) throw new Error(`not in BASE: ${from}`);
  return BASE.replace(from, to);
};

// Each bad file and every problem it must give, word for word: line:column, key path, what is wrong.
const CASES: Array<[string, string, string[]]> = [
  [
    'a misspelt top-level key',
    `${BASE}rout: {}\n`,
    [`${SOURCE}:13:1: rout: unknown key "rout"; did you mean "route"?`],
  ],
  [
    'a misspelt required top-level key (the missing one is named too)',
    edit('receivers:\n  - name: slack-security', 'recievers:\n  - name: slack-security'),
    [
      `${SOURCE}:1:1: receivers: missing: expected a list`,
      `${SOURCE}:1:1: recievers: unknown key "recievers"; did you mean "receivers"?`,
    ],
  ],
  [
    'a misspelt key in a nested route',
    edit('      receivers: [pager]', '      recievers: [pager]'),
    [`${SOURCE}:12:7: route.routes[0].recievers: unknown key "recievers"; did you mean "receivers"?`],
  ],
  [
    'a misspelt matcher',
    edit('{ severity: critical }', '{ severty: critical }'),
    [`${SOURCE}:11:16: route.routes[0].match.severty: unknown key "severty"; did you mean "severity"?`],
  ],
  [
    "a misspelt key in a channel's settings (a union of Slack modes)",
    edit(
      '      webhookUrlParameter: /cloud-alerts/dev/slack/security',
      '      webhookUrlParameter: /x/y\n      kmsKeyARN: x',
    ),
    [`${SOURCE}:5:7: receivers[0].slack.kmsKeyARN: unknown key "kmsKeyARN"; did you mean "kmsKeyArn"?`],
  ],
  [
    'a misspelt receiver key beside its channel',
    edit('  - name: pager\n', '  - name: pager\n    budgt: { perMinute: 1, burst: 1, reserve: 0 }\n'),
    [`${SOURCE}:6:5: receivers[1].budgt: unknown key "budgt"; did you mean "budget"?`],
  ],
  [
    'an unknown key nothing is near',
    `${BASE}evidence: { colour: blue }\n`,
    [
      `${SOURCE}:13:13: evidence.colour: unknown key "colour"; expected one of enabled, timeoutMs, metric, logs, history`,
    ],
  ],
  [
    'a misspelt channel',
    edit('    pagerduty:', '    pagerduti:'),
    [
      `${SOURCE}:5:5: receivers[1]: a receiver names exactly one channel (${CHANNELS}) besides name and budget; this one names "pagerduti"; did you mean "pagerduty" for "pagerduti"?`,
    ],
  ],
  [
    'a receiver naming no channel',
    edit('    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security\n', ''),
    [
      `${SOURCE}:5:5: receivers[1]: a receiver names exactly one channel (${CHANNELS}) besides name and budget; this one names none`,
    ],
  ],
  [
    'a receiver naming two channels',
    edit('  - name: pager\n', '  - name: pager\n    email: { topicArn: stack }\n'),
    [
      `${SOURCE}:5:5: receivers[1]: a receiver names exactly one channel (${CHANNELS}) besides name and budget; this one names "email", "pagerduty"`,
    ],
  ],
  [
    'a Slack receiver in both modes',
    edit(
      '      webhookUrlParameter: /cloud-alerts/dev/slack/security',
      '      webhookUrlParameter: /x/y\n      botTokenParameter: /x/z',
    ),
    [
      `${SOURCE}:4:7: receivers[0].slack: a Slack receiver gives exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter with channel (Slack app); this one gives both`,
    ],
  ],
  [
    'a bad severity deep in a channel (the issue example)',
    edit(
      '      webhookUrlParameter: /cloud-alerts/dev/slack/security',
      '      webhookUrlParameter: /x/y\n      mention: { target: here, severities: [crit] }',
    ),
    [
      `${SOURCE}:5:45: receivers[0].slack.mention.severities[0]: "crit" is not a severity (critical, high, medium, low, info)`,
    ],
  ],
  [
    'a bad enum value',
    `${BASE}alarms: { defaultSeverity: crit }\n`,
    [`${SOURCE}:13:28: alarms.defaultSeverity: "crit" is not a severity (critical, high, medium, low, info)`],
  ],
  [
    'a bad union member: neither a source nor a list',
    edit('{ severity: critical }', '{ kind: 7 }'),
    [
      `${SOURCE}:11:22: route.routes[0].match.kind: expected a source (cloudtrail, alarm, generic) or a list; got 7`,
    ],
  ],
  [
    'a mapping where a list is expected',
    edit('  receivers: [slack-security]', '  receivers: { a: 1 }'),
    [`${SOURCE}:9:14: route.receivers: expected a list; got a mapping`],
  ],
  [
    'a string where true or false is expected',
    edit('      receivers: [pager]', '      receivers: [pager]\n      continue: "yes"'),
    [`${SOURCE}:13:17: route.routes[0].continue: expected true or false; got "yes"`],
  ],
  [
    'a number where a channel settings mapping is expected',
    edit(
      '    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security',
      '    pagerduty: 3',
    ),
    [`${SOURCE}:6:16: receivers[1].pagerduty: expected a mapping; got 3`],
  ],
  [
    'a missing required setting',
    edit('      routingKeyParameter: /cloud-alerts/dev/pagerduty/security', '      {}'),
    [
      `${SOURCE}:7:7: receivers[1].pagerduty.routingKeyParameter: missing: the SSM SecureString parameter holding the Events API v2 routing key, such as /cloud-alerts/prod/pagerduty/security`,
    ],
  ],
  [
    'a number above its range',
    `${BASE}delivery: { overflowSummarySeconds: 1000 }\n`,
    [`${SOURCE}:13:37: delivery.overflowSummarySeconds: must be at most 900; got 1000`],
  ],
  [
    'a number below its range',
    `${BASE}grouping: { groupIntervalMinutes: -5 }\n`,
    [`${SOURCE}:13:35: grouping.groupIntervalMinutes: must be at least 0; got -5`],
  ],
  [
    'a fraction where a whole number is expected',
    `${BASE}flapping: { transitions: 1.5 }\n`,
    [`${SOURCE}:13:26: flapping.transitions: expected a whole number; got 1.5`],
  ],
  [
    'an empty list of receivers',
    edit(BASE.slice(0, BASE.indexOf('route:')), 'receivers: []\n'),
    [`${SOURCE}:1:12: receivers: must not be an empty list`],
  ],
  [
    'a budget below its range (zod/mini schema of a plug-in)',
    edit('  - name: pager\n', '  - name: pager\n    budget: { perMinute: 0, burst: 2, reserve: 1 }\n'),
    [`${SOURCE}:6:26: receivers[1].budget.perMinute: must be at least 1; got 0`],
  ],
  [
    'a Slack app receiver without its channel',
    edit('      webhookUrlParameter: /cloud-alerts/dev/slack/security', '      botTokenParameter: /x/bot'),
    [
      `${SOURCE}:4:7: receivers[0].slack.channel: missing: the Slack channel ID the app posts to, such as C0123ABCDEF`,
    ],
  ],
  [
    'a Slack app receiver with its channel misspelt',
    edit(
      '      webhookUrlParameter: /cloud-alerts/dev/slack/security',
      '      botTokenParameter: /x/bot\n      chanel: C0123ABCDEF',
    ),
    [
      `${SOURCE}:4:7: receivers[0].slack.channel: missing: the Slack channel ID the app posts to, such as C0123ABCDEF`,
      `${SOURCE}:5:7: receivers[0].slack.chanel: unknown key "chanel"; did you mean "channel"?`,
    ],
  ],
  [
    "a Slack receiver whose mode key is misspelt (neither mode's key is there)",
    edit('      webhookUrlParameter: /cloud-alerts/dev/slack/security', '      webhookUrlParamter: /x/y'),
    [
      `${SOURCE}:4:7: receivers[0].slack: a Slack receiver gives exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter with channel (Slack app); this one gives neither; did you mean "webhookUrlParameter" for "webhookUrlParamter"?`,
    ],
  ],
  [
    "an incoming-webhook Slack receiver with the app's channel",
    edit(
      '      webhookUrlParameter: /cloud-alerts/dev/slack/security',
      '      webhookUrlParameter: /x/y\n      channel: C0123ABCDEF',
    ),
    [
      `${SOURCE}:4:7: receivers[0].slack: a Slack receiver gives exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter with channel (Slack app); this one gives webhookUrlParameter (incoming webhook), and channel, which that mode does not take`,
    ],
  ],
  [
    'a key misspelt only in case',
    edit(
      '      routingKeyParameter: /cloud-alerts/dev/pagerduty/security',
      '      routingkeyparameter: /cloud-alerts/dev/pagerduty/security',
    ),
    [
      `${SOURCE}:7:7: receivers[1].pagerduty.routingKeyParameter: missing: the SSM SecureString parameter holding the Events API v2 routing key, such as /cloud-alerts/prod/pagerduty/security`,
      `${SOURCE}:7:7: receivers[1].pagerduty.routingkeyparameter: unknown key "routingkeyparameter"; did you mean "routingKeyParameter"?`,
    ],
  ],
  [
    'an e-mail receiver without its topic',
    edit('    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security', '    email: {}'),
    [
      `${SOURCE}:6:12: receivers[1].email.topicArn: missing: "stack" (the topic this stack creates) or an SNS topic ARN`,
    ],
  ],
  [
    'a Teams receiver without its workflow URL parameter',
    edit('    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security', '    teams: {}'),
    [
      `${SOURCE}:6:12: receivers[1].teams.workflowUrlParameter: missing: the SSM SecureString parameter holding the workflow's webhook URL, such as /cloud-alerts/prod/teams/security`,
    ],
  ],
  [
    'a webhook receiver without its URL or signing secret',
    edit(
      '    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security',
      '    webhook: {}',
    ),
    [
      `${SOURCE}:6:14: receivers[1].webhook.url: missing: the https:// URL the notifications are posted to`,
      `${SOURCE}:6:14: receivers[1].webhook.signingSecretParameter: missing: the SSM SecureString parameter holding the HMAC signing secret, such as /cloud-alerts/prod/webhook/signing`,
    ],
  ],
  [
    "a misspelt key in a webhook receiver's settings",
    edit(
      '    pagerduty:\n      routingKeyParameter: /cloud-alerts/dev/pagerduty/security',
      '    webhook: { url: "https://example.com/x", signingSecretParamter: /a/b }',
    ),
    [
      `${SOURCE}:6:14: receivers[1].webhook.signingSecretParameter: missing: the SSM SecureString parameter holding the HMAC signing secret, such as /cloud-alerts/prod/webhook/signing`,
      `${SOURCE}:6:46: receivers[1].webhook.signingSecretParamter: unknown key "signingSecretParamter"; did you mean "signingSecretParameter"?`,
    ],
  ],
  [
    'an unknown rule id in a route matcher, with the nearest rule',
    edit('{ severity: critical }', '{ rule: s3-bucket-policy-publc }'),
    [
      `${SOURCE}:11:22: route.routes[0].match.rule: unknown rule "s3-bucket-policy-publc"; did you mean "s3-bucket-policy-public"?`,
    ],
  ],
  [
    'an unknown rule id in a list, nothing near',
    edit('{ severity: critical }', '{ rule: [s3-bucket-policy-public, no-such-rule-at-all] }'),
    [
      `${SOURCE}:11:48: route.routes[0].match.rule[1]: unknown rule "no-such-rule-at-all" (docs/rules.md lists them)`,
    ],
  ],
  [
    'a rule glob that matches no rule',
    edit('{ severity: critical }', '{ rule: "iam-nothing-*" }'),
    [
      `${SOURCE}:11:22: route.routes[0].match.rule: rule "iam-nothing-*" matches no rule (docs/rules.md lists them)`,
    ],
  ],
  [
    'an unknown rule id in an allow-list entry and a silence',
    `${BASE}allowList:
  - { reason: ci, actor: ci, rule: [security-group-changd] }
silences:
  - match: { rule: cloudwatch-alarn }
    startsAt: 2026-01-01T00:00:00Z
    endsAt: 2026-01-02T00:00:00Z
    comment: work
    createdBy: ops
`,
    [
      `${SOURCE}:14:37: allowList[0].rule[0]: unknown rule "security-group-changd"; did you mean "security-group-changed"?`,
      `${SOURCE}:16:20: silences[0].match.rule: unknown rule "cloudwatch-alarn"; did you mean "cloudwatch-alarm"?`,
    ],
  ],
  [
    'a pasted key in a rule matcher is not echoed',
    edit('{ severity: critical }', '{ rule: 0123456789abcdef0123456789abcdef }'),
    [`${SOURCE}:11:22: route.routes[0].match.rule: unknown rule id (docs/rules.md lists them)`],
  ],
  [
    'a long string is not echoed (it may be a pasted secret)',
    `${BASE}alarms: { defaultSeverity: "https://hooks.slack.com/services/T0/B0/XXXX" }\n`,
    [
      `${SOURCE}:13:28: alarms.defaultSeverity: a string is not a severity (critical, high, medium, low, info)`,
    ],
  ],
];

describe('configuration errors', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    const problems = problemsOf(text);
    expect(problems).toEqual(expected);
    for (const problem of problems) {
      expect(problem).not.toMatch(/Invalid input|Invalid option|Unrecognized key|Too (small|big)/);
    }
  });
});

describe('rule ids the configuration names', () => {
  it.each(['iam-*', '*', 's3-*', 'forged-aws-event', 'cloudwatch-alarm-flapping', 'alert-group-summary'])(
    'accepts %s',
    (rule) => {
      expect(() => configProblems(edit('{ severity: critical }', `{ rule: "${rule}" }`), SOURCE)).toThrow(
        'expected a ConfigError',
      );
    },
  );
});

describe('nearestKey', () => {
  it.each([
    ['rout', ['receivers', 'route', 'accounts'], 'route'],
    ['recievers', ['receivers', 'route'], 'receivers'],
    ['Receivers', ['receivers', 'route'], 'receivers'],
    ['colour', ['enabled', 'timeoutMs', 'metric', 'logs', 'history'], undefined],
    ['ab', ['xy', 'route'], undefined],
  ])('%s among %j is %s', (key, known, nearest) => {
    expect(nearestKey(key, known)).toBe(nearest);
  });
});

/** zod's own wording, which must never reach a reader of a configuration error. */
const ZOD_WORDING =
  /\bInvalid\b|Unrecognized key|Too (small|big)|expected \w+, received|received undefined|Expected \w+/;

/** Every channel, both Slack modes, matchers, allow-list entries and silences: a seed for the walk below. */
const RICH = `accounts: { "123456789012": prod }
receivers:
  - name: slack-hook
    slack:
      webhookUrlParameter: /ca/dev/slack/hook
      mention: { target: here, severities: [critical] }
  - name: slack-app
    slack: { botTokenParameter: /ca/dev/slack/bot, channel: C0123ABCDEF }
  - name: pager
    pagerduty: { routingKeyParameter: /ca/dev/pd }
    budget: { perMinute: 10, burst: 5, reserve: 1 }
  - name: mail
    email: { topicArn: stack }
  - name: team
    teams: { workflowUrlParameter: /ca/dev/teams }
  - name: hook
    webhook: { url: "https://example.com/in", signingSecretParameter: /ca/dev/wh, headers: { X-Index: sec } }
route:
  receivers: [slack-hook]
  routes:
    - match: { severity: ">=high", rule: ["iam-*"], kind: cloudtrail, account: "1*", tags: { team: a } }
      receivers: [pager, mail]
      continue: true
allowList:
  - { reason: ci, actor: terraform-ci, rule: s3-bucket-policy-changed, sourceIp: 10.0.0.0/8, expires: 2099-01-01 }
silences:
  - match: { status: firing, severity: [low] }
    startsAt: 2026-01-01T00:00:00Z
    endsAt: 2099-01-01T00:00:00Z
    comment: work
    createdBy: ops
grouping: { groupIntervalMinutes: 5, repeatIntervalMinutes: 60 }
flapping: { transitions: 4, windowMinutes: 30 }
dedupe: { windowMinutes: 10 }
delivery: { overflowSummarySeconds: 30 }
alarms: { defaultSeverity: high }
`;

type Json = unknown;

/** Every path in a parsed YAML value, objects' keys and lists' items alike. */
function pathsOf(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
  return here;
}

/** A copy with `edit` applied to the parent of `path` (mutating the copy). */
function mutated(
  root: Json,
  path: Array<string | number>,
  edit: (parent: Record<string | number, Json>, key: string | number) => void,
): Json {
  const copy = structuredClone(root);
  let parent = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, Json>;
  edit(parent, path.at(-1) as string | number);
  return copy;
}

/** A typo a person makes: two neighbouring letters swapped. */
const swapped = (key: string) => (key.length < 3 ? `${key}x` : `${key[0]}${key[2]}${key[1]}${key.slice(3)}`);

describe('no broken shape gets zod wording', () => {
  const seed = parseYaml(RICH) as Json;
  const broken: Array<[string, Json]> = [];
  for (const path of pathsOf(seed)) {
    const name = path.join('.');
    for (const replacement of [7, 'x', [], {}, null, true, [7], { zz: 1 }])
      broken.push([
        `${name} = ${JSON.stringify(replacement)}`,
        mutated(seed, path, (p, k) => {
          p[k] = replacement;
        }),
      ]);
    const key = path.at(-1);
    if (typeof key === 'string') {
      broken.push([
        `${name} removed`,
        mutated(seed, path, (p, k) => {
          delete p[k];
        }),
      ]);
      broken.push([
        `${name} misspelt`,
        mutated(seed, path, (p, k) => {
          p[swapped(String(k))] = p[k];
          delete p[k];
        }),
      ]);
      broken.push([
        `${name} in upper case`,
        mutated(seed, path, (p, k) => {
          p[String(k).toUpperCase()] = p[k];
          delete p[k];
        }),
      ]);
    }
  }

  it('starts from a valid configuration', () => {
    expect(() => configProblems(RICH, SOURCE)).toThrow('expected a ConfigError');
  });

  it('walks hundreds of shapes', () => {
    expect(broken.length).toBeGreaterThan(500);
  });

  // A key misspelt, or written in the wrong case, in any section (not a mapping of names such as
  // accounts, tags or headers, where any key goes) is answered with the key it meant.
  const FREE_KEYS = /^(accounts|.*\.tags|.*\.headers)$/;
  const typos: Array<[string, Json, string]> = [];
  for (const path of pathsOf(seed)) {
    const key = path.at(-1);
    if (typeof key !== 'string' || key.length < 4 || FREE_KEYS.test(path.slice(0, -1).join('.'))) continue;
    for (const [how, typo] of [
      ['misspelt', swapped(key)],
      ['in lower case', key.toLowerCase()],
    ] as const) {
      if (typo === key) continue;
      typos.push([
        `${path.join('.')} ${how}`,
        mutated(seed, path, (p, k) => {
          p[typo] = p[k];
          delete p[k];
        }),
        `did you mean "${key}"?`,
      ]);
    }
  }

  it.each(typos)('%s: suggests the key', (_name, value, suggestion) => {
    const problems = configProblems(stringifyYaml(value), SOURCE);
    expect(problems.some((p) => p.endsWith(suggestion) || p.includes(`${suggestion.slice(0, -1)} for`))).toBe(
      true,
    );
  });

  it.each(broken)('%s', (_name, value) => {
    let problems: string[] = [];
    try {
      problems = configProblems(stringifyYaml(value), SOURCE);
    } catch (err) {
      // Some replacements are valid (a string where a string goes): nothing to explain.
      if (!(err instanceof Error && err.message === 'expected a ConfigError')) throw err;
    }
    for (const problem of problems) {
      expect(problem).toMatch(/^c\.yml:\d+:\d+: \S/);
      expect(problem).not.toMatch(ZOD_WORDING);
    }
  });
});
