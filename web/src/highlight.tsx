import type { ReactNode } from 'react';
import { tokenizeLine } from './highlight-tokens';

/** One line as text and spans (see `tokenizeLine`: linear, and capped for very long lines). */
export function highlightLine(line: string, json: boolean): ReactNode[] {
  return tokenizeLine(line, json).map((t, k) =>
    t.cls ? (
      <span key={k} className={t.cls}>
        {t.text}
      </span>
    ) : (
      t.text
    ),
  );
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
