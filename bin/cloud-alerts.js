#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it in-process so the command always runs the checked-out source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
