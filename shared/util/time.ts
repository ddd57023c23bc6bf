/**
 * The times a person types on the command line: history's and backtest's --since and --until.
 */

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "7d", "12h", "30m" before `nowMs`, or an ISO 8601 date/time; undefined when it is neither. */
export function parseTime(s: string, nowMs: number): number | undefined {
  const text = s.trim();
  const rel = /^(\d{1,6})([mhd])$/.exec(text);
  if (rel) return nowMs - Number(rel[1]) * (UNITS[rel[2] as string] as number);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!iso) return undefined;
  const [, year, month, day, time, zone] = iso;
  // A day the calendar does not have (2026-02-30) is a typo, not the 2nd of March.
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth)
    return undefined;
  // The timeline is in UTC: a time without a zone is read as UTC, not as this machine's local time.
  const t = Date.parse(time !== undefined && zone === undefined ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isFinite(t) ? t : undefined;
}
