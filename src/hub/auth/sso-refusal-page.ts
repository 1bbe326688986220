import { STATUS_CODES } from 'node:http';

/**
 * Whether a request's Accept header asks for a page rather than JSON: a browser following the
 * provider's redirect sends `text/html` first; API clients and scripts send JSON or nothing, and
 * keep the JSON error body.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const html = types.findIndex((t) => t === 'text/html' || t === 'application/xhtml+xml');
  if (html < 0) return false;
  const json = types.indexOf('application/json');
  return json < 0 || html < json;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * The small page a browser sees when the SSO callback refuses a sign-in: what went wrong in
 * words (the message of the refusal, which never holds token contents) and a way back to the
 * dashboard's sign-in. Self-contained (no script, inline style only) so it renders even when the
 * dashboard's assets are not served.
 */
export function ssoRefusalPage(status: number, message: string, signInUrl = '/'): string {
  const title = `Sign-in refused (${status} ${STATUS_CODES[status] ?? 'Error'})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}h1{font-size:1.4rem}p.reason{background:#fdf2f2;border-left:4px solid #c53030;padding:.75rem 1rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="reason" role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(signInUrl)}">Back to the Flotilla sign-in</a></p>
</main>
</body>
</html>
`;
}
