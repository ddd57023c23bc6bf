import { readFileSync } from 'node:fs';
import { parse, YAMLError } from 'yaml';
import { NOTIFIER_DEPLOYMENTS } from '../deploy/deployments.ts';
import { notifierFunctions } from '../deploy/notifiers.ts';
import { isRecord } from '../detect/values.ts';
import { plainError } from '../util/errors.ts';

/** One EventBridge rule as serverless.yml declares it for a function. */
export interface DeclaredRule {
  /** The rule name after variable resolution, e.g. cloud-alerts-dev-s3-bucket-visibility. */
  name: string;
  /** serverless.yml function key (alert, notifySlack, …). */
  functionKey: string;
  /** The function's handler path, e.g. functions/alert/handler.handler. */
  handler: string;
  /** "default", or the logical id / name of the custom bus the rule listens on. */
  bus: string;
  pattern: unknown;
}

export interface ReadOptions {
  stage?: string;
  region?: string;
  /** The file's name, for messages (default serverless.yml). */
  source?: string;
}

/** A serverless.yml that cannot be read or is not one: the message names the file and the line. */
export class ServerlessFileError extends Error {
  override readonly name = 'ServerlessFileError';
}

/** The file's YAML as a mapping, or a ServerlessFileError saying where it went wrong. */
export function parseServerlessYaml(text: string, source = 'serverless.yml'): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    const pos = err.linePos?.[0];
    // yaml's message repeats the position and quotes the lines around it: the first clause says enough.
    const what = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ServerlessFileError(
      `${source}:${pos ? `${pos.line}:${pos.col}` : '1:1'}: invalid YAML: ${what}`,
      {
        cause: err,
      },
    );
  }
  if (!isRecord(doc))
    throw new ServerlessFileError(
      `${source}:1:1: not a serverless.yml: expected a mapping with service, provider and functions`,
    );
  return doc;
}

const VARIABLE_G = /\$\{([^${}]+)\}/g;

/**
 * Resolves the variables this project uses in names and pattern values (`self:`, `sls:stage`,
 * `opt:stage|region` with defaults). Anything else (param:, aws:, ssm:) is left in place: names that
 * need it are not ours to guess.
 */
function resolver(doc: Record<string, unknown>, opts: { stage: string; region: string }) {
  const lookup = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), doc);
  const resolveOne = (expr: string): string | undefined => {
    const [ref, ...fallback] = expr.split(',').map((s) => s.trim());
    const dflt = fallback.length > 0 ? fallback.join(',').replace(/^['"]|['"]$/g, '') : undefined;
    if (ref === 'sls:stage' || ref === 'opt:stage' || ref === 'self:provider.stage') return opts.stage;
    if (ref === 'opt:region' || ref === 'self:provider.region') return opts.region;
    if (ref?.startsWith('self:')) {
      const v = lookup(ref.slice(5));
      return typeof v === 'string' || typeof v === 'number' ? String(v) : dflt;
    }
    return undefined;
  };
  // One pass over innermost variables is enough for this file; unknown ones stay as written.
  const resolve = (s: string, depth = 0): string =>
    s.replace(VARIABLE_G, (whole, expr: string) => {
      const value = resolveOne(expr);
      if (value === undefined) return whole;
      return depth < 10 ? resolve(value, depth + 1) : value;
    });
  return resolve;
}

function busOf(eventBus: unknown): string {
  if (eventBus === undefined || eventBus === 'default') return 'default';
  if (typeof eventBus === 'string') return eventBus;
  if (isRecord(eventBus)) {
    const getAtt = eventBus['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof eventBus.Ref === 'string') return eventBus.Ref;
  }
  return JSON.stringify(eventBus);
}

function load(text: string, options: ReadOptions) {
  const doc = parseServerlessYaml(text, options.source);
  const provider = isRecord(doc.provider) ? doc.provider : {};
  const region =
    typeof provider.region === 'string' && !provider.region.includes('${') ? provider.region : 'eu-west-1';
  return { doc, resolve: resolver(doc, { stage: options.stage ?? 'dev', region: options.region ?? region }) };
}

/** custom.cloudAlerts settings of serverless.yml, with names resolved for the stage. */
export function parseCloudAlertsSettings(
  text: string,
  options: ReadOptions = {},
): { allManagementEventsRules: string[]; alarmReaderRole?: string } {
  const { doc, resolve } = load(text, options);
  const custom = isRecord(doc.custom) ? doc.custom : {};
  const settings = isRecord(custom.cloudAlerts) ? custom.cloudAlerts : {};
  const names = Array.isArray(settings.allManagementEventsRules) ? settings.allManagementEventsRules : [];
  const reader = settings.alarmReaderRole;
  return {
    allManagementEventsRules: names.filter((n): n is string => typeof n === 'string').map((n) => resolve(n)),
    ...(typeof reader === 'string' ? { alarmReaderRole: resolve(reader) } : {}),
  };
}

/**
 * Variables in a pattern's values (`prefix: ${self:custom.prefix}-`) resolved as the framework resolves
 * them at deploy; field names are never variables.
 */
function resolveValues(value: unknown, resolve: (s: string) => string): unknown {
  if (typeof value === 'string') return resolve(value);
  if (Array.isArray(value)) return value.map((v) => resolveValues(v, resolve));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValues(v, resolve)]));
  return value;
}

/** The `functions` entry osls fills with the channels' notifiers (scripts/serverless-notifiers.cjs). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's variable syntax, as written there
const GENERATED_NOTIFIERS = '${file(./scripts/serverless-notifiers.cjs):functions}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's variable syntax
const PREFIX = '${self:custom.prefix}';

/**
 * serverless.yml's functions: a mapping, or a list of mappings osls merges, one of which may be the
 * generated notifiers, built here as the package builds them.
 */
function declaredFunctions(
  doc: Record<string, unknown>,
  resolve: (s: string) => string,
  source: string,
): Record<string, unknown> {
  if (isRecord(doc.functions)) return doc.functions;
  if (!Array.isArray(doc.functions)) return {};
  const merged: Record<string, unknown> = {};
  for (const entry of doc.functions) {
    if (isRecord(entry)) Object.assign(merged, entry);
    else if (entry === GENERATED_NOTIFIERS)
      Object.assign(merged, notifierFunctions(NOTIFIER_DEPLOYMENTS, { prefix: resolve(PREFIX) }));
    else
      throw new ServerlessFileError(
        `${source}: functions holds ${typeof entry === 'string' && entry.length <= 80 ? JSON.stringify(entry) : 'an entry'}, which cloud-alerts cannot read`,
      );
  }
  return merged;
}

export function parseServerlessRules(text: string, options: ReadOptions = {}): DeclaredRule[] {
  const { doc, resolve } = load(text, options);
  const rules: DeclaredRule[] = [];
  const functions = declaredFunctions(doc, resolve, options.source ?? 'serverless.yml');
  for (const [functionKey, fn] of Object.entries(functions)) {
    if (!isRecord(fn)) continue;
    const handler = typeof fn.handler === 'string' ? fn.handler : '';
    for (const [i, ev] of (Array.isArray(fn.events) ? fn.events : []).entries()) {
      const eb = isRecord(ev) ? ev.eventBridge : undefined;
      if (!isRecord(eb) || eb.pattern === undefined) continue;
      const name = typeof eb.name === 'string' ? resolve(eb.name) : `${functionKey}-rule-${i + 1}`;
      const pattern = resolveValues(eb.pattern, resolve);
      rules.push({ name, functionKey, handler, bus: busOf(eb.eventBus), pattern });
    }
  }
  return rules;
}

export function readServerlessRules(file = 'serverless.yml', options: ReadOptions = {}): DeclaredRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServerlessFileError(`cannot read ${file}: ${plainError(err)}`, { cause: err });
  }
  return parseServerlessRules(text, { source: file, ...options });
}
