/** Prefer, Range, Accept and the schema profile headers, as PostgREST reads them. */
import type { CountPreference, Preferences } from '../../rest/ast.js';
import { RestError } from '../../rest/errors.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const headerValues = (headers: Headers, name: string): string[] => {
  const value = headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
};

const choices: Record<string, readonly string[]> = {
  return: ['minimal', 'representation', 'headers-only'],
  count: ['exact', 'planned', 'estimated'],
  resolution: ['merge-duplicates', 'ignore-duplicates'],
  missing: ['default', 'null'],
  handling: ['strict', 'lenient'],
  tx: ['commit', 'rollback'],
};

export function parsePrefer(headers: Headers): Preferences {
  const found: Record<string, string> = {};
  const invalid: string[] = [];
  const applied: string[] = [];
  for (const part of headerValues(headers, 'prefer').flatMap((value) => value.split(','))) {
    const text = part.trim();
    if (text === '') continue;
    const [key, value = ''] = text.split('=', 2).map((piece) => piece.trim());
    if (key === 'max-affected' && /^\d+$/.test(value)) found[key] = value;
    else if (choices[key]?.includes(value)) found[key] = value;
    else if (key === 'timezone' || key === 'params') continue;
    else {
      invalid.push(text);
      continue;
    }
    applied.push(`${key}=${value}`);
  }
  if (found.handling === 'strict' && invalid.length) {
    throw new RestError(400, 'PGRST122', 'Invalid preferences given with handling=strict', { details: `Invalid preferences: ${invalid.join(', ')}` });
  }
  return {
    return: found.return as Preferences['return'],
    count: found.count as CountPreference | undefined,
    resolution: found.resolution as Preferences['resolution'],
    missing: found.missing as Preferences['missing'],
    handling: found.handling as Preferences['handling'],
    tx: found.tx as Preferences['tx'],
    maxAffected: found['max-affected'] === undefined ? undefined : Number(found['max-affected']),
    applied,
  };
}

/** `Range: 0-9` (items); undefined when absent or not a range PostgREST understands. */
export function parseRange(headers: Headers): { offset: number; limit: number | undefined } | undefined {
  const raw = headerValues(headers, 'range')[0];
  if (!raw) return undefined;
  const match = /^\s*(?:items=)?(\d+)-(\d*)\s*$/.exec(raw);
  if (!match) return undefined;
  const lower = Number(match[1]);
  const upper = match[2] === '' ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(lower) || (upper !== undefined && !Number.isSafeInteger(upper))) return undefined;
  if (upper !== undefined && lower > upper) {
    throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', { details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.' });
  }
  return { offset: lower, limit: upper === undefined ? undefined : upper - lower + 1 };
}

export interface MediaChoice {
  readonly single: boolean;
  readonly stripNulls: boolean;
  readonly contentType: string;
}

/** The response media type from Accept; 406 PGRST107 when none can be produced. */
export function negotiate(headers: Headers): MediaChoice {
  const raw = headerValues(headers, 'accept').join(',');
  const types = raw.trim() === '' ? ['*/*'] : raw.split(',').map((part) => part.trim()).filter(Boolean);
  for (const type of types) {
    const [base, ...params] = type.split(';').map((piece) => piece.trim().toLowerCase());
    const stripNulls = params.includes('nulls=stripped');
    if (base === '*/*' || base === 'application/*' || base === 'application/json') {
      return { single: false, stripNulls: false, contentType: 'application/json; charset=utf-8' };
    }
    if (base === 'application/vnd.pgrst.array+json' || base === 'application/vnd.pgrst.array') {
      return { single: false, stripNulls, contentType: `application/vnd.pgrst.array+json${stripNulls ? ';nulls=stripped' : ''}; charset=utf-8` };
    }
    if (base === 'application/vnd.pgrst.object+json' || base === 'application/vnd.pgrst.object') {
      return { single: true, stripNulls, contentType: `application/vnd.pgrst.object+json${stripNulls ? ';nulls=stripped' : ''}; charset=utf-8` };
    }
  }
  throw new RestError(406, 'PGRST107', `None of these media types are available: ${types.join(', ')}`);
}

/** The schema a request addresses: Accept-Profile (reads) or Content-Profile (writes), else the first exposed. */
export function profile(headers: Headers, method: string, schemas: readonly string[]): string {
  const name = method === 'GET' || method === 'HEAD' ? 'accept-profile' : 'content-profile';
  const requested = headerValues(headers, name)[0]?.trim();
  if (!requested) return schemas[0];
  if (!schemas.includes(requested)) {
    throw new RestError(406, 'PGRST106', `Invalid schema: ${requested}`, { hint: `Only the following schemas are exposed: ${schemas.join(', ')}` });
  }
  return requested;
}
