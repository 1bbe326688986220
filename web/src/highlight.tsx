import type { ReactNode } from 'react';

/**
 * A small line-based highlighter for YAML and JSON: comments, keys, strings, numbers,
 * booleans/null, and `${…}` template variables. Good enough to read manifests; no parser.
 */
const TOKEN =
  /(#.*$)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')(\s*:)?|(\$\{[^}]*\})|(\b(?:true|false|null|yes|no|on|off)\b)|(-?\b\d+(?:\.\d+)?\b)|([A-Za-z0-9_.\-/]+)(\s*:(?=\s|$))/g;

export function highlightLine(line: string, json: boolean): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  TOKEN.lastIndex = 0;
  while ((m = TOKEN.exec(line))) {
    if (m.index > last) out.push(line.slice(last, m.index));
    const k = out.length;
    if (m[1] !== undefined) {
      if (json) out.push(m[1]);
      else
        out.push(
          <span key={k} className="hl-comment">
            {m[1]}
          </span>,
        );
    } else if (m[2] !== undefined) {
      out.push(
        <span key={k} className={m[3] ? 'hl-key' : 'hl-string'}>
          {m[2]}
        </span>,
      );
      if (m[3]) out.push(m[3]);
    } else if (m[4] !== undefined)
      out.push(
        <span key={k} className="hl-var">
          {m[4]}
        </span>,
      );
    else if (m[5] !== undefined)
      out.push(
        <span key={k} className="hl-bool">
          {m[5]}
        </span>,
      );
    else if (m[6] !== undefined)
      out.push(
        <span key={k} className="hl-number">
          {m[6]}
        </span>,
      );
    else if (m[7] !== undefined) {
      out.push(
        <span key={k} className="hl-key">
          {m[7]}
        </span>,
      );
      out.push(m[8]);
    }
    last = TOKEN.lastIndex;
    if (m[0].length === 0) TOKEN.lastIndex++;
  }
  if (last < line.length) out.push(line.slice(last));
  return out;
}

export function Code({ text, path }: { text: string; path: string }) {
  const json = path.endsWith('.json');
  const known = json || /\.ya?ml$/.test(path);
  return (
    <pre className="code" data-testid="file-view" tabIndex={0} aria-label={`Contents of ${path}`}>
      {text.split('\n').map((line, i) => (
        <div key={i} className="line">
          <span className="ln" aria-hidden="true">
            {i + 1}
          </span>
          <span>{known ? highlightLine(line, json) : line}</span>
        </div>
      ))}
    </pre>
  );
}
