/**
 * One rule for the commands that read paths (replay, routes test, backtest, history --archive): a
 * file named on the command line that cannot be read, is not JSON or gzip, or holds no event is bad
 * input (exit 2); a bad file found inside a named folder is skipped and listed, and leaves the exit
 * code alone.
 */

/** Whether `path`, as given, is itself the one file listed (a file, not a folder). */
export function namedFile(path: string, files: readonly string[]): boolean {
  return files.length === 1 && files[0] === path;
}
