import { spawn } from 'node:child_process';

/** `cloud-alerts replay events | head -1`: the reader leaves early; the command must stop quietly. */
describe('a closed stdout pipe', () => {
  it('ends replay with exit 0 and no stack trace', async () => {
    const child = spawn(process.execPath, ['bin/cloud-alerts.js', 'replay', 'events'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Read the first chunk, then close our end of the pipe, as `head` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 60000);
});
