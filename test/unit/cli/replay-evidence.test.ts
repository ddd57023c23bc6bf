import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';

const SAMPLE = 'events/cloudwatch/lambda-errors-alarm.json';

describe('replay --evidence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-replay-evidence-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays with the recorded answers for the samples', async () => {
    const { code, stdout, stderr } = await runCli(['replay', SAMPLE, '--evidence', 'events/evidence.yml']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('example-orders-api-errors');
  });

  it('refuses a bad file before replaying anything, naming its line and key path', async () => {
    const file = join(dir, 'evidence.yml');
    writeFileSync(file, "logs:\n  /aws/lambda/f:\n    - { at: 'yesterday', message: x }\n");
    const { code, stdout, stderr } = await runCli(['replay', SAMPLE, '--evidence', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`\n  ${file}:3:13: logs./aws/lambda/f[0].at: an ISO 8601 time`);
  });

  it('names a file it cannot read', async () => {
    const { code, stderr } = await runCli(['replay', SAMPLE, '--evidence', join(dir, 'missing.yml')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^replay: cannot read .*missing\.yml: no such file or folder\n$/);
  });

  it('keeps a hostile file name off the terminal controls', async () => {
    const { code, stderr } = await runCli(['replay', SAMPLE, '--evidence', join(dir, 'evil\u001b[2J.yml')]);
    expect(code).toBe(2);
    expect(stderr).not.toContain('\u001b');
  });
});
