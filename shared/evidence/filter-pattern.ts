/**
 * The part of CloudWatch Logs' filter pattern syntax that matches terms in unstructured log events,
 * so recorded log events (replay, tests) are filtered as FilterLogEvents would filter them:
 *
 *   ""                  every event
 *   ERROR Exception     events holding every term (AND)
 *   ?ERROR ?Exception   events holding any of the terms (OR)
 *   "Task timed out"    an exact phrase; a term with anything but letters, digits and _ must be quoted
 *   ERROR -Exiting      ERROR and not Exiting
 *
 * Matching is case-sensitive and finds a term anywhere in the message.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 *
 * JSON (`{ $.level = … }`), space-delimited (`[ip, …]`) and regex (`%…%`) patterns are outside the
 * subset: they are refused in words rather than matched wrongly.
 */

export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

interface Term {
  text: string;
  kind: 'all' | 'any' | 'not';
}

/** Unquoted terms: what the syntax page allows outside double quotes. */
const BARE_TERM = /^[A-Za-z0-9_]+$/;

function tokens(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i] ?? '')) {
      i++;
      continue;
    }
    let kind: Term['kind'] = 'all';
    if (pattern[i] === '?' || pattern[i] === '-') {
      kind = pattern[i] === '?' ? 'any' : 'not';
      i++;
    }
    if (pattern[i] === '"') {
      const close = pattern.indexOf('"', i + 1);
      if (close < 0)
        throw new FilterPatternError(`unclosed quote in filter pattern ${JSON.stringify(pattern)}`);
      const text = pattern.slice(i + 1, close);
      if (text.length === 0) throw new FilterPatternError(`empty quoted term in ${JSON.stringify(pattern)}`);
      terms.push({ text, kind });
      i = close + 1;
      continue;
    }
    let end = i;
    while (end < pattern.length && !/\s/.test(pattern[end] ?? '')) end++;
    const text = pattern.slice(i, end);
    if (!BARE_TERM.test(text)) {
      throw new FilterPatternError(
        `filter pattern term ${JSON.stringify(text)} is not in the subset replay understands (quote terms with other characters; JSON, space-delimited and regex patterns are not supported)`,
      );
    }
    terms.push({ text, kind });
    i = end;
  }
  return terms;
}

/** A predicate over log messages for `pattern`; throws FilterPatternError outside the subset. */
export function compileFilterPattern(pattern: string): (message: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('%')) {
    throw new FilterPatternError(
      `filter pattern ${JSON.stringify(pattern)} is JSON, space-delimited or regex: not in the subset replay understands`,
    );
  }
  const terms = tokens(trimmed);
  const all = terms.filter((t) => t.kind === 'all').map((t) => t.text);
  const any = terms.filter((t) => t.kind === 'any').map((t) => t.text);
  const not = terms.filter((t) => t.kind === 'not').map((t) => t.text);
  // The page defines ?a ?b and a b, not a mix: guessing what AWS does with one would make replay lie.
  if (any.length > 0 && all.length > 0) {
    throw new FilterPatternError(
      `filter pattern ${JSON.stringify(pattern)} mixes ?term (OR) and plain terms (AND): not in the subset replay understands`,
    );
  }
  return (message) =>
    all.every((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t))) &&
    !not.some((t) => message.includes(t));
}
