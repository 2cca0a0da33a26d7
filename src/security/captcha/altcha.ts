/**
 * The built-in CAPTCHA provider (GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha): proof-of-work challenges in
 * ALTCHA's v2 format, which the open-source ALTCHA widget (v3) solves in the browser, and their local
 * verification with altcha-lib. No third party, no network call.
 *
 * A challenge is issued in altcha-lib's deterministic mode: Foyer picks a counter at random between half
 * the difficulty and the difficulty, derives that counter's key (PBKDF2-SHA-256, ALTCHA_COST iterations)
 * and sends the key's first half as the prefix to find, so a browser tries on average three quarters of
 * the difficulty in key derivations and never more than all of it. The challenge is signed (HMAC with
 * the project's GOTRUE_SECURITY_CAPTCHA_SECRET) together with its expiry, the project it is for and its
 * difficulty, and the derived key is signed too (with a key derived from the secret), so verifying a
 * solution costs two HMACs, not a key derivation. Each solution is used once: its challenge is claimed
 * on the rate limiters' store (shared by every process) only after it verified, so garbage writes nothing.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { Challenge, Solution } from 'altcha-lib';
import { loadOnce } from '../../load-once.js';
import type { Claim } from '../single-use.js';

// Loaded at the first challenge or solution: a server on another CAPTCHA provider, or none, need not keep it.
const altchaLib = loadOnce(async () => {
  const [library, pbkdf2] = await Promise.all([import('altcha-lib'), import('altcha-lib/algorithms/pbkdf2')]);
  return { createChallenge: library.createChallenge, verifySolution: library.verifySolution, deriveKey: pbkdf2.deriveKey };
});

/** The widget's default algorithm, bundled with it (no extra worker to load). */
export const ALTCHA_ALGORITHM = 'PBKDF2/SHA-256';
/** PBKDF2 iterations per key derivation: a browser's per-call overhead stays small next to the work. */
export const ALTCHA_COST = 1000;
/** A widget payload is some 700 characters; anything much longer is not one. */
const MAX_PAYLOAD_LENGTH = 4096;
/** A claim outlives its challenge by this much (clock differences between processes). */
const CLAIM_SLACK_MS = 5_000;

export interface AltchaSettings {
  /** The signing key (GOTRUE_SECURITY_CAPTCHA_SECRET). */
  readonly secret: string;
  /** Whose challenges these are: the project's public auth URL (API_EXTERNAL_URL). */
  readonly audience: string;
  readonly expirySeconds: number;
}

/** What GET /captcha/challenge answers: the widget's challenge format. */
export interface AltchaChallenge {
  readonly parameters: Challenge['parameters'];
  readonly signature: string;
}

export type AltchaOutcome =
  | { readonly kind: 'passed'; readonly difficulty: number }
  | { readonly kind: 'rejected'; readonly codes: readonly string[] }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface Altcha {
  issue(difficulty: number): Promise<AltchaChallenge>;
  /** `payload` is the widget's (base64 JSON of the challenge and the solution). */
  verify(payload: string, requiredDifficulty: number): Promise<AltchaOutcome>;
}

const rejected = (code: string): AltchaOutcome => ({ kind: 'rejected', codes: [code] });

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The widget's payload, or undefined when it is not one. Nothing here is trusted before the signature. */
function readPayload(payload: string): { challenge: Challenge; solution: Solution } | undefined {
  if (payload.length > MAX_PAYLOAD_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !isObject(parsed.challenge) || !isObject(parsed.solution)) return undefined;
  const { parameters, signature } = parsed.challenge;
  const { counter, derivedKey } = parsed.solution;
  if (!isObject(parameters) || typeof signature !== 'string' || typeof counter !== 'number' || typeof derivedKey !== 'string') return undefined;
  // Only Foyer's own kind of challenge is looked at further: its algorithm and cost, a key signature
  // (so no key is ever derived here) and an expiry. A forged challenge then fails on its signature.
  if (parameters.algorithm !== ALTCHA_ALGORITHM || parameters.cost !== ALTCHA_COST) return undefined;
  if (typeof parameters.keySignature !== 'string' || typeof parameters.expiresAt !== 'number' || !isObject(parameters.data)) return undefined;
  return {
    challenge: { parameters: parameters as unknown as Challenge['parameters'], signature },
    solution: { counter, derivedKey },
  };
}

export function createAltcha(settings: AltchaSettings, claim: Claim): Altcha {
  const { secret, audience } = settings;
  // A second key for the derived keys' signatures, from the first (altcha-lib wants two).
  const keySecret = createHmac('sha256', secret).update('foyer altcha derived-key signature').digest('hex');

  return {
    async issue(difficulty) {
      const most = Math.max(2, Math.round(difficulty));
      const { createChallenge, deriveKey } = await altchaLib();
      const challenge = await createChallenge({
        algorithm: ALTCHA_ALGORITHM,
        cost: ALTCHA_COST,
        counter: randomInt(Math.ceil(most / 2), most + 1),
        deriveKey,
        expiresAt: Math.floor(Date.now() / 1000) + settings.expirySeconds,
        data: { aud: audience, difficulty: most },
        hmacSignatureSecret: secret,
        hmacKeySignatureSecret: keySecret,
      });
      return { parameters: challenge.parameters, signature: challenge.signature as string };
    },

    async verify(payload, requiredDifficulty) {
      const read = readPayload(payload);
      if (!read) return rejected('invalid-payload');
      const { verifySolution, deriveKey } = await altchaLib();
      let result;
      try {
        result = await verifySolution({ ...read, deriveKey, hmacSignatureSecret: secret, hmacKeySignatureSecret: keySecret });
      } catch {
        return rejected('invalid-payload');
      }
      if (result.expired) return rejected('challenge-expired');
      if (result.invalidSignature) return rejected('invalid-signature');
      if (!result.verified) return rejected('invalid-solution');
      // Signed, so these are Foyer's own values.
      const { data, expiresAt } = read.challenge.parameters;
      if (data?.aud !== audience) return rejected('challenge-for-another-project');
      const difficulty = typeof data.difficulty === 'number' ? data.difficulty : 0;
      if (difficulty < requiredDifficulty) return rejected('difficulty-too-low');
      let first: boolean;
      try {
        first = await claim(`altcha:${read.challenge.signature}`, (expiresAt as number) * 1000 - Date.now() + CLAIM_SLACK_MS);
      } catch (error) {
        return { kind: 'unavailable', reason: `the store of used challenges failed: ${(error as Error).message}` };
      }
      return first ? { kind: 'passed', difficulty } : rejected('already-used');
    },
  };
}
