import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { createAlertApp } from '../../../shared/app/alert.ts';
import {
  invokedLocally,
  placeholderSecret,
  placeholderSecrets,
  printingSender,
} from '../../../shared/app/local.ts';
import { localAlertPorts, printingBus } from '../../../shared/app/local-alert.ts';
import { ConfigSchema } from '../../../shared/config/schema.ts';
import { email } from '../../../shared/notify/channels/email/index.ts';
import { pagerduty } from '../../../shared/notify/channels/pagerduty/index.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { loadEvent } from '../../helpers/events.ts';
import { lambdaContext } from '../../helpers/lambda.ts';
import { buildAlert } from '../notify/fixtures.ts';

const config = ConfigSchema.parse({
  receivers: [
    { name: 'slack-ops', slack: { webhookUrlParameter: '/cloud-alerts/dev/slack/ops' } },
    { name: 'pager', pagerduty: { routingKeyParameter: '/cloud-alerts/dev/pagerduty/main' } },
    { name: 'mail', email: { topicArn: 'stack' } },
  ],
  route: { receivers: ['slack-ops', 'pager', 'mail'] },
});

function printed(): { print: (s: string) => void; text: () => string } {
  let out = '';
  return { print: (s) => (out += s), text: () => out };
}

describe('invokedLocally', () => {
  it('is true under `serverless invoke local`, which sets IS_LOCAL', () => {
    expect(invokedLocally({ IS_LOCAL: 'true' })).toBe(true);
  });

  it('is false in Lambda even when the function is configured with IS_LOCAL', () => {
    expect(invokedLocally({ IS_LOCAL: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe(false);
  });

  it('is false without IS_LOCAL', () => {
    expect(invokedLocally({})).toBe(false);
    expect(invokedLocally({ IS_LOCAL: 'false' })).toBe(false);
  });
});

describe('the alert function under invoke local', () => {
  it('prints each entry it would put on the bus and sends nothing', async () => {
    const out = printed();
    const app = createAlertApp(
      config,
      localAlertPorts(
        { ALERTS_BUS_NAME: 'cloud-alerts-dev-alerts' },
        { logger: silentLogger, print: out.print },
      ),
    );
    const outcome = await app.handleEvent(loadEvent('s3/put-bucket-acl-public-read.json'));
    expect(outcome).toMatchObject({ status: 'published', alerts: 1, notifications: 3 });
    expect(out.text()).toBe(
      [
        'alert would put 4 event(s) on cloud-alerts-dev-alerts (invoke local: nothing was sent):',
        '  Alert Raised: s3-bucket-acl-public critical firing: S3 bucket made public by ACL',
        '  Notification Requested: slack → slack-ops',
        '  Notification Requested: pagerduty → pager',
        '  Notification Requested: email → mail',
        '',
      ].join('\n'),
    );
  });

  it('says it reads no CloudWatch for an alarm, and alerts from the event', async () => {
    const out = printed();
    const app = createAlertApp(config, localAlertPorts({}, { logger: silentLogger, print: out.print }));
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    await app.handleEvent(event);
    expect(out.text()).toContain('not looked up (invoke local reads no CloudWatch)');
    expect(out.text()).toContain('alert would put');
  });

  it('keeps what it prints off the terminal controls', async () => {
    const out = printed();
    await printingBus('bus', out.print)([{ DetailType: 'Odd\u001b]52;c;aGk=\u0007', Detail: '{' }]);
    expect(out.text().includes('\u001b')).toBe(false);
    expect(out.text()).toContain('Odd\\x1b]52;c;aGk=\\x07');
  });
});

describe('the notifiers under invoke local', () => {
  it('print the request with the SSM parameter in place of the secret', async () => {
    const out = printed();
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      const sender = printingSender(slack, out.print);
      await sender.send(
        { text: 'hello', blocks: [] },
        {
          receiver: 'slack-ops',
          settings: { webhookUrlParameter: '/cloud-alerts/dev/slack/ops' },
          secret: '<webhook URL from SSM /cloud-alerts/dev/slack/ops>',
          request: { channel: 'slack', receiver: 'slack-ops', key: 'k', alert: buildAlert() },
        },
      );
      expect(out.text()).toBe(
        'notify-slack would POST to <webhook URL from SSM /cloud-alerts/dev/slack/ops> (invoke local: nothing was sent):\n{\n  "text": "hello",\n  "blocks": []\n}\n',
      );
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('put placeholders, never values, under the keys the SSM middleware uses, for their own channel only', async () => {
    const middleware = placeholderSecrets(config, pagerduty);
    const context: Context = lambdaContext('notify-pagerduty');
    await middleware.before?.({ event: {}, context, response: undefined, error: null, internal: {} });
    expect(context).toMatchObject({
      secret_pager: '<routing key from SSM /cloud-alerts/dev/pagerduty/main>',
    });
    expect(context).not.toHaveProperty('secret_slack_ops');
  });

  it('name the parameter for each kind of secret, and none for e-mail', () => {
    const [slackOps, pager, mail] = config.receivers;
    expect(slackOps && placeholderSecret(slackOps, slack)).toBe(
      '<webhook URL from SSM /cloud-alerts/dev/slack/ops>',
    );
    expect(pager && placeholderSecret(pager, pagerduty)).toBe(
      '<routing key from SSM /cloud-alerts/dev/pagerduty/main>',
    );
    expect(mail && placeholderSecret(mail, email)).toBeUndefined();
  });
});
