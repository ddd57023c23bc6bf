import type { CacheClient } from '@aws-lambda-powertools/idempotency/types';

/**
 * The three Redis calls Powertools' CachePersistenceLayer makes (GET, SET with EX/NX, DEL), in memory,
 * so the real idempotency logic runs without a server.
 */
export function memoryCacheClient(now: () => number = Date.now): CacheClient & { size(): number } {
  const items = new Map<string, { value: unknown; expiresAt: number }>();
  const live = (key: string) => {
    const item = items.get(key);
    if (item && item.expiresAt <= now()) items.delete(key);
    return items.get(key);
  };
  return {
    size: () => items.size,
    async get(name) {
      const value = live(name)?.value;
      return typeof value === 'string' ? value : null;
    },
    async set(name, value, options) {
      const key = String(name);
      const opts = typeof options === 'object' && options !== null ? options : {};
      const nx = Reflect.get(opts, 'NX') === true;
      const ex = Reflect.get(opts, 'EX');
      if (nx && live(key) !== undefined) return null;
      items.set(key, {
        value,
        expiresAt: typeof ex === 'number' ? now() + ex * 1000 : Number.POSITIVE_INFINITY,
      });
      return 'OK';
    },
    async del(keys) {
      let removed = 0;
      for (const key of keys) if (items.delete(key)) removed++;
      return removed;
    },
  };
}
