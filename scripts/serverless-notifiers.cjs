'use strict';
// The notifier of every channel, for serverless.yml: `${file(./scripts/serverless-notifiers.cjs):functions}`
// and `…:resources`. osls require()s this file and calls the property's function with
// `resolveVariable`; it resolves the variables in what the function returns as it does in a YAML file.
// The template itself is built in TypeScript (scripts/notifiers.ts, shared/deploy/notifiers.ts), run
// here as a child process, once per prefix.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const generated = new Map();

function notifiers(prefix) {
  if (!generated.has(prefix)) {
    let out;
    try {
      out = execFileSync(
        process.execPath,
        [path.join(ROOT, 'bin/run-ts.js'), 'scripts/notifiers.ts', prefix],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        },
      ).toString();
    } catch (err) {
      const detail = err.stderr ? err.stderr.toString().trim() : String(err);
      throw new Error(`cloud-alerts could not generate the notifiers:\n${detail}`);
    }
    generated.set(prefix, JSON.parse(out));
  }
  return generated.get(prefix);
}

async function prefixOf(resolveVariable) {
  return resolveVariable('self:custom.prefix');
}

module.exports = {
  functions: async ({ resolveVariable }) => notifiers(await prefixOf(resolveVariable)).functions,
  resources: async ({ resolveVariable }) => notifiers(await prefixOf(resolveVariable)).resources,
};
