/**
 * The WebAssembly module in shared/backtest/skim-wasm.ts is what wasm/skim.ts compiles to: the
 * checked-in copy is a build product, and a reader of the source must be able to trust it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SKIM_WASM } from '../../../shared/backtest/skim-wasm.ts';

describe('the checked-in byte reader module', () => {
  it('is what wasm/skim.ts compiles to now', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/the checked-in module is current/);
  });

  it('says which compiler and flags made it', () => {
    const text = readFileSync('shared/backtest/skim-wasm.ts', 'utf8');
    const version = JSON.parse(readFileSync('node_modules/assemblyscript/package.json', 'utf8')).version;
    expect(text).toContain(`AssemblyScript ${version}, -O3 --runtime stub --noAssert --enable simd`);
    // A WebAssembly binary: the magic number and version 1.
    expect(Buffer.from(SKIM_WASM, 'base64').subarray(0, 8)).toEqual(
      Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    );
  });
});
