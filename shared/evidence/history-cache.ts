import type { TrailEvent } from './ports.ts';

/**
 * LookupEvents allows two requests per second per account and Region; more is a throttling error.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
export const LOOKUP_EVENTS_PER_SECOND = 2;
const WINDOW_MS = 1000;

/** Resources whose history one container keeps at once: a burst of alerts on many resources stays bounded. */
export const HISTORY_CACHE_MAX = 500;

export interface Clock {
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<boolean>((resolve) => {
      if (signal?.aborted) {
        resolve(false);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Paces LookupEvents per Region inside one process. Each caller reserves the next free slot (at most
 * `perSecond` starts in any second); a caller whose deadline passes before its slot gives the slot back
 * and is told no, so pacing never holds an alert past its evidence deadline. Other containers and
 * other tools share the account's quota too, which is why a throttled answer is still expected and
 * handled as "no history this time".
 */
export class RegionRateLimiter {
  private readonly reserved = new Map<string, number[]>();
  private readonly perSecond: number;
  private readonly clock: Clock;

  constructor(opts: { perSecond?: number; clock?: Clock } = {}) {
    this.perSecond = opts.perSecond ?? LOOKUP_EVENTS_PER_SECOND;
    this.clock = opts.clock ?? realClock;
  }

  /** When the next call in `region` may start (epoch ms), without reserving it. */
  nextSlot(region: string): number {
    const now = this.clock.now();
    const times = (this.reserved.get(region) ?? []).filter((t) => t > now - WINDOW_MS);
    const earliest = times.length < this.perSecond ? undefined : times[times.length - this.perSecond];
    return earliest === undefined ? now : Math.max(now, earliest + WINDOW_MS);
  }

  /**
   * Wait for a call slot in `region`. False when `signal` aborted first, or when the slot is more
   * than `maxWaitMs` away: the caller skips the call.
   */
  async acquire(
    region: string,
    signal?: AbortSignal,
    maxWaitMs = Number.POSITIVE_INFINITY,
  ): Promise<boolean> {
    if (signal?.aborted) return false;
    const now = this.clock.now();
    const start = this.nextSlot(region);
    if (start - now > maxWaitMs) return false;
    const times = (this.reserved.get(region) ?? []).filter((t) => t > now - WINDOW_MS);
    times.push(start);
    this.reserved.set(region, times);
    if (start <= now) return true;
    const waited = await this.clock.sleep(start - now, signal);
    if (!waited) {
      const at = times.indexOf(start);
      if (at >= 0) times.splice(at, 1);
    }
    return waited;
  }
}

/** What one resource's lookup read: newest first, as LookupEvents answers. */
export interface HistoryRead {
  events: TrailEvent[];
  /** Every page up to the start of the lookback was read (no page left, none failed). */
  complete: boolean;
  /** Epoch ms of the lookup, so a reused read knows what it may have missed since. */
  readAtMs: number;
  startMs: number;
}

/**
 * One container's reads per (account, Region, resource), reused for `ttlMs`: a burst of alerts on one
 * bucket costs one lookup. Least recently used goes first past HISTORY_CACHE_MAX.
 */
export class HistoryCache {
  private readonly entries = new Map<string, HistoryRead>();
  private readonly max: number;

  constructor(max = HISTORY_CACHE_MAX) {
    this.max = max;
  }

  get(key: string, nowMs: number, ttlMs: number): HistoryRead | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (nowMs - hit.readAtMs >= ttlMs || nowMs < hit.readAtMs) return undefined;
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, read: HistoryRead): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, read);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface HistoryLookups {
  limiter: RegionRateLimiter;
  cache: HistoryCache;
}

export function createHistoryLookups(opts: { clock?: Clock; cacheMax?: number } = {}): HistoryLookups {
  return {
    limiter: new RegionRateLimiter(opts.clock ? { clock: opts.clock } : {}),
    cache: new HistoryCache(opts.cacheMax),
  };
}

/** The Lambda container's: every alert it handles shares the pacing and the reads. */
export const containerHistoryLookups: HistoryLookups = createHistoryLookups();
