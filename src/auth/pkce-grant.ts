/**
 * POST /token?grant_type=pkce {auth_code, code_verifier}: the second half of every PKCE flow (OAuth
 * callbacks here; `pkce_` mail links reuse it). One exchange per code: the flow_state row is locked,
 * checked and deleted in one transaction, so a concurrent second exchange finds nothing.
 */
import { createHash } from 'node:crypto';
import { FoyerError } from '../errors.js';
import { constantTimeEqual } from '../security/crypto.js';
import { deleteFlowState, lockFlowStateByAuthCode, type FlowStateRow } from '../store/flow-state.js';
import { lockUser } from '../store/users.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { FLOW_STATE_TTL_SECONDS } from './oauth/flow.js';
import { signSession, startUserSession, type OAuthSessionResponse, type StartedSession } from './oauth/session.js';

export interface PkceGrantInput {
  readonly authCode?: string;
  readonly codeVerifier?: string;
}

/**
 * GoTrue measures an OAuth flow from its creation (the state and the exchange share 5 minutes). Foyer
 * measures mail flows from when their code was issued (the link was followed), as GoTrue does for magic
 * links only, so a confirmation opened an hour after it was sent still completes.
 */
export function flowStateExpired(flow: Pick<FlowStateRow, 'authentication_method' | 'age_seconds' | 'issued_age_seconds'>): boolean {
  const age = flow.authentication_method !== 'oauth' && flow.issued_age_seconds !== null ? flow.issued_age_seconds : flow.age_seconds;
  return age > FLOW_STATE_TTL_SECONDS;
}

export function verifyCodeChallenge(flow: Pick<FlowStateRow, 'code_challenge' | 'code_challenge_method'>, verifier: string): boolean {
  const expected = flow.code_challenge_method === 's256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return constantTimeEqual(expected, flow.code_challenge);
}

export async function pkceGrant(deps: AuthDeps, input: PkceGrantInput, meta: RequestMeta): Promise<OAuthSessionResponse> {
  if (!input.authCode || !input.codeVerifier) {
    throw new FoyerError('validation_failed', 'invalid request: both auth code and code verifier should be non-empty');
  }
  const { authCode, codeVerifier } = input;
  const outcome = await deps.db.transaction(async (tx) => {
    const flow = await lockFlowStateByAuthCode(tx, authCode);
    if (!flow || !flow.user_id || !flow.code_challenge) {
      throw new FoyerError('flow_state_not_found', 'invalid flow state, no valid flow state found');
    }
    if (flowStateExpired(flow)) {
      await deleteFlowState(tx, flow.id);
      return { expired: true } as const;
    }
    if (!verifyCodeChallenge(flow, codeVerifier)) {
      throw new FoyerError('bad_code_verifier', 'code challenge does not match previously saved code verifier');
    }
    const user = await lockUser(tx, flow.user_id);
    if (!user) throw new FoyerError('flow_state_not_found', 'invalid flow state, no valid flow state found');
    if (user.banned_until && Date.parse(user.banned_until) > Date.now()) {
      throw new FoyerError('user_banned', 'User is banned', { status: 400 });
    }
    const started: StartedSession = await startUserSession(deps, tx, user.id, flow.authentication_method, meta);
    await deleteFlowState(tx, flow.id);
    return { started, provider: { accessToken: flow.provider_access_token, refreshToken: flow.provider_refresh_token } };
  });
  if ('expired' in outcome) throw new FoyerError('flow_state_expired', 'invalid flow state, flow state has expired');
  return signSession(deps, outcome.started, outcome.provider);
}
