/**
 * A metric series as one row of text that reads the same in Slack, PagerDuty's custom_details and a
 * plain-text e-mail: the eight block elements U+2581–U+2588, which every monospace and proportional
 * font we target has, and "·" for a period without data. Pure: no clock, no locale.
 */
import type { StaticComparison } from '../enrich/alarm.ts';
import { num } from '../enrich/alarm.ts';

export const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
export const NO_DATA = '·';
export const LOWER_HALF = '▁▂▃▄';
export const UPPER_HALF = '▅▆▇█';
/** The widest row we draw: config `metric.periods` allows at most 100. */
export const SPARKLINE_MAX = 100;

export interface SparkThreshold {
  value: number;
  comparison: StaticComparison;
}

export interface SparklineOptions {
  /**
   * A static threshold: the row is scaled so that it is the boundary between ▁▂▃▄ and ▅▆▇█. Values
   * above it are drawn in the upper half and values below it in the lower half, whichever side
   * breaches, so the row reads like a graph with the threshold line drawn across its middle; a value
   * equal to it goes to the side where it breaches (≥, ≤) or does not (>, <).
   */
  threshold?: SparkThreshold | undefined;
  /** More values the scale must hold (an anomaly band's bounds), so the row and the band share it. */
  scaleWith?: ReadonlyArray<number | undefined> | undefined;
  /** Characters at most; the newest values are kept. */
  maxLength?: number | undefined;
}

/** NaN and ±Infinity are not data a person can read off a chart: drawn as missing. */
function finite(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** 0..levels-1 for v in [lo, hi]; the top of the range gets the top level. */
function level(v: number, lo: number, hi: number, levels: number): number {
  if (hi <= lo) return levels - 1;
  return Math.min(levels - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * levels)));
}

/** Whether a value equal to the threshold is drawn above it. */
function equalGoesUp(comparison: StaticComparison): boolean {
  // ≥ breaches at equality (upper, the breaching half); < does not breach there (upper, the safe half).
  return comparison === '≥' || comparison === '<';
}

function thresholdBlock(v: number, t: SparkThreshold, lo: number, hi: number): string {
  const up = v > t.value || (v === t.value && equalGoesUp(t.comparison));
  if (up) return BLOCKS[4 + (v === t.value ? 0 : level(v, t.value, hi, 4))] ?? '█';
  // Equal values drawn below sit right under the line: the top of the lower half.
  return BLOCKS[v === t.value ? 3 : level(v, lo, t.value, 4)] ?? '▄';
}

/**
 * One character per value, oldest first. Without a threshold the row spans min..max of the values
 * (and `scaleWith`); a constant row sits at mid height (▄), because there is no reference to say
 * whether it is high or low.
 */
export function sparkline(values: ReadonlyArray<number | undefined>, options: SparklineOptions = {}): string {
  const max = Math.max(1, Math.min(SPARKLINE_MAX, options.maxLength ?? SPARKLINE_MAX));
  const shown = values.slice(-max);
  const data = shown.filter(finite);
  if (data.length === 0) return NO_DATA.repeat(shown.length);
  const extent = [...data, ...(options.scaleWith ?? []).filter(finite)];
  const lo = Math.min(...extent);
  const hi = Math.max(...extent);
  const t = options.threshold;
  return shown
    .map((v) => {
      if (!finite(v)) return NO_DATA;
      if (t && Number.isFinite(t.value)) return thresholdBlock(v, t, lo, hi);
      return hi === lo ? '▄' : (BLOCKS[level(v, lo, hi, 8)] ?? '█');
    })
    .join('');
}

const SIDE_WORDS: Readonly<Record<StaticComparison, string>> = {
  '>': 'above',
  '≥': 'at or above',
  '<': 'below',
  '≤': 'at or below',
};

/** "above", "at or below": where a value breaches. */
export function breachWords(comparison: StaticComparison): string {
  return SIDE_WORDS[comparison];
}

/** Whether a value breaches a static threshold. */
export function breaches(v: number, t: SparkThreshold): boolean {
  switch (t.comparison) {
    case '>':
      return v > t.value;
    case '≥':
      return v >= t.value;
    case '<':
      return v < t.value;
    case '≤':
      return v <= t.value;
  }
}

/**
 * The legend's threshold part: which half of the row breaches, in words, e.g.
 * "▅▆▇█ = above the threshold 5 Count" or "▁▂▃▄ = below the threshold 10".
 */
export function thresholdLegend(t: SparkThreshold, unit?: string): string {
  const half = t.comparison === '>' || t.comparison === '≥' ? UPPER_HALF : LOWER_HALF;
  return `${half} = ${breachWords(t.comparison)} the threshold ${num(t.value)}${unit ? ` ${unit}` : ''}`;
}
