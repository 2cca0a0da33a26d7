/** SQL identifiers: always double-quoted, embedded quotes doubled. Values never go through here. */
import { RestError } from './errors.js';

export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new RestError(400, 'PGRST100', 'Names cannot contain NUL characters', { details: JSON.stringify(name) });
  return `"${name.replace(/"/g, '""')}"`;
}

export const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/** Collects `$n` parameters for one statement. */
export type ParamValue = string | null | readonly string[];

export class Params {
  readonly values: ParamValue[];

  /** `initial`: parameters already placed in SQL built earlier (a function call's arguments). */
  constructor(initial: readonly ParamValue[] = []) {
    this.values = [...initial];
  }

  /** Adds a value and returns its placeholder, optionally cast (the cast is a fixed, trusted type name). */
  add(value: ParamValue, cast?: string): string {
    this.values.push(value);
    const placeholder = `$${this.values.length}`;
    return cast ? `${placeholder}::${cast}` : placeholder;
  }
}
