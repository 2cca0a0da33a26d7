/**
 * Timestamps of sign-in messages as Go's time.Parse(time.RFC3339) takes them: date, `T`, time with
 * optional fraction, then `Z` or ±hh:mm; calendar dates only (no February 30). Milliseconds since the
 * epoch (a finer fraction is cut, as nothing compares below a millisecond here).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years below 100 as they are.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

export function parseRfc3339Ms(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = utcMs(year, month, day, hour, minute, second);
  if (base === undefined) return undefined;
  const fractionMs = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  let offsetMinutes = 0;
  if (match[8]) {
    const hours = Number(match[9]);
    const minutes = Number(match[10]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (hours * 60 + minutes) * (match[8] === '-' ? -1 : 1);
  }
  return base + fractionMs - offsetMinutes * 60_000;
}

/** Go's zero time, 0001-01-01T00:00:00Z: GoTrue reads it as "no Issued At". */
export const ZERO_TIME_MS = utcMs(1, 1, 1, 0, 0, 0) as number;
