'use strict';
// `serverless invoke local` with no AWS account and no credentials. CommonJS because osls require()s plugins.
//
// osls resolves a function's environment before it loads the handler, and it resolves a CloudFormation
// `Ref` by asking the deployed stack (ListStackResources), which needs credentials and a deploy; any
// other intrinsic (`Fn::If`, `Fn::GetAtt`) it cannot resolve at all. The values only a deploy knows
// (queue URLs, the account id, the topic ARN) are replaced here by a readable placeholder: in
// `invoke local` the functions run on local stand-ins that do not use them (shared/app/local.ts).
// The configuration is compiled for the stage, as `serverless package` does, and the function is
// pointed at it: in Lambda it is read from the package under /var/task.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** `<set on deploy: Ref AlertsTopic>`: what the value is, without pretending to know it. */
function placeholder(value) {
  const [name] = Object.keys(value);
  const arg = value[name];
  if (name === 'Ref' && typeof arg === 'string') return `<set on deploy: Ref ${arg}>`;
  if (name === 'Fn::GetAtt' && Array.isArray(arg)) return `<set on deploy: Fn::GetAtt ${arg.join('.')}>`;
  return `<set on deploy: ${name}>`;
}

/** Replaces each CloudFormation-valued variable; returns the names replaced. */
function localizeEnvironment(environment) {
  const replaced = [];
  for (const [name, value] of Object.entries(environment ?? {})) {
    if (value !== null && typeof value === 'object') {
      environment[name] = placeholder(value);
      replaced.push(name);
    }
  }
  return replaced;
}

class CloudAlertsInvokeLocalPlugin {
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    // `initialize` runs before every command's lifecycle, so before osls resolves the environment
    // in before:invoke:local:loadEnvVars (an external plugin's hook on that event would run after it).
    this.hooks = { initialize: () => this.prepare() };
  }

  prepare() {
    const commands = this.serverless.processedInput?.commands ?? [];
    if (commands.join(' ') !== 'invoke local') return;
    const service = this.serverless.service;
    const fn = service.getFunction(this.options.function);
    fn.environment ??= {};
    const replaced = [
      ...localizeEnvironment(service.provider.environment),
      ...localizeEnvironment(fn.environment),
    ];
    fn.environment.CLOUD_ALERTS_RUNTIME_CONFIG = this.compileConfig(service.provider.stage);
    this.log.notice(
      [
        'cloud-alerts: invoke local runs the handler on local stand-ins: it prints what it would send and sends nothing.',
        replaced.length > 0 ? `Known only once deployed, shown as placeholders: ${replaced.join(', ')}.` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  /** config/cloud-alerts.yml validated and compiled for the stage, into a folder removed when osls exits. */
  compileConfig(stage) {
    const root = this.serverless.serviceDir;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloud-alerts-invoke-local-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'cloud-alerts.json');
    try {
      execFileSync(
        process.execPath,
        [path.join(root, 'bin/run-ts.js'), 'scripts/build-config.ts', stage, file],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (err) {
      const detail = err.stderr ? err.stderr.toString().trim() : String(err);
      throw new this.serverless.classes.Error(`cloud-alerts configuration is invalid:\n${detail}`);
    }
    return file;
  }
}

module.exports = CloudAlertsInvokeLocalPlugin;
