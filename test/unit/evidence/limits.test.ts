import { EVIDENCE_LINE_MAX, evidenceLine } from '../../../shared/evidence/limits.ts';

describe('evidenceLine', () => {
  it('breaks a bare domain so no client makes it a link, and leaves numbers alone', () => {
    expect(evidenceLine('login at evil-example.com/aws-login?next=x failed after 6.01 s')).toBe(
      'login at evil-example[.]com/aws-login?next=x failed after 6.01 s',
    );
    expect(evidenceLine('see www.evil.example.net now')).not.toMatch(/\.net\b/);
  });

  it('masks, makes one line, defuses links and caps', () => {
    const line = evidenceLine(`token=abc123\nforged https://evil.example/x ${'y'.repeat(400)}`);
    expect(line).not.toMatch(/abc123|\n|https:\/\//);
    expect(line.length).toBeLessThanOrEqual(EVIDENCE_LINE_MAX);
  });
});
