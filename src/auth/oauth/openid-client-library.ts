/**
 * openid-client (with oauth4webapi) is loaded at the first OAuth or OpenID Connect sign-in, not at start:
 * a server without external providers need not keep it in memory.
 */
import { loadOnce } from '../../load-once.js';

export const loadOpenidClient = loadOnce(() => import('openid-client'));
