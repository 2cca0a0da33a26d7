/**
 * jose is loaded when first needed — signing with an asymmetric GOTRUE_JWT_KEYS key, or checking a
 * provider's ID token — not at start: a server on the default HS256 secret (fast-jwt) and without
 * OpenID Connect providers need not keep it in memory.
 */
import { loadOnce } from '../load-once.js';

export const loadJose = loadOnce(() => import('jose'));
