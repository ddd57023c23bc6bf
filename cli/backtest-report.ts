import { closeSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { errorText } from '../shared/backtest/files.ts';
import { renderHtmlReport } from '../shared/backtest/html.ts';
import type { AlertPreview, BacktestSummary } from '../shared/backtest/summary.ts';
import { plainError } from '../shared/util/errors.ts';
import type { CliIo } from './io.ts';

/**
 * Why a report could not be written at `path`, or undefined when it can: the file is opened for
 * appending (created if missing, then removed again), which finds a missing folder, a folder, and a
 * file or folder that is read-only, as the final write would.
 */
export function whyUnwritable(path: string): string | undefined {
  let existed = true;
  try {
    if (statSync(path).isDirectory()) return 'is a folder, not a file';
  } catch {
    existed = false;
  }
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    return plainError(err);
  }
  if (!existed) rmSync(path, { force: true });
  return undefined;
}

/**
 * Writes the HTML report when `--html` asked for one; false (with the reason on stderr) when the
 * write failed. `quiet` (--json) leaves stdout to the JSON.
 */
export function writeReport(
  html: string | undefined,
  summary: BacktestSummary,
  previews: AlertPreview[],
  io: CliIo,
  quiet: boolean,
): boolean {
  if (html === undefined) return true;
  try {
    writeFileSync(html, renderHtmlReport(summary, previews));
  } catch (err) {
    io.stderr(`backtest: cannot write ${html}: ${errorText(err)}\n`);
    return false;
  }
  if (!quiet) io.stdout(`Report written to ${html}\n`);
  return true;
}
