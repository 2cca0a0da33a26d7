/**
 * Which URLs a custom provider may name. An admin API that makes the server fetch URLs it is given is a
 * way into the server's own network, so — as GoTrue does — each URL must be HTTPS, and its host must not
 * be localhost nor resolve to a loopback, private, link-local, multicast or unspecified address (cloud
 * metadata endpoints included). FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK lifts the address rule, for an
 * identity provider in the operator's own network; HTTPS stays required (the table's checks want it).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { namedProxyRanges } from '../../../config/parse-protection.js';
import { FoyerError } from '../../../errors.js';

const blocked = new BlockList();
// Loopback, link-local (cloud metadata's 169.254.169.254 among them) and private ranges, as trusted-proxy
// settings name them, plus the rest no public service answers on.
const unreachableFromOutside = [
  ...Object.values(namedProxyRanges).flat(),
  '0.0.0.0/8', // "this network", unspecified
  '100.64.0.0/10', // carrier-grade NAT
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
  '::/128',
  'ff00::/8', // multicast
];
for (const cidr of unreachableFromOutside) {
  const [network, prefix] = cidr.split('/');
  blocked.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
}

const invalid = (message: string) => new FoyerError('validation_failed', message);

/** Whether `address` (an IP address; anything else counts as blocked) is one url-guard refuses. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1, which URL parsing turns into ::ffff:a00:1) is that IPv4 address.
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return blocked.check(dotted[1], 'ipv4');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return blocked.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return blocked.check(address, 'ipv6');
}

/** Throws a 400 validation_failed naming what is wrong with `raw`; `field` is the request's name for it. */
export async function checkProviderUrl(field: string, raw: string, allowPrivateNetwork: boolean): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`${field}: Invalid URL format`);
  }
  if (url.protocol !== 'https:') throw invalid(`${field}: URL must use HTTPS`);
  if (raw.length > 2048) throw invalid(`${field}: URL must be at most 2048 characters`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) throw invalid(`${field}: URL must have a valid hostname`);
  if (allowPrivateNetwork) return;
  if (host === 'localhost' || host.endsWith('.localhost')) throw invalid(`${field}: URL cannot point to localhost or loopback addresses`);
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      throw invalid(`${field}: Unable to resolve hostname`);
    }
  }
  if (addresses.some(isBlockedAddress)) {
    throw invalid(`${field}: URL cannot resolve to loopback, private, link-local, multicast or unspecified addresses`);
  }
}
