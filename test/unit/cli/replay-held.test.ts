import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';

/** An alert held back by a stage is not "judged harmless": replay must say which it was. */
describe('replay text for an event whose alert was held back', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-held-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says the alert was raised and held, not that the rules found nothing', async () => {
    const event = JSON.parse(readFileSync('events/iam/create-user.json', 'utf8'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(event));
    event.id = 'second-delivery';
    event.detail.eventID = 'second-occurrence';
    writeFileSync(join(dir, 'b.json'), JSON.stringify(event));
    const { code, stdout } = await runCli(['replay', dir]);
    expect(code).toBe(0);
    const second = stdout.split('\n\n').find((block) => block.includes('b.json')) ?? '';
    expect(second).toContain('no alert sent: raised, then held back (below)');
    expect(second).toContain('○ suppressed iam-user-created (dedupe)');
    expect(second).not.toContain('judged this event harmless');
  });
});
