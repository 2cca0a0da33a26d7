/**
 * Who the client is, for rate limits, CAPTCHA `remoteip` and session records.
 *
 * The socket address, unless it belongs to a trusted proxy (FOYER_TRUSTED_PROXIES). Then, as proxy-addr
 * (Fastify's trustProxy) does it: walk X-Forwarded-For from the right, skipping trusted hops; the first
 * untrusted hop is the client. With GOTRUE_RATE_LIMIT_HEADER set (and a trusted peer), the first value
 * of that header is the client instead. A header sent by anyone else is never read, so a client cannot
 * pick its own bucket. Limits key IPv6 clients by their /64 (one host typically owns a whole /64).
 */
import { BlockList, isIP } from 'node:net';

export interface ClientIpSettings {
  readonly trustedProxies: readonly string[];
  readonly rateLimitHeader: string | undefined;
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export interface ClientIpResolver {
  /** Whether this address is a trusted proxy; also handed to Fastify as its trustProxy function. */
  trusts(address: string): boolean;
  readonly hasTrustedProxies: boolean;
  /** Where the client address comes from, for status reports. */
  readonly source: 'socket' | 'x-forwarded-for' | `header:${string}`;
  /** The client's address (normalised), or the raw socket address if even that is not an IP. */
  clientIp(socketAddress: string | undefined, headers: HeaderBag): string;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, zone ids dropped, case folded; null when not an IP address. */
export function normalizeIp(raw: string | undefined): string | null {
  if (!raw) return null;
  let value = raw.trim();
  const zone = value.indexOf('%');
  if (zone > 0) value = value.slice(0, zone);
  const family = isIP(value);
  if (family === 4) return value;
  if (family !== 6) return null;
  value = value.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (mapped && isIP(mapped[1]) === 4) return mapped[1];
  const groups = expandIPv6(value);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  return value;
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail included). */
export function expandIPv6(address: string): number[] {
  let text = address;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** The bucket of a client: its IPv4 address, or the /64 of its IPv6 address. */
export function rateLimitKey(ip: string): string {
  const normalized = normalizeIp(ip);
  if (normalized === null) return `raw:${ip.slice(0, 100)}`;
  if (isIP(normalized) === 4) return normalized;
  const prefix = expandIPv6(normalized)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':');
  return `${prefix}::/64`;
}

const TRUST_ANSWERS_KEPT = 4096;

export function createClientIpResolver(settings: ClientIpSettings): ClientIpResolver {
  const blockList = new BlockList();
  for (const cidr of settings.trustedProxies) {
    const [address, prefix] = cidr.split('/');
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    blockList.addSubnet(address, Number(prefix), family);
  }
  const hasTrustedProxies = settings.trustedProxies.length > 0;
  // BlockList.check builds a SocketAddress per call; the same few addresses (proxies, busy clients)
  // come back on every request, so answers are remembered (bounded: cleared when full).
  const answers = new Map<string, boolean>();
  const trusts = (address: string): boolean => {
    if (!hasTrustedProxies) return false;
    const known = answers.get(address);
    if (known !== undefined) return known;
    const ip = normalizeIp(address);
    const trusted = ip !== null && blockList.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
    if (answers.size >= TRUST_ANSWERS_KEPT) answers.clear();
    answers.set(address, trusted);
    return trusted;
  };
  const header = settings.rateLimitHeader;
  const useHeader = header !== undefined && header !== 'x-forwarded-for';

  /** proxy-addr's walk: the right-most hop that is not a trusted proxy; garbage falls back rightwards. */
  const forwardedClient = (socketIp: string, headers: HeaderBag): string => {
    const raw = headers['x-forwarded-for'];
    const xff = Array.isArray(raw) ? raw.join(',') : raw;
    if (!xff) return socketIp;
    const hops = xff.split(',').map((hop) => hop.trim());
    let current = socketIp;
    for (let i = hops.length - 1; i >= 0; i--) {
      // `current` is trusted here (the loop only continues past trusted hops).
      const next = normalizeIp(hops[i]);
      if (next === null) return current;
      current = next;
      if (!trusts(current)) return current;
    }
    return current;
  };

  return {
    trusts,
    hasTrustedProxies,
    source: !hasTrustedProxies ? 'socket' : useHeader ? `header:${header}` : 'x-forwarded-for',
    clientIp(socketAddress, headers) {
      const socketIp = normalizeIp(socketAddress);
      if (socketIp === null) return socketAddress ?? '';
      if (!trusts(socketIp)) return socketIp;
      if (useHeader) {
        const value = headers[header];
        const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0];
        const fromHeader = normalizeIp(first);
        if (fromHeader !== null) return fromHeader;
      }
      return forwardedClient(socketIp, headers);
    },
  };
}
