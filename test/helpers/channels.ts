import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { formatResult } from '../../cli/format.ts';
import { loadAlarmTagsFile } from '../../shared/alarms/tags-file.ts';
import { notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { DeadLetterRecord } from '../../shared/delivery/dead-letter.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { replayHeartbeatIdentity } from '../../shared/heartbeat/heartbeat.ts';
import type { AnyChannelPlugin, SenderOptions } from '../../shared/notify/channels/types.ts';
import { inputsFromFile } from '../../shared/replay/load.ts';
import { createReplayer } from '../../shared/replay/replay.ts';

/**
 * A channel's notifier as functions/notify-<name> wires it in Lambda: the plug-in's own sender, the
 * receiver's secret read by secretsFromSsm from `ssm` (a mocked SSMClient answering with `secret`),
 * and the dead-letter queue recorded. For a channel's end-to-end test against its local stand-in.
 */
export function notifierWithSecret(
  ssm: AwsClientStub<SSMClient>,
  plugin: AnyChannelPlugin,
  config: Config,
  secret: { parameter: string; value: string },
  senderOptions?: SenderOptions,
) {
  ssm.reset();
  ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: secret.parameter, Value: secret.value, Type: 'SecureString' }],
    InvalidParameters: [],
  });
  const deadLettered: DeadLetterRecord[] = [];
  const handler = notifierHandler(plugin, config, {
    sender: plugin.createSender(senderOptions),
    secrets: secretsFromSsm(config, plugin, {
      client: new SSMClient({ region: 'eu-west-1' }),
      region: 'eu-west-1',
    }),
    delivery: {
      deadLetter: async (record) => {
        deadLettered.push(record);
      },
    },
  });
  return { handler, deadLettered };
}

/** One sample replayed with config/examples/multi-team.yml, and what `cloud-alerts replay` prints for it. */
export async function replayMultiTeam(sample: string) {
  const replay = createReplayer({
    rules: readServerlessRules('serverless.yml', { stage: 'dev' }),
    config: loadConfigFile('config/examples/multi-team.yml', { stage: 'dev' }),
    alarmLookup: loadAlarmTagsFile('events/alarm-tags.yml'),
    heartbeat: replayHeartbeatIdentity('cloud-alerts', 'dev'),
  });
  const [input] = inputsFromFile(sample);
  if (!input) throw new Error(`no event in ${sample}`);
  const result = await replay(input.source, input.event);
  return { result, printed: formatResult(result, { color: false }) };
}
