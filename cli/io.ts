/** What a command may touch, so tests run commands in-process with their own streams. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

/**
 * `cloud-alerts replay events | head` closes the pipe early: the reader has what it wanted, so stop
 * quietly, as Unix tools do, instead of dying with an EPIPE stack trace.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export function processIo(): CliIo {
  exitQuietlyOnClosedPipe(process.stdout);
  return {
    stdin: process.stdin,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

/** Exit codes, the same for every command (README, "Command line"; cli/commands.ts EXIT_CODES). */
export const EXIT_OK = 0;
/** Findings or failures: an invalid configuration, a failed delivery or AWS call, a doctor problem, no match. */
export const EXIT_FAILED = 1;
/** A usage error, or input named on the command line that cannot be read or holds nothing to read. */
export const EXIT_USAGE = 2;
