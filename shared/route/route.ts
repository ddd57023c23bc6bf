import type { Match, Route } from '../config/schema.ts';
import { type Alert, SEVERITIES, type Severity, severityRank } from '../events/alert.ts';
import { ownValue } from '../util/own.ts';

/** `*` matches any run of characters; everything else is literal. Case-sensitive, like ARNs. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last))
    return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > value.length - last.length) return false;
    at = found + part.length;
  }
  return true;
}

export function anyGlob(expected: string | string[], actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return (Array.isArray(expected) ? expected : [expected]).some((p) => globMatch(p, actual));
}

function oneOf<T extends string>(expected: T | T[], actual: T): boolean {
  return (Array.isArray(expected) ? expected : [expected]).includes(actual);
}

function severityMatches(expr: string | Severity[], s: Severity): boolean {
  if (Array.isArray(expr)) return expr.includes(s);
  const m = /^(>=|<=|>|<)?(.+)$/.exec(expr);
  const op = m?.[1];
  const target = SEVERITIES.find((x) => x === m?.[2]);
  if (!target) return false;
  const a = severityRank(s);
  const b = severityRank(target);
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    default:
      return a === b;
  }
}

/** An STS ARN (`assumed-role/<role>/<session>`, `federated-user/<name>`) names a session, never an identity. */
const STS_ARN = /^arn:[^:]+:sts::/;

/** The name at the end of an IAM ARN: `arn:aws:iam::123456789012:role/ci/terraform-ci` → terraform-ci. */
function arnName(arn: string): string | undefined {
  return arn.split(/[:/]/).pop() || undefined;
}

/**
 * What `actor` may match: who the caller is, never what it called its session. A session's ARN ends
 * in a name the caller chooses (`aws sts assume-role --role-session-name terraform-ci`), so for a
 * session only the role (or user) that issued it counts: its name and its ARN.
 * Routes, silences and allow-lists all match `actor` against this, and nothing else.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
export function actorIdentity(alert: Pick<Alert, 'actor'>, issuerFromRecord?: string): string[] {
  const actor = alert.actor;
  const issuerArn = actor?.issuerArn ?? issuerFromRecord;
  const out: Array<string | undefined> = [
    issuerArn,
    issuerArn === undefined ? undefined : arnName(issuerArn),
  ];
  if (actor === undefined) return out.filter((v) => v !== undefined);
  const session = actor.session !== undefined || STS_ARN.test(actor.arn ?? '');
  if (!session) out.push(actor.name, actor.arn);
  // An assumed role's name is its role's (from the session issuer); a federated user's is chosen.
  else if (actor.kind !== 'federated') out.push(actor.name);
  return out.filter((v) => v !== undefined);
}

/** Every field given must match (AND); a list means any of its values (OR). An absent matcher matches all. */
export function matchAlert(match: Match | undefined, alert: Alert): boolean {
  if (!match) return true;
  if (match.severity !== undefined && !severityMatches(match.severity, alert.severity)) return false;
  if (match.rule !== undefined && !anyGlob(match.rule, alert.ruleId)) return false;
  if (match.kind !== undefined && !oneOf(match.kind, alert.kind)) return false;
  if (match.source !== undefined && !oneOf(match.source, alert.kind)) return false;
  if (
    match.account !== undefined &&
    !anyGlob(match.account, alert.account.id) &&
    !anyGlob(match.account, alert.account.alias)
  ) {
    return false;
  }
  if (match.region !== undefined && !anyGlob(match.region, alert.region)) return false;
  if (match.status !== undefined && match.status !== alert.status) return false;
  if (match.actor !== undefined) {
    const actor = match.actor;
    if (!actorIdentity(alert).some((v) => anyGlob(actor, v))) return false;
  }
  for (const [tag, expected] of Object.entries(match.tags ?? {})) {
    if (!anyGlob(expected, ownValue(alert.tags, tag))) return false;
  }
  return true;
}

export interface RouteDecision {
  receivers: string[];
  /** The matched route nodes, as paths like "route.routes[1]", for `routes test` and logs. */
  matched: string[];
}

/**
 * Alertmanager's walk: children are tried in order; the first that matches takes the alert unless
 * it says `continue`; a node none of whose children matched delivers to its own receivers, which a
 * child inherits when it names none.
 */
export function routeAlert(root: Route, alert: Alert): RouteDecision {
  const receivers: string[] = [];
  const matched: string[] = [];
  const walk = (node: Route, path: string, inherited: string[]): void => {
    const own = node.receivers ?? inherited;
    let childTook = false;
    for (const [i, child] of (node.routes ?? []).entries()) {
      if (!matchAlert(child.match, alert)) continue;
      walk(child, `${path}.routes[${i}]`, own);
      childTook = true;
      if (!child.continue) break;
    }
    if (!childTook) {
      matched.push(path);
      for (const r of own) if (!receivers.includes(r)) receivers.push(r);
    }
  };
  walk(root, 'route', []);
  return { receivers, matched };
}
