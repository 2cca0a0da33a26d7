/**
 * The glob language of GOTRUE_URI_ALLOW_LIST, as GoTrue compiles it (gobwas/glob with `.` and `/` as
 * separators), turned into an anchored regular expression:
 * - `*` any run of characters without `.` or `/` (so `https://*.example.com` is one label deep);
 * - `**` any run of characters, separators included;
 * - `?` one character other than `.` or `/`;
 * - `[abc]`, `[a-z]`, `[!abc]`, `[!a-z]` one character in (or not in) the set, separators included;
 * - `{one,two}` any of the alternatives (each a glob itself); `,` and `}` are plain outside braces;
 * - `\x` the character x itself.
 * A pattern GoTrue cannot compile (an unclosed `[` or `{`) stops the start, as it stops GoTrue's.
 */
import { ConfigError } from './parse.js';

const anyWithinSegment = '[^./]*';
const anyAtAll = '[^]*';
const oneWithinSegment = '[^./]';

/** A code point as a regular-expression escape that is valid in and out of character classes. */
const literal = (char: string): string => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;

interface Parsed {
  readonly source: string;
  readonly next: number;
}

function parseClass(chars: readonly string[], start: number, glob: string): Parsed {
  let i = start;
  let negated = false;
  if (chars[i] === '!') {
    negated = true;
    i += 1;
  }
  // `[a-z]`: exactly one range; otherwise a list of characters up to `]`.
  if (chars[i] !== undefined && chars[i] !== ']' && chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 3] === ']') {
    const low = chars[i];
    const high = chars[i + 2];
    return { source: `[${negated ? '^' : ''}${literal(low)}-${literal(high)}]`, next: i + 4 };
  }
  let members = '';
  while (i < chars.length && chars[i] !== ']') {
    if (chars[i] === '\\' && i + 1 < chars.length) i += 1;
    members += literal(chars[i]);
    i += 1;
  }
  if (i >= chars.length || members === '') throw new ConfigError(`GOTRUE_URI_ALLOW_LIST: "${glob}" has an unclosed or empty [...]`);
  return { source: `[${negated ? '^' : ''}${members}]`, next: i + 1 };
}

/** Parses from `start` until the end, or (inside braces) until the `,` or `}` that ends the alternative. */
function parseSequence(chars: readonly string[], start: number, insideBraces: boolean, glob: string): Parsed {
  let source = '';
  let i = start;
  while (i < chars.length) {
    const c = chars[i];
    if (insideBraces && (c === ',' || c === '}')) return { source, next: i };
    if (c === '*' && chars[i + 1] === '*') {
      source += anyAtAll;
      i += 2;
    } else if (c === '*') {
      source += anyWithinSegment;
      i += 1;
    } else if (c === '?') {
      source += oneWithinSegment;
      i += 1;
    } else if (c === '[') {
      const parsed = parseClass(chars, i + 1, glob);
      source += parsed.source;
      i = parsed.next;
    } else if (c === '{') {
      const alternatives: string[] = [];
      i += 1;
      for (;;) {
        const parsed = parseSequence(chars, i, true, glob);
        alternatives.push(parsed.source);
        i = parsed.next;
        if (i >= chars.length) throw new ConfigError(`GOTRUE_URI_ALLOW_LIST: "${glob}" has an unclosed {...}`);
        i += 1;
        if (chars[i - 1] === '}') break;
      }
      source += `(?:${alternatives.join('|')})`;
    } else if (c === '\\' && i + 1 < chars.length) {
      source += literal(chars[i + 1]);
      i += 2;
    } else {
      source += literal(c);
      i += 1;
    }
  }
  return { source, next: i };
}

/** The anchored expression for one allow-list glob; throws ConfigError for a glob GoTrue refuses. */
export function compileUriGlob(glob: string): RegExp {
  const chars = Array.from(glob);
  return new RegExp(`^${parseSequence(chars, 0, false, glob).source}$`, 'u');
}
