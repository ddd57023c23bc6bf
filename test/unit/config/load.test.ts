import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  loadConfigFile,
  MAX_ALIAS_EXPANSION,
  parseConfig,
} from '../../../shared/config/load.ts';
import type { ReceiverFor } from '../../../shared/config/schema.ts';
import { CHANNEL_PLUGINS } from '../../../shared/notify/channels/registry.ts';
import { slack as slackPlugin } from '../../../shared/notify/channels/slack/index.ts';
import { configProblems } from '../../helpers/config.ts';

// Every registered channel, in the registry's order: a new plug-in changes the message, not this test.
const CHANNEL_LIST = CHANNEL_PLUGINS.map((p) => p.name).join(', ');

const SOURCE = 'cloud-alerts.yml';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config placeholder is the literal text ${stage}
const SLACK_PARAMETER = '/cloud-alerts/${stage}/slack/security';

const problemsOf = (text: string): string[] => configProblems(text, SOURCE);

const VALID = `accounts:
  "123456789012": production
receivers:
  - name: slack-security
    slack:
      webhookUrlParameter: /cloud-alerts/\${stage}/slack/security
  - name: pager
    pagerduty:
      routingKeyParameter: /cloud-alerts/\${stage}/pagerduty/security
route:
  receivers: [slack-security]
  routes:
    - match: { severity: ">=high" }
      receivers: [pager]
`;

describe('loadConfigFile', () => {
  it('parses the repository config with stage prod, naming /prod/ parameters', () => {
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'prod' });
    expect(config.receivers.map((r) => r.name)).toEqual([
      'slack-default',
      'pagerduty-default',
      'email-default',
    ]);
    const params = config.receivers.flatMap((r) =>
      'slack' in r
        ? [slackPlugin.secret(r.slack)?.parameter]
        : 'pagerduty' in r
          ? [r.pagerduty.routingKeyParameter]
          : [],
    );
    expect(params).toEqual(['/cloud-alerts/prod/slack/default', '/cloud-alerts/prod/pagerduty/default']);
    expect(config.accounts).toEqual({ '123456789012': 'example-production' });
    expect(config.route.routes).toHaveLength(3);
  });

  it('replaces the stage placeholder with the dev stage too', () => {
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
    const slack = config.receivers[0] as ReceiverFor<'slack'>;
    expect(slackPlugin.secret(slack.slack)?.parameter).toBe('/cloud-alerts/dev/slack/default');
    expect(slack.slack.mention).toEqual({ target: 'here', severities: ['critical'] });
  });

  it('reports a missing file as a ConfigError naming it', () => {
    expect(() => loadConfigFile('config/does-not-exist.yml', { stage: 'dev' })).toThrow(
      /cannot read configuration config\/does-not-exist\.yml/,
    );
  });

  it('names the file in every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-config-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(file, VALID.replace('receivers: [pager]', 'receivers: [ghost]'));
    try {
      expect(() => loadConfigFile(file, { stage: 'dev' })).toThrow(
        expect.objectContaining({
          problems: [`${file}:14:19: route.routes[0].receivers[0]: unknown receiver "ghost"`],
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseConfig', () => {
  it('accepts a valid config and defaults accounts to {}', () => {
    const config = parseConfig(VALID.replace(/^accounts:\n.*\n/, ''), { stage: 'qa' });
    expect(config.accounts).toEqual({});
    expect(config.route.receivers).toEqual(['slack-security']);
  });

  it('reports an unknown receiver in a route at the line of the reference', () => {
    const text = VALID.replace('receivers: [pager]', 'receivers: [pagr]');
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:14:19: route.routes[0].receivers[0]: unknown receiver "pagr"`,
    ]);
  });

  it('reports a duplicate receiver name at the second definition', () => {
    const text = VALID.replace('- name: pager', '- name: slack-security').replace(
      '[pager]',
      '[slack-security]',
    );
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:7:11: receivers[1].name: duplicate receiver "slack-security"`,
    ]);
  });

  it('reports a webhook URL pasted where an SSM parameter name belongs', () => {
    const text = VALID.replace(SLACK_PARAMETER, 'https://hooks.slack.com/services/T000/B000/XXXXXXXX');
    const problems = problemsOf(text);
    expect(problems).toEqual([
      `${SOURCE}:6:28: receivers[0].slack.webhookUrlParameter: must be an SSM parameter name such as /cloud-alerts/prod/slack/security`,
    ]);
  });

  it('says which channels a receiver may name when it names none it knows, or two', () => {
    expect(problemsOf(VALID.replace('    slack:', '    slak:'))).toEqual([
      `${SOURCE}:4:5: receivers[0]: a receiver names exactly one channel (${CHANNEL_LIST}) besides name and budget; this one names "slak"; did you mean "slack" for "slak"?`,
    ]);
    const both = VALID.replace('    slack:', '    email: { topicArn: stack }\n    slack:');
    expect(problemsOf(both)).toEqual([
      `${SOURCE}:4:5: receivers[0]: a receiver names exactly one channel (${CHANNEL_LIST}) besides name and budget; this one names "email", "slack"`,
    ]);
  });

  it('does not echo the pasted webhook URL in the message', () => {
    const text = VALID.replace(SLACK_PARAMETER, 'https://hooks.slack.com/services/T0/B0/SECRET');
    expect(problemsOf(text).join('\n')).not.toContain('SECRET');
  });

  it('refuses a parameter ARN, saying receivers name parameters of the stack account and region', () => {
    const text = VALID.replace(SLACK_PARAMETER, 'arn:aws:ssm:us-east-1:444455556666:parameter/shared/slack');
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:6:28: receivers[0].slack.webhookUrlParameter: name a parameter of the stack's own account and region, such as /cloud-alerts/prod/slack/security; ARNs (parameters of other accounts or regions) are not supported`,
    ]);
  });

  it('refuses a KMS alias where a key ARN belongs', () => {
    const text = VALID.replace(
      `webhookUrlParameter: ${SLACK_PARAMETER}`,
      `webhookUrlParameter: ${SLACK_PARAMETER}\n      kmsKeyArn: alias/slack-secrets`,
    );
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:7:18: receivers[0].slack.kmsKeyArn: a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (IAM grants keys by ARN, not by alias)`,
    ]);
  });

  it('refuses a key on the stack topic, which is encrypted with the stack key', () => {
    const text = VALID.replace(
      'route:',
      `  - name: mail
    email: { topicArn: stack, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-0000-4000-8000-000000000001" }
route:`,
    );
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:11:42: receivers[2].email.kmsKeyArn: the stack's topic is encrypted with the stack's own key: kmsKeyArn is only for a topic named by ARN`,
    ]);
  });

  it('with a region, refuses a topic of another region at its line, naming the receiver', () => {
    const text = VALID.replace(
      'route:',
      `  - name: audit
    email: { topicArn: "arn:aws:sns:eu-west-1:123456789012:audit" }
route:`,
    );
    expect(parseConfig(text, { stage: 'dev', region: 'eu-west-1' }).receivers).toHaveLength(3);
    expect(() => parseConfig(text, { stage: 'dev', source: SOURCE, region: 'us-east-1' })).toThrow(
      expect.objectContaining({
        problems: [
          `${SOURCE}:11:24: receivers[2].email.topicArn: receiver audit: the topic is in eu-west-1, but notify-email publishes in us-east-1 and SNS publishes only to topics of its own region; create the topic in us-east-1, or deploy the stack to eu-west-1`,
        ],
      }),
    );
  });

  it.each(['>=urgent', '=>high', 'HIGH', '>= high'])('reports the severity expression %p', (expr) => {
    const text = VALID.replace('">=high"', `"${expr}"`);
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      new RegExp(
        `^${SOURCE.replace('.', '\\.')}:13:26: route\\.routes\\[0\\]\\.match\\.severity: a severity`,
      ),
    );
  });

  it('reports unknown keys (strict), one problem each', () => {
    const text = `${VALID.replace('  receivers: [slack-security]\n', '  receivers: [slack-security]\n  recievers: [pager]\n')}extra: 1\n`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^cloud-alerts\.yml:\d+:\d+: route\.recievers: unknown key "recievers"; did you mean "receivers"\?$/,
    );
    expect(problems[1]).toMatch(
      /^cloud-alerts\.yml:\d+:1: extra: unknown key "extra"; expected one of accounts, /,
    );
  });

  it('reports an account id that is not 12 digits', () => {
    const problems = problemsOf(VALID.replace('"123456789012"', '"12345"'));
    expect(problems).toHaveLength(1);
    // The schema's own wording ("a 12-digit account id") is lost: zod reports record keys as
    // "Invalid key in record" with the detail nested. The line and path still point at it.
    expect(problems[0]).toMatch(/^cloud-alerts\.yml:2:12: accounts\.12345: /);
  });

  it('lists every problem in ConfigError.problems and in the message', () => {
    const text = VALID.replace('receivers: [pager]', 'receivers: [nobody, pager, ghost]');
    let error: unknown;
    try {
      parseConfig(text, { stage: 'dev', source: SOURCE });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      `${SOURCE}:14:19: route.routes[0].receivers[0]: unknown receiver "nobody"`,
      `${SOURCE}:14:34: route.routes[0].receivers[2]: unknown receiver "ghost"`,
    ]);
    expect((error as Error).message).toBe(`invalid configuration in ${SOURCE}:\n  ${problems.join('\n  ')}`);
    expect((error as Error).name).toBe('ConfigError');
  });

  it('reports invalid YAML as a ConfigError', () => {
    expect(() => parseConfig('receivers: [\n', { stage: 'dev', source: SOURCE })).toThrow(
      /^invalid YAML in cloud-alerts\.yml:/,
    );
  });

  it('reports invalid YAML at the line and column of the problem', () => {
    const text = `receivers:
  - name: a
    slack: { webhookUrlParameter: /x/y }
route:
  receivers: [a
  routes: }
`;
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^cloud-alerts\.yml:6:3: /);
  });

  it('refuses a billion-laughs alias bomb with one problem at the alias that passes the bound', () => {
    // Nine aliases to nine aliases to …: 1 KB of text that would expand to 9^9 strings.
    const levels = 'abcdefghi'.split('');
    const bomb = levels
      .map((name, i) => {
        const prev = levels[i - 1];
        const items = prev ? Array(9).fill(`*${prev}`) : Array(9).fill('"lol"');
        return `${name}: &${name} [${items.join(', ')}]`;
      })
      .join('\n');
    const text = `${bomb}\nreceivers: *i\nroute: { receivers: [x] }\n`;
    // a..d add 10 + 9*10 + 9*91 + 9*820 = 8289 nodes; the first *d on line 5 adds 7381 more.
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:5:8: alias *d: aliases expand the file past ${MAX_ALIAS_EXPANSION} nodes (nested anchors multiply); write the values out`,
    ]);
  });

  it('refuses lists nested 20,000 deep (which ran the yaml parser out of memory) with one problem at the level past the bound', () => {
    const text = `receivers: []\nroute:\n  receivers: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    expect(problemsOf(text)).toEqual([
      `${SOURCE}:3:${14 + 256}: lists and maps nest deeper than 256 levels; no configuration needs that`,
    ]);
  });

  it('counts no brackets inside quotes or comments', () => {
    const brackets = '['.repeat(300);
    const text = `# ${brackets}\nreceivers:\n  - name: x\n    slack: { webhookUrlParameter: "/x/${brackets}" }\nroute: { receivers: [x] }\n`;
    expect(problemsOf(text).join(' ')).not.toContain('nest deeper');
  });

  it('refuses an alias inside the node it names', () => {
    expect(problemsOf('receivers: &r\n  - name: x\n    slack: *r\nroute: { receivers: [x] }\n')).toEqual([
      `${SOURCE}:3:12: alias *r is inside the node it names; write the value out`,
    ]);
  });

  it('accepts an anchor reused in many routes, which expands to no more than it says', () => {
    const routes = Array.from(
      { length: 150 },
      (_, i) => `    - { match: { account: a${i} }, receivers: *team }`,
    );
    const text = `receivers:
  - name: slack
    slack: { webhookUrlParameter: /x/slack }
route:
  receivers: &team [slack]
  routes:
${routes.join('\n')}
`;
    expect(parseConfig(text, { stage: 'dev', source: SOURCE }).route.routes).toHaveLength(150);
  });

  it('reports an empty file as not a mapping', () => {
    expect(problemsOf('')).toEqual([`${SOURCE}:1:1: not a mapping`]);
  });

  it('reports a top-level list', () => {
    expect(problemsOf('- a\n')).toEqual([`${SOURCE}:1:1: (top level): expected a mapping; got a list`]);
  });

  it('uses "config" as the source when none is given', () => {
    expect(() => parseConfig('', { stage: 'dev' })).toThrow(
      'config: expected a YAML mapping with receivers and route',
    );
  });
});

describe('Slack receivers: webhook or app mode', () => {
  const withSlack = (lines: string) =>
    VALID.replace(`    slack:\n      webhookUrlParameter: ${SLACK_PARAMETER}\n`, `    slack:\n${lines}`);

  it('accepts an app receiver: bot token parameter and channel ID', () => {
    const config = parseConfig(
      withSlack(
        `      botTokenParameter: ${SLACK_PARAMETER.replace('security', 'bot')}\n      channel: C0123ABCDEF\n`,
      ),
      { stage: 'dev', source: SOURCE },
    );
    const receiver = config.receivers[0] as ReceiverFor<'slack'>;
    expect(receiver.slack).toEqual({
      botTokenParameter: '/cloud-alerts/dev/slack/bot',
      channel: 'C0123ABCDEF',
    });
    expect(slackPlugin.secret(receiver.slack)).toMatchObject({
      parameter: '/cloud-alerts/dev/slack/bot',
      field: 'botTokenParameter',
      what: 'bot token',
    });
  });

  it('names both keys when a receiver gives both or neither', () => {
    for (const lines of [
      `      webhookUrlParameter: ${SLACK_PARAMETER}\n      botTokenParameter: /x/bot\n      channel: C0123ABCDEF\n`,
      '      kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab\n',
    ]) {
      const problems = problemsOf(withSlack(lines));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(
        'exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter',
      );
    }
  });

  it("says what is wrong with the mode's settings: a channel name instead of its ID, a missing channel", () => {
    const named = problemsOf(withSlack('      botTokenParameter: /x/bot\n      channel: "#security"\n'));
    expect(named.join('\n')).toContain('channel: a channel ID such as C0123ABCDEF, not a name');
    const missing = problemsOf(withSlack('      botTokenParameter: /x/bot\n'));
    expect(missing.join('\n')).toMatch(/channel: /);
    const mixed = problemsOf(
      withSlack(
        '      botTokenParameter: /x/bot\n      channel: C0123ABCDEF\n      webhookUrl: https://hooks.slack.com/x\n',
      ),
    );
    expect(mixed.join('\n')).toContain('webhookUrl');
    expect(mixed.join('\n')).not.toContain('hooks.slack.com');
  });
});
