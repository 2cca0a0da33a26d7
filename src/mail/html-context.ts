/**
 * Where in an HTML document a template action falls, so it is escaped the way Go's html/template
 * escapes it there (the mail templates GoTrue fetches are html/template templates). Only contexts mail
 * templates use are served: element text and quoted attribute values (URL attributes included). An
 * action anywhere else (inside <script> or <style>, an event handler, a style attribute, an unquoted
 * value, a tag or attribute name) has no escaper here: the caller refuses the template.
 */

/** What an action's value goes through before it is written. */
/** `omit`: inside an HTML comment, which html/template leaves out with what is written in it. */
export type Escaper = 'html' | 'url-start' | 'url-path' | 'url-query' | 'omit';

type State =
  | { readonly kind: 'text' }
  | { readonly kind: 'comment' }
  | { readonly kind: 'raw'; readonly tag: string }
  | { readonly kind: 'tag-name'; readonly tag: string; readonly closing: boolean }
  | { readonly kind: 'in-tag'; readonly tag: string }
  | { readonly kind: 'attr-name'; readonly tag: string; readonly attr: string }
  | { readonly kind: 'after-attr'; readonly tag: string; readonly attr: string }
  | { readonly kind: 'before-value'; readonly tag: string; readonly attr: string }
  | { readonly kind: 'value'; readonly tag: string; readonly attr: string; readonly quote: '"' | "'" | ''; readonly url: 'start' | 'path' | 'query' };

export type HtmlContext = State;

export const START: HtmlContext = { kind: 'text' };

/** Elements whose content is not HTML: actions there would need JavaScript or CSS escaping. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

/** Attributes html/template treats as URLs (its attrTypeMap), plus any name containing src, uri or url. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'cite', 'data', 'formaction', 'background', 'codebase', 'longdesc', 'manifest', 'poster', 'profile', 'usemap', 'icon', 'xmlns']);

const isUrlAttribute = (attr: string): boolean => {
  const name = attr.replace(/^data-/, '').replace(/^xmlns:/, 'xmlns');
  return URL_ATTRIBUTES.has(name) || /src|uri|url/.test(name);
};

export const contextKey = (context: HtmlContext): string => JSON.stringify(context);

/** The escaper for an action in `context`, or why an action cannot go there. */
export function escaperFor(context: HtmlContext): { escaper: Escaper } | { refused: string } {
  switch (context.kind) {
    case 'text':
      return { escaper: 'html' };
    case 'comment':
      return { escaper: 'omit' };
    case 'raw':
      return { refused: `inside <${context.tag}>` };
    case 'tag-name':
    case 'in-tag':
    case 'attr-name':
    case 'after-attr':
      return { refused: `inside the <${context.tag}> tag outside a quoted attribute value` };
    case 'before-value':
      return { refused: `as the unquoted value of the ${context.attr} attribute (quote it: ${context.attr}="{{ … }}")` };
    case 'value': {
      if (context.quote === '') return { refused: `in the unquoted value of the ${context.attr} attribute (quote it)` };
      if (context.attr.startsWith('on')) return { refused: `in the ${context.attr} event handler attribute` };
      if (context.attr === 'style' || context.attr === 'srcset') return { refused: `in the ${context.attr} attribute` };
      if (!isUrlAttribute(context.attr)) return { escaper: 'html' };
      return { escaper: context.url === 'start' ? 'url-start' : context.url === 'path' ? 'url-path' : 'url-query' };
    }
  }
}

/** The context after an action's output (a URL's first action makes the rest of it its path). */
export const afterAction = (context: HtmlContext): HtmlContext =>
  context.kind === 'value' && context.url === 'start' ? { ...context, url: 'path' } : context;

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const isTagStart = (c: string | undefined) => c !== undefined && /[A-Za-z/!?]/.test(c);

/**
 * Reads static text from `context`: returns the context it ends in and the text to write (comments in
 * element text are left out, as html/template leaves them out).
 */
export function readText(text: string, from: HtmlContext): { context: HtmlContext; output: string } {
  let state: State = from;
  let output = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    switch (state.kind) {
      case 'text':
        if (c === '<' && text.startsWith('<!--', i)) {
          state = { kind: 'comment' };
          i += 3;
          continue;
        }
        if (c === '<' && isTagStart(text[i + 1])) {
          const closing = text[i + 1] === '/';
          state = { kind: 'tag-name', tag: '', closing };
          output += closing ? '</' : '<';
          if (closing) i++;
          continue;
        }
        break;
      case 'comment':
        if (text.startsWith('-->', i)) {
          state = { kind: 'text' };
          i += 2;
        }
        continue;
      case 'raw':
        if (c === '<' && text.slice(i + 2, i + 2 + state.tag.length).toLowerCase() === state.tag && text[i + 1] === '/') {
          state = { kind: 'tag-name', tag: '', closing: true };
          output += '</';
          i++;
          continue;
        }
        break;
      case 'tag-name':
        if (isSpace(c) || c === '>' || c === '/') {
          const tag = state.tag.toLowerCase();
          state = { kind: 'in-tag', tag };
          i--;
          continue;
        }
        state = { ...state, tag: state.tag + c };
        break;
      case 'in-tag':
        if (c === '>') state = RAW_TEXT.has(state.tag) && !isClosingTag(text, i, state.tag) ? { kind: 'raw', tag: state.tag } : { kind: 'text' };
        else if (!isSpace(c) && c !== '/') state = { kind: 'attr-name', tag: state.tag, attr: c.toLowerCase() };
        break;
      case 'attr-name':
        if (c === '=') state = { kind: 'before-value', tag: state.tag, attr: state.attr };
        else if (isSpace(c)) state = { kind: 'after-attr', tag: state.tag, attr: state.attr };
        else if (c === '>' || c === '/') {
          state = { kind: 'in-tag', tag: state.tag };
          i--;
          continue;
        } else state = { ...state, attr: state.attr + c.toLowerCase() };
        break;
      case 'after-attr':
        if (c === '=') state = { kind: 'before-value', tag: state.tag, attr: state.attr };
        else if (!isSpace(c)) {
          state = { kind: 'in-tag', tag: state.tag };
          i--;
          continue;
        }
        break;
      case 'before-value':
        if (c === '"' || c === "'") state = { kind: 'value', tag: state.tag, attr: state.attr, quote: c, url: 'start' };
        else if (c === '>') state = { kind: 'text' };
        else if (!isSpace(c)) state = { kind: 'value', tag: state.tag, attr: state.attr, quote: '', url: 'path' };
        break;
      case 'value':
        if (state.quote === '' ? isSpace(c) || c === '>' : c === state.quote) {
          state = { kind: 'in-tag', tag: state.tag };
          if (c === '>') {
            i--;
            continue;
          }
        } else if (c === '?' || c === '#') state = { ...state, url: 'query' };
        else if (state.url === 'start') state = { ...state, url: 'path' };
        break;
    }
    output += c;
  }
  return { context: state, output };
}

/** The `>` that ends a closing tag (`</script>`) leads back to element text, not into raw text. */
function isClosingTag(text: string, gtIndex: number, tag: string): boolean {
  const start = text.lastIndexOf('<', gtIndex);
  return start >= 0 && text.slice(start, start + 2 + tag.length).toLowerCase() === `</${tag}`;
}

const HTML_ESCAPES: Record<string, string> = { '\0': '\uFFFD', '"': '&#34;', '&': '&amp;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' };

/** html/template's escaping of text and attribute values. */
export const escapeHtml = (value: string): string => value.replace(/[\0"&'+<>]/g, (c) => HTML_ESCAPES[c] as string);

/** Characters a URL keeps as they are when it is normalised (RFC 3986 reserved and unreserved, and %). */
const URL_KEEP_NORMALISED = /[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]%]/;
const URL_KEEP_ESCAPED = /[A-Za-z0-9\-._~]/;

function percentEncode(value: string, keep: RegExp): string {
  let out = '';
  for (const char of value) {
    if (char.length === 1 && keep.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A URL at the start of an attribute must be relative or http, https or mailto; else html/template's "#ZgotmplZ". */
const safeScheme = (value: string): boolean => {
  const colon = value.indexOf(':');
  if (colon < 0) return true;
  const slash = value.indexOf('/');
  if (slash >= 0 && slash < colon) return true;
  return /^(https?|mailto)$/i.test(value.slice(0, colon));
};

export function escapeFor(escaper: Escaper, value: string): string {
  switch (escaper) {
    case 'html':
      return escapeHtml(value);
    case 'omit':
      return '';
    case 'url-start':
      return escapeHtml(safeScheme(value) ? percentEncode(value, URL_KEEP_NORMALISED) : '#ZgotmplZ');
    case 'url-path':
      return escapeHtml(percentEncode(value, URL_KEEP_NORMALISED));
    case 'url-query':
      return escapeHtml(percentEncode(value, URL_KEEP_ESCAPED));
  }
}
