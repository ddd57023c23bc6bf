import { listPath } from '../replay/load.ts';
import { listS3Logs, S3ListError } from './s3.ts';
import { isS3Url, parseS3Url, type S3Selection } from './s3-layout.ts';
import { fileRef, type LogRef } from './sources.ts';

export interface ResolvedInputs {
  /** Every log object to read, path by path, each path's in its listing order. */
  refs: LogRef[];
  /** Paths that could not be listed or hold no log object, with why: bad input. */
  failures: Array<{ path: string; error: string }>;
}

/**
 * The backtest's positional arguments as log references: local files and folders, and s3:// URLs
 * listed through CloudTrail's layout with the selection (shared/backtest/s3-layout.ts).
 */
export async function resolveInputs(
  paths: readonly string[],
  selection: S3Selection,
  deps: { listS3?: typeof listS3Logs } = {},
): Promise<ResolvedInputs> {
  const listS3 = deps.listS3 ?? listS3Logs;
  const out: ResolvedInputs = { refs: [], failures: [] };
  for (const path of paths) {
    if (isS3Url(path)) {
      const where = parseS3Url(path);
      if (!where) {
        out.failures.push({ path, error: `${path}: give s3://bucket or s3://bucket/prefix` });
        continue;
      }
      try {
        const found = await listS3(where, selection);
        if (found.length === 0)
          out.failures.push({
            path,
            error: `no log file (.json, .json.gz) under ${path}${selectionText(selection)}`,
          });
        out.refs.push(...found);
      } catch (err) {
        if (!(err instanceof S3ListError)) throw err;
        out.failures.push({ path, error: err.message });
      }
      continue;
    }
    const { files, problem } = listPath(path, `no log file (.json, .json.gz) in ${path}`);
    if (problem !== undefined) out.failures.push({ path, error: problem });
    out.refs.push(...files.map(fileRef));
  }
  return out;
}

function selectionText(sel: S3Selection): string {
  const parts: string[] = [];
  if (sel.sinceMs !== undefined) parts.push(`delivered from ${new Date(sel.sinceMs).toISOString()}`);
  if (sel.untilMs !== undefined) parts.push(`until ${new Date(sel.untilMs).toISOString()}`);
  if (sel.accounts?.length) parts.push(`account ${sel.accounts.join(', ')}`);
  if (sel.regions?.length) parts.push(`region ${sel.regions.join(', ')}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
