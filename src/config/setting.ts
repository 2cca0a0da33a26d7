/** One setting of the validated configuration: its variable names, documentation, default and reader. */

/** What a default may depend on: whether Foyer runs on its embedded database. */
export interface DefaultsContext {
  readonly embedded: boolean;
}

export interface Setting<T> {
  readonly env: readonly string[];
  readonly doc: string;
  readonly defaultText: string;
  readonly read: (raw: string | undefined, variable: string, context: DefaultsContext) => T;
}

export const setting = <T>(definition: Setting<T>): Setting<T> => definition;
