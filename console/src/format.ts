/** Dates, numbers and rates as the console shows them. */

export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function relative(value: string | null | undefined): string {
  if (!value) return '—';
  const ms = Date.now() - new Date(value).getTime();
  if (Number.isNaN(ms)) return value;
  const abs = Math.abs(ms);
  const units: [number, Intl.RelativeTimeFormatUnit][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [size, unit] of units) if (abs >= size) return format.format(-Math.round(ms / size), unit);
  return 'just now';
}

export const count = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toLocaleString());

export const percent = (rate: number | null | undefined, digits = 1) =>
  rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(digits)} %`;

export const hourLabel = (iso: string, bucket: 'hour' | 'day') => {
  const date = new Date(iso);
  return bucket === 'hour'
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
};

export const shortId = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);
