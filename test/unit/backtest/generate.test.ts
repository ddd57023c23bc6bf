import { DANGEROUS_SAMPLES, generateLogFiles, seededRandom } from '../../../shared/backtest/generate.ts';

describe('generateLogFiles', () => {
  it('gives the same files for the same seed and different ones for another', () => {
    const a = [...generateLogFiles({ seed: 3, files: 2, recordsPerFile: 50 })];
    const b = [...generateLogFiles({ seed: 3, files: 2, recordsPerFile: 50 })];
    const c = [...generateLogFiles({ seed: 4, files: 2, recordsPerFile: 50 })];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('names files the way CloudTrail writes them to S3, five minutes apart', () => {
    const files = [...generateLogFiles({ seed: 1, files: 2, recordsPerFile: 1 })].map((f) => f.path);
    expect(files[0]).toMatch(
      /^AWSLogs\/123456789012\/CloudTrail\/eu-west-1\/2026\/11\/01\/123456789012_CloudTrail_eu-west-1_20261101T0000Z_[0-9a-f]{16}\.json\.gz$/,
    );
    expect(files[1]).toContain('_20261101T0005Z_');
  });

  it('is mostly read-only noise with a few per cent of writes and rare dangerous changes', () => {
    const records = [...generateLogFiles({ seed: 11, files: 4, recordsPerFile: 5000 })].flatMap(
      (f) => f.records,
    );
    const readOnly = records.filter((r) => r.readOnly === true).length / records.length;
    const dangerousNames = new Set([
      'PutBucketAcl',
      'PutBucketPolicy',
      'DeleteBucketPublicAccessBlock',
      'AttachUserPolicy',
      'PutUserPolicy',
    ]);
    const dangerous = records.filter((r) => dangerousNames.has(String(r.eventName))).length / records.length;
    expect(readOnly).toBeGreaterThan(0.93);
    expect(readOnly).toBeLessThan(0.97);
    expect(dangerous).toBeGreaterThan(0);
    expect(dangerous).toBeLessThan(0.01);
    for (const r of records) {
      expect(typeof r.eventID).toBe('string');
      expect(r.eventSource).toMatch(/\.amazonaws\.com$/);
      expect(r.eventTime).toMatch(/^2026-11-01T\d\d:\d\d:\d\dZ$/);
    }
    expect(DANGEROUS_SAMPLES.length).toBeGreaterThan(5);
  });

  it('draws numbers in [0, 1) repeatably from a seed', () => {
    const r = seededRandom(42);
    const xs = Array.from({ length: 1000 }, r);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, seededRandom(42))).toEqual(xs);
  });
});
