import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsPort } from '../pipeline/publish.ts';

/** PutEvents through a real client; the port keeps the domain free of the SDK's command objects. */
export function putEventsWith(client: EventBridgeClient): PutEventsPort {
  return (entries) => client.send(new PutEventsCommand({ Entries: entries }));
}

export { EventBridgeClient };
