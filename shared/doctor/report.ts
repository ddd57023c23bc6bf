import { terminalLine } from '../util/terminal.ts';

/**
 * One line of `cloud-alerts doctor`. `fail` is a problem (exit 1): alerts are or will be lost. `warn`
 * needs a look but the pipeline works. `skip` could not be checked because an earlier check failed,
 * which already made the run fail.
 */
export type Level = 'ok' | 'warn' | 'fail' | 'skip';

export interface Finding {
  level: Level;
  check: string;
  text: string;
}

export const ok = (check: string, text: string): Finding => ({ level: 'ok', check, text });
export const warn = (check: string, text: string): Finding => ({ level: 'warn', check, text });
export const fail = (check: string, text: string): Finding => ({ level: 'fail', check, text });
export const skip = (check: string, text: string): Finding => ({ level: 'skip', check, text });

const LABEL: Record<Level, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };
const CHECK_WIDTH = 13;

/**
 * `FAIL  secret        pagerduty-default: …`. The text quotes AWS (names, reasons, log lines), so
 * it is shown as one inert line.
 */
export function formatFinding(f: Finding): string {
  return `${LABEL[f.level]}  ${f.check.padEnd(CHECK_WIDTH)} ${terminalLine(f.text)}`;
}

export function summaryLine(findings: readonly Finding[]): string {
  const problems = findings.filter((f) => f.level === 'fail').length;
  const warnings = findings.filter((f) => f.level === 'warn').length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const verdict = problems > 0 ? 'not healthy' : 'healthy';
  return `doctor: ${verdict}: ${plural(problems, 'problem')}, ${plural(warnings, 'warning')}`;
}

export function exitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.level === 'fail') ? 1 : 0;
}

/** An AWS SDK error as one short line: its name and the first line of its message, never a stack. */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split('\n')[0] ?? text;
}

/** "4 min ago", "3 h 12 min ago", for a time before `now`. */
export function ago(then: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - then.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** 2026-12-04 10:02 UTC */
export function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
