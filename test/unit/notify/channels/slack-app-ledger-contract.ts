import {
  SLACK_MESSAGE_RETAIN_SECONDS,
  type SlackMessageLedger,
  slackMessageKey,
} from '../../../../shared/state/slack-messages.ts';

export const T0 = Date.parse('2026-11-24T03:00:00Z');

const record = {
  channel: 'C0123ABCDEF',
  ts: '1764039600.000100',
  firstAt: T0,
  status: 'firing' as const,
  at: T0,
};

/** The contract every Slack message ledger keeps: run against memory and against dynalite. */
export function slackMessageLedgerContract(name: string, make: () => SlackMessageLedger): void {
  describe(`slack message ledger: ${name}`, () => {
    it('remembers the message of an alert key until it is replaced', async () => {
      const ledger = make();
      const key = slackMessageKey('xoxb-token-a', 'C0123ABCDEF', `cloud-alerts/alarm/${name}-1`);
      expect(await ledger.get(key, T0)).toBeUndefined();
      await ledger.put(key, record, T0);
      expect(await ledger.get(key, T0 + 1000)).toEqual(record);
      await ledger.put(key, { ...record, status: 'resolved', at: T0 + 2000 }, T0 + 2000);
      expect(await ledger.get(key, T0 + 3000)).toEqual({ ...record, status: 'resolved', at: T0 + 2000 });
    });

    it('keeps the record of the later event when an older one is written after it (out of order)', async () => {
      const ledger = make();
      const key = slackMessageKey('xoxb-token-a', 'C0123ABCDEF', `cloud-alerts/alarm/${name}-4`);
      const resolved = { ...record, ts: '1764039600.000200', status: 'resolved' as const, at: T0 + 20_000 };
      expect(await ledger.put(key, resolved, T0 + 1000)).toBe(true);
      // The ALARM's notifier finishes second: its record must not bring the episode back to firing.
      expect(await ledger.put(key, record, T0 + 2000)).toBe(false);
      expect(await ledger.get(key, T0 + 3000)).toEqual(resolved);
      // An event at the same time or later still replaces it.
      expect(await ledger.put(key, { ...record, at: T0 + 20_000 }, T0 + 4000)).toBe(true);
      expect(await ledger.get(key, T0 + 5000)).toEqual({ ...record, at: T0 + 20_000 });
    });

    it('keeps channels and workspaces apart: one alert key under two tokens or channels is two messages', async () => {
      const ledger = make();
      const dedupKey = `cloud-alerts/alarm/${name}-2`;
      await ledger.put(slackMessageKey('xoxb-token-a', 'C0123ABCDEF', dedupKey), record, T0);
      expect(await ledger.get(slackMessageKey('xoxb-token-b', 'C0123ABCDEF', dedupKey), T0)).toBeUndefined();
      expect(await ledger.get(slackMessageKey('xoxb-token-a', 'C0999ZZZZZZ', dedupKey), T0)).toBeUndefined();
    });

    it('forgets a message after its retention, as TTL would', async () => {
      const ledger = make();
      const key = slackMessageKey('xoxb-token-a', 'C0123ABCDEF', `cloud-alerts/alarm/${name}-3`);
      await ledger.put(key, record, T0);
      expect(await ledger.get(key, T0 + (SLACK_MESSAGE_RETAIN_SECONDS - 60) * 1000)).toEqual(record);
      expect(await ledger.get(key, T0 + (SLACK_MESSAGE_RETAIN_SECONDS + 60) * 1000)).toBeUndefined();
    });
  });
}
