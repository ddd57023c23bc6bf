import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { webhook } from '../../shared/notify/channels/webhook/index.ts';
import { WEBHOOK_CHANNEL } from '../../shared/notify/channels/webhook/limits.ts';
import { WebhookSettingsSchema } from '../../shared/notify/channels/webhook/settings.ts';
import { webhookSignature } from '../../shared/notify/channels/webhook/verify.ts';
import { buildAlert, HOSTILE_USER_AGENT, LONE_SURROGATES } from '../unit/notify/fixtures.ts';

/**
 * The verification recipes of docs/webhook.md, run as a reader would copy them: the Node.js server
 * against our real sender, the Python function against signed and hostile headers. A recipe that
 * drifted from what the sender signs, or that crashes on a header an attacker chose, fails here.
 */

const SECRET = 'whsec-docs-recipe-5d1c0e9a7b3f';
const doc = readFileSync('docs/webhook.md', 'utf8');

function codeBlock(lang: string): string {
  const block = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (block === undefined) throw new Error(`docs/webhook.md has no ${lang} block`);
  return block;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-recipes-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the Node.js recipe', () => {
  let server: ChildProcess | undefined;
  afterEach(() => {
    server?.kill();
    server = undefined;
  });

  async function startRecipe(): Promise<number> {
    const source = codeBlock('js').replace(
      '.listen(8080);',
      ".listen(0, '127.0.0.1', function () { console.log('PORT ' + this.address().port); });",
    );
    expect(source).toContain("listen(0, '127.0.0.1'");
    const file = join(dir, 'recipe.mjs');
    writeFileSync(file, source);
    const child = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH, CLOUD_ALERTS_SIGNING_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server = child;
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`recipe exited with ${code}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        const port = /PORT (\d+)/.exec(chunk.toString())?.[1];
        if (port !== undefined) resolve(Number(port));
      });
    });
  }

  async function sendTo(port: number, secret: string): Promise<void> {
    const settings = WebhookSettingsSchema.parse({
      url: `http://127.0.0.1:${port}/hook`,
      signingSecretParameter: '/cloud-alerts/test/webhook/docs',
      headers: { 'X-Tenant': 'secops' },
    });
    const alert = buildAlert({
      summary: `${HOSTILE_USER_AGENT} 😀 é \u2028\u202Eexe.txt ${LONE_SURROGATES}`,
    });
    const request: NotificationRequest = {
      channel: WEBHOOK_CHANNEL,
      receiver: 'siem',
      key: `${alert.id}/siem`,
      alert,
    };
    const body = webhook.render(alert, settings, { secret: undefined, stackTopicArn: undefined });
    await webhook
      .createSender({ timeoutMs: 3000 })
      .send(body, { receiver: 'siem', settings, secret, request });
  }

  it("accepts what the sender sends, and refuses another secret's signature", async () => {
    const port = await startRecipe();
    await expect(sendTo(port, SECRET)).resolves.toBeUndefined();
    await expect(sendTo(port, `${SECRET}-other`)).rejects.toMatchObject({ retryable: false, status: 401 });
  });
});

describe('the Python recipe', () => {
  it('accepts a good signature and answers 401, never an exception, to hostile headers', () => {
    const python = spawnSync('python3', ['--version']);
    expect(python.status).toBe(0);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const raw = '{"id":"x/siem","alert":{}}';
    const good = `v1=${webhookSignature(SECRET, timestamp, raw)}`;
    const cases: Array<[string, string | null, string | null]> = [
      ['good', timestamp, good],
      ['good among rotated', timestamp, `v1=${'0'.repeat(64)}, ${good}`],
      ['no signature', timestamp, null],
      ['not hex', timestamp, 'v1=zz'],
      ['non-ASCII first', timestamp, `v1=\u00e9\u00e9, ${good}`],
      ['non-ASCII only', timestamp, 'v1=\u00ff'],
      ['non-ASCII digits', '\u0661\u0662\u0663', good],
      ['stale', String(Number(timestamp) - 3600), good],
    ];
    const file = join(dir, 'recipe.py');
    writeFileSync(file, codeBlock('python'));
    const harness = [
      'import json, sys',
      `exec(open(${JSON.stringify(file)}).read())`,
      'out = {}',
      'for name, ts, sig in json.loads(sys.stdin.read()):',
      '    h = {"X-Cloud-Alerts-Timestamp": ts, "X-Cloud-Alerts-Signature": sig}',
      '    try:',
      `        out[name] = handle(${JSON.stringify(raw)}.encode(), {k: v for k, v in h.items() if v is not None})`,
      '    except Exception as e:',
      '        out[name] = type(e).__name__ + ": " + str(e)',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', harness], {
      input: JSON.stringify(cases),
      env: { PATH: process.env.PATH, CLOUD_ALERTS_SIGNING_SECRET: SECRET },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      good: 204,
      'good among rotated': 204,
      'no signature': 401,
      'not hex': 401,
      'non-ASCII first': 204,
      'non-ASCII only': 401,
      'non-ASCII digits': 401,
      stale: 401,
    });
  });
});
