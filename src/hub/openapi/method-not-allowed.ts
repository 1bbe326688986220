import { type OpenAPIObject } from '@nestjs/swagger';

const VERBS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

interface Req {
  method: string;
  path: string;
}
interface Res {
  status(code: number): Res;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

/**
 * Answers 405 with an `Allow` header, instead of Express's 404, when a path of the API exists
 * but not with this method (HTTP semantics, and what the OpenAPI document implies). Built from
 * the document, so every route added later is covered.
 */
export function methodNotAllowed(doc: OpenAPIObject): (req: Req, res: Res, next: () => void) => void {
  const templates = Object.entries(doc.paths).map(([path, item]) => {
    const exact = new RegExp(`^${toSource(path, false)}/?$`);
    const methods = VERBS.filter((v) => v in (item as object)).map((v) => v.toUpperCase());
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    return { exact, loose: new RegExp(`^${toSource(path, true)}/?$`), methods, length: path.length };
  });
  return (req, res, next) => {
    if (!req.path.startsWith('/api/')) return next();
    // A trailing parameter may be a `*path` wildcard spanning segments: when no template
    // matches segment for segment, the longest one matching with such a wildcard decides.
    let match = templates.find((t) => t.exact.test(req.path));
    if (!match)
      for (const t of templates) if (t.loose.test(req.path) && (!match || t.length > match.length)) match = t;
    if (!match || match.methods.includes(req.method)) return next();
    const allow = [...match.methods].sort().join(', ');
    res.setHeader('Allow', allow);
    res.status(405).json({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
    });
  };
}

/** A path template as a regex source; `wildcardTail` lets a trailing parameter span segments. */
function toSource(path: string, wildcardTail: boolean): string {
  const parts = path.split(/(\{[^}]+\})/);
  return parts
    .map((part, i) =>
      /^\{.+\}$/.test(part)
        ? wildcardTail && i === parts.length - 2 && parts[parts.length - 1] === ''
          ? '.+'
          : '[^/]+'
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
}
