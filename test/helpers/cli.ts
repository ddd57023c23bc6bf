import { Readable } from 'node:stream';
import type { CliIo } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';

/** Run the CLI in-process, capturing what it prints. */
export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from([opts.stdin ?? '']),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: opts.env ?? {},
    isTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
