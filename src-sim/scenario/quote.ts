/**
 * User text in error messages. An error is one line (docs/scenario-format.md §15): whatever the input says, its
 * text reaches a message only quoted, with control characters (C0, DEL, C1, line and paragraph separators, bidi
 * controls) escaped, and cut to a few dozen characters.
 */

/** Longest user text quoted in a message, in UTF-16 units. */
export const QUOTE_MAX = 60;
/** Longest JSON path shown. */
export const PATH_MAX = 160;
/** Longest error message. */
export const MESSAGE_MAX = 300;

// What JSON.stringify leaves as is but a terminal or a log line must not see: DEL and C1 controls (U+009B is CSI),
// soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width and bidi controls, line and paragraph
// separators, word joiner .. invisible operators, BOM, interlinear annotations.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The first `max` UTF-16 units of s, without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** s as a JSON string literal with every control character escaped, cut to `max` characters ("…" after the quote). */
export function quote(s: string, max = QUOTE_MAX): string {
  const short = cut(s, max);
  const q = JSON.stringify(short).replace(UNSAFE, hex);
  return short.length < s.length ? `${q}…` : q;
}

/** A safe name (the format's name characters, as the schema allows them) is shown as it is; anything else is quoted. */
const SAFE_NAME = /^[A-Za-z0-9_./:+-]{1,64}$/;

/** A value from the input as shown in a message: a safe name bare, other strings quoted, other values summarised. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return SAFE_NAME.test(v) ? v : quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${cut(String(v), QUOTE_MAX)}n`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The last guard of the one-line promise: any control character left in a message is escaped and the message is cut
 * to MESSAGE_MAX characters. Messages built with `quote`/`shown` pass through unchanged.
 */
export function oneLine(message: string, max = MESSAGE_MAX): string {
  const m = message.replace(CONTROL, hex);
  return m.length <= max ? m : `${cut(m, max - 1)}…`;
}

/** A JSON path segment: a safe key as `.key` (`[i]` for an index), anything else as `["…"]`, quoted and cut. */
export function pathOf(p: ReadonlyArray<PropertyKey>): string {
  if (p.length === 0) return '(root)';
  let out = '';
  for (const k of p) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && SAFE_NAME.test(k)) out += out ? `.${k}` : k;
    else out += `[${typeof k === 'string' ? quote(k, 40) : '?'}]`;
  }
  // Deep paths of long keys: keep the start and the end.
  if (out.length <= PATH_MAX) return out;
  let tail = out.slice(out.length - (PATH_MAX - 61));
  const first = tail.charCodeAt(0);
  if (first >= 0xdc00 && first <= 0xdfff) tail = tail.slice(1);
  return `${cut(out, 60)}…${tail}`;
}
