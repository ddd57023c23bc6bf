import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Which PagerDuty incidents this deployment opened, so a resolve is sent with priority only when it
 * closes something. In a storm most triggers are folded by the send budget or held by flapping; their
 * resolves would close nothing, yet sent ahead of everything (as a resolve must be when its incident
 * is open) they would use up the budget the one critical change needs.
 */
export interface IncidentLedger {
  /** A trigger under this key reached PagerDuty: its incident may be open. */
  opened(key: string, now: number): Promise<void>;
  /** True while a trigger under this key was sent and no resolve of it yet. */
  isOpen(key: string, now: number): Promise<boolean>;
  /** A resolve under this key reached PagerDuty. */
  closed(key: string, now: number): Promise<void>;
}

/**
 * How long an opened incident is remembered: PagerDuty keeps an incident open until it is resolved,
 * an alarm can stay in ALARM for weeks, and a forgotten one only costs its resolve its priority (it is
 * still sent when the budget allows), so long and cheap.
 */
export const INCIDENT_RETAIN_SECONDS = 90 * 24 * 60 * 60;

/**
 * The ledger's key: the routing key and the dedup key together (one dedup key on two services is two
 * incidents), as a digest, so neither the routing key nor attacker text is stored.
 */
export function incidentKey(routingKey: string, dedupKey: string): string {
  const digest = createHash('sha256').update(`${routingKey}\n${dedupKey}`).digest('hex').slice(0, 32);
  return `incident#pagerduty#${digest}`;
}

export function createMemoryIncidentLedger(): IncidentLedger & { size(): number } {
  const open = new Map<string, number>();
  const live = (key: string, now: number) => {
    const until = open.get(key);
    return until !== undefined && until * 1000 > now;
  };
  return {
    size: () => open.size,
    async opened(key, now) {
      open.set(key, Math.ceil(now / 1000) + INCIDENT_RETAIN_SECONDS);
    },
    async isOpen(key, now) {
      return live(key, now);
    },
    async closed(key) {
      open.delete(key);
    },
  };
}

export interface DynamoDbIncidentLedgerOptions {
  /** The state table: partition key `pk` (S), TTL attribute `expiresAt` (epoch seconds). */
  tableName: string;
  client: Pick<DynamoDBDocumentClient, 'send'>;
}

/**
 * In the state table, under `incident#pagerduty#…` (the only prefix besides its budgets the
 * PagerDuty notifier's role may write). UpdateItem and GetItem only: the role may not delete, so a
 * resolve marks the item closed rather than removing it, and TTL removes it later.
 */
export function createDynamoDbIncidentLedger(options: DynamoDbIncidentLedgerOptions): IncidentLedger {
  const { tableName, client } = options;
  const mark = async (key: string, open: boolean, now: number) => {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: key },
        UpdateExpression: 'SET #open = :open, #expiresAt = :exp',
        ExpressionAttributeNames: { '#open': 'open', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':open': open, ':exp': Math.ceil(now / 1000) + INCIDENT_RETAIN_SECONDS },
      }),
    );
  };
  return {
    opened: (key, now) => mark(key, true, now),
    closed: (key, now) => mark(key, false, now),
    async isOpen(key, now) {
      const out = await client.send(new GetCommand({ TableName: tableName, Key: { pk: key } }));
      if (out.Item?.open !== true) return false;
      // TTL deletes lazily: an expired item is gone, whatever it still says.
      const expiresAt: unknown = out.Item.expiresAt;
      return typeof expiresAt !== 'number' || expiresAt * 1000 > now;
    },
  };
}
