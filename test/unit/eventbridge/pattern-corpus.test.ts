/**
 * Conformance against the shared corpus (pattern + event + documented result), read in place from
 * ../shared/corpus next to the repository. Absent corpus → the case list is empty and the test says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';

const corpusDir = path.resolve(process.cwd(), '../shared/corpus/eventbridge/patterns');
const corpusPresent = existsSync(corpusDir);

interface CorpusCase {
  id: string;
  pattern: unknown;
  event: unknown;
  expected: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Labelled cases only; the documented-suspect claim uses the semantic expectation recorded next to it. */
function load(): { labelled: CorpusCase[]; unlabelled: CorpusCase[] } {
  const labelled: CorpusCase[] = [];
  const unlabelled: CorpusCase[] = [];
  for (const file of ['awsdocs-eventbridge-guide.json', 'event-ruler.json']) {
    const doc: unknown = JSON.parse(readFileSync(path.join(corpusDir, file), 'utf8'));
    if (!isRecord(doc) || !Array.isArray(doc.cases)) throw new Error(`${file}: unexpected format`);
    for (const c of doc.cases) {
      if (!isRecord(c) || !('pattern' in c) || !('event' in c)) continue; // raw-only (invalid JSON) cases
      const expected = c.doc_claim_suspect === true ? c.expected_match_by_semantics : c.expected_match;
      if (typeof expected !== 'boolean') continue;
      labelled.push({ id: String(c.id), pattern: c.pattern, event: c.event, expected });
    }
    const items = isRecord(doc.unlabeled_cases) ? doc.unlabeled_cases.items : [];
    for (const c of Array.isArray(items) ? items : []) {
      if (!isRecord(c)) continue;
      const name = String(c.name);
      const expected = UNLABELLED_EXPECTATIONS[name];
      if (expected !== undefined) unlabelled.push({ id: name, pattern: c.rule, event: c.event, expected });
    }
  }
  return { labelled, unlabelled };
}

/**
 * Upstream gives no result for correctness-cases.json; these are our expectations under array-consistent
 * matching (fields of one array element never combine with another element's).
 */
const UNLABELLED_EXPECTATIONS: Record<string, boolean> = {
  'flat: 2-field exists, both present': true,
  'flat: 2-field exists, one missing': false,
  'flat: exact match': true,
  'flat: exact mismatch': false,
  'objarray: same element': true,
  'objarray: split': false,
  'objarray: 3 elem, last valid': true,
  'objarray: 3-field, split 3 ways': false,
  'objarray: exact split': false,
  'objarray: prefix split': false,
  'nested: inner split': false,
  'nested: outer split': false,
  'nested2: split leaf': false,
  'exists-false: absent': true,
  'exists-false: present': false,
  'empty object': false,
  'empty array': false,
  'primarray: empty prim array': false,
  'mixed: obj-array split + prim-array': false,
  'N emails, only last element has name — dedup loses the only valid match': true,
  'suffix match split': false,
  'anything-but array': true,
  'primarray: anything-but in array': true,
};

const { labelled, unlabelled } = corpusPresent ? load() : { labelled: [], unlabelled: [] };

describe('EventBridge pattern corpus', () => {
  it(`labelled corpus cases agree (${labelled.length} cases, skipped cleanly when corpus absent)`, () => {
    const disagreements = labelled
      .filter((c) => matchPattern(compilePattern(c.pattern), c.event) !== c.expected)
      .map((c) => c.id);
    expect(disagreements).toEqual([]);
    expect(labelled.length > 0).toBe(corpusPresent);
  });

  it(`unlabelled event-ruler cases agree with array-consistent expectations (${unlabelled.length} cases)`, () => {
    const disagreements = unlabelled
      .filter((c) => matchPattern(compilePattern(c.pattern), c.event) !== c.expected)
      .map((c) => c.id);
    expect(disagreements).toEqual([]);
    expect(unlabelled.length > 0).toBe(corpusPresent);
  });
});
