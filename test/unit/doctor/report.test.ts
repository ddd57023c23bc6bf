import {
  ago,
  errorLine,
  exitCode,
  fail,
  formatFinding,
  ok,
  skip,
  summaryLine,
  warn,
} from '../../../shared/doctor/report.ts';

describe('doctor lines', () => {
  it('put the level and the check in columns', () => {
    expect(formatFinding(ok('stack', 'fine'))).toBe('ok    stack         fine');
    expect(formatFinding(fail('dead letters', 'full'))).toBe('FAIL  dead letters  full');
  });

  it('show text from AWS as one inert line', () => {
    const line = formatFinding(fail('alarms', 'x is in ALARM: reason\n\u001b[2Jcleared\u202eevil'));
    expect(line).toBe('FAIL  alarms        x is in ALARM: reason\\x0a\\x1b[2Jcleared\\u202eevil');
    for (const raw of ['\n', '\u001b', '\u202e']) expect(line.includes(raw)).toBe(false);
  });

  it('exit 1 only for a problem; warnings and skips alone exit 0', () => {
    expect(exitCode([ok('a', ''), warn('b', ''), skip('c', '')])).toBe(0);
    expect(exitCode([ok('a', ''), fail('b', '')])).toBe(1);
    expect(summaryLine([fail('a', ''), fail('b', ''), warn('c', '')])).toBe(
      'doctor: not healthy: 2 problems, 1 warning',
    );
  });

  it('keep an SDK error to its name and first line', () => {
    const err = Object.assign(new Error('Unexpected token\n  Deserialization error: see $response'), {
      name: 'SyntaxError',
    });
    expect(errorLine(err)).toBe('SyntaxError: Unexpected token');
    expect(errorLine('plain')).toBe('plain');
  });

  it('say how long ago in minutes, hours or days', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    expect(ago(new Date('2026-12-04T11:56:10Z'), now)).toBe('4 min ago');
    expect(ago(new Date('2026-12-04T09:25:00Z'), now)).toBe('2 h 35 min ago');
    expect(ago(new Date('2026-11-29T12:00:00Z'), now)).toBe('5 days ago');
    expect(ago(new Date('2026-12-04T12:05:00Z'), now)).toBe('0 min ago');
  });
});
