import {
  INCIDENT_RETAIN_SECONDS,
  type IncidentLedger,
  incidentKey,
} from '../../../shared/state/incidents.ts';

const T0 = Date.parse('2026-11-24T03:00:00Z');

/** The contract every incident ledger keeps: run against memory and against dynalite. */
export function incidentLedgerContract(name: string, make: () => IncidentLedger): void {
  describe(`incident ledger: ${name}`, () => {
    it('knows an incident from the moment its trigger is recorded until its resolve is', async () => {
      const ledger = make();
      const key = incidentKey('routing-key-a', `cloud-alerts/alarm/${name}-1`);
      expect(await ledger.isOpen(key, T0)).toBe(false);
      await ledger.opened(key, T0);
      expect(await ledger.isOpen(key, T0 + 1000)).toBe(true);
      await ledger.closed(key, T0 + 2000);
      expect(await ledger.isOpen(key, T0 + 3000)).toBe(false);
      await ledger.opened(key, T0 + 4000);
      expect(await ledger.isOpen(key, T0 + 5000)).toBe(true);
    });

    it('keeps two services apart: one dedup key under two routing keys is two incidents', async () => {
      const ledger = make();
      await ledger.opened(incidentKey('routing-key-a', `cloud-alerts/alarm/${name}-2`), T0);
      expect(await ledger.isOpen(incidentKey('routing-key-b', `cloud-alerts/alarm/${name}-2`), T0)).toBe(
        false,
      );
    });

    it('forgets an incident after its retention, as TTL would', async () => {
      const ledger = make();
      const key = incidentKey('routing-key-a', `cloud-alerts/alarm/${name}-3`);
      await ledger.opened(key, T0);
      expect(await ledger.isOpen(key, T0 + (INCIDENT_RETAIN_SECONDS - 60) * 1000)).toBe(true);
      expect(await ledger.isOpen(key, T0 + (INCIDENT_RETAIN_SECONDS + 60) * 1000)).toBe(false);
    });
  });
}
