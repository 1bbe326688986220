/**
 * Response headers that make the browser treat every hub response (dashboard, API, errors) as
 * what it is: same-origin scripts only, never framed, never content-sniffed.
 */

/** The policy of every response. React sets `style` props through the CSSOM, which CSP allows. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI (off by default) ships its page with inline `<style>` blocks; its scripts are
 * files, so script-src stays 'self'.
 */
const SWAGGER_UI_POLICY = CONTENT_SECURITY_POLICY.replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
);

const FIXED: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
];

interface Req {
  path: string;
}
interface Res {
  setHeader(name: string, value: string): void;
}

/** Express middleware setting the security headers on every response before anything else. */
export function securityHeaders() {
  return (req: Req, res: Res, next: () => void) => {
    res.setHeader(
      'content-security-policy',
      req.path.startsWith('/api/docs') ? SWAGGER_UI_POLICY : CONTENT_SECURITY_POLICY,
    );
    for (const [name, value] of FIXED) res.setHeader(name, value);
    next();
  };
}
