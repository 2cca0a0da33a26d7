/**
 * GoTrue's SAML attribute mapping: `{"keys": {"<claim>": {"name": …, "names": [...], "default": …,
 * "array": bool}}}`. Each claim takes the first non-empty value of the first listed attribute present
 * (matched by Name or FriendlyName, without case), all values when `array`, else `default`.
 */
import { FoyerError } from '../../errors.js';

export interface AttributeRule {
  name?: string;
  names?: string[];
  default?: unknown;
  array?: boolean;
}

export interface AttributeMapping {
  keys?: Record<string, AttributeRule>;
}

/** One attribute of an assertion: its names and its values. */
export interface SamlAttribute {
  readonly name: string;
  readonly friendlyName: string;
  readonly values: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks (strict: request input) or tolerates (stored rows) a mapping; returns it with GoTrue's omitempty. */
export function parseAttributeMapping(raw: unknown, strict: boolean): AttributeMapping {
  const fail = (message: string): AttributeMapping => {
    if (strict) throw new FoyerError('validation_failed', `attribute_mapping: ${message}`);
    return {};
  };
  if (!isObject(raw)) return fail('must be an object');
  if (raw.keys === undefined || raw.keys === null) return {};
  if (!isObject(raw.keys)) return fail('keys must be an object');
  const keys: Record<string, AttributeRule> = {};
  for (const [claim, rule] of Object.entries(raw.keys)) {
    if (!isObject(rule)) return fail(`keys.${claim} must be an object`);
    const out: AttributeRule = {};
    if (rule.name !== undefined && rule.name !== null) {
      if (typeof rule.name !== 'string') return fail(`keys.${claim}.name must be a string`);
      if (rule.name) out.name = rule.name;
    }
    if (rule.names !== undefined && rule.names !== null) {
      if (!Array.isArray(rule.names) || !rule.names.every((name) => typeof name === 'string')) return fail(`keys.${claim}.names must be a list of strings`);
      if (rule.names.length > 0) out.names = rule.names as string[];
    }
    if (rule.default !== undefined && rule.default !== null) out.default = rule.default;
    if (rule.array !== undefined && rule.array !== null) {
      if (typeof rule.array !== 'boolean') return fail(`keys.${claim}.array must be true or false`);
      if (rule.array) out.array = true;
    }
    keys[claim] = out;
  }
  return { keys };
}

/** Every value of the attributes called `name` (Name or FriendlyName, without case). */
export function attributeValues(attributes: readonly SamlAttribute[], name: string): string[] {
  const wanted = name.toLowerCase();
  return attributes
    .filter((attribute) => attribute.name.toLowerCase() === wanted || attribute.friendlyName.toLowerCase() === wanted)
    .flatMap((attribute) => attribute.values);
}

/** GoTrue's SAMLAssertion.Process: the claims the mapping draws from the attributes. */
export function mapAttributes(mapping: AttributeMapping, attributes: readonly SamlAttribute[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [claim, rule] of Object.entries(mapping.keys ?? {})) {
    const names = [...(rule.name ? [rule.name] : []), ...(rule.names ?? [])];
    let set = false;
    for (const name of names) {
      const values = attributeValues(attributes, name).filter((value) => value !== '');
      if (values.length > 0) {
        claims[claim] = rule.array ? values : values[0];
        set = true;
        break;
      }
    }
    if (!set && rule.default !== undefined) claims[claim] = rule.default;
  }
  return claims;
}
