/**
 * An incremental parser for CloudTrail log files: text goes in chunk by chunk, each element of the
 * `Records` array comes out parsed, so a log of any size is read in constant memory. It also
 * accepts an array of events and a single EventBridge event (bounded in size).
 *
 * It finds element boundaries (strings, escapes, bracket nesting) and hands each element to
 * JSON.parse on its own, so a malformed record costs one record, not the file. A fast path parses
 * runs of whole CloudTrail records with one JSON.parse (see RECORD_BOUNDARY).
 */

/** An element that is not valid JSON; it takes its place in the output so counts stay right. */
export class MalformedRecord {
  constructor(readonly reason: string) {}
}

export class RecordScanError extends Error {
  override readonly name = 'RecordScanError';
}

/**
 * A file without a `Records` array is one EventBridge event, kept whole until it ends; PutEvents
 * caps an entry at 256 KB, so anything far larger is not an event.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export const MAX_SINGLE_EVENT_CHARS = 1024 * 1024;

/**
 * CloudTrail caps what it logs of large request and response elements, so a real record is a few
 * kilobytes; one past this is corrupt, and holding it would break the constant-memory promise.
 */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * In the files CloudTrail delivers, records are written compactly, each starting with its
 * eventVersion key (anything else just takes the character-level path). This text cannot
 * occur inside a JSON string (its quote would end the string, and `eventVersion"` cannot follow a
 * string), so outside strings it is where one record ends and the next begins, unless a nested
 * object also starts with that key; the JSON.parse check in fastPath catches that case.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const RECORD_BOUNDARY = '},{"eventVersion":';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Everything that can change the scanner's state; the rest of the text is skipped over. */
const STRUCTURAL = /["{}[\],:]/g;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Where the scanner is, in the few places that matter for finding records. */
type Mode =
  | 'start' // before the top-level value
  | 'object' // inside the top-level object, looking for the Records key
  | 'records' // inside the array whose elements are emitted
  | 'done'; // after the top-level value

export class RecordScanner {
  private buf = '';
  /** Next position in buf to look at. */
  private i = 0;
  /** Open brackets, innermost last. */
  private readonly stack: number[] = [];
  private mode: Mode = 'start';
  private inString = false;
  private escapePending = false;
  private stringStart = -1;
  /** Start (in buf) of the element being read, or -1. */
  private elementStart = -1;
  /** Depth of the array whose elements are emitted (1 for a top-level array, 2 for Records). */
  private recordsDepth = 0;
  /** In the top-level object: whether the next string at depth 1 is a key. */
  private expectKey = false;
  private lastKey: string | undefined;
  /** Start of the top-level object while it may still be a single event; -1 once Records is found. */
  private objectStart = -1;
  private foundRecords = false;
  private consumed = 0;
  private out: unknown[] = [];
  /** The fast path failed up to here (a malformed record, or an unusual nesting): scan until past it. */
  private slowUntil = -1;
  /** The fast path runs once per chunk: after it, the buffer holds no further boundary. */
  private fastTried = false;
  private ending = false;
  /** Elements emitted so far, and how many of them came through the fast path. */
  count = 0;
  fastCount = 0;
  /** Set when the text stops making sense; nothing more is emitted after it. */
  error: RecordScanError | undefined;

  /**
   * A scanner that has read `{"Records":[` (and `consumed` characters in all) and `count` records,
   * standing between two elements of the array: the byte reader (shared/backtest/skim.ts) hands it
   * the rest of a file from a record boundary, and it goes on exactly as if it had read it all.
   */
  static insideRecords(consumed: number, count: number): RecordScanner {
    const s = new RecordScanner();
    s.stack.push(LBRACE, LBRACKET);
    s.mode = 'records';
    s.recordsDepth = 2;
    s.foundRecords = true;
    s.lastKey = 'Records';
    s.consumed = consumed;
    s.count = count;
    return s;
  }

  /**
   * Feed the next piece of text; returns every element completed by it, parsed (a MalformedRecord
   * where one is not JSON), including those before an error (check `error` after handling them).
   */
  push(chunk: string): unknown[] {
    if (this.error) return [];
    this.buf = this.buf ? this.buf + chunk : chunk;
    this.fastTried = false;
    try {
      this.scan();
      this.compact();
    } catch (err) {
      if (!(err instanceof RecordScanError)) throw err;
      this.error = err;
    }
    return this.take();
  }

  /** The input ended: anything left open means the file was cut short. */
  end(): unknown[] {
    if (this.error) return [];
    // Records held back by the fast path are scanned now.
    this.ending = true;
    try {
      this.scan();
    } catch (err) {
      if (!(err instanceof RecordScanError)) throw err;
      this.error = err;
      return this.take();
    }
    if (this.mode === 'start') this.error = new RecordScanError('empty file');
    else if (this.mode !== 'done') {
      this.error = new RecordScanError(
        `truncated: the file ends inside ${this.inString ? 'a string' : 'the JSON'} after ${this.count} record(s)`,
      );
    }
    return this.take();
  }

  /** Characters held back for an unfinished record (for tests and memory checks). */
  get pendingChars(): number {
    return this.buf.length;
  }

  private take(): unknown[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private emitText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // V8's message quotes the text; the summary groups by reason, so keep it fixed.
      value = new MalformedRecord('invalid JSON');
    }
    this.out.push(value);
    this.count++;
  }

  /**
   * Between records at the Records level: parse every whole record up to the last boundary in the
   * buffer in one JSON.parse. If that parses, the boundary was real (JSON is read left to right,
   * so a prefix that parses as a list of values ends between values); if not, the character-level
   * path takes over until past it.
   */
  private fastPath(): boolean {
    if (this.fastTried) return false;
    this.fastTried = true;
    const buf = this.buf;
    const cut = buf.lastIndexOf(RECORD_BOUNDARY);
    if (cut <= this.i || cut <= this.slowUntil) return false;
    // A run that long may hold a record past the limit: the character path measures each one.
    if (cut + 1 - this.i > MAX_RECORD_CHARS) return false;
    let values: unknown;
    try {
      values = JSON.parse(`[${buf.slice(this.i, cut + 1)}]`);
    } catch {
      this.slowUntil = cut;
      return false;
    }
    if (!Array.isArray(values)) return false;
    for (const v of values) this.out.push(v);
    this.count += values.length;
    this.fastCount += values.length;
    this.i = cut + 2;
    return true;
  }

  private fail(message: string, at = this.i): never {
    throw new RecordScanError(`${message} at character ${this.consumed + at}`);
  }

  /**
   * A record longer than MAX_RECORD_CHARS fails the file, named by where it starts: found while it
   * is still open (compact) or once it is whole, so the outcome is the same however the text was cut.
   */
  private tooLong(start: number, end: number): void {
    if (end - start > MAX_RECORD_CHARS) {
      this.fail(
        `a record of more than ${MAX_RECORD_CHARS} characters (memory stays bounded, so the file is skipped)`,
        start,
      );
    }
  }

  /** Drop text no element or pending single event still needs. */
  private compact(): void {
    let keep = this.i;
    if (this.elementStart >= 0) keep = Math.min(keep, this.elementStart);
    if (this.objectStart >= 0) keep = Math.min(keep, this.objectStart);
    if (this.inString && this.stringStart >= 0) keep = Math.min(keep, this.stringStart);
    if (this.objectStart >= 0 && this.buf.length - keep > MAX_SINGLE_EVENT_CHARS) {
      this.fail(
        `a top-level object of more than ${MAX_SINGLE_EVENT_CHARS} characters without a Records array (not a CloudTrail log file or an EventBridge event)`,
      );
    }
    if (this.elementStart >= 0) this.tooLong(this.elementStart, this.buf.length);
    if (keep === 0) return;
    this.buf = this.buf.slice(keep);
    this.consumed += keep;
    this.i -= keep;
    if (this.elementStart >= 0) this.elementStart -= keep;
    if (this.objectStart >= 0) this.objectStart -= keep;
    if (this.stringStart >= 0) this.stringStart -= keep;
    this.slowUntil = this.slowUntil >= keep ? this.slowUntil - keep : -1;
  }

  /** Continue a string at this.i; returns false when the buffer ends first. */
  private scanString(): boolean {
    const buf = this.buf;
    let i = this.i;
    if (this.escapePending) {
      if (i >= buf.length) return false;
      this.escapePending = false;
      i++;
    }
    for (;;) {
      const q = buf.indexOf('"', i);
      if (q < 0) {
        let slashes = 0;
        for (let k = buf.length - 1; k >= i && buf.charCodeAt(k) === BACKSLASH; k--) slashes++;
        this.escapePending = slashes % 2 === 1;
        this.i = buf.length;
        return false;
      }
      let slashes = 0;
      for (let k = q - 1; k >= i && buf.charCodeAt(k) === BACKSLASH; k--) slashes++;
      if (slashes % 2 === 1) {
        i = q + 1;
        continue;
      }
      this.i = q + 1;
      this.inString = false;
      return true;
    }
  }

  private scan(): void {
    const buf = this.buf;
    const n = buf.length;
    while (this.i < n || this.inString) {
      if (this.inString) {
        if (!this.scanString()) return;
        this.afterString();
        continue;
      }
      const c = buf.charCodeAt(this.i);
      const depth = this.stack.length;
      if (this.mode === 'done') {
        if (!isSpace(c)) this.fail('unexpected text after the end of the JSON');
        this.i++;
        continue;
      }
      if (this.mode === 'start') {
        if (isSpace(c) || c === 0xfeff) {
          this.i++;
          continue;
        }
        if (c === LBRACKET) {
          this.stack.push(LBRACKET);
          this.mode = 'records';
          this.recordsDepth = 1;
        } else if (c === LBRACE) {
          this.stack.push(LBRACE);
          this.mode = 'object';
          this.expectKey = true;
          this.objectStart = this.i;
        } else {
          this.fail('expected a JSON object or array');
        }
        this.i++;
        continue;
      }
      // At the emitting depth, between elements: start one, or close the array.
      if (this.mode === 'records' && depth === this.recordsDepth && this.elementStart < 0) {
        if (c === LBRACE && this.fastPath()) {
          // What is left is the start of the next record: wait for the rest rather than scan it,
          // unless the input has ended.
          if (!this.ending) return;
          continue;
        }
        if (isSpace(c) || c === COMMA) {
          this.i++;
          continue;
        }
        if (c === RBRACKET || c === RBRACE) {
          this.close(c);
          this.i++;
          continue;
        }
        this.elementStart = this.i;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.stringStart = this.i;
          this.i++;
          continue;
        case LBRACE:
        case LBRACKET:
          if (this.mode === 'object' && depth === 1 && c === LBRACKET && this.lastKey === 'Records') {
            this.mode = 'records';
            this.recordsDepth = 2;
            this.foundRecords = true;
            this.objectStart = -1;
          }
          this.stack.push(c);
          this.i++;
          continue;
        case RBRACE:
        case RBRACKET: {
          if (this.mode === 'records' && depth === this.recordsDepth && this.elementStart >= 0) {
            // A scalar element ends where its array does.
            this.emitScalar();
            continue;
          }
          this.close(c);
          this.i++;
          if (this.mode === 'records' && this.elementStart >= 0 && this.stack.length === this.recordsDepth) {
            this.tooLong(this.elementStart, this.i);
            this.emitText(buf.slice(this.elementStart, this.i));
            this.elementStart = -1;
          }
          continue;
        }
        case COMMA:
          if (this.mode === 'records' && depth === this.recordsDepth && this.elementStart >= 0) {
            this.emitScalar();
            continue;
          }
          if (this.mode === 'object' && depth === 1) this.expectKey = true;
          this.i++;
          continue;
        case COLON:
          if (this.mode === 'object' && depth === 1) this.expectKey = false;
          this.i++;
          continue;
        default: {
          // Numbers, literals, whitespace: jump to the next character that matters.
          STRUCTURAL.lastIndex = this.i + 1;
          const next = STRUCTURAL.exec(buf);
          this.i = next ? next.index : n;
        }
      }
    }
  }

  private emitScalar(): void {
    this.tooLong(this.elementStart, this.i);
    this.emitText(this.buf.slice(this.elementStart, this.i).trim());
    this.elementStart = -1;
  }

  private afterString(): void {
    if (this.mode === 'object' && this.stack.length === 1 && this.expectKey) {
      this.lastKey = this.buf.slice(this.stringStart + 1, this.i - 1);
    }
    this.stringStart = -1;
  }

  private close(c: number): void {
    const open = this.stack.pop();
    if (open === undefined || (c === RBRACE) !== (open === LBRACE)) this.fail('mismatched bracket');
    const depth = this.stack.length;
    if (this.mode === 'records' && depth === this.recordsDepth - 1) {
      this.mode = depth === 0 ? 'done' : 'object';
      return;
    }
    if (this.mode === 'object' && depth === 0) {
      this.mode = 'done';
      if (!this.foundRecords && this.objectStart >= 0) {
        // No Records array: the whole object is one event.
        this.emitText(this.buf.slice(this.objectStart, this.i + 1));
        this.objectStart = -1;
      }
    }
  }
}
