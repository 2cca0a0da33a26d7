/**
 * One environment variable GoTrue reads, and what Foyer does with it. The registry built from these
 * (src/config/gotrue-variables.ts) is what stops a start that asks for a GoTrue feature Foyer lacks,
 * what names unknown GOTRUE_* variables, and the table in docs/configuration.md.
 */
import { parseBool } from './parse.js';

/**
 * - honoured: Foyer reads it with GoTrue's meaning (it is in settingsSchema).
 * - not_applicable: it tunes GoTrue's own process (pool, log format, tracing, reloading…); nothing an
 *   app sees depends on it, so Foyer ignores it.
 * - not_supported: it belongs to a GoTrue feature Foyer does not have.
 */
export type GotrueVariableStatus = 'honoured' | 'not_applicable' | 'not_supported';

/**
 * When a not_supported variable's value asks for the missing feature. Blank values never do (GoTrue
 * reads an empty boolean as false). A custom test throws ConfigError for a value GoTrue would refuse.
 */
export type Trigger = 'true' | 'set' | ((value: string, name: string) => boolean);

export interface Refusal {
  readonly when: Trigger;
  /** What the value asks for, completing "NAME=value asks for <feature>, which Foyer does not have". */
  readonly feature: string;
  /** What to do instead (default: unset it, or set it to false). */
  readonly fix?: string;
  /** How docs describe a custom trigger. */
  readonly whenText?: string;
}

export interface GotrueVariable {
  readonly name: string;
  readonly status: GotrueVariableStatus;
  /** Why it does not apply, what Foyer does instead, or what is missing (honoured: settingsSchema's doc). */
  readonly note: string;
  /** not_supported only: the values that stop the start. Absent: inert on its own (see the note). */
  readonly refuse?: Refusal;
  /** False for the few names Foyer accepts although GoTrue itself does not read them. */
  readonly readByGoTrue: boolean;
}

export const honoured = (name: string, note = ''): GotrueVariable => ({ name, status: 'honoured', note, readByGoTrue: true });

/** A name GoTrue does not read but Foyer accepts (an alias, or a name from Supabase's compose file). */
export const foyerAlias = (name: string, note: string): GotrueVariable => ({ name, status: 'honoured', note, readByGoTrue: false });

export const notApplicable = (name: string, note: string): GotrueVariable => ({ name, status: 'not_applicable', note, readByGoTrue: true });

/** Part of a missing feature, but harmless on its own: `note` says which variable turns it on. */
export const inert = (name: string, note: string): GotrueVariable => ({ name, status: 'not_supported', note, readByGoTrue: true });

export const refused = (name: string, note: string, refuse: Refusal): GotrueVariable => ({
  name,
  status: 'not_supported',
  note,
  refuse,
  readByGoTrue: true,
});

/** A Go boolean that turns `feature` on. */
export const switchOn = (name: string, feature: string, note = `Turns on ${feature}.`, fix?: string): GotrueVariable =>
  refused(name, note, { when: 'true', feature, fix });

/** Any non-blank value turns `feature` on. */
export const whenSet = (name: string, feature: string, note = `Turns on ${feature}.`, fix?: string): GotrueVariable =>
  refused(name, note, { when: 'set', feature, fix });

/**
 * The problem line for `name=value` when the value asks for the missing feature, else undefined.
 * A value GoTrue itself would refuse (a boolean that is neither) is a problem too.
 */
export function refusalProblem(variable: GotrueVariable, value: string | undefined): string | undefined {
  const refuse = variable.refuse;
  if (!refuse || value === undefined || value.trim() === '') return undefined;
  const { name } = variable;
  let shown: string;
  if (refuse.when === 'true') {
    if (!parseBool(name, value)) return undefined;
    shown = `${name}=true`;
  } else if (refuse.when === 'set') {
    // The value itself may be a secret (decryption keys, mail headers): only that it is set is shown.
    shown = `${name} (set)`;
  } else {
    if (!refuse.when(value.trim(), name)) return undefined;
    shown = `${name}=${value.trim()}`;
  }
  const fix = refuse.fix ?? (refuse.when === 'set' ? 'unset it' : 'unset it or set it to false');
  return `${shown} asks for ${refuse.feature}, which Foyer does not have: ${fix}`;
}

/** How docs/configuration.md says when a variable stops the start. */
export function refusalText(refuse: Refusal): string {
  if (refuse.whenText) return refuse.whenText;
  if (refuse.when === 'true') return 'true stops the start';
  if (refuse.when === 'set') return 'any value stops the start';
  throw new Error('a custom trigger needs whenText');
}
