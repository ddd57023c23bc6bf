import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The S3 SDK is for s3:// paths only: a backtest of local files must not load it (start-up time), and
 * an s3:// path must. A module-resolution hook in the child process reports each time client-s3 is asked for.
 */
describe('backtest loads @aws-sdk/client-s3 only for s3:// paths', () => {
  let dir: string;
  let register: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-lazy-'));
    const hook = join(dir, 'hook.mjs');
    writeFileSync(
      hook,
      `export async function resolve(specifier, context, next) {
  if (specifier.includes('@aws-sdk/client-s3')) process.stderr.write('LOADED client-s3\\n');
  return next(specifier, context);
}\n`,
    );
    register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) base[k] = v;
    return spawnSync(process.execPath, ['--import', register, 'bin/cloud-alerts.js', ...args], {
      encoding: 'utf8',
      env: { ...base, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      timeout: 60_000,
    });
  }

  it('not for local files', () => {
    const r = run(['backtest', 'events/s3', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('LOADED client-s3');
  });

  it('for an s3:// path, and an unreachable endpoint is said so (exit 2)', () => {
    const r = run(['backtest', 's3://trail/AWSLogs/', '--json'], {
      // Port 1 on this machine: refused at once, nothing leaves it.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('LOADED client-s3');
    expect(r.stderr).toContain(
      'backtest: cannot reach S3 (ECONNREFUSED) at the endpoint AWS_ENDPOINT_URL names\n',
    );
  });
});
