/**
 * A check of the raw JSON text before JSON.parse: the syntax (with a line, a column and the JSON path of the
 * container where it breaks, instead of the engine's message, which quotes raw input), nesting depth, and keys
 * defined twice in one object (JSON.parse silently keeps the last one). One pass, no values built.
 */
import { pathOf, quote } from './quote.ts';

/** Deepest nesting accepted; the format itself nests about five levels. */
export const MAX_DEPTH = 64;

export class JsonTextError extends Error {
  /** `at`: where in the text (UTF-16 offset), for an editor to mark. */
  constructor(public readonly path: string, what: string, public readonly at = -1) {
    super(what);
  }
}

/** A path's segments: keys and array indexes, outermost first. */
export type PathSegments = ReadonlyArray<string | number>;

interface Frame {
  array: boolean;
  /** Current index (arrays) or key (objects), for the path. */
  at: number | string;
  /** Keys seen so far in this object; a Set once there are many. */
  keys: string[] | Set<string>;
}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const DIGIT = (c: number) => c >= 0x30 && c <= 0x39;
const HEX = (c: number) => DIGIT(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * Throws JsonTextError (path of the enclosing container, what is wrong, where) unless `text` is one JSON value. With
 * `target`, returns the offset where the deepest value on that path begins (the root's, if not even its first key
 * exists), for an editor to mark a validation error at its place; -1 without a target.
 */
export function checkJsonText(text: string, target?: PathSegments): number {
  let best = -1;
  let bestDepth = -1;
  const n = text.length;
  const stack: Frame[] = [];
  let i = 0;

  const where = (at: number): string => {
    let line = 1;
    let col = 1;
    for (let j = 0; j < at && j < n; j++) {
      if (text.charCodeAt(j) === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    return `line ${line}, column ${col}`;
  };
  const path = (): string => pathOf(stack.map((f) => f.at));
  const found = (at: number): string => {
    if (at >= n) return 'the end of the text';
    const c = text.codePointAt(at)!;
    return quote(String.fromCodePoint(c));
  };
  const fail = (what: string, at = i): never => {
    throw new JsonTextError(path(), `not valid JSON: ${what}, found ${found(at)} at ${where(at)}`, at);
  };
  /** A value begins at i: is it on the target path, deeper than any seen? */
  const onValue = () => {
    if (!target || stack.length <= bestDepth || stack.length > target.length) return;
    for (let d = 0; d < stack.length; d++) if (stack[d].at !== target[d]) return;
    best = i;
    bestDepth = stack.length;
  };
  const skipWs = () => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };
  /** Scans a string starting at text[i] === '"'; returns its end (after the closing quote). */
  const scanString = (): number => {
    let j = i + 1;
    for (;;) {
      if (j >= n) {
        i = j;
        fail('a string is not closed');
      }
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c === 0x5c) {
        const e = text.charCodeAt(j + 1);
        if (e === 0x75) {
          for (let h = 2; h < 6; h++) if (!HEX(text.charCodeAt(j + h))) fail('\\u needs four hex digits', j);
          j += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) j += 2;
        else fail('unknown escape in a string', j);
      } else if (c < 0x20) fail('a control character inside a string (escape it)', j);
      else j++;
    }
  };
  const scanNumber = () => {
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (DIGIT(text.charCodeAt(i))) while (DIGIT(text.charCodeAt(i))) i++;
    else fail('expected a digit');
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!DIGIT(text.charCodeAt(i))) fail('expected a digit after "."');
      while (DIGIT(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const s = text.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!DIGIT(text.charCodeAt(i))) fail('expected a digit in the exponent');
      while (DIGIT(text.charCodeAt(i))) i++;
    }
  };
  const open = (array: boolean) => {
    if (stack.length >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    stack.push({ array, at: array ? 0 : '', keys: [] });
    i++;
  };
  /** Records the key of the member starting at text[i] (a string), and moves past it and its colon. */
  const key = () => {
    if (text.charCodeAt(i) !== 0x22) fail('expected a key (a string in double quotes)');
    const start = i;
    const end = scanString();
    const raw = text.slice(start + 1, end - 1);
    const k = raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
    const f = stack[stack.length - 1];
    f.at = k;
    if (k === '__proto__') throw new JsonTextError(path(), `a key named "__proto__" cannot be used (at ${where(start)})`, start);
    if (Array.isArray(f.keys)) {
      if (f.keys.includes(k)) throw new JsonTextError(path(), `key ${quote(k)} is defined twice in this object (again at ${where(start)})`, start);
      f.keys.push(k);
      if (f.keys.length > 16) f.keys = new Set(f.keys);
    } else {
      if (f.keys.has(k)) throw new JsonTextError(path(), `key ${quote(k)} is defined twice in this object (again at ${where(start)})`, start);
      f.keys.add(k);
    }
    i = end;
    skipWs();
    if (text.charCodeAt(i) !== 0x3a) fail('expected ":" after a key');
    i++;
  };

  skipWs();
  // A value is expected at i; after it, the container's separator or end.
  for (;;) {
    skipWs();
    onValue();
    const c = text.charCodeAt(i);
    let opened = false;
    if (c === 0x7b) {
      open(false);
      skipWs();
      if (text.charCodeAt(i) === 0x7d) {
        stack.pop();
        i++;
      } else {
        key();
        opened = true;
      }
    } else if (c === 0x5b) {
      open(true);
      skipWs();
      if (text.charCodeAt(i) === 0x5d) {
        stack.pop();
        i++;
      } else opened = true;
    } else if (c === 0x22) i = scanString();
    else if (c === 0x2d || DIGIT(c)) scanNumber();
    else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else fail('expected a value');
    if (opened) continue;
    // After a complete value: close containers as far as they end here.
    for (;;) {
      skipWs();
      const f = stack[stack.length - 1];
      if (!f) {
        if (i < n) fail('unexpected text after the end');
        return best;
      }
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        skipWs();
        if (f.array) f.at = (f.at as number) + 1;
        else key();
        break;
      }
      if (d === (f.array ? 0x5d : 0x7d)) {
        stack.pop();
        i++;
        continue;
      }
      fail(f.array ? 'expected "," or "]"' : 'expected "," or "}"');
    }
  }
}

/** The segments of a path as errors print it (`steps[3].cpu`, `variants["a b"].config`); null if it cannot be read. */
export function segmentsOf(path: string): Array<string | number> | null {
  if (path === '(root)' || path === '') return [];
  const out: Array<string | number> = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') i++;
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) return null;
      const inner = path.slice(i + 1, end);
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (inner.startsWith('"')) {
        try {
          out.push(JSON.parse(inner) as string);
        } catch {
          return null;
        }
      } else return null;
      i = end + 1;
    } else {
      const m = /^[^.[]+/.exec(path.slice(i));
      if (!m) return null;
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

/** Line and column (from 1) of an offset. */
export function lineColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let j = text.indexOf('\n'); j !== -1 && j < at; j = text.indexOf('\n', j + 1)) {
    line++;
    last = j;
  }
  return { line, column: at - last };
}
