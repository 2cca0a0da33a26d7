/**
 * A message's URI as Go's url.ParseRequestURI reads it: an absolute URI whose part after the scheme
 * starts with `/`, or an absolute path. Host and port are kept as written (Go does not lower-case or
 * drop a default port), because GoTrue compares them with the message's domain as written.
 */
export interface MessageUri {
  readonly text: string;
  /** Lower-cased; '' for an absolute path. */
  readonly scheme: string;
  /** host[:port] as written, without user info; '' when there is no authority. */
  readonly host: string;
  /** The host without port or IPv6 brackets. */
  readonly hostname: string;
}

const withScheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/.*)$/s;

function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(host);
  if (bracketed) return bracketed[1];
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function parseRequestUri(value: string): MessageUri | undefined {
  // Go refuses control characters and spaces anywhere in a request URI.
  if (value === '' || /[\u0000-\u0020\u007f]/.test(value)) return undefined;
  if (value.startsWith('/')) return { text: value, scheme: '', host: '', hostname: '' };
  const match = withScheme.exec(value);
  if (!match) return undefined;
  // WHATWG parsing as the sanity check of the authority (ports, host characters).
  try {
    new URL(value);
  } catch {
    return undefined;
  }
  const rest = match[2];
  if (!rest.startsWith('//')) return { text: value, scheme: match[1].toLowerCase(), host: '', hostname: '' };
  const authority = /^\/\/([^/?]*)/.exec(rest)?.[1] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return { text: value, scheme: match[1].toLowerCase(), host, hostname: hostnameOf(host) };
}
