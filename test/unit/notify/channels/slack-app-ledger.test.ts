import { createMemorySlackMessageLedger, slackMessageKey } from '../../../../shared/state/slack-messages.ts';
import { slackMessageLedgerContract } from './slack-app-ledger-contract.ts';

slackMessageLedgerContract('memory', () => createMemorySlackMessageLedger());

describe('slackMessageKey', () => {
  it('is slackmsg#<20 hex>#<20 hex>, holding neither the token nor the alert key', () => {
    const key = slackMessageKey('xoxb-1234-5678-secret', 'C0123ABCDEF', '<!channel> evil/dedup');
    expect(key).toMatch(/^slackmsg#[0-9a-f]{20}#[0-9a-f]{20}$/);
    expect(key).not.toContain('xoxb');
    expect(key).not.toContain('channel');
  });

  it('is stable for the same token, channel and alert key', () => {
    expect(slackMessageKey('t', 'C0123ABCDEF', 'k')).toBe(slackMessageKey('t', 'C0123ABCDEF', 'k'));
    expect(slackMessageKey('t', 'C0123ABCDEF', 'k')).not.toBe(slackMessageKey('t', 'C0123ABCDEF', 'k2'));
  });
});
