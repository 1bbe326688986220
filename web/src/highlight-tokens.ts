/**
 * The tokenizer of the YAML/JSON highlighter: comments, keys, strings, numbers, booleans/null and
 * `${…}` template variables. Good enough to read manifests; no parser.
 *
 * A single left-to-right scan, linear in the line: the regular expression it replaces backtracked
 * over every long run of word characters not followed by a colon, and rescanned unterminated
 * strings from every quote, so a 40,000-character line took over a second. Lines longer than
 * `MAX_HIGHLIGHTED` are highlighted up to there and the rest is shown plain, which bounds the
 * number of elements one line can produce.
 */

/** Token classes; text without one is shown plain. */
export type TokenClass = 'hl-comment' | 'hl-key' | 'hl-string' | 'hl-var' | 'hl-bool' | 'hl-number';

/** A piece of a line; the pieces of a line concatenate to the line. */
export interface Token {
  text: string;
  cls?: TokenClass;
}

/** Characters of one line that are highlighted; the rest of a longer line is plain text. */
export const MAX_HIGHLIGHTED = 10_000;

const KEYWORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off']);
const NUMBER = /^-?\d+(?:\.\d+)?$/;

function isWordChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 95 || // _
    c === 46 || // .
    c === 45 || // -
    c === 47 // /
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Splits one line into tokens; `json` turns comment highlighting off (JSON has none). */
export function tokenizeLine(line: string, json: boolean): Token[] {
  const end = Math.min(line.length, MAX_HIGHLIGHTED);
  const out: Token[] = [];
  let plainFrom = 0;
  // Once a quote or `${` is known to have no end on this line, later ones have none either:
  // remembering that keeps the scan linear.
  const unclosed = { '"': false, "'": false, var: false };
  const emit = (from: number, to: number, cls?: TokenClass) => {
    if (from > plainFrom) out.push({ text: line.slice(plainFrom, from) });
    out.push(cls ? { text: line.slice(from, to), cls } : { text: line.slice(from, to) });
    plainFrom = to;
  };
  /** Where `\s*:` ends after `i`, or -1. */
  const colonAfter = (i: number): number => {
    let j = i;
    while (j < end && isSpace(line.charCodeAt(j))) j++;
    return j < end && line[j] === ':' ? j + 1 : -1;
  };

  let i = 0;
  while (i < end) {
    const ch = line[i];
    const code = line.charCodeAt(i);
    if (ch === '#') {
      if (!json) emit(i, end, 'hl-comment');
      i = end;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let closed = -1;
      if (!unclosed[ch]) {
        while (j < end) {
          const c = line[j];
          if (c === '\\') j += 2;
          else if (c === ch) {
            closed = j + 1;
            break;
          } else j++;
        }
        if (closed < 0) unclosed[ch] = true;
      }
      if (closed < 0) {
        i++; // a lone quote is plain text
        continue;
      }
      const colon = colonAfter(closed);
      emit(i, closed, colon >= 0 ? 'hl-key' : 'hl-string');
      i = closed;
    } else if (ch === '$' && line[i + 1] === '{' && !unclosed.var) {
      const close = line.indexOf('}', i + 2);
      if (close < 0 || close >= end) {
        unclosed.var = true;
        i++;
        continue;
      }
      emit(i, close + 1, 'hl-var');
      i = close + 1;
    } else if (isWordChar(code)) {
      let j = i + 1;
      while (j < end && isWordChar(line.charCodeAt(j))) j++;
      const word = line.slice(i, j);
      const colon = colonAfter(j);
      const next = colon >= 0 ? line.charCodeAt(colon) : NaN;
      if (colon >= 0 && (colon === line.length || isSpace(next))) emit(i, j, 'hl-key');
      else if (KEYWORDS.has(word)) emit(i, j, 'hl-bool');
      else if (NUMBER.test(word)) emit(i, j, 'hl-number');
      i = j;
    } else {
      i++;
    }
  }
  if (plainFrom < line.length) out.push({ text: line.slice(plainFrom) });
  return out;
}
