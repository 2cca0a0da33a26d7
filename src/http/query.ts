import { FoyerError } from '../errors.js';

/** A whole number in [1, max] from a query string, or `fallback`; anything else is a 400 naming the parameter. */
export function queryInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new FoyerError('validation_failed', `${name} must be a positive integer`);
  if (Number(raw) > max) throw new FoyerError('validation_failed', `${name} must be at most ${max}`);
  return Number(raw);
}
