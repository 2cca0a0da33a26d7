/**
 * Every environment variable GoTrue (supabase/auth) reads, and what Foyer does with each, so that a
 * GoTrue user swapping in Foyer never loses a feature silently: a value that turns on a feature Foyer
 * lacks stops the start (loadConfig), GOTRUE_* names neither GoTrue nor Foyer knows are warned about
 * (`foyer start`, `foyer doctor`), and docs/configuration.md lists them all (`foyer config --markdown`).
 *
 * The names follow GoTrue's configuration structs at supabase/auth bc32168e (2026-08-20) and its two
 * direct reads (GOTRUE_INTERNAL_HTTP_TIMEOUT). Struct fields GoTrue fills itself at start (signing key
 * function, parsed SAML keys and certificates, compiled SMS templates, the URI allow-list's globs, hook
 * names) are not configuration and not listed.
 */
import { ConfigError } from './parse.js';
import { refusalProblem, type GotrueVariable } from './gotrue-variable.js';
import { experimental, extensionPoints, mfaAndSso, providers } from './gotrue-variables-features.js';
import { apiAndDatabase, mail, operations, sms, tokensAndSecurity } from './gotrue-variables-server.js';
import { settingsSchema } from './settings.js';

export type { GotrueVariable, GotrueVariableStatus } from './gotrue-variable.js';

/** The registry, grouped as docs/configuration.md shows it. */
export const gotrueVariableGroups: readonly { readonly title: string; readonly variables: readonly GotrueVariable[] }[] = [
  { title: 'API and database', variables: apiAndDatabase },
  { title: 'Logging, telemetry and GoTrue internals', variables: operations },
  { title: 'JWT, sessions, security, rate limits, passwords', variables: tokensAndSecurity },
  { title: 'Mail', variables: mail },
  { title: 'Phone and SMS', variables: sms },
  { title: 'OAuth providers and other sign-in methods', variables: providers },
  { title: 'Hooks', variables: extensionPoints },
  { title: 'MFA, SAML, WebAuthn, passkeys', variables: mfaAndSso },
  { title: 'Experimental', variables: experimental },
];

export const gotrueVariables: readonly GotrueVariable[] = gotrueVariableGroups.flatMap((group) => group.variables);

const byName = new Map<string, GotrueVariable>();
for (const variable of gotrueVariables) {
  if (byName.has(variable.name)) throw new Error(`${variable.name} is listed twice in the GoTrue variable registry`);
  byName.set(variable.name, variable);
}

export const gotrueVariable = (name: string): GotrueVariable | undefined => byName.get(name);

/** Every name Foyer's settings schema reads. */
const foyerNames: ReadonlySet<string> = new Set(Object.values(settingsSchema).flatMap((definition) => definition.env));

/**
 * One line per variable whose value turns on a GoTrue feature Foyer does not have (or that GoTrue
 * itself would refuse), naming it and what to do. Empty when the environment asks for nothing missing.
 */
export function unsupportedFeatureProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const variable of gotrueVariables) {
    try {
      const problem = refusalProblem(variable, env[variable.name]);
      if (problem) problems.push(problem);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

/** GOTRUE_* names in `env` that neither GoTrue nor Foyer reads (typos, names of older GoTrue versions). */
export function unknownGotrueVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('GOTRUE_') && env[name] !== undefined && !byName.has(name) && !foyerNames.has(name))
    .sort();
}

/** The warning `foyer start` and `foyer doctor` print for them. */
export const unknownVariablesWarning = (names: readonly string[]): string =>
  `ignored: ${names.join(', ')} (neither GoTrue nor Foyer reads ${names.length === 1 ? 'this variable' : 'these variables'}; docs/configuration.md lists every one)`;
