import { Progress } from '../../../shared/backtest/progress.ts';

describe('Progress', () => {
  it('shows files, records, records/s and an ETA from the bytes read', () => {
    let t = 1_000_000;
    const written: string[] = [];
    const p = new Progress({ write: (s) => written.push(s), totalFiles: 4, totalBytes: 1000, now: () => t });
    p.fileStarted();
    t += 10_000;
    p.addBytes(250);
    p.addRecords(50_000);
    expect(p.line()).toBe(
      '[######------------------] 25% · file 1/4 · 50,000 records · 5,000 records/s · ETA 0:30',
    );
    // Drawn in place: back to the line start, erase, write.
    const last = written.at(-1) ?? '';
    expect(last.startsWith('\r\u001b[2K')).toBe(true);
    expect(last.slice(5)).toMatch(/^\[######-{18}\] 25% · file 1\/4 · /);
    p.done();
    expect(written.at(-1)).toBe('\r\u001b[2K');
  });

  it('redraws at most every interval however often it is told of progress', () => {
    let t = 0;
    const written: string[] = [];
    const p = new Progress({
      write: (s) => written.push(s),
      totalFiles: 1,
      totalBytes: 10,
      now: () => t,
      intervalMs: 200,
    });
    p.fileStarted();
    for (let i = 0; i < 100; i++) {
      t += 10;
      p.addRecords(1);
    }
    // One draw for the file, then one per 200 ms over one second.
    expect(written.length).toBe(6);
  });
});
