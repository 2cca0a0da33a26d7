/**
 * `fetch` for a custom provider's URLs, refusing to connect anywhere url-guard.ts refuses. The check made
 * when a URL is saved resolves its host once; a name whose DNS answer changes later (DNS rebinding: a
 * public address when saved, 127.0.0.1 or 169.254.169.254 at sign-in) would pass it and still lead into the
 * server's own network. So the address is checked again on every connection, where it is used: the
 * lookup that picks the address refuses a name with any blocked address (as url-guard does), an address
 * written in the URL is checked before connecting, and the socket's peer once connected. Redirects open
 * their connections through the same check.
 *
 * undici is the HTTP client inside Node's own fetch; its Agent is the one way to give that fetch a lookup
 * of its own. It is loaded at the first custom-provider request, not at start.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { buildConnector, Dispatcher } from 'undici';
import { loadOnce } from '../../../load-once.js';
import { ProviderAddressRefused } from '../provider-http.js';
import { isBlockedAddress } from './url-guard.js';

const CONNECT_TIMEOUT_MS = 10_000;

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
type OneCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dns.lookup as net.connect calls it, answering only when every address of the name is public. */
const publicOnlyLookup = ((hostname: string, options: LookupOptions, callback: AllCallback | OneCallback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    const blocked = error ? undefined : addresses.find((entry) => isBlockedAddress(entry.address));
    const failure = error ?? (blocked ? Object.assign(new ProviderAddressRefused(hostname, false), { code: 'EADDRNOTAVAIL' }) : null);
    if (options.all) (callback as AllCallback)(failure, failure ? [] : addresses);
    else if (failure || addresses.length === 0) (callback as OneCallback)(failure ?? Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    else (callback as OneCallback)(null, addresses[0].address, addresses[0].family);
  });
}) as LookupFunction;

const loadAgent = loadOnce(async (): Promise<Dispatcher> => {
  const undici = await import('undici');
  const connectChecked = undici.buildConnector({ lookup: publicOnlyLookup, timeout: CONNECT_TIMEOUT_MS });
  const connect: buildConnector.connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    // net.connect skips the lookup for an address written in the URL.
    if (isIP(host) && isBlockedAddress(host)) return callback(new ProviderAddressRefused(host, true), null);
    connectChecked(options, (error, socket) => {
      if (error) return callback(error, null);
      // The lookup decided; this only confirms that the peer is the address it allowed.
      const peer = socket.remoteAddress;
      if (peer === undefined || isBlockedAddress(peer)) {
        socket.destroy();
        return callback(new ProviderAddressRefused(host, isIP(host) !== 0), null);
      }
      callback(null, socket);
    });
  };
  return new undici.Agent({ connect });
});

/** Node's fetch, connecting only to public addresses. */
export const publicOnlyFetch: typeof fetch = async (input, init) => {
  const dispatcher = await loadAgent();
  // `dispatcher` is Node's own extension of RequestInit (undici's), absent from the DOM types.
  return fetch(input, { ...init, dispatcher } as RequestInit);
};
