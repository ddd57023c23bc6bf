import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** moto's default account: every ARN the emulator makes is in it. */
export const MOTO_ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 4_000;

export interface Moto {
  endpoint: string;
  /** From now on every request is authenticated and authorised against IAM (see enforceIam). */
  enforceIam(): Promise<void>;
  /** The last lines moto wrote, for a failure message. */
  logTail(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port from the OS');
  return address.port;
}

/** The environment for moto_server: the caller's PATH (pyenv shims) without any AWS setting. */
function motoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  // Authentication off for now: the deploy and the test's own setup run first. enforceIam() turns it on.
  env.INITIAL_NO_AUTH_ACTION_COUNT = 'inf';
  return env;
}

async function waitUntilUp(endpoint: string, child: ChildProcess, tail: () => string): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${tail()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${tail()}`);
}

/**
 * Starts `moto_server` on 127.0.0.1 and a free port. It must be installed (`pip install 'moto[server]'`);
 * npm run test:aws says so when it is not.
 */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: motoEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new Error(
              "npm run test:aws needs moto_server on the PATH (pip install 'moto[server]'; docs/deploy.md)",
            )
          : e,
      ),
    );
  });
  await spawned;
  const tail = () => log;
  try {
    await waitUntilUp(endpoint, child, tail);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  return {
    endpoint,
    logTail: tail,
    async enforceIam() {
      // moto's switch for INITIAL_NO_AUTH_ACTION_COUNT at run time (moto/moto_api/_internal/responses.py,
      // what its set_initial_no_auth_action_count decorator calls in server mode): 0 requests left
      // without authentication. https://docs.getmoto.org/en/latest/docs/iam.html
      const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '0',
      });
      if (!response.ok) throw new Error(`moto refused reset-auth: HTTP ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
