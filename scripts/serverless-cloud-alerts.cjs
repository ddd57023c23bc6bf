'use strict';
// Deploy-time checks and settings osls has no option for. CommonJS because osls require()s plugins.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Events of global services are recorded in us-east-1 only. */
const GLOBAL_EVENTS_REGION = 'us-east-1';
const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

class CloudAlertsPlugin {
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    this.hooks = {
      'before:package:initialize': () => this.validateConfig(),
      'before:package:finalize': () => {
        this.setRuleStates();
        this.warnAboutGlobalEvents();
        this.stampConfigDigest();
      },
    };
  }

  settings() {
    return this.serverless.service.custom?.cloudAlerts ?? {};
  }

  /** Validate the YAML for the stage (failing the package on any error) and compile it to the JSON the functions read. */
  validateConfig() {
    const root = this.serverless.serviceDir;
    const stage = this.serverless.service.provider.stage;
    try {
      execFileSync(process.execPath, [path.join(root, 'bin/run-ts.js'), 'scripts/build-config.ts', stage], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const detail = err.stderr ? err.stderr.toString().trim() : String(err);
      throw new this.serverless.classes.Error(`cloud-alerts configuration is invalid:\n${detail}`);
    }
  }

  /**
   * Read-only calls (Get*, List*, Describe*) reach a rule only in this state; rules that need them
   * (denied reads for CIS 4.1) are named in custom.cloudAlerts.allManagementEventsRules.
   */
  setRuleStates() {
    const names = new Set(this.settings().allManagementEventsRules ?? []);
    if (names.size === 0) return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const found = new Set();
    for (const resource of Object.values(resources)) {
      if (resource.Type === 'AWS::Events::Rule' && names.has(resource.Properties?.Name)) {
        resource.Properties.State = ALL_MANAGEMENT_EVENTS;
        found.add(resource.Properties.Name);
      }
    }
    const missing = [...names].filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw new this.serverless.classes.Error(
        `custom.cloudAlerts.allManagementEventsRules names unknown rules: ${missing.join(', ')}`,
      );
    }
  }

  /**
   * Which configuration the functions run: the SHA-256 of the compiled file every artifact holds, as a
   * stack output that `cloud-alerts doctor` compares with the local configuration for the stage.
   */
  stampConfigDigest() {
    const file = path.join(this.serverless.serviceDir, 'config/cloud-alerts.json');
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    template.Outputs = {
      ...template.Outputs,
      CloudAlertsConfigDigest: {
        Description:
          'SHA-256 of config/cloud-alerts.json in every function (cloud-alerts doctor compares it)',
        Value: digest,
      },
    };
  }

  warnAboutGlobalEvents() {
    const region = this.serverless.service.provider.region;
    if (region === GLOBAL_EVENTS_REGION || this.settings().globalEventsForwarded === true) return;
    this.log.warning(
      [
        `cloud-alerts: IAM, STS (global endpoint) and CloudFront events are recorded in ${GLOBAL_EVENTS_REGION} only,`,
        `and this stack is in ${region}: its IAM rules will never fire. Deploy the forwarder there`,
        `(npx cloud-alerts forwarder --target-bus arn:aws:events:${region}:<account>:event-bus/default --global-only),`,
        'then set custom.cloudAlerts.globalEventsForwarded: true. See docs/deploy.md.',
      ].join('\n'),
    );
  }
}

module.exports = CloudAlertsPlugin;
