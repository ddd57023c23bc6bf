import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { CLOUDTRAIL_RULES, RULE_IDS } from '../detect/catalog.ts';
import { allowEntryExpired } from '../route/allow-list.ts';
import { anyGlob, globMatch } from '../route/route.ts';
import { silenceExpired } from '../route/silence.ts';
import { plainError } from '../util/errors.ts';
import { accessProblems, receiverAccess } from './access.ts';
import { explainIssue } from './issues.ts';
import { formatPath, locate, locateKey } from './located.ts';
import { nearestKey } from './near.ts';
import { type Config, ConfigSchema, type Route } from './schema.ts';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
    /** The file could not be read at all (a usage error), rather than read and found invalid. */
    readonly unreadable = false,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Replaces `${stage}` in the file, so one file serves every stage. */
  stage: string;
  /** Shown in error messages. */
  source?: string;
  /**
   * The region the stack is deployed to. When given, receivers naming a topic or key that no grant
   * could make work there are errors (shared/config/access.ts); `serverless package` always gives it.
   */
  region?: string | undefined;
}

type Path = ReadonlyArray<PropertyKey>;

/** Written literally in the YAML; not a JavaScript template. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder is the literal text ${stage}
const STAGE_PLACEHOLDER = '${stage}';

/**
 * The most nodes aliases may add to the config when expanded. An anchor reused in a few routes adds
 * tens or hundreds; nested aliases ("billion laughs": nine aliases to a list of nine aliases to …)
 * multiply, and nine levels of nine would expand a 1 KB file to hundreds of millions of nodes.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

/**
 * yaml's own guard while building the JavaScript value, kept as a second line behind
 * MAX_ALIAS_EXPANSION: it throws "Excessive alias count indicates a resource exhaustion attack"
 * when an anchor's uses times the aliases nested in it pass this. Its default, 100, would also refuse
 * an anchor used 101 times, which expands to no more than that; our own bound measures what
 * expansion adds and names the alias. https://eemeli.org/yaml/#tojs-options
 */
const YAML_MAX_ALIAS_COUNT = MAX_ALIAS_EXPANSION;

type YamlNode = unknown;

/** Where a node was written, as line:col, when yaml recorded its range. */
function nodePos(node: YamlNode, lines: LineCounter): string | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node) || !Array.isArray(node.range)) return;
  const start = node.range[0];
  if (typeof start !== 'number') return;
  const { line, col } = lines.linePos(start);
  return `${line}:${col}`;
}

interface AliasProblem {
  alias: YamlNode;
  anchor: string;
  /** The alias sits inside the node it names: its expansion never ends. */
  cycle: boolean;
}

/**
 * The first alias, in document order, at which the nodes added by expanding aliases pass `limit`, or
 * one inside the node it names. Expanding an alias adds a copy of its anchor's node, aliases inside
 * it expanded too; an anchor is always written before its aliases, so one pass in document order
 * knows each anchored node's expanded size by the time an alias names it (an alias to a node still
 * being read is inside it). Sizes are capped just past the limit: a bomb's exact size is not needed.
 */
function aliasExpansionPast(root: YamlNode, limit: number): AliasProblem | undefined {
  const anchors = new Map<string, YamlNode>();
  const sizes = new Map<YamlNode, number>();
  let added = 0;
  let problem: AliasProblem | undefined;
  const walk = (node: YamlNode): number => {
    if (problem) return 0;
    if (isAlias(node)) {
      const anchored = anchors.get(node.source);
      // An unknown anchor is already one of yaml's document errors.
      if (anchored === undefined) return 1;
      const n = sizes.get(anchored);
      if (n === undefined) {
        problem = { alias: node, anchor: node.source, cycle: true };
        return 0;
      }
      added += n;
      if (added > limit) problem = { alias: node, anchor: node.source, cycle: false };
      return n;
    }
    if (isPair(node)) return walk(node.key) + walk(node.value);
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return 0;
    // yaml resolves an alias to the last node written with that anchor before it.
    if (node.anchor) anchors.set(node.anchor, node);
    let n = 1;
    if (isMap(node) || isSeq(node)) for (const item of node.items) n += walk(item);
    n = Math.min(n, limit + 1);
    sizes.set(node, n);
    return n;
  };
  walk(root);
  return problem;
}

function collectRouteReceivers(
  route: Route,
  path: (string | number)[],
  out: Array<{ name: string; path: (string | number)[] }>,
) {
  for (const [i, name] of (route.receivers ?? []).entries())
    out.push({ name, path: [...path, 'receivers', i] });
  for (const [i, child] of (route.routes ?? []).entries())
    collectRouteReceivers(child, [...path, 'routes', i], out);
}

/** Every place the configuration names rule ids, in the schema's order: routes, allow-list, silences. */
function ruleRefs(config: Config): Array<{ value: string | string[]; path: (string | number)[] }> {
  const refs: Array<{ value: string | string[]; path: (string | number)[] }> = [];
  const walk = (route: Route, path: (string | number)[]) => {
    if (route.match?.rule !== undefined)
      refs.push({ value: route.match.rule, path: [...path, 'match', 'rule'] });
    for (const [i, child] of (route.routes ?? []).entries()) walk(child, [...path, 'routes', i]);
  };
  walk(config.route, ['route']);
  for (const [i, entry] of config.allowList.entries())
    if (entry.rule !== undefined) refs.push({ value: entry.rule, path: ['allowList', i, 'rule'] });
  for (const [i, silence] of config.silences.entries())
    if (silence.match.rule !== undefined)
      refs.push({ value: silence.match.rule, path: ['silences', i, 'match', 'rule'] });
  return refs;
}

/** A rule id as written, quoted when it looks like one (never a pasted key or URL, which has no dash). */
function shownRule(value: string): string {
  return value.length <= 64 && /^[a-z0-9*]+(-[a-z0-9*]+)+$/.test(value) ? `rule "${value}"` : 'rule id';
}

/**
 * A rule id no rule has never matches: the route, silence or allow-list entry would do nothing, and
 * a typo in an allow-list would let the alerts it meant to hold back through. A glob must match at
 * least one rule.
 */
function ruleProblem(value: string): string | undefined {
  if (value.includes('*')) {
    if (RULE_IDS.some((id) => globMatch(value, id))) return undefined;
    return `${shownRule(value)} matches no rule (docs/rules.md lists them)`;
  }
  if (RULE_IDS.includes(value)) return undefined;
  const near = nearestKey(value, RULE_IDS);
  return near
    ? `unknown ${shownRule(value)}; did you mean "${near}"?`
    : `unknown ${shownRule(value)} (docs/rules.md lists them)`;
}

/** Parse and validate; every problem is reported with its line:column and field path. */
export function parseConfig(text: string, opts: LoadOptions): Config {
  return parseLocated(text, opts).config;
}

/**
 * Deeper `[`/`{` nesting than any configuration needs. The yaml parser recurses per level and runs
 * the process out of memory somewhere near 20,000 levels (a crash, not an error), so a file nested
 * past this is refused, with its position, before it is parsed.
 */
const MAX_FLOW_DEPTH = 256;

/** The offset at which flow collections nest past `limit`, outside quotes and comments, if any. */
function flowDepthPast(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      // Skip the quoted scalar: "…" with backslash escapes, '…' with '' for a quote.
      for (i++; i < text.length; i++) {
        if (c === '"' && text[i] === '\\') i++;
        else if (text[i] === c) {
          if (c === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > limit) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return undefined;
}

/** The config and a way to name where a field of it was written, for warnings after validation. */
function parseLocated(text: string, opts: LoadOptions): { config: Config; at: (path: Path) => string } {
  const source = opts.source ?? 'config';
  const lines = new LineCounter();
  const deep = flowDepthPast(text, MAX_FLOW_DEPTH);
  if (deep !== undefined) {
    const before = text.slice(0, deep).split('\n');
    const problem = `${source}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}: lists and maps nest deeper than ${MAX_FLOW_DEPTH} levels; no configuration needs that`;
    throw new ConfigError(`invalid YAML in ${source}:\n  ${problem}`, [problem]);
  }
  const doc = parseDocument(text.replaceAll(STAGE_PLACEHOLDER, opts.stage), {
    lineCounter: lines,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      return `${source}:${line}:${col}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`invalid YAML in ${source}:\n  ${problems.join('\n  ')}`, problems);
  }
  if (!isMap(doc.contents) && !isSeq(doc.contents)) {
    throw new ConfigError(`${source}: expected a YAML mapping with receivers and route`, [
      `${source}:1:1: not a mapping`,
    ]);
  }
  const bomb = aliasExpansionPast(doc.contents, MAX_ALIAS_EXPANSION);
  if (bomb) {
    const at = `${source}:${nodePos(bomb.alias, lines) ?? '1:1'}`;
    const problem = bomb.cycle
      ? `${at}: alias *${bomb.anchor} is inside the node it names; write the value out`
      : `${at}: alias *${bomb.anchor}: aliases expand the file past ${MAX_ALIAS_EXPANSION} nodes (nested anchors multiply); write the values out`;
    throw new ConfigError(`invalid YAML in ${source}:\n  ${problem}`, [problem]);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws (no position) for what the composer let through, e.g. its own alias guard above.
    const problem = `${source}:1:1: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigError(`invalid YAML in ${source}:\n  ${problem}`, [problem]);
  }
  const result = ConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .flatMap((issue: z.core.$ZodIssue) => explainIssue(issue, ConfigSchema, value))
      .map(
        (p) =>
          `${source}:${(p.atKey ? locateKey : locate)(doc, lines, p.path)}: ${formatPath(p.path) || '(top level)'}: ${p.message}`,
      );
    throw new ConfigError(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`, problems);
  }
  const config = result.data;
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, r] of config.receivers.entries()) {
    if (names.has(r.name))
      problems.push(
        `${source}:${locate(doc, lines, ['receivers', i, 'name'])}: receivers[${i}].name: duplicate receiver "${r.name}"`,
      );
    names.add(r.name);
  }
  const refs: Array<{ name: string; path: (string | number)[] }> = [];
  collectRouteReceivers(config.route, ['route'], refs);
  for (const ref of refs) {
    if (!names.has(ref.name)) {
      problems.push(
        `${source}:${locate(doc, lines, ref.path)}: ${formatPath(ref.path)}: unknown receiver "${ref.name}"`,
      );
    }
  }
  for (const ref of ruleRefs(config)) {
    const values = Array.isArray(ref.value)
      ? ref.value.map((v, i) => ({ v, path: [...ref.path, i] }))
      : [{ v: ref.value, path: ref.path }];
    for (const { v, path } of values) {
      const problem = ruleProblem(v);
      if (problem) problems.push(`${source}:${locate(doc, lines, path)}: ${formatPath(path)}: ${problem}`);
    }
  }
  if (opts.region !== undefined) {
    for (const p of accessProblems(receiverAccess(config), opts.region))
      problems.push(`${source}:${locate(doc, lines, p.path)}: ${formatPath(p.path)}: ${p.message}`);
  }
  if (problems.length > 0)
    throw new ConfigError(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`, problems);
  return {
    config,
    at: (path) => `${source}:${locate(doc, lines, path)}: ${formatPath(path)}`,
  };
}

export interface ConfigCheck {
  /** Set when there are no errors. */
  config?: Config;
  errors: string[];
  /** Valid but worth a look: expired silences and allow-list entries (ignored at run time), spoofable entries. */
  warnings: string[];
}

/** Rules that can page critical: a catalog rule's severity is the loudest it raises. */
const CRITICAL_RULES = CLOUDTRAIL_RULES.filter((r) => r.severity === 'critical').map((r) => r.id);

/**
 * An actor glob that starts with `*` matches any name or ARN ending that way: `*terraform-ci*` is also
 * `evil-terraform-ci`, and `*:role/terraform-ci` is a role of that name in any account. On an entry
 * that holds back critical rules (or every rule, when it names none) that is worth a second look.
 */
function wildcardActorWarning(entry: Config['allowList'][number]): string | undefined {
  const actors = entry.actor === undefined ? [] : Array.isArray(entry.actor) ? entry.actor : [entry.actor];
  const wild = actors.find((a) => a.startsWith('*'));
  if (wild === undefined) return undefined;
  const { rule } = entry;
  const held = rule === undefined ? [] : CRITICAL_RULES.filter((id) => anyGlob(rule, id));
  if (rule !== undefined && held.length === 0) return undefined;
  const what =
    rule === undefined ? 'every rule, critical ones included' : `critical rule(s) ${held.join(', ')}`;
  return `"${wild}" starts with a wildcard, so it also matches roles and users you did not mean (any name ending that way; an ARN in any account), and the entry holds back ${what}; name the role, or its full ARN`;
}

/** What `cloud-alerts config check` reports: errors (the Lambda would refuse the file) and warnings. */
export function checkConfig(text: string, opts: LoadOptions & { now: Date }): ConfigCheck {
  let parsed: ReturnType<typeof parseLocated>;
  try {
    parsed = parseLocated(text, opts);
  } catch (err) {
    if (err instanceof ConfigError) return { errors: err.problems, warnings: [] };
    throw err;
  }
  const { config, at } = parsed;
  const warnings: string[] = [];
  for (const [i, entry] of config.allowList.entries()) {
    if (allowEntryExpired(entry, opts.now.getTime()))
      warnings.push(`${at(['allowList', i, 'expires'])}: expired ${entry.expires}; the entry is ignored`);
    if (
      entry.userAgent !== undefined &&
      entry.actor === undefined &&
      entry.account === undefined &&
      entry.sourceIp === undefined
    )
      warnings.push(
        `${at(['allowList', i, 'userAgent'])}: the caller writes its own user agent; also name an actor, account or sourceIp`,
      );
  }
  for (const [i, entry] of config.allowList.entries()) {
    const warning = wildcardActorWarning(entry);
    if (warning) warnings.push(`${at(['allowList', i, 'actor'])}: ${warning}`);
  }
  for (const [i, silence] of config.silences.entries()) {
    if (silenceExpired(silence, opts.now))
      warnings.push(`${at(['silences', i, 'endsAt'])}: ended ${silence.endsAt}; the silence is ignored`);
  }
  return { config, errors: [], warnings };
}

export function loadConfigFile(file: string, opts: LoadOptions): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration ${file}: ${plainError(err)}`, [], true);
  }
  return parseConfig(text, { ...opts, source: opts.source ?? file });
}
