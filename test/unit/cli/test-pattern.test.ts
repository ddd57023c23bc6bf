import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { testPatternCommand } from '../../../cli/test-pattern.ts';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[], stdin = ''): Promise<Run> {
  let out = '';
  let err = '';
  const code = await testPatternCommand(args, {
    stdin: Readable.from([stdin]),
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

const dir = mkdtempSync(path.join(tmpdir(), 'test-pattern-'));
const patternFile = path.join(dir, 'pattern.json');
const eventFile = path.join(dir, 'event.json');
const brokenFile = path.join(dir, 'broken.json');
writeFileSync(
  patternFile,
  JSON.stringify({ source: ['aws.s3'], detail: { eventName: [{ prefix: 'Put' }] } }),
);
writeFileSync(eventFile, JSON.stringify({ source: 'aws.s3', detail: { eventName: 'PutBucketAcl' } }));
writeFileSync(brokenFile, '{"source": [');

describe('test-pattern --pattern/--event', () => {
  it('prints true and exits 0 on a match (files)', async () => {
    expect(await run(['--pattern', patternFile, '--event', eventFile])).toEqual({
      code: 0,
      out: 'true\n',
      err: '',
    });
  });

  it('prints false and exits 1 without a match (inline JSON, --opt=value form)', async () => {
    const r = await run([
      `--pattern=${JSON.stringify({ source: ['aws.ec2'] })}`,
      '--event',
      '  {"source": "aws.s3"}',
    ]);
    expect(r).toEqual({ code: 1, out: 'false\n', err: '' });
  });

  it('exits 2 with the reason on an invalid pattern', async () => {
    const r = await run(['--pattern', '{"detail": {"eventName": []}}', '--event', eventFile]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('detail.eventName: empty list is not allowed');
  });

  it.each<[string, string[], string]>([
    ['missing --event', ['--pattern', patternFile], 'both --pattern and --event are required'],
    [
      'unknown flag',
      ['--pattern', patternFile, '--event', eventFile, '--verbose'],
      'unknown option --verbose',
    ],
    ['flag without value', ['--event', eventFile, '--pattern'], '--pattern needs a value'],
    [
      'unreadable file',
      ['--pattern', path.join(dir, 'nope.json'), '--event', eventFile],
      'cannot read pattern file',
    ],
    ['invalid JSON file', ['--pattern', patternFile, '--event', brokenFile], 'event is not valid JSON'],
    ['invalid inline JSON', ['--pattern', '{nope', '--event', eventFile], 'pattern is not valid JSON'],
    ['--jsonl mixed with --pattern', ['--jsonl', '--pattern', patternFile], 'cannot be combined'],
  ])('exits 2 on %s', async (_name, args, fragment) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(fragment);
  });
});

describe('test-pattern --jsonl', () => {
  it('answers every non-empty line and never stops on a bad one', async () => {
    const lines = [
      JSON.stringify({ pattern: { a: ['x'] }, event: { a: 'x' } }),
      '',
      JSON.stringify({ pattern: { a: ['x'] }, event: { a: 'y' } }),
      '{not json',
      JSON.stringify({ pattern: { a: [] }, event: {} }),
      JSON.stringify({ pattern: { a: ['x'] } }),
      '[1, 2]',
      '   ',
      JSON.stringify({ pattern: '{"a": [{"exists": false}]}', event: {} }),
    ].join('\r\n');
    const r = await run(['--jsonl'], `${lines}\n`);
    expect(r.code).toBe(0);
    const out = r.out.trimEnd().split('\n');
    expect(out).toHaveLength(7);
    expect(out[0]).toBe('true');
    expect(out[1]).toBe('false');
    expect(out[2]).toMatch(/^error: invalid JSON line/);
    expect(out[3]).toBe('error: invalid pattern: a: empty list is not allowed');
    expect(out[4]).toBe('error: line must have both "pattern" and "event"');
    expect(out[5]).toBe('error: line must be an object with "pattern" and "event"');
    expect(out[6]).toBe('true');
  });

  it('prints nothing for empty input', async () => {
    expect(await run(['--jsonl'], '')).toEqual({ code: 0, out: '', err: '' });
  });
});
