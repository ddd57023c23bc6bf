// Preloaded with `node -r` by bench/bundles.ts: every @aws-sdk/* and @smithy/* module becomes an
// inert stand-in, so the time a bundle then takes to load is our code and its libraries alone.
const Module = require('node:module');

// Anything read from it is another stand-in, and as a promise it never settles: a request made at
// init (Middy's secrets prefetch) simply waits until the process exits.
function inert() {
  return new Proxy(function stub() {}, {
    get: (_target, key) => (key === '__esModule' ? true : inert()),
    apply: () => inert(),
    construct: () => inert(),
  });
}

const load = Module._load;
Module._load = function stubAwsSdk(request, ...rest) {
  if (request.startsWith('@aws-sdk/') || request.startsWith('@smithy/')) return inert();
  return load.call(this, request, ...rest);
};
