/**
 * The custom access token hook: it receives the claims Foyer would sign and returns the claims to sign.
 * GoTrue's rules for the answer: `claims` must be there and be an object; aud, exp, iat, sub, email,
 * phone, role, aal, session_id and is_anonymous must stay; the claims GoTrue knows must keep their JSON
 * types; anything else (a tenant id, a list of roles) is the hook's to add. A broken answer is GoTrue's
 * error naming what is wrong (422, see hookFailure), and no token is issued.
 */
import type { Queryable } from '../../store/db.js';
import { hookMetadata, invokeHook, type HookDeps } from './invoke.js';
import { hookFailure } from './outcome.js';

type JsonType = 'string' | 'integer' | 'object' | 'array';

/** GoTrue's MinimumViableTokenSchema: the types of the claims it knows, and which must be present. */
const claimTypes: Readonly<Record<string, readonly JsonType[]>> = {
  aud: ['string', 'array'],
  exp: ['integer'],
  jti: ['string'],
  iat: ['integer'],
  iss: ['string'],
  nbf: ['integer'],
  sub: ['string'],
  email: ['string'],
  phone: ['string'],
  app_metadata: ['object'],
  user_metadata: ['object'],
  role: ['string'],
  aal: ['string'],
  amr: ['array'],
  session_id: ['string'],
  client_id: ['string'],
};

export const REQUIRED_CLAIMS = ['aud', 'exp', 'iat', 'sub', 'email', 'phone', 'role', 'aal', 'session_id', 'is_anonymous'] as const;

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const fits = (value: unknown, types: readonly JsonType[]): boolean => {
  const actual = jsonTypeOf(value);
  return types.some((type) => type === actual);
};

/** The claims, or GoTrue's 500 listing every way they do not conform (one line per problem). */
export function checkHookClaims(claims: Record<string, unknown> | null): Record<string, unknown> {
  const problems: string[] = [];
  if (claims === null) {
    problems.push('(root): Invalid type. Expected: object, given: null');
  } else {
    for (const name of REQUIRED_CLAIMS) if (!(name in claims)) problems.push(`(root): ${name} is required`);
    for (const [name, types] of Object.entries(claimTypes)) {
      if (!(name in claims) || fits(claims[name], types)) continue;
      problems.push(`${name}: Invalid type. Expected: ${types.join(', ')}, given: ${jsonTypeOf(claims[name])}`);
    }
    const amr = claims.amr;
    if (Array.isArray(amr)) {
      amr.forEach((entry, index) => {
        if (typeof entry !== 'string' && jsonTypeOf(entry) !== 'object') problems.push(`amr.${index}: Must validate at least one schema (anyOf)`);
      });
    }
  }
  if (problems.length > 0 || claims === null) {
    throw hookFailure(`output claims do not conform to the expected schema: \n${problems.map((line) => `- ${line}\n`).join('')}`);
  }
  return claims;
}

export interface CustomizeInput {
  readonly userId: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** GoTrue's name of how this token came about (password, otp, token_refresh, …). */
  readonly authenticationMethod: string;
  readonly ip: string | null | undefined;
  /** The transaction that began or changed the session, when there is one: a refusal rolls it back. */
  readonly tx?: Queryable;
}

export async function customizeAccessTokenClaims(deps: HookDeps, input: CustomizeInput): Promise<Record<string, unknown>> {
  const response = await invokeHook(
    deps,
    'custom_access_token',
    {
      metadata: hookMetadata('custom_access_token', input.ip),
      user_id: input.userId,
      claims: input.claims,
      authentication_method: input.authenticationMethod,
    },
    { tx: input.tx },
  );
  return checkHookClaims(response.claims);
}
