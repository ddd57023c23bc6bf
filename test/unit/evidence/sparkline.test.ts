import { EVIDENCE_LINE_MAX, evidenceLine } from '../../../shared/evidence/limits.ts';
import { breaches, SPARKLINE_MAX, sparkline, thresholdLegend } from '../../../shared/evidence/sparkline.ts';
import { TRUNCATION_MARKER } from '../../../shared/notify/text.ts';

describe('sparkline', () => {
  it('spans min to max over the eight blocks when there is no threshold', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
  });

  it('draws a constant series at mid height, having nothing to compare it with', () => {
    expect(sparkline([3, 3, 3])).toBe('▄▄▄');
  });

  it('draws a constant series far below its threshold at the bottom', () => {
    expect(sparkline([0, 0, 0], { threshold: { value: 5, comparison: '≥' } })).toBe('▁▁▁');
  });

  it('draws only "·" when every datapoint is missing, NaN or infinite', () => {
    expect(sparkline([undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(
      '····',
    );
  });

  it('ignores NaN and Infinity as missing and scales the rest', () => {
    expect(sparkline([1, Number.NaN, 3, Number.POSITIVE_INFINITY, undefined])).toBe('▁·█··');
  });

  it('handles negative values', () => {
    expect(sparkline([-10, -5, 0, 5])).toBe('▁▃▆█');
    expect(sparkline([-10, -5, 0, 5], { threshold: { value: 0, comparison: '>' } })).toBe('▁▃▄█');
  });

  it('puts the threshold between ▄ and ▅: above it upper half, below it lower half', () => {
    expect(sparkline([0, 4, 5, 6, 14], { threshold: { value: 5, comparison: '>' } })).toBe('▁▄▄▅█');
  });

  it('draws a value equal to the threshold on its breaching side for ≥ and ≤, on the other for > and <', () => {
    const at = (comparison: '>' | '≥' | '<' | '≤') => sparkline([5], { threshold: { value: 5, comparison } });
    expect(at('≥')).toBe('▅');
    expect(at('>')).toBe('▄');
    expect(at('≤')).toBe('▄');
    expect(at('<')).toBe('▅');
  });

  it('draws a "<" alarm\'s breaching values in the lower half', () => {
    expect(sparkline([20, 10, 5, 0], { threshold: { value: 10, comparison: '<' } })).toBe('█▅▃▁');
    expect(sparkline([20, 10, 5, 0], { threshold: { value: 10, comparison: '≤' } })).toBe('█▄▃▁');
  });

  it('keeps the threshold meaning when it lies outside the data', () => {
    expect(sparkline([1, 2, 3], { threshold: { value: 100, comparison: '>' } })).toBe('▁▁▁');
    expect(sparkline([10, 15, 20], { threshold: { value: 5, comparison: '>' } })).toBe('▆▇█');
  });

  it('draws one point', () => {
    expect(sparkline([7])).toBe('▄');
    expect(sparkline([7], { threshold: { value: 5, comparison: '≥' } })).toBe('█');
  });

  it('scales with extra values (an anomaly band) so the row and the band share the scale', () => {
    expect(sparkline([5], { scaleWith: [0, 10] })).toBe('▅');
    expect(sparkline([0, 10], { scaleWith: [-10, 30, Number.NaN] })).toBe('▃▅');
  });

  it('keeps the newest values when the row is longer than allowed', () => {
    expect(sparkline([0, 1, 2, 3, 4], { maxLength: 3 })).toBe('▁▅█');
    const long = sparkline(Array.from({ length: 150 }, (_, i) => i));
    expect([...long]).toHaveLength(SPARKLINE_MAX);
    expect(long.at(-1)).toBe('█');
  });

  it('ignores a threshold that is not a number', () => {
    expect(sparkline([0, 7], { threshold: { value: Number.NaN, comparison: '>' } })).toBe('▁█');
  });
});

describe('thresholdLegend', () => {
  it('names the breaching half and the threshold with its unit', () => {
    expect(thresholdLegend({ value: 5, comparison: '>' }, 'Count')).toBe(
      '▅▆▇█ = above the threshold 5 Count',
    );
    expect(thresholdLegend({ value: 10, comparison: '<' })).toBe('▁▂▃▄ = below the threshold 10');
    expect(thresholdLegend({ value: 0.25, comparison: '≥' })).toBe('▅▆▇█ = at or above the threshold 0.25');
    expect(thresholdLegend({ value: 2.5, comparison: '≤' }, 'Percent')).toBe(
      '▁▂▃▄ = at or below the threshold 2.5 Percent',
    );
  });
});

describe('breaches', () => {
  it('compares as the alarm does', () => {
    expect(breaches(5, { value: 5, comparison: '≥' })).toBe(true);
    expect(breaches(5, { value: 5, comparison: '>' })).toBe(false);
    expect(breaches(4, { value: 5, comparison: '<' })).toBe(true);
    expect(breaches(5, { value: 5, comparison: '≤' })).toBe(true);
  });
});

describe('evidenceLine', () => {
  it('makes one inert line, links defused', () => {
    expect(evidenceLine('boom\n<!channel> see https://evil.example/x')).toBe(
      'boom <!channel> see https[:]//evil[.]example/x',
    );
  });

  it('cuts at EVIDENCE_LINE_MAX with the truncation marker', () => {
    const line = evidenceLine('x'.repeat(1000));
    expect(line).toHaveLength(EVIDENCE_LINE_MAX);
    expect(line.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});
