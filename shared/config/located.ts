import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { explainIssue } from './issues.ts';

/**
 * Where in a YAML file a problem is, as line:col and key path: the configuration's errors and those
 * of the other YAML files the CLI reads (--alarm-tags, --evidence) read alike.
 */

type Path = ReadonlyArray<PropertyKey>;
type YamlDocument = ReturnType<typeof parseDocument>;

const keysOf = (path: Path) => path.map((p) => (typeof p === 'symbol' ? String(p) : p));

/** Where the key that ends `path` was written (an unknown key), else where its value was. */
export function locateKey(doc: YamlDocument, lines: LineCounter, path: Path): string {
  const key = path.at(-1);
  const parent = doc.getIn(keysOf(path.slice(0, -1)), true);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
    const start = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    if (typeof start === 'number') {
      const { line, col } = lines.linePos(start);
      return `${line}:${col}`;
    }
  }
  return locate(doc, lines, path);
}

/** Where the value at `path` was written; a missing one is reported at its parent. */
export function locate(doc: YamlDocument, lines: LineCounter, path: Path): string {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(keysOf(path.slice(0, n)), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      const start = node.range[0];
      if (typeof start === 'number') {
        const { line, col } = lines.linePos(start);
        return `${line}:${col}`;
      }
    }
  }
  return '1:1';
}

/** `receivers[1].slack.channel`. */
export function formatPath(path: Path): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

/**
 * A YAML (or JSON) file checked against `schema`: its data, or each problem as
 * `source:line:col: key.path: what is wrong`, in the words the configuration's errors use. An empty
 * file is `empty`.
 */
export function checkYamlFile<T>(
  text: string,
  schema: z.ZodType<T>,
  source: string,
  empty: unknown,
): { data: T; problems?: undefined } | { data?: undefined; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0)
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return `${source}:${line}:${col}: invalid YAML: ${e.message.split('\n')[0]}`;
      }),
    };
  let value: unknown;
  try {
    value = doc.toJS() ?? empty;
  } catch (err) {
    return { problems: [`${source}:1:1: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data };
  return {
    problems: result.error.issues
      .flatMap((issue) => explainIssue(issue, schema, value))
      .map(
        (p) =>
          `${source}:${(p.atKey ? locateKey : locate)(doc, lines, p.path)}: ${formatPath(p.path) || '(top level)'}: ${p.message}`,
      ),
  };
}
