/**
 * @node-saml/node-saml (with its XML signature and encryption libraries, about 16 MB of memory) is loaded
 * at the first SAML request, not at start: most servers never enable SAML single sign-on.
 */
import { loadOnce } from '../../load-once.js';

export const loadNodeSaml = loadOnce(() => import('@node-saml/node-saml'));
