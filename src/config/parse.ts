/** Parsers for environment values, with GoTrue's syntax (Go booleans, Go durations, comma lists). */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const trueWords = new Set(['1', 't', 'true', 'TRUE', 'True', 'T']);
const falseWords = new Set(['0', 'f', 'false', 'FALSE', 'False', 'F']);

export function parseBool(variable: string, raw: string): boolean {
  const value = raw.trim();
  if (trueWords.has(value)) return true;
  if (falseWords.has(value)) return false;
  throw new ConfigError(`${variable} must be true or false, got ${JSON.stringify(raw)}`);
}

export function parseInteger(variable: string, raw: string, min = Number.MIN_SAFE_INTEGER): number {
  const value = raw.trim();
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`${variable} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(value);
  if (n < min) throw new ConfigError(`${variable} must be at least ${min}, got ${n}`);
  return n;
}

export function parseNumber(variable: string, raw: string, min = 0): number {
  const value = raw.trim();
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) throw new ConfigError(`${variable} must be a number, got ${JSON.stringify(raw)}`);
  if (n < min) throw new ConfigError(`${variable} must be at least ${min}, got ${n}`);
  return n;
}

const durationUnitSeconds: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** The longest Go duration, 2^63-1 nanoseconds, in seconds. */
export const MAX_DURATION_SECONDS = 9_223_372_036.854775807;

/** Go duration syntax ("10s", "1h30m", "250ms"); a bare number is taken as seconds. Returns seconds. */
export function parseDurationSeconds(variable: string, raw: string): number {
  const value = raw.trim();
  if (/^\d+(\.\d+)?$/.test(value)) {
    if (Number(value) > MAX_DURATION_SECONDS) throw new ConfigError(`${variable} is longer than a Go duration can be, got ${JSON.stringify(raw)}`);
    return Number(value);
  }
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(value); match; match = part.exec(value)) {
    total += Number(match[1]) * durationUnitSeconds[match[2]];
    consumed = part.lastIndex;
  }
  if (value === '' || consumed !== value.length) {
    throw new ConfigError(`${variable} must be a duration such as 10s, 5m or 1h30m, got ${JSON.stringify(raw)}`);
  }
  // Go durations are int64 nanoseconds: ParseDuration refuses longer ones, and so does Foyer (a ban of
  // "9999999999h" would otherwise end past what a PostgreSQL timestamp holds).
  if (total > MAX_DURATION_SECONDS) throw new ConfigError(`${variable} is longer than a Go duration can be (about 2562047h), got ${JSON.stringify(raw)}`);
  return total;
}

export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseUrl(variable: string, raw: string): string {
  const value = raw.trim();
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${variable} must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
}

export function parseEnum<T extends string>(variable: string, raw: string, allowed: readonly T[]): T {
  const value = raw.trim() as T;
  if (!allowed.includes(value)) {
    throw new ConfigError(`${variable} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
