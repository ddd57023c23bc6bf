/** Small readers for untrusted JSON: CloudTrail bodies vary by API, version and client. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** AWS serialises "one or many" as either a value or a list. */
export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function strings(v: unknown): string[] {
  return asList(v).filter((x): x is string => typeof x === 'string');
}

/**
 * Policy documents arrive as objects (S3), JSON strings (IAM) or URL-encoded JSON strings
 * (older IAM records). Returns undefined when none of those parse.
 */
export function parsePolicyDocument(v: unknown): Record<string, unknown> | undefined {
  if (isRecord(v)) return v;
  if (typeof v !== 'string') return undefined;
  for (const text of [v, safeDecode(v)]) {
    if (text === undefined) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) return parsed;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

export function statements(policy: Record<string, unknown>): Record<string, unknown>[] {
  return asList(policy.Statement).filter(isRecord);
}

/** Shorten for a one-line summary; full values belong in facts, which renderers limit themselves. */
export function short(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
