'use strict';
// Deploy-time checks and settings osls has no option for. CommonJS because osls require()s plugins;
// the logic lives in TypeScript (scripts/*.ts, shared/), run here as child processes.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Events of global services are recorded in us-east-1 only. */
const GLOBAL_EVENTS_REGION = 'us-east-1';
const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
/**
 * "o-" and 10 to 32 lower-case letters or digits
 * (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html).
 */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** Where build-config.ts writes the compiled configuration (shared/config/runtime.ts RUNTIME_CONFIG_PATH). */
const RUNTIME_CONFIG = 'config/cloud-alerts.json';

class CloudAlertsPlugin {
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    this.hooks = {
      'before:package:initialize': () => {
        this.validateOrganizationId();
        this.validateConfig();
      },
      'before:package:finalize': () => {
        this.setRuleStates();
        this.warnAboutGlobalEvents();
        this.stampConfigDigest();
      },
      // After osls merged resources/*.yml into the template, before it writes the template.
      'before:aws:package:finalize:saveServiceState': () => this.finalizeTemplate(),
    };
  }

  settings() {
    return this.serverless.service.custom?.cloudAlerts ?? {};
  }

  /** Run a TypeScript script of the project; its stderr becomes the error, which osls prints. */
  runScript(script, args, input, failure) {
    const root = this.serverless.serviceDir;
    try {
      return execFileSync(process.execPath, [path.join(root, 'bin/run-ts.js'), script, ...args], {
        cwd: root,
        input,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      }).toString();
    } catch (err) {
      const detail = err.stderr ? err.stderr.toString().trim() : String(err);
      throw new this.serverless.classes.Error(`${failure}:\n${detail}`);
    }
  }

  /** A mistyped organisation id would deploy fine and let no member account forward anything. */
  validateOrganizationId() {
    const id = this.settings().organizationId ?? '';
    if (id !== '' && !ORGANIZATION_ID.test(id)) {
      throw new this.serverless.classes.Error(
        `organizationId "${id}" is not an AWS Organizations id ("o-" and 10 to 32 lower-case letters or digits): see docs/deploy.md`,
      );
    }
  }

  /**
   * Validate the YAML for the stage and region (failing the package on any error) and compile it to
   * the JSON the functions read.
   */
  validateConfig() {
    const { stage, region } = this.serverless.service.provider;
    this.runScript(
      'scripts/build-config.ts',
      [stage, '--region', region],
      undefined,
      'cloud-alerts configuration is invalid',
    );
  }

  /**
   * The template as deployed: conditions known now decided, DependsOn that references imply dropped
   * (both would be cfn-lint warnings), and the notifier roles granted what the compiled configuration's
   * receivers name (scripts/finalize-template.ts).
   */
  finalizeTemplate() {
    const provider = this.serverless.service.provider;
    const compiled = provider.compiledCloudFormationTemplate;
    const out = this.runScript(
      'scripts/finalize-template.ts',
      [RUNTIME_CONFIG, provider.stage],
      JSON.stringify(compiled),
      'cloud-alerts could not finish the CloudFormation template',
    );
    const finalized = JSON.parse(out);
    // osls holds on to this object: change it in place.
    for (const key of Object.keys(compiled)) delete compiled[key];
    Object.assign(compiled, finalized);
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
