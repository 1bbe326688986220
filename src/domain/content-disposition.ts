/**
 * `Content-Disposition: attachment` for a file of a repository: the browser saves it instead of
 * rendering it, whatever it contains. The plain `filename` keeps only safe ASCII (no quotes, no
 * header injection); `filename*` carries the real name (RFC 6266 / RFC 5987).
 */
export function attachmentDisposition(path: string): string {
  const name = path.split('/').filter(Boolean).pop() ?? 'file';
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
