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
    [`${SOURCE}:7:7: receivers[1].pagerduty.routingKeyParameter: missing: expected a string`],
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
