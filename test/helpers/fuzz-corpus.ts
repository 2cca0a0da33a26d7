/**
 * The route fuzzer's corpus (fast-check arbitraries): malformed bodies, headers, query strings and path
 * parameters, biased towards what has broken servers before: NUL and unpaired surrogates, numbers past
 * every range, durations past Go's, deep nesting, truncated JSON, wrong types in the fields Foyer reads,
 * and strings just past each length limit (src/http/schemas.ts, src/http/body.ts, GoTrue's own).
 */
import fc from 'fast-check';
import { MAX_PATH_PARAM_LENGTH, MAX_STRING_LENGTH } from '../../src/http/body.js';
import { FIELD_LIMITS } from '../../src/http/schemas.js';

/** Strings one past each limit (and the backstop itself), as a field's value or a key. */
export const OVER_LIMIT_STRINGS: readonly string[] = [
  'a'.repeat(MAX_STRING_LENGTH + 1),
  'a'.repeat(MAX_STRING_LENGTH),
  `${'a'.repeat(244)}@example.com`, // 256 bytes: one past GoTrue's email limit
  'é'.repeat(37), // 74 bytes: past GoTrue's 72-byte password limit in 37 characters
  'p'.repeat(73),
  '1'.repeat(16), // one digit past E.164
  'c'.repeat(129), // one past a PKCE code challenge
  'n'.repeat(FIELD_LIMITS.name + 1),
  `http://localhost:3000/${'u'.repeat(FIELD_LIMITS.url)}`,
  't'.repeat(FIELD_LIMITS.token + 1),
  's'.repeat(FIELD_LIMITS.search + 1),
];
const overLong: fc.Arbitrary<string> = fc.constantFrom(...OVER_LIMIT_STRINGS);

/** Field names the API reads, so generated objects reach handlers rather than stopping at "missing field". */
const FIELDS = [
  'email', 'phone', 'password', 'data', 'user_metadata', 'app_metadata', 'name', 'ban_duration', 'version', 'expected_version',
  'changes', 'token', 'token_hash', 'type', 'refresh_token', 'redirect_to', 'code_verifier', 'auth_code', 'provider', 'id_token',
  'nonce', 'channel', 'create_user', 'options', 'gotrue_meta_security', 'captcha_token', 'role', 'aud', 'email_confirm',
  'phone_confirm', 'confirm', 'from_ref', 'secret', 'verify_url', 'factor_type', 'code', 'scope', 'should_soft_delete', 'page',
  'per_page', 'current_password', 'body', 'input', 'at', 'access_token', 'user_id', 'identity_id', 'target_user_id', 'limit', 'window',
];

/** Strings PostgreSQL, JSON or a parser are known to choke on, and plausible ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000', 'a\u0000@example.com', '\ud800', 'x\udc00y', '\udbff\udfff', '', ' ', '%00', '\\', "'", '"', "' or 1=1 --", '../../etc/passwd',
    '9999999999h', '-1h', '1e308', 'NaN', 'null', '{}', '[]', 'none', '2562048h', '0', '-0', 'user@example.com', '+15555550100',
    'https://evil.example/', 'javascript:alert(1)', '\r\nset-cookie: x=y', 'a'.repeat(70_000), '😀', '\uFFFF', '\u202E',
  ),
  overLong,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}@example.com`),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 31, 2 ** 53 + 1, -1, 0, -0, 0.5, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null));

/** A JSON value shaped like a request: objects keyed by the API's fields, nested a little. */
const shaped: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), nastyString), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Raw text that is not JSON, or JSON that stops where a naive walker would not. */
const rawText = fc.oneof(
  fc.constantFrom('{', '{"email":', '[', '"', 'nul', '{"a":1,}', '\u0000', '{"email":"a@b.c"}garbage', 'null', '[]', '1', '"str"', 'true'),
  fc.integer({ min: 65, max: 50_000 }).map((depth) => `{"email":"deep@example.com","data":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 65, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom('{"version":1e308}', '{"n":1e400}', '{"ban_duration":"9999999999h"}', '{"page":-1,"per_page":1e300}'),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** What a handler accepts: every field Foyer reads, with a plausible value. */
const PLAUSIBLE: Readonly<Record<string, unknown>> = {
  email: 'fuzz@example.com', phone: '+15555550100', password: 'fuzz-password-0123', name: 'Fuzz', data: { name: 'Fuzz' },
  user_metadata: { name: 'Fuzz' }, app_metadata: {}, ban_duration: '24h', version: 1, expected_version: 1, changes: {},
  token: '123456', type: 'signup', redirect_to: 'http://localhost:3000', channel: 'sms', create_user: true, provider: 'email',
  refresh_token: 'abcdefghijkl', code_verifier: 'a'.repeat(43), auth_code: '00000000-0000-0000-0000-000000000000',
  body: 'note', input: 'echo', confirm: 'nope', from_ref: 'default', email_confirm: true, role: 'authenticated',
};

const defectString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000@example.com', '+1555\u00000100', '\ud800', 'x\udc00@example.com', '9999999999h'),
  overLong,
);

/**
 * A body that is otherwise valid, with some fields (about a third) replaced by defects, so the defects
 * reach the code behind the "missing field" checks.
 */
const mutated = fc
  .record(
    Object.fromEntries(
      Object.entries(PLAUSIBLE).map(([key, plausible]) => [
        key,
        fc.oneof(
          { arbitrary: fc.constant(plausible), weight: 7 },
          { arbitrary: defectString, weight: 2 },
          { arbitrary: leaf, weight: 1 },
        ),
      ]),
    ),
  )
  .map((document) => JSON.stringify(document));

/** A request body: undefined (none), a mutated valid body, a shaped JSON document, or raw text. */
export const body: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: mutated, weight: 4 },
  { arbitrary: shaped.map((value) => JSON.stringify(value) ?? 'null'), weight: 2 },
  { arbitrary: rawText, weight: 2 },
);

const percentEncoded = fc.oneof(
  fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '%zz', '%C0%80', '%2F..%2F', '%0D%0A'),
  nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
);

/** A path parameter: ids, refs, encodings that decode to what a database cannot hold. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  // fuzz_notes and fuzz_echo: the table and function the fuzzer creates for the Data API.
  fc.constantFrom(
    'default', 'fuzz_notes', 'fuzz_echo', 'nope', '00000000-0000-0000-0000-000000000000', 'not-a-uuid', '..', '1', '-1', 'a'.repeat(300),
    'a'.repeat(MAX_PATH_PARAM_LENGTH), 'a'.repeat(MAX_PATH_PARAM_LENGTH + 1),
  ),
  percentEncoded,
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
);

const QUERY_KEYS = [
  'grant_type', 'type', 'redirect_to', 'page', 'per_page', 'filter', 'select', 'order', 'limit', 'offset', 'provider', 'a', 'b', 'id',
  'body', 'data', 'input', 'token', 'token_hash', 'code', 'state', 'error', 'scopes', 'schema', 'since', 'until', 'action', 'apikey', 'columns', 'on_conflict',
];

/** A query string (with its `?`), or empty. */
export const query: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  // What routes dispatch on (the /token grant, /verify's type), so their handlers are reached.
  { weight: 2, arbitrary: fc.constantFrom('?grant_type=password', '?grant_type=refresh_token', '?grant_type=pkce', '?grant_type=id_token', '?type=signup', '?type=recovery', '?page=1&per_page=1') },
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...QUERY_KEYS), percentEncoded, fc.constant('k'.repeat(MAX_STRING_LENGTH + 1))),
        fc.oneof(percentEncoded, overLong.map(encodeURIComponent), fc.constantFrom('eq.1', 'password', 'pkce', '1e308', '-1', 'in.(1,2', 'not.is.null', '*', '9999999999h')),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`),
);

/** Header values: wrong types and encodings for the headers Foyer reads. */
export const headers: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', 'application/vnd.pgrst.object+json'),
    'x-supabase-api-version': fc.constantFrom('2024-01-01', '1999-01-01', 'garbage', '9999-99-99'),
    accept: fc.constantFrom('application/json', 'text/csv', 'application/vnd.pgrst.object+json', 'application/openapi+json', '*/*', 'garbage/garbage'),
    prefer: fc.constantFrom('return=representation', 'count=exact', 'resolution=merge-duplicates', 'tx=rollback', 'garbage', 'count=exact, return=minimal'),
    range: fc.constantFrom('0-9', '10-0', '-1', '0-99999999999999999999', 'items=0-1', 'garbage'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1', '999.999.999.999'),
    'accept-profile': fc.constantFrom('public', 'auth', 'nope', ''),
    'content-profile': fc.constantFrom('public', 'auth', 'nope'),
  },
  { requiredKeys: [] },
);

/** An Authorization header that is not the caller's own: malformed, forged, the wrong scheme. */
export const forgedAuthorization = fc.constantFrom(
  'Bearer',
  'Bearer ',
  'Bearer a.b.c',
  'Basic Zm9vOmJhcg==',
  'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.',
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJcdTAwMDAiLCJyb2xlIjoiYXV0aGVudGljYXRlZCJ9.x',
  `Bearer ${'a'.repeat(10_000)}`,
);
