import { readFileSync } from 'node:fs';
import { CLOUDTRAIL_RULES } from '../../../shared/detect/catalog.ts';

const doc = readFileSync('docs/cost.md', 'utf8');
const serverlessYml = readFileSync('serverless.yml', 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next === -1 ? undefined : next);
}

type Row = [item: string, quantity: string, cost: string];

/** The rows of a section's first table, as cells (the header and its rule left out). */
function tableRows(text: string): Row[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .slice(2)
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    )
    .map(([item = '', quantity = '', cost = '']): Row => [item, quantity, cost]);
}

/** A cost cell: one figure or a range `$low – $high`; undefined when it has no figure. */
function money(cell: string): [number, number] | undefined {
  const figures = [...cell.matchAll(/\$(\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
  const [low, high = low] = figures;
  return low === undefined || high === undefined ? undefined : [low, high];
}

const dollars = (text: string, pattern: RegExp) => {
  const m = pattern.exec(text);
  if (!m) throw new Error(`not in docs/cost.md: ${pattern}`);
  const figures = m.slice(1).map(Number);
  // A missing group reads as NaN, which no assertion below accepts.
  return Array.from({ length: 6 }, (_, i) => figures[i] ?? Number.NaN) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
};

describe('docs/cost.md', () => {
  const example = section('Worked example');
  const rows = tableRows(example);
  const total = rows.find((r) => r[0] === '**traffic total**');
  const lines = rows.filter((r) => r !== total);
  const metricLines = lines.filter((r) => r[0].startsWith('custom metrics'));
  const sum = (rs: Row[], i: 0 | 1) => rs.reduce((acc, r) => acc + (money(r[2]) ?? [0, 0])[i], 0);

  it('the worked example has lines, custom metrics and logs among them, and a total', () => {
    expect(total).toBeDefined();
    expect(metricLines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((r) => r[0].includes('Logs ingestion'))).toBe(true);
    expect(lines.some((r) => r[0].includes('Logs storage'))).toBe(true);
    // A line without a figure says why, rather than counting silently as zero.
    for (const r of lines) if (!money(r[2])) expect(r[2]).toBe('not verified');
  });

  it("the worked example's total is the sum of its lines, at the cent it is rounded to", () => {
    const [low, high] = money(total?.[2] ?? '') ?? [Number.NaN, Number.NaN];
    expect(Math.abs(sum(lines, 0) - low)).toBeLessThan(0.005);
    expect(Math.abs(sum(lines, 1) - high)).toBeLessThan(0.005);
  });

  it('the traffic without custom metrics, and the month, are what the lines add up to', () => {
    const rest = lines.filter((r) => !metricLines.includes(r));
    const [withoutMetrics] = dollars(example, /Without the custom metrics the traffic is \$(\d+\.\d+)/);
    expect(withoutMetrics).toBeCloseTo(sum(rest, 0), 4);
    const [cents] = dollars(example, /about (\d+\.\d+) cents/);
    expect(cents).toBeCloseTo(withoutMetrics * 100, 1);

    const [fixedLow, fixedHigh] = dollars(
      doc,
      /\*\*About \$(\d+\.\d+) to \$(\d+\.\d+) a month per stage\*\*/,
    );
    const [low, high] = money(total?.[2] ?? '') ?? [];
    const [monthFixedLow, monthFixedHigh, trafficLow, trafficHigh, allLow, allHigh] = dollars(
      example,
      /the fixed \*\*\$(\d+\.\d+) to \$(\d+\.\d+)\*\* plus \*\*\$(\d+\.\d+) to \$(\d+\.\d+)\*\* of traffic, \*\*\$(\d+\.\d+) to \$(\d+\.\d+)\*\*/,
    );
    expect([monthFixedLow, monthFixedHigh]).toEqual([fixedLow, fixedHigh]);
    expect([trafficLow, trafficHigh]).toEqual([low, high]);
    expect(allLow).toBeCloseTo(fixedLow + trafficLow, 2);
    expect(allHigh).toBeCloseTo(fixedHigh + trafficHigh, 2);
  });

  it("the custom-metrics ceiling counts the catalog's rules, and the retention is the template's", () => {
    // The CloudTrail rules plus cloudwatch-alarm, forged-aws-event and generic-event.
    const rules = CLOUDTRAIL_RULES.length + 3;
    const series = 2 + rules + rules * 2 + 1;
    const metrics = section("The alert function's custom metrics");
    expect(metrics).toContain(`at most ${rules} (${CLOUDTRAIL_RULES.length} CloudTrail rules`);
    expect(metrics).toContain(`${rules} × 2 + 1 = ${rules * 2 + 1}`);
    const [n, price, ceiling] = dollars(metrics, /(\d+) × \$(\d+\.\d+) = \*\*\$(\d+\.\d+)\*\*/);
    expect(n).toBe(series);
    expect(ceiling).toBeCloseTo(series * price, 2);
    const [days] = dollars(serverlessYml, /logRetentionInDays: (\d+)/);
    expect(doc).toContain(`\`logRetentionInDays: ${days}\``);
  });
});
