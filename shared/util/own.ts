/**
 * Lookups keyed by event-supplied strings. A plain object answers `names['constructor']` with
 * Object's constructor and `names['__proto__']` with Object.prototype, so an account id, alarm name
 * or tag key of that spelling would read as a bogus alias or crash a renderer further on. Only keys
 * the object itself holds count.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
