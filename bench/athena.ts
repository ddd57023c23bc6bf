/**
 * How much the Athena prefilter narrows: the generated archive (shared/backtest/generate.ts, seeded,
 * default mix) in DuckDB as the CloudTrail table AWS documents (test/kit/athena-duckdb.ts), the
 * serverless.yml patterns' WHERE condition run over it, against what the pattern engine matches.
 * Rows selected are what Athena would return; bytes scanned depend on the table's storage, not on this.
 */
import { patternsCondition } from '../shared/backtest/athena/sql.ts';
import { generateLogFiles } from '../shared/backtest/generate.ts';
import { compilePattern, matchPattern } from '../shared/eventbridge/pattern.ts';
import { wrapCloudTrailRecord } from '../shared/replay/load.ts';
import { cloudTrailTable } from '../test/kit/athena-duckdb.ts';

export interface SelectivityFigures {
  records: number;
  selected: number;
  matched: number;
  /** Records the SQL selected that no pattern matched (the price of staying a superset). */
  extra: number;
  /** Matched records the SQL left out: must be 0. */
  dropped: number;
}

export async function benchAthenaSelectivity(
  patterns: unknown[],
  files = 40,
  recordsPerFile = 2500,
): Promise<SelectivityFigures> {
  const records = [...generateLogFiles({ seed: 7, files, recordsPerFile })].flatMap((f) => f.records);
  const table = await cloudTrailTable(records);
  try {
    const selected = await table.selected(patternsCondition(patterns));
    const compiled = patterns.map((p) => compilePattern(p));
    let matched = 0;
    let dropped = 0;
    for (const [i, r] of records.entries()) {
      if (typeof r.eventSource !== 'string' || typeof r.eventName !== 'string') continue;
      const event = wrapCloudTrailRecord(r);
      if (!compiled.some((p) => matchPattern(p, event))) continue;
      matched++;
      if (!selected.has(i)) dropped++;
    }
    return {
      records: records.length,
      selected: selected.size,
      matched,
      extra: selected.size - matched + dropped,
      dropped,
    };
  } finally {
    table.close();
  }
}

export function selectivityRows(f: SelectivityFigures): Array<[string, string, string]> {
  const pct = (n: number) => `${((n / f.records) * 100).toFixed(2)}%`;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    [
      `Athena prefilter selectivity on the generated archive: rows the SQL selects (DuckDB) / matched by the rules / total`,
      `${n(f.selected)} (${pct(f.selected)}) / ${n(f.matched)} (${pct(f.matched)}) / ${n(f.records)}`,
      'selected ⊇ matched',
    ],
    ['… matched records the SQL left out', n(f.dropped), '0'],
  ];
}
