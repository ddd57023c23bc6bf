/** Throughput benchmark for the EventBridge pattern engine (compile once, match many). */
import { performance } from 'node:perf_hooks';
import { compilePattern, matchPattern } from '../shared/eventbridge/pattern.ts';

export function benchPatterns(
  patterns: unknown[],
  events: unknown[],
  minMs = 1000,
): { evaluationsPerSecond: number; evaluations: number } {
  const compiled = patterns.map((p) => compilePattern(p));
  let evaluations = 0;
  // Counting matches keeps the optimiser from discarding the calls as dead code.
  let matches = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const p of compiled) {
      for (const e of events) {
        if (matchPattern(p, e)) matches++;
        evaluations++;
      }
    }
    elapsed = performance.now() - start;
  } while (elapsed < minMs && evaluations > 0);
  if (matches < 0) throw new Error('unreachable');
  return { evaluationsPerSecond: elapsed > 0 ? (evaluations * 1000) / elapsed : 0, evaluations };
}
