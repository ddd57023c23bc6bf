// Starts shared/backtest/worker.ts through tsx, when the CLI runs from TypeScript (the built CLI
// starts .build/cli/backtest-worker.js instead).
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
