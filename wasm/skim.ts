// AssemblyScript, compiled by scripts/build-wasm.mjs into shared/backtest/skim-wasm.ts (a checked-in
// copy; test/unit/backtest/skim-build.test.ts compiles this file again and compares).
//
// The backtest's byte-level reader (shared/backtest/skim.ts). It reads the elements of a CloudTrail
// file's Records array straight from the inflated bytes, checks each one against the whole JSON
// grammar (RFC 8259, as JSON.parse does) and well-formed UTF-8, and writes out, per record, where it
// starts and ends and what a few configured fields hold (interned, so the JavaScript side decodes
// each distinct value once). It never decides anything itself: whatever is unusual is either a flag
// on the record (the JavaScript side then JSON.parses it, exactly as before) or a stop (the rest of
// the file goes through the character-level reader, exactly as before).
//
// Memory map (bytes). JavaScript writes the field configuration and the input; everything else is
// this module's own.

const MAX_SLOTS: i32 = 64;
const MAX_KEY: i32 = 64;
const SLOT_BYTES: i32 = 16; // parent, kind, key length, key offset (i32 each)

const CONFIG: usize = 16384;
const KEYS: usize = CONFIG + <usize>(MAX_SLOTS * SLOT_BYTES);
const BUCKETS: usize = KEYS + <usize>(MAX_SLOTS * MAX_KEY); // (MAX_SLOTS + 1) parents x MAX_KEY lengths
const NEXT: usize = BUCKETS + <usize>((MAX_SLOTS + 1) * MAX_KEY * 4);
const HAS_CHILDREN: usize = NEXT + <usize>(MAX_SLOTS * 4);
const VALUES: usize = HAS_CHILDREN + <usize>(MAX_SLOTS * 4);
const RESULT: usize = VALUES + <usize>(MAX_SLOTS * 4);
const STACK: usize = 65536;
const STACK_SIZE: i32 = 65536;
const TABLE: usize = STACK + <usize>STACK_SIZE;
const TABLE_SIZE: i32 = 65536; // entries: hash, arena offset, length (i32 each)
const TABLE_MASK: u32 = <u32>(TABLE_SIZE - 1);
const TABLE_LIMIT: i32 = 49152;
// A value is looked for in at most this many places: beyond, it is not interned (its record is parsed),
// so values built to collide cost a bounded amount each.
const MAX_PROBES: i32 = 32;
// Longer values are not interned (their records are parsed): CloudTrail's are names and ARNs.
const MAX_INTERN_BYTES: i32 = 1024;
const ARENA: usize = TABLE + <usize>(TABLE_SIZE * 12);
const ARENA_SIZE: i32 = 4 * 1024 * 1024;
const OUT: usize = ARENA + <usize>ARENA_SIZE + 64;
const MAX_OUT: i32 = 4096;
const INPUT: usize = OUT + <usize>(MAX_OUT * (3 + MAX_SLOTS) * 4) + 64;

// Slot kinds (what the field means to this module).
const KIND_PLAIN: i32 = 0;
const KIND_TIME: i32 = 1; // eventTime: kept as a range, never interned
const KIND_SOURCE: i32 = 2; // eventSource
const KIND_NAME: i32 = 3; // eventName
const KIND_PRESENCE: i32 = 4; // detail-type: only whether it is there

// Slot values per record.
const V_MISSING: i32 = 0;
const V_OTHER: i32 = 1; // a number, literal or array (or a string this module would not intern)
const V_OBJECT: i32 = 2;
const V_STRING: i32 = 3; // value - 3 is the interned id; for the time slot, exactly 3

// Record flags.
const F_PARSE: i32 = 1; // JavaScript must JSON.parse this record and judge it the ordinary way

// Run statuses.
const S_NEED_MORE: i32 = 0; // the input ends inside an element: call again from `pos` with more
const S_STOP: i32 = 1; // not something this module reads: the rest goes to the character-level reader
const S_OUT_FULL: i32 = 2; // MAX_OUT records written: take them, then call again from `pos`

// Element scan results (negative) and container kinds.
const R_NEED: i32 = -1;
const R_BAD: i32 = -2;
const C_OBJECT: u8 = 1;
const C_ARRAY: u8 = 2;

let nSlots: i32 = 0;
let timeSlot: i32 = -1;
let sourceSlot: i32 = -1;
let nameSlot: i32 = -1;
let presenceSlot: i32 = -1;
let internCount: i32 = 0;
let arenaUsed: i32 = 0;
// Mixed into every hash: JavaScript sets it at random, so colliding values cannot be made in advance.
let seed: u64 = 0;

// Per element, set by the scanners.
let contBytes: i32 = 0; // UTF-8 continuation bytes (for the UTF-16 length of what was read)
let fourBytes: i32 = 0; // leading bytes of 4-byte sequences (two UTF-16 units each)
let strEscaped: bool = false;
let strNonAscii: bool = false;
let flags: i32 = 0;
let timeStart: usize = 0;
let timeEnd: usize = 0;

export function inputBase(): usize {
  return INPUT;
}
export function configBase(): usize {
  return CONFIG;
}
export function keysBase(): usize {
  return KEYS;
}
export function outBase(): usize {
  return OUT;
}
export function resultBase(): usize {
  return RESULT;
}
export function tableBase(): usize {
  return TABLE;
}
export function arenaBase(): usize {
  return ARENA;
}
export function maxOut(): i32 {
  return MAX_OUT;
}
export function interned(): i32 {
  return internCount;
}
export function arenaBytes(): i32 {
  return arenaUsed;
}
export function setSeed(lo: u32, hi: u32): void {
  seed = (<u64>hi << 32) | <u64>lo;
}

/** Forget every interned value (JavaScript drops its decoded copies at the same time). */
export function internReset(): void {
  memory.fill(TABLE, 0xff, <usize>(TABLE_SIZE * 12));
  internCount = 0;
  arenaUsed = 0;
}

/**
 * Reads the slots JavaScript wrote at CONFIG/KEYS (parent slot or -1, kind, key length, key offset
 * from KEYS) and builds the lookup by parent and key length. Returns false for a configuration it
 * cannot hold; JavaScript checks the same limits first.
 */
export function setup(n: i32): bool {
  if (n < 0 || n > MAX_SLOTS) return false;
  nSlots = n;
  timeSlot = -1;
  sourceSlot = -1;
  nameSlot = -1;
  presenceSlot = -1;
  memory.fill(BUCKETS, 0xff, <usize>((MAX_SLOTS + 1) * MAX_KEY * 4));
  memory.fill(HAS_CHILDREN, 0, <usize>(MAX_SLOTS * 4));
  for (let s = 0; s < n; s++) {
    const parent = load<i32>(CONFIG + <usize>(s * SLOT_BYTES));
    const kind = load<i32>(CONFIG + <usize>(s * SLOT_BYTES + 4));
    const len = load<i32>(CONFIG + <usize>(s * SLOT_BYTES + 8));
    if (len <= 0 || len >= MAX_KEY || parent >= s || parent < -1) return false;
    if (parent >= 0) {
      // Only two levels: a parent is itself a top-level slot.
      if (load<i32>(CONFIG + <usize>(parent * SLOT_BYTES)) != -1) return false;
      store<i32>(HAS_CHILDREN + <usize>(parent * 4), 1);
    }
    if (kind == KIND_TIME) timeSlot = s;
    else if (kind == KIND_SOURCE) sourceSlot = s;
    else if (kind == KIND_NAME) nameSlot = s;
    else if (kind == KIND_PRESENCE) presenceSlot = s;
    const head = BUCKETS + <usize>(((parent + 1) * MAX_KEY + len) * 4);
    store<i32>(NEXT + <usize>(s * 4), load<i32>(head));
    store<i32>(head, s);
  }
  if (timeSlot < 0 || sourceSlot < 0 || nameSlot < 0 || presenceSlot < 0) return false;
  return true;
}

/** The slot for this key under `parent` (-1: top level), or -1. */
function lookup(parent: i32, p: usize, len: i32): i32 {
  if (len >= MAX_KEY) return -1;
  let s = load<i32>(BUCKETS + <usize>(((parent + 1) * MAX_KEY + len) * 4));
  while (s >= 0) {
    if (load<i32>(CONFIG + <usize>(s * SLOT_BYTES)) == parent) {
      const k = KEYS + <usize>load<i32>(CONFIG + <usize>(s * SLOT_BYTES + 12));
      if (same(k, p, len)) return s;
    }
    s = load<i32>(NEXT + <usize>(s * 4));
  }
  return -1;
}

function same(a: usize, b: usize, len: i32): bool {
  let i = 0;
  while (i + 8 <= len) {
    if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
    i += 8;
  }
  while (i < len) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
    i++;
  }
  return true;
}

function hash(p: usize, len: i32): u32 {
  let h: u64 = (0x9e3779b97f4a7c15 ^ seed) + <u64>len;
  let i = 0;
  while (i + 8 <= len) {
    h = (h ^ load<u64>(p + <usize>i)) * 0xff51afd7ed558ccd;
    h ^= h >> 29;
    i += 8;
  }
  while (i < len) {
    h = (h ^ <u64>load<u8>(p + <usize>i)) * 0xc4ceb9fe1a85ec53;
    i++;
  }
  h ^= h >> 32;
  return <u32>h;
}

/** The id of these bytes (its table index), adding them if new; -1 when the table is full. */
function intern(p: usize, len: i32): i32 {
  if (len > MAX_INTERN_BYTES) return -1;
  const h = hash(p, len);
  let idx = h & TABLE_MASK;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const e = TABLE + <usize>(idx * 12);
    const elen = load<i32>(e + 8);
    if (elen == -1) {
      if (internCount >= TABLE_LIMIT || arenaUsed + len > ARENA_SIZE) return -1;
      const off = arenaUsed;
      memory.copy(ARENA + <usize>off, p, <usize>len);
      arenaUsed += len;
      store<u32>(e, h);
      store<i32>(e + 4, off);
      store<i32>(e + 8, len);
      internCount++;
      return <i32>idx;
    }
    if (load<u32>(e) == h && elen == len && same(ARENA + <usize>load<i32>(e + 4), p, len)) return <i32>idx;
    idx = (idx + 1) & TABLE_MASK;
  }
  return -1;
}

@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isHex(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

@inline function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

/**
 * A string whose opening quote is at p - 1: returns the position after its closing quote, R_NEED
 * or R_BAD. Sets strEscaped and strNonAscii, and counts UTF-8 continuation and 4-byte lead bytes.
 */
@inline function scanString(p: usize, end: usize): i64 {
  strEscaped = false;
  strNonAscii = false;
  while (true) {
    // Sixteen bytes at a time, to the first that is not plain: a quote, a backslash, a control
    // character (< 0x20) or a non-ASCII byte (its high bit, which bitmask reads directly).
    while (p + 16 <= end) {
      const w = v128.load(p);
      const special = v128.or(
        v128.or(i8x16.eq(w, i8x16.splat(0x22)), i8x16.eq(w, i8x16.splat(0x5c))),
        v128.or(i8x16.lt_u(w, i8x16.splat(0x20)), w),
      );
      const mask = i8x16.bitmask(special);
      if (mask != 0) {
        p += <usize>ctz(mask);
        break;
      }
      p += 16;
    }
    if (p >= end) return R_NEED;
    const c = <u32>load<u8>(p);
    if (c == 0x22) return <i64>(p + 1);
    if (c == 0x5c) {
      strEscaped = true;
      if (p + 1 >= end) return R_NEED;
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        if (p + 6 > end) return R_NEED;
        if (
          !isHex(<u32>load<u8>(p + 2)) ||
          !isHex(<u32>load<u8>(p + 3)) ||
          !isHex(<u32>load<u8>(p + 4)) ||
          !isHex(<u32>load<u8>(p + 5))
        )
          return R_BAD;
        p += 6;
        continue;
      }
      if (
        e == 0x22 ||
        e == 0x5c ||
        e == 0x2f ||
        e == 0x62 ||
        e == 0x66 ||
        e == 0x6e ||
        e == 0x72 ||
        e == 0x74
      ) {
        p += 2;
        continue;
      }
      return R_BAD;
    }
    if (c < 0x20) return R_BAD;
    if (c < 0x80) {
      p++;
      continue;
    }
    // Well-formed UTF-8 only (Unicode Table 3-7); anything else goes to the character-level reader,
    // whose decoder puts U+FFFD in its place.
    strNonAscii = true;
    let n: i32 = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      else if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      else if (c == 0xf4) hi = 0x8f;
    } else return R_BAD;
    if (p + 1 + <usize>n > end) return R_NEED;
    const c1 = <u32>load<u8>(p + 1);
    if (c1 < lo || c1 > hi) return R_BAD;
    for (let k = 2; k <= n; k++) {
      const ck = <u32>load<u8>(p + <usize>k);
      if (ck < 0x80 || ck > 0xbf) return R_BAD;
    }
    contBytes += n;
    if (n == 3) fourBytes++;
    p += 1 + <usize>n;
  }
  return R_BAD;
}

/** A number or literal starting at p: the position after it, R_NEED or R_BAD. */
function scanScalar(p: usize, end: usize, c: u32): i64 {
  if (c == 0x74 || c == 0x66 || c == 0x6e) {
    // true, false, null
    const len: usize = c == 0x66 ? 5 : 4;
    if (p + len > end) return R_NEED;
    if (c == 0x74) {
      if (load<u32>(p) != 0x65757274) return R_BAD;
    } else if (c == 0x6e) {
      if (load<u32>(p) != 0x6c6c756e) return R_BAD;
    } else if (load<u32>(p + 1) != 0x65736c61) return R_BAD;
    return <i64>(p + len);
  }
  if (c == 0x2d) {
    p++;
    if (p >= end) return R_NEED;
    c = <u32>load<u8>(p);
  }
  if (c == 0x30) p++;
  else if (c >= 0x31 && c <= 0x39) {
    p++;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  } else return R_BAD;
  if (p >= end) return R_NEED;
  c = <u32>load<u8>(p);
  if (c == 0x2e) {
    p++;
    if (p >= end) return R_NEED;
    if (!isDigit(<u32>load<u8>(p))) return R_BAD;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
    if (p >= end) return R_NEED;
    c = <u32>load<u8>(p);
  }
  if (c == 0x65 || c == 0x45) {
    p++;
    if (p >= end) return R_NEED;
    c = <u32>load<u8>(p);
    if (c == 0x2b || c == 0x2d) {
      p++;
      if (p >= end) return R_NEED;
    }
    if (!isDigit(<u32>load<u8>(p))) return R_BAD;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
    if (p >= end) return R_NEED;
  }
  return <i64>p;
}

function resetChildren(parent: i32): void {
  for (let s = parent + 1; s < nSlots; s++) {
    if (load<i32>(CONFIG + <usize>(s * SLOT_BYTES)) == parent) store<i32>(VALUES + <usize>(s * 4), V_MISSING);
  }
}

/** A value that is not an object was given to a slot. */
function setOther(s: i32, value: i32): void {
  store<i32>(VALUES + <usize>(s * 4), value);
  if (load<i32>(HAS_CHILDREN + <usize>(s * 4)) != 0) resetChildren(s);
}

// Element states.
const ST_KEY_OR_CLOSE: i32 = 0;
const ST_KEY: i32 = 1;
const ST_COLON: i32 = 2;
const ST_VALUE: i32 = 3;
const ST_VALUE_OR_CLOSE: i32 = 4;
const ST_AFTER: i32 = 5;

/**
 * One object starting at p ('{'): the position after it, R_NEED or R_BAD. Fills VALUES, flags,
 * timeStart/timeEnd and the UTF-8 counts.
 */
function scanRecord(p: usize, end: usize): i64 {
  for (let s = 0; s < nSlots; s++) store<i32>(VALUES + <usize>(s * 4), V_MISSING);
  flags = 0;
  contBytes = 0;
  fourBytes = 0;
  let sp: i32 = 0;
  store<u8>(STACK, C_OBJECT);
  sp = 1;
  p++;
  let state = ST_KEY_OR_CLOSE;
  let keySlot: i32 = -1;
  let parent: i32 = -1; // the slot whose object is open at depth 2, or -1
  while (true) {
    if (p >= end) return R_NEED;
    let c = <u32>load<u8>(p);
    while (isSpace(c)) {
      p++;
      if (p >= end) return R_NEED;
      c = <u32>load<u8>(p);
    }
    if (state == ST_KEY_OR_CLOSE || state == ST_KEY) {
      if (state == ST_KEY_OR_CLOSE && c == 0x7d) {
        sp--;
        p++;
        if (sp == 0) return <i64>p;
        if (sp == 1) parent = -1;
        state = ST_AFTER;
        continue;
      }
      if (c != 0x22) return R_BAD;
      const k0 = p + 1;
      const r = scanString(k0, end);
      if (r < 0) return r;
      const k1 = <usize>r - 1;
      keySlot = -1;
      if (sp == 1 || (sp == 2 && parent >= 0)) {
        // An escaped key may spell one of the slots' names: JavaScript decides.
        if (strEscaped) flags |= F_PARSE;
        else keySlot = lookup(sp == 1 ? -1 : parent, k0, <i32>(k1 - k0));
      }
      p = <usize>r;
      state = ST_COLON;
      continue;
    }
    if (state == ST_COLON) {
      if (c != 0x3a) return R_BAD;
      p++;
      state = ST_VALUE;
      continue;
    }
    if (state == ST_VALUE_OR_CLOSE && c == 0x5d) {
      sp--;
      p++;
      if (sp == 1) parent = -1;
      state = ST_AFTER;
      continue;
    }
    if (state == ST_VALUE || state == ST_VALUE_OR_CLOSE) {
      const s = keySlot;
      keySlot = -1;
      if (c == 0x22) {
        const v0 = p + 1;
        const r = scanString(v0, end);
        if (r < 0) return r;
        const v1 = <usize>r - 1;
        if (s >= 0) {
          const kind = load<i32>(CONFIG + <usize>(s * SLOT_BYTES + 4));
          if (kind == KIND_TIME) {
            if (strEscaped || strNonAscii) {
              flags |= F_PARSE;
              setOther(s, V_OTHER);
            } else {
              setOther(s, V_STRING);
              timeStart = v0;
              timeEnd = v1;
            }
          } else if (kind == KIND_PRESENCE) setOther(s, V_OTHER);
          else if (strEscaped) {
            flags |= F_PARSE;
            setOther(s, V_OTHER);
          } else {
            const id = intern(v0, <i32>(v1 - v0));
            if (id < 0) {
              flags |= F_PARSE;
              setOther(s, V_OTHER);
            } else setOther(s, V_STRING + id);
          }
        }
        p = <usize>r;
        state = ST_AFTER;
        continue;
      }
      if (c == 0x7b || c == 0x5b) {
        if (sp >= STACK_SIZE) return R_BAD;
        store<u8>(STACK + <usize>sp, c == 0x7b ? C_OBJECT : C_ARRAY);
        sp++;
        p++;
        if (c == 0x7b) {
          if (s >= 0) {
            store<i32>(VALUES + <usize>(s * 4), V_OBJECT);
            if (load<i32>(HAS_CHILDREN + <usize>(s * 4)) != 0) resetChildren(s);
          }
          if (sp == 2) parent = s >= 0 && load<i32>(HAS_CHILDREN + <usize>(s * 4)) != 0 ? s : -1;
          state = ST_KEY_OR_CLOSE;
        } else {
          if (s >= 0) setOther(s, V_OTHER);
          if (sp == 2) parent = -1;
          state = ST_VALUE_OR_CLOSE;
        }
        continue;
      }
      const r = scanScalar(p, end, c);
      if (r < 0) return r;
      if (s >= 0) setOther(s, V_OTHER);
      p = <usize>r;
      state = ST_AFTER;
      continue;
    }
    // ST_AFTER
    const top = load<u8>(STACK + <usize>(sp - 1));
    if (c == 0x2c) {
      p++;
      state = top == C_OBJECT ? ST_KEY : ST_VALUE;
      continue;
    }
    if ((c == 0x7d && top == C_OBJECT) || (c == 0x5d && top == C_ARRAY)) {
      sp--;
      p++;
      if (sp == 0) return <i64>p;
      if (sp == 1) parent = -1;
      continue;
    }
    return R_BAD;
  }
  return R_BAD;
}

/**
 * Reads records from `start`, where the Records array is open and the next thing is its first
 * element (`afterRecord` 0) or what follows a record (`afterRecord` 1), up to `end`, and stops
 * before a record longer than `maxRecord` bytes. Writes each
 * record as [start, end, flags, slot values...] (positions relative to INPUT) at OUT, and the run's
 * outcome at RESULT: status, position to go on from, records written, UTF-16 units read, whether a
 * record was last, then the earliest and latest eventTime of the records not flagged (start, end;
 * -1 when none).
 */
export function run(start: usize, end: usize, afterRecord: i32, maxRecord: i32): void {
  let p = start;
  let count: i32 = 0;
  let units: i64 = 0;
  let after = afterRecord;
  let minS: i32 = -1;
  let minE: i32 = -1;
  let maxS: i32 = -1;
  let maxE: i32 = -1;
  let status = S_STOP;
  const stride = 3 + nSlots;
  while (true) {
    let q = p;
    while (q < end && isSpace(<u32>load<u8>(q))) q++;
    if (q >= end) {
      status = S_NEED_MORE;
      break;
    }
    let c = <u32>load<u8>(q);
    if (after != 0) {
      if (c != 0x2c) break; // ']' or anything else: the character-level reader takes it from p
      q++;
      while (q < end && isSpace(<u32>load<u8>(q))) q++;
      if (q >= end) {
        status = S_NEED_MORE;
        break;
      }
      c = <u32>load<u8>(q);
    }
    if (c != 0x7b) break;
    if (count >= MAX_OUT) {
      status = S_OUT_FULL;
      break;
    }
    const r = scanRecord(q, end);
    if (r == R_NEED) {
      status = S_NEED_MORE;
      break;
    }
    if (r < 0) break;
    const e = <usize>r;
    // Longer records are left to the character-level reader, which holds them to its own limit.
    if (<i64>(e - q) > <i64>maxRecord) break;
    let f = flags;
    const source = load<i32>(VALUES + <usize>(sourceSlot * 4));
    const name = load<i32>(VALUES + <usize>(nameSlot * 4));
    const time = load<i32>(VALUES + <usize>(timeSlot * 4));
    const presence = load<i32>(VALUES + <usize>(presenceSlot * 4));
    // Not a plain CloudTrail record (an EventBridge event, or a record the judge calls malformed),
    // or one whose time is not a plain string: judged the ordinary way.
    if (source < V_STRING || name < V_STRING || time != V_STRING || presence != V_MISSING) f |= F_PARSE;
    if ((f & F_PARSE) == 0) {
      const ts = <i32>(timeStart - INPUT);
      const te = <i32>(timeEnd - INPUT);
      if (minS < 0 || less(timeStart, timeEnd, INPUT + <usize>minS, INPUT + <usize>minE)) {
        minS = ts;
        minE = te;
      }
      if (maxS < 0 || less(INPUT + <usize>maxS, INPUT + <usize>maxE, timeStart, timeEnd)) {
        maxS = ts;
        maxE = te;
      }
    }
    const o = OUT + <usize>(count * stride * 4);
    store<i32>(o, <i32>(q - INPUT));
    store<i32>(o + 4, <i32>(e - INPUT));
    store<i32>(o + 8, f);
    for (let s = 0; s < nSlots; s++) store<i32>(o + 12 + <usize>(s * 4), load<i32>(VALUES + <usize>(s * 4)));
    count++;
    units += <i64>(e - p) - <i64>contBytes + <i64>fourBytes;
    p = e;
    after = 1;
  }
  store<i32>(RESULT, status);
  store<i32>(RESULT + 4, <i32>(p - INPUT));
  store<i32>(RESULT + 8, count);
  store<i32>(RESULT + 12, <i32>units);
  store<i32>(RESULT + 16, after);
  store<i32>(RESULT + 20, minS);
  store<i32>(RESULT + 24, minE);
  store<i32>(RESULT + 28, maxS);
  store<i32>(RESULT + 32, maxE);
}

/** Byte order of two ASCII strings: the same as JavaScript's order of the strings. */
function less(a0: usize, a1: usize, b0: usize, b1: usize): bool {
  const la = a1 - a0;
  const lb = b1 - b0;
  const n = la < lb ? la : lb;
  for (let i: usize = 0; i < n; i++) {
    const x = load<u8>(a0 + i);
    const y = load<u8>(b0 + i);
    if (x != y) return x < y;
  }
  return la < lb;
}
