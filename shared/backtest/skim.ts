/**
 * The byte reader: how a backtest reads a CloudTrail file without JSON.parse-ing every record.
 *
 * Most of a trail is records no rule can match, and parsing them was most of a backtest's time. A
 * WebAssembly module (wasm/skim.ts, checked in as shared/backtest/skim-wasm.ts) walks the inflated
 * bytes of the `Records` array, checks every record against the whole JSON grammar and UTF-8, and
 * hands back, per record, the few fields the judge needs: eventSource, eventName, eventTime, the
 * caller's identity, and the fields the patterns' quick tests read (shared/backtest/prefilter.ts).
 * A record whose source, name and those fields rule every pattern out is counted from them; every
 * other record is JSON.parsed and judged exactly as the character-level reader does.
 *
 * It decides nothing the character-level reader (shared/backtest/records.ts) would decide
 * differently: a record that is not plain (an escaped key, an EventBridge event, a field that is
 * not a string…) is parsed; anything that is not a well-formed record (bad JSON, ill-formed UTF-8,
 * a record past MAX_SKIM_RECORD_BYTES, the end of the array) hands the rest of the file to the
 * character-level reader, positioned as if it had read everything before. A file that does not
 * start `{"Records":[` is read by that reader from its first byte.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { gunzipSync } from 'node:zlib';
import { errorText, openInflated } from './files.ts';
import type { Candidate } from './prefilter.ts';
import {
  actorOfIdentity,
  judgeBatch,
  type PartItem,
  type PartTotals,
  type ReadHooks,
  type RecordJudge,
} from './reader.ts';
import { MalformedRecord, RecordScanner } from './records.ts';
import { SKIM_WASM } from './skim-wasm.ts';
import { isGzipped, type LogRef } from './sources.ts';

/** A record longer than this is left to the character-level reader (which holds up to MAX_RECORD_CHARS). */
export const MAX_SKIM_RECORD_BYTES = 1024 * 1024;
/** Inflated bytes handed over at a time when a file is streamed (measured best of 64 KB to 1 MB). */
const INFLATE_CHUNK = 512 * 1024;
const PLAIN_CHUNK = 64 * 1024;
/** Text handed to the character-level reader at a time (as shared/backtest/files.ts reads it). */
const TEXT_PIECE = 64 * 1024;
/** The start of a file as CloudTrail writes it (JSON whitespace allowed): where the byte reader takes over. */
const HEADER = /^[ \t\n\r]*\{[ \t\n\r]*"Records"[ \t\n\r]*:[ \t\n\r]*\[/;
/** Bytes looked at for the header before deciding. */
const HEADER_BYTES = 256;

// What wasm/skim.ts calls its slot kinds, values, flags and statuses.
const KIND_PLAIN = 0;
const KIND_TIME = 1;
const KIND_SOURCE = 2;
const KIND_NAME = 3;
const KIND_PRESENCE = 4;
const V_MISSING = 0;
const V_OTHER = 1;
const V_OBJECT = 2;
const V_STRING = 3;
const F_PARSE = 1;
const S_NEED_MORE = 0;
const S_OUT_FULL = 2;
const MAX_SLOTS = 64;
const MAX_KEY_BYTES = 63;
/** Past this many interned values the table is emptied between runs (the module refuses more at 49,152). */
const INTERN_RESET = 32_768;
/** Or past this many bytes of them (the module holds 4 MiB, values of up to 1 KiB each). */
const ARENA_RESET = 2 * 1024 * 1024;

/** The little of the WebAssembly API used here (Node's types do not declare it without the DOM's). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface SkimExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  inputBase(): number;
  configBase(): number;
  keysBase(): number;
  outBase(): number;
  resultBase(): number;
  tableBase(): number;
  arenaBase(): number;
  interned(): number;
  arenaBytes(): number;
  setSeed(lo: number, hi: number): void;
  internReset(): void;
  setup(n: number): number;
  run(start: number, end: number, afterRecord: number, maxRecord: number): void;
}

interface Slot {
  key: string;
  /** Index of the parent slot, or -1 for a top-level field. */
  parent: number;
  kind: number;
}

/** A field the quick tests read, as the view built for them holds it. */
interface ViewField {
  key: string;
  slot: number;
  children: Array<{ key: string; slot: number }>;
}

/** What to do with a plain record of one source and name. */
type PairPlan =
  | { kind: 'none' }
  | { kind: 'parse' }
  | {
      kind: 'view';
      candidates: Candidate[];
      fields: ViewField[];
      /** The slots whose values decide the quick tests (source and name are the pair's own). */
      keySlots: number[];
      /** The quick tests' verdict by those values: a trail repeats a few callers and error codes. */
      verdicts: Map<number | string, boolean>;
    };

/** Verdicts kept per plan; a hostile file of distinct values cannot grow it past this. */
const MAX_VERDICTS = 4096;

/** A key the module can look for, and a view can hold as an own property like JSON.parse's. */
function trackableKey(key: string): boolean {
  return /^[A-Za-z0-9_$@:-]+$/.test(key) && key.length <= MAX_KEY_BYTES && !(key in Object.prototype);
}

/** The fields read for a judge's patterns: fixed ones first, then what the quick tests read. */
class Layout {
  readonly slots: Slot[] = [];
  private readonly byPath = new Map<string, number>();
  readonly source: number;
  readonly name: number;
  readonly identity: number;
  readonly arn: number;
  readonly type: number;
  readonly invokedBy: number;
  readonly principalId: number;

  constructor(patterns: readonly Candidate[]) {
    this.source = this.add(['eventSource'], KIND_SOURCE);
    this.name = this.add(['eventName'], KIND_NAME);
    this.add(['eventTime'], KIND_TIME);
    this.add(['detail-type'], KIND_PRESENCE);
    this.identity = this.add(['userIdentity'], KIND_PLAIN);
    this.arn = this.add(['userIdentity', 'arn'], KIND_PLAIN);
    this.type = this.add(['userIdentity', 'type'], KIND_PLAIN);
    this.invokedBy = this.add(['userIdentity', 'invokedBy'], KIND_PLAIN);
    this.principalId = this.add(['userIdentity', 'principalId'], KIND_PLAIN);
    for (const c of patterns) {
      for (const path of c.reads ?? []) {
        if (path.length > 2 || !path.every(trackableKey)) continue;
        const needed = path.length === 2 && !this.byPath.has(path[0] as string) ? 2 : 1;
        if (this.slots.length + needed > MAX_SLOTS) continue;
        this.add(path, KIND_PLAIN);
      }
    }
  }

  private add(path: string[], kind: number): number {
    const id = path.join('\u0000');
    const known = this.byPath.get(id);
    if (known !== undefined) return known;
    const parent = path.length === 2 ? this.add([path[0] as string], KIND_PLAIN) : -1;
    const slot = this.slots.length;
    this.slots.push({ key: path[path.length - 1] as string, parent, kind });
    this.byPath.set(id, slot);
    return slot;
  }

  /** Whether a view can hold this path: its value and, for a child, its parent's. */
  viewable(path: string[]): boolean {
    return (
      this.slotOf(path) !== undefined && (path.length === 1 || this.slotOf([path[0] as string]) !== undefined)
    );
  }

  /** The slot holding this path's value, when the module reads it as an interned string. */
  slotOf(path: string[]): number | undefined {
    const slot = this.byPath.get(path.join('\u0000'));
    if (slot === undefined) return undefined;
    const s = this.slots[slot] as Slot;
    // The time is kept as a range and detail-type only as present: neither is a value a view can hold.
    return s.kind === KIND_TIME || s.kind === KIND_PRESENCE ? undefined : slot;
  }
}

let compiled: object | undefined;

/** One instance of the module, used by one file at a time. */
class Engine {
  readonly x: SkimExports;
  private readonly input: number;
  private readonly out: number;
  private readonly result: number;
  private readonly table: number;
  private readonly arena: number;
  u8!: Uint8Array;
  i32!: Int32Array;
  /** Decoded interned values by id; emptied with the table. */
  private strings: Array<string | undefined> = [];
  /** Bumped when the table is emptied: plans keyed by ids are dropped then. */
  generation = 0;
  layout: Layout | undefined;
  // A leading U+FEFF is part of a value, as JSON.parse keeps it (found in review: a caller's ARN
  // behind one was counted as the bare ARN).
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor() {
    compiled ??= new wasmApi.Module(Buffer.from(SKIM_WASM, 'base64'));
    this.x = new wasmApi.Instance(compiled, {}).exports as unknown as SkimExports;
    this.input = this.x.inputBase();
    this.out = this.x.outBase();
    this.result = this.x.resultBase();
    this.table = this.x.tableBase();
    this.arena = this.x.arenaBase();
    this.ensure(INFLATE_CHUNK);
    // Values built to collide in the intern table cannot be made without knowing this.
    const seed = randomBytes(8);
    this.x.setSeed(seed.readUInt32LE(0), seed.readUInt32LE(4));
    this.x.internReset();
  }

  /** Room for `bytes` of input. */
  ensure(bytes: number): void {
    const needed = this.input + bytes + 16;
    const have = this.x.memory.buffer.byteLength;
    if (have < needed) this.x.memory.grow(Math.ceil((needed - have) / 65536));
    if (!this.u8 || this.u8.buffer !== this.x.memory.buffer) {
      this.u8 = new Uint8Array(this.x.memory.buffer);
      this.i32 = new Int32Array(this.x.memory.buffer);
    }
  }

  configure(layout: Layout): void {
    if (this.layout === layout) return;
    const config = this.x.configBase();
    const keys = this.x.keysBase();
    let offset = 0;
    layout.slots.forEach((slot, s) => {
      const bytes = Buffer.from(slot.key, 'latin1');
      this.u8.set(bytes, keys + offset);
      this.i32.set([slot.parent, slot.kind, bytes.length, offset], (config >> 2) + s * 4);
      offset += bytes.length;
    });
    if (!this.x.setup(layout.slots.length))
      throw new Error('backtest: the byte reader refused its field list');
    this.layout = layout;
  }

  /** Empties the intern table when it fills up; between runs only, when no id is held. */
  tidy(): void {
    if (this.x.interned() < INTERN_RESET && this.x.arenaBytes() < ARENA_RESET) return;
    this.x.internReset();
    this.strings = [];
    this.generation++;
  }

  str(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      const e = (this.table >> 2) + id * 3;
      const off = this.arena + (this.i32[e + 1] as number);
      s = this.utf8.decode(this.u8.subarray(off, off + (this.i32[e + 2] as number)));
      this.strings[id] = s;
    }
    return s;
  }

  /** Input bytes [from, to) as text (the module checked they are well-formed UTF-8). */
  text(from: number, to: number): string {
    return this.utf8.decode(this.u8.subarray(this.input + from, this.input + to));
  }

  inputBytes(from: number, to: number): Uint8Array {
    return this.u8.subarray(this.input + from, this.input + to);
  }

  append(chunk: Uint8Array, at: number): void {
    this.ensure(at + chunk.length);
    this.u8.set(chunk, this.input + at);
  }

  /** Keeps bytes [from, to) at the start of the input. */
  shift(from: number, to: number): void {
    this.u8.copyWithin(this.input, this.input + from, this.input + to);
  }

  run(from: number, to: number, afterRecord: number): RunResult {
    this.x.run(this.input + from, this.input + to, afterRecord, MAX_SKIM_RECORD_BYTES);
    const r = this.result >> 2;
    const i = this.i32;
    return {
      status: i[r] as number,
      pos: i[r + 1] as number,
      count: i[r + 2] as number,
      units: i[r + 3] as number,
      afterRecord: i[r + 4] as number,
      minStart: i[r + 5] as number,
      minEnd: i[r + 6] as number,
      maxStart: i[r + 7] as number,
      maxEnd: i[r + 8] as number,
    };
  }

  /** Where record k's [start, end, flags, values...] begin in i32. */
  recordAt(k: number, stride: number): number {
    return (this.out >> 2) + k * stride;
  }
}

interface RunResult {
  status: number;
  pos: number;
  count: number;
  units: number;
  afterRecord: number;
  minStart: number;
  minEnd: number;
  maxStart: number;
  maxEnd: number;
}

const idle: Engine[] = [];

/**
 * What the byte reader did on this thread: records counted from their fields, records parsed, and
 * files whose rest went to the character-level reader before the end of their Records array. For
 * the tests, which must see the byte path taken and not only a result equal to the other reader's.
 */
export const skimStats = { counted: 0, parsed: 0, handedOver: 0 };

/** The byte reader's state for one judge: its fields and its plans by (source, name). */
interface JudgeState {
  layout: Layout;
  plans: Map<number, PairPlan>;
  engine?: Engine;
  generation: number;
}

const states = new WeakMap<RecordJudge, JudgeState>();

function stateOf(judge: RecordJudge): JudgeState {
  let state = states.get(judge);
  if (!state) {
    state = { layout: new Layout(judge.patterns), plans: new Map(), generation: -1 };
    states.set(judge, state);
  }
  return state;
}

/** Streams one log object through the byte reader; the totals are what readLog's character path gives. */
export async function skimLog(ref: LogRef, judge: RecordJudge, hooks: ReadHooks): Promise<PartTotals> {
  const whole = await readWhole(ref);
  if (whole) {
    hooks.onBytes?.(whole.read);
    return skimBytes([whole.bytes], judge, hooks);
  }
  let raw: Readable;
  let bytes: Readable;
  try {
    ({ raw, bytes } = await openInflated(ref, {
      plainChunk: PLAIN_CHUNK,
      inflateChunk: INFLATE_CHUNK,
      onBytes: hooks.onBytes,
    }));
  } catch (err) {
    judge.reset();
    return judge.finish(0, `cannot read: ${errorText(err)}`);
  }
  try {
    return await skimBytes(bytes as AsyncIterable<Uint8Array>, judge, hooks);
  } finally {
    raw.destroy();
    bytes.destroy();
  }
}

/**
 * One object's bytes (inflated), in pieces of any size, through the byte reader; exported for the
 * tests that cut the same bytes every way and compare with the character-level reader.
 */
export async function skimBytes(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  judge: RecordJudge,
  hooks: ReadHooks,
): Promise<PartTotals> {
  judge.reset();
  const reader = new FileReader(judge, stateOf(judge), hooks);
  const source = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await source.next();
      } catch (err) {
        // The source broke (a corrupt gzip, a dropped connection): the records held whole are
        // read first, as the character reader has read every piece it was given (found in review).
        await reader.salvage();
        return judge.finish(reader.count, `cannot read: ${errorText(err)}`);
      }
      if (next.done) break;
      await reader.push(next.value);
      if (reader.failed) break;
    }
    if (!reader.failed) await reader.end();
  } catch (err) {
    return judge.finish(reader.count, `cannot read: ${errorText(err)}`);
  } finally {
    reader.release();
    await source.return?.();
  }
  return judge.finish(reader.count, reader.error);
}

/**
 * A local file whose inflated bytes fit in this is read whole: one inflate into one buffer, copied
 * into the module at once. Inflating a stream allocates a buffer per piece, which outlives the
 * awaits between pieces, and V8 then runs a full collection every few dozen megabytes to free
 * them: measured, a third of a reader thread's time. Anything larger is streamed.
 */
export const WHOLE_FILE_BYTES = 32 * 1024 * 1024;

/**
 * The file's bytes (inflated), or undefined to stream it: too large, unreadable or not sound gzip
 * (the stream then says what is wrong and where, as it always has, after the records before it).
 */
async function readWhole(ref: LogRef): Promise<{ bytes: Buffer; read: number } | undefined> {
  if (ref.kind !== 'file' || ref.size === 0 || ref.size > WHOLE_FILE_BYTES) return undefined;
  let raw: Buffer;
  try {
    raw = await readFile(ref.path);
  } catch {
    return undefined;
  }
  if (raw.length > WHOLE_FILE_BYTES) return undefined;
  if (!isGzipped(ref)) return { bytes: raw, read: raw.length };
  // gzip's trailer holds the inflated size (of the last member, modulo 2^32): as the output's piece
  // size, the inflate fills one buffer rather than gathering pieces and copying them together.
  const size = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
  const chunkSize = Math.min(Math.max(size + 64, 64 * 1024), WHOLE_FILE_BYTES);
  try {
    return { bytes: gunzipSync(raw, { maxOutputLength: WHOLE_FILE_BYTES, chunkSize }), read: raw.length };
  } catch {
    return undefined;
  }
}

/** One file: its header, then records through the module, then (if need be) the character-level reader. */
class FileReader {
  private mode: 'header' | 'bytes' | 'text' = 'header';
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private engine: Engine | undefined;
  /** Input bytes held in the module (from its start). */
  private held = 0;
  private afterRecord = 0;
  /** Bytes to hold before the module runs again (see bytes()). */
  private waitFor = 0;
  /** UTF-16 units before the held bytes: where the character-level reader would be. */
  private chars = 0;
  private skimmed = 0;
  private index = 0;
  private scanner: RecordScanner | undefined;
  private decoder: StringDecoder | undefined;

  constructor(
    private readonly judge: RecordJudge,
    private readonly state: JudgeState,
    private readonly hooks: ReadHooks,
  ) {}

  get count(): number {
    return this.scanner ? this.scanner.count : this.skimmed;
  }

  get failed(): boolean {
    return this.scanner?.error !== undefined;
  }

  get error(): string | undefined {
    return this.scanner?.error?.message;
  }

  async push(chunk: Uint8Array): Promise<void> {
    if (this.mode === 'text') return this.text((this.decoder as StringDecoder).write(chunk));
    if (this.mode === 'bytes') return this.bytes(chunk, false);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes >= HEADER_BYTES) await this.decide(false);
  }

  async end(): Promise<void> {
    if (this.mode === 'header') await this.decide(true);
    else if (this.mode === 'bytes') await this.drain(true);
    if (this.failed) return;
    const scanner = this.scanner as RecordScanner;
    const tail = (this.decoder as StringDecoder).end();
    if (tail) await this.text(tail);
    if (scanner.error) return;
    await this.batch(scanner.end());
  }

  /** The source failed: reads every whole record it holds, and nothing more. */
  async salvage(): Promise<void> {
    if (this.failed) return;
    if (this.mode === 'header' && this.headBytes > 0) await this.decide(false);
    else if (this.mode === 'bytes') await this.drain(false);
  }

  release(): void {
    if (this.engine) idle.push(this.engine);
    this.engine = undefined;
  }

  private async decide(ended: boolean): Promise<void> {
    const first = this.head[0];
    const all =
      this.head.length === 1 && first
        ? Buffer.from(first.buffer, first.byteOffset, first.byteLength)
        : Buffer.concat(this.head);
    this.head = [];
    const header = HEADER.exec(all.toString('latin1', 0, Math.min(all.length, HEADER_BYTES)));
    if (!header) {
      this.scanner = new RecordScanner();
      this.decoder = new StringDecoder('utf8');
      this.mode = 'text';
      return this.textPieces(all);
    }
    const engine = idle.pop() ?? new Engine();
    this.engine = engine;
    engine.tidy();
    engine.configure(this.state.layout);
    this.keepPlans(engine);
    this.mode = 'bytes';
    this.chars = header[0].length;
    return this.bytes(all.subarray(header[0].length), ended);
  }

  private async bytes(chunk: Uint8Array, ended: boolean): Promise<void> {
    (this.engine as Engine).append(chunk, this.held);
    this.held += chunk.length;
    // A record cut by the end of a piece is read again from its start: wait until the bytes held
    // have doubled, so a long record in small pieces costs a few reads, not one per piece.
    if (!ended && this.held < this.waitFor) return;
    await this.drain(ended);
  }

  /** Plans are keyed by interned ids: they hold for one engine until its table is emptied. */
  private keepPlans(engine: Engine): void {
    if (this.state.engine === engine && this.state.generation === engine.generation) return;
    this.state.plans.clear();
    this.state.engine = engine;
    this.state.generation = engine.generation;
  }

  /** Runs the module over what is held until it needs more, or hands over to the character reader. */
  private async drain(ended: boolean): Promise<void> {
    const engine = this.engine as Engine;
    let pos = 0;
    for (;;) {
      const r = engine.run(pos, this.held, this.afterRecord);
      const items = this.judgeRun(engine, r);
      this.index += r.count;
      this.skimmed += r.count;
      this.chars += r.units;
      this.afterRecord = r.afterRecord;
      pos = r.pos;
      if (items.length > 0) await this.hooks.onItems(items);
      if (r.count > 0) this.hooks.onRecords?.(r.count);
      // Between runs no id is held: the table may be emptied, and the plans made with its ids dropped.
      engine.tidy();
      this.keepPlans(engine);
      if (r.status === S_OUT_FULL) continue;
      if (r.status === S_NEED_MORE && !ended && this.held - pos <= MAX_SKIM_RECORD_BYTES) {
        engine.shift(pos, this.held);
        this.held -= pos;
        this.waitFor = 2 * this.held;
        return;
      }
      // The array ends, or something the module does not read: the character-level reader goes on
      // from the last record boundary, as if it had read everything before it.
      const rest = Buffer.from(engine.inputBytes(pos, this.held));
      if (!/^[ \t\n\r]*\]/.test(rest.toString('latin1', 0, Math.min(rest.length, 64))))
        skimStats.handedOver++;
      this.release();
      this.held = 0;
      this.scanner = RecordScanner.insideRecords(this.chars, this.skimmed);
      this.decoder = new StringDecoder('utf8');
      this.mode = 'text';
      return this.textPieces(rest);
    }
  }

  private judgeRun(engine: Engine, r: RunResult): PartItem[] {
    const items: PartItem[] = [];
    const layout = this.state.layout;
    const stride = 3 + layout.slots.length;
    const values = engine.i32;
    const judge = this.judge;
    for (let k = 0; k < r.count; k++) {
      const o = engine.recordAt(k, stride);
      const v = o + 3;
      let parse = ((values[o + 2] as number) & F_PARSE) !== 0;
      if (!parse) {
        const plan = this.plan(
          engine,
          values[v + layout.source] as number,
          values[v + layout.name] as number,
        );
        if (plan.kind === 'parse') parse = true;
        else if (plan.kind === 'view') parse = mayMatch(engine, values, v, plan);
      }
      if (parse) {
        let value: unknown;
        try {
          value = JSON.parse(engine.text(values[o] as number, values[o + 1] as number));
        } catch {
          value = new MalformedRecord('invalid JSON');
        }
        const item = judge.judge(value, this.index + k);
        if (item) items.push(item);
        skimStats.parsed++;
        continue;
      }
      let actor: string | undefined;
      if (values[v + layout.identity] === V_OBJECT) {
        const arn = values[v + layout.arn] as number;
        // actorOfIdentity's first choice without building the identity for it; the rest through it.
        actor =
          arn >= V_STRING
            ? engine.str(arn - V_STRING)
            : actorOfIdentity({
                arn: stringAt(engine, arn),
                type: stringAt(engine, values[v + layout.type] as number),
                invokedBy: stringAt(engine, values[v + layout.invokedBy] as number),
                principalId: stringAt(engine, values[v + layout.principalId] as number),
              });
      }
      judge.countRead(actor);
      skimStats.counted++;
    }
    if (r.minStart >= 0) {
      judge.noteTimes(engine.text(r.minStart, r.minEnd), engine.text(r.maxStart, r.maxEnd));
    }
    return items;
  }

  private plan(engine: Engine, source: number, name: number): PairPlan {
    const key = (source - V_STRING) * 65536 + (name - V_STRING);
    let plan = this.state.plans.get(key);
    if (plan) return plan;
    const candidates = this.judge.candidatesFor(engine.str(source - V_STRING), engine.str(name - V_STRING));
    const layout = this.state.layout;
    if (candidates.length === 0) plan = { kind: 'none' };
    else if (candidates.every((c) => c.reads?.every((path) => layout.viewable(path)))) {
      const fields = new Map<string, ViewField>();
      for (const c of candidates) {
        for (const path of c.reads ?? []) {
          const top = path[0] as string;
          let field = fields.get(top);
          if (!field) {
            field = { key: top, slot: layout.slotOf([top]) as number, children: [] };
            fields.set(top, field);
          }
          if (path.length === 2 && !field.children.some((ch) => ch.key === path[1])) {
            field.children.push({ key: path[1] as string, slot: layout.slotOf(path) as number });
          }
        }
      }
      const keySlots = new Set<number>();
      for (const f of fields.values()) {
        if (f.slot !== layout.source && f.slot !== layout.name) keySlots.add(f.slot);
        for (const ch of f.children) keySlots.add(ch.slot);
      }
      plan = {
        kind: 'view',
        candidates,
        fields: [...fields.values()],
        keySlots: [...keySlots],
        verdicts: new Map(),
      };
    } else plan = { kind: 'parse' };
    this.state.plans.set(key, plan);
    return plan;
  }

  /** Bytes for the character-level reader, in pieces the size it reads a file in (its fast path stays fast). */
  private async textPieces(bytes: Uint8Array): Promise<void> {
    const decoder = this.decoder as StringDecoder;
    for (let at = 0; at < bytes.length && !this.failed; at += TEXT_PIECE) {
      await this.text(decoder.write(bytes.subarray(at, at + TEXT_PIECE)));
    }
  }

  private async text(text: string): Promise<void> {
    if (!text) return;
    await this.batch((this.scanner as RecordScanner).push(text));
  }

  private async batch(records: unknown[]): Promise<void> {
    if (records.length === 0) return;
    const from = this.index;
    this.index += records.length;
    await judgeBatch(this.judge, records, from, this.hooks);
  }
}

/**
 * Whether any of the plan's candidates may match this record, remembered by the values the quick
 * tests read: values are interned ids, so equal values are equal keys.
 */
function mayMatch(engine: Engine, values: Int32Array, v: number, plan: PairPlan & { kind: 'view' }): boolean {
  const slots = plan.keySlots;
  let key: number | string;
  if (slots.length <= 3) {
    // Each value is below 2^17 (ids below 2^16, plus 3): three fit a double exactly.
    key = 0;
    for (const slot of slots) key = key * 131072 + (values[v + slot] as number);
  } else key = slots.map((slot) => values[v + slot]).join(',');
  let verdict = plan.verdicts.get(key);
  if (verdict === undefined) {
    const view = viewOf(engine, values, v, plan.fields);
    verdict = plan.candidates.some((c) => c.mayMatch(view));
    if (plan.verdicts.size < MAX_VERDICTS) plan.verdicts.set(key, verdict);
  }
  return verdict;
}

/** A slot's value as JSON.parse would give it, for the quick tests: null stands for any non-string. */
function slotValue(engine: Engine, value: number): unknown {
  if (value === V_MISSING) return undefined;
  if (value === V_OTHER) return null;
  if (value === V_OBJECT) return {};
  return engine.str(value - V_STRING);
}

function stringAt(engine: Engine, value: number): string | undefined {
  return value >= V_STRING ? engine.str(value - V_STRING) : undefined;
}

/**
 * The part of a record the quick tests read, built from the module's values: each field present
 * as a string, an object (with the children read), or null for any other value, as detailTest
 * treats them alike (shared/backtest/prefilter.ts).
 */
function viewOf(engine: Engine, values: Int32Array, v: number, fields: ViewField[]): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[v + f.slot] as number;
    if (value === V_MISSING) continue;
    if (value !== V_OBJECT) {
      view[f.key] = slotValue(engine, value);
      continue;
    }
    const object: Record<string, unknown> = {};
    for (const ch of f.children) {
      const cv = values[v + ch.slot] as number;
      if (cv !== V_MISSING) object[ch.key] = slotValue(engine, cv);
    }
    view[f.key] = object;
  }
  return view;
}
