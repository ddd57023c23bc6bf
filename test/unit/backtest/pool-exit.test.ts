/**
 * What the reader pool (shared/backtest/pool.ts) relies on to tell which file a dying reader thread
 * was reading: Node may report the thread's error before the messages it sent last (an object's
 * end among them), but by the thread's 'exit' it has delivered every one.
 */
import { Worker } from 'node:worker_threads';

const DYING = `
const { parentPort } = require('node:worker_threads');
for (let i = 0; i < 200; i++) parentPort.postMessage({ i, pad: 'x'.repeat(20000) });
Promise.reject(new Error('dies'));
`;

describe("a reader thread's last messages", () => {
  it('have all arrived by its exit, whenever its error is reported', async () => {
    const seen: Array<{ atError: number; atExit: number }> = [];
    for (let run = 0; run < 10; run++) {
      seen.push(
        await new Promise((resolve) => {
          const worker = new Worker(DYING, { eval: true });
          let got = 0;
          let atError = -1;
          worker.on('message', () => {
            got++;
          });
          worker.on('error', () => {
            atError = got;
          });
          worker.on('exit', () => resolve({ atError, atExit: got }));
        }),
      );
    }
    expect(seen.every((s) => s.atExit === 200)).toBe(true);
    expect(seen.every((s) => s.atError >= 0)).toBe(true);
  });
});
