import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compiledConfigText } from '../config/compiled.ts';
import { ConfigError, loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import {
  type DeclaredRule,
  parseCloudAlertsSettings,
  parseServerlessRules,
  parseServerlessYaml,
  ServerlessFileError,
} from '../eventbridge/serverless.ts';
import { plainError } from '../util/errors.ts';

/** What this checkout says should be deployed for a stage and region. */
export interface LocalSetup {
  stage: string;
  region: string;
  /** serverless.yml `service`. */
  service: string;
  /** custom.prefix: `<service>-<stage>`, the stack's name and the prefix of its resources. */
  prefix: string;
  /** The EventBridge rules serverless.yml declares, variables resolved for the stage and region. */
  rules: DeclaredRule[];
  /** Rules that must see read-only calls (state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS). */
  allManagementEventsRules: ReadonlySet<string>;
  configFile: string;
  /** The configuration for the stage, or why it could not be read. */
  config: { ok: true; value: Config; digest: string } | { ok: false; error: string };
}

/** The SHA-256 the package step stamps as the stack output CloudAlertsConfigDigest. */
export function configDigest(config: Config, stage: string): string {
  return createHash('sha256').update(compiledConfigText(config, stage), 'utf8').digest('hex');
}

/** Reads serverless.yml (throws if it cannot: a usage error) and the configuration (kept as an error). */
export function readLocalSetup(opts: {
  serverlessFile: string;
  configFile: string;
  stage: string;
  region: string;
}): LocalSetup {
  let text: string;
  try {
    text = readFileSync(opts.serverlessFile, 'utf8');
  } catch (err) {
    throw new ServerlessFileError(`cannot read ${opts.serverlessFile}: ${plainError(err)}`, { cause: err });
  }
  const doc = parseServerlessYaml(text, opts.serverlessFile);
  const service = typeof doc.service === 'string' ? doc.service : undefined;
  if (!service) throw new ServerlessFileError(`${opts.serverlessFile}: names no service`);
  const read = { stage: opts.stage, region: opts.region, source: opts.serverlessFile };
  const settings = parseCloudAlertsSettings(text, read);
  let config: LocalSetup['config'];
  try {
    const value = loadConfigFile(opts.configFile, { stage: opts.stage });
    config = { ok: true, value, digest: configDigest(value, opts.stage) };
  } catch (err) {
    // A file that cannot be read is a usage error (exit 2), as in every command; an invalid one is a finding.
    if (err instanceof ConfigError && err.unreadable) throw err;
    config = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return {
    stage: opts.stage,
    region: opts.region,
    service,
    prefix: `${service}-${opts.stage}`,
    rules: parseServerlessRules(text, read),
    allManagementEventsRules: new Set(settings.allManagementEventsRules),
    configFile: opts.configFile,
    config,
  };
}
