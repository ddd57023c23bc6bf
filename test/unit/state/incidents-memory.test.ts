import { createMemoryIncidentLedger, incidentKey } from '../../../shared/state/incidents.ts';
import { incidentLedgerContract } from './incidents-contract.ts';

incidentLedgerContract('memory', () => createMemoryIncidentLedger());

describe('incidentKey', () => {
  it('is a digest under the PagerDuty notifier’s prefix: no routing key, no attacker text', () => {
    const key = incidentKey('0123456789abcdef0123456789abcdef', 'cloud-alerts/<script>/x');
    expect(key).toMatch(/^incident#pagerduty#[0-9a-f]{32}$/);
  });
});
