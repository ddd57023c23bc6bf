// Preloaded with `node -r` by bench/bundles.ts: records every AWS SDK package a bundle requires while
// it loads, and prints the list on exit, so the benchmark and the tests can see what a cold start
// pays for.
const Module = require('node:module');

const seen = new Set();
const load = Module._load;
Module._load = function recordAwsSdk(request, ...rest) {
  if (request.startsWith('@aws-sdk/')) seen.add(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => {
  process.stderr.write(`\ncloud-alerts-aws-sdk-modules:${JSON.stringify([...seen].sort())}\n`);
});
