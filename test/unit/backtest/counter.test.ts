import { BoundedCounter } from '../../../shared/backtest/counter.ts';

describe('BoundedCounter', () => {
  it('counts exactly while under its capacity', () => {
    const c = new BoundedCounter(10);
    for (const k of ['a', 'b', 'a', 'c', 'a', 'b']) c.add(k);
    expect(c.top()).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
    expect(c.approximate).toBe(false);
  });

  it('keeps the heavy keys and stays under capacity when distinct keys never stop', () => {
    const c = new BoundedCounter(100);
    for (let i = 0; i < 50_000; i++) {
      c.add(i % 5 === 0 ? 'noisy-role' : `session-${i}`);
      if (i % 7 === 0) c.add('second');
    }
    expect(c.size).toBeLessThanOrEqual(100);
    expect(c.approximate).toBe(true);
    expect(c.top(2)).toEqual([
      ['noisy-role', 10_000],
      ['second', 7143],
    ]);
  });
});
