/**
 * Well-formed Unicode in strings. A JavaScript string can hold a UTF-16 surrogate without its
 * other half (JSON's `\ud800` escape makes one); PostgreSQL refuses such a string inside JSON, and
 * as text it silently becomes U+FFFD.
 */

/** A UTF-16 surrogate without its other half. */
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNPAIRED_ALL = new RegExp(UNPAIRED.source, 'g');

/** `s` with every unpaired surrogate replaced by U+FFFD (what encoding it as UTF-8 does). */
export function withoutUnpairedSurrogates(s: string): string {
  return s.replace(UNPAIRED_ALL, '\ufffd');
}

/**
 * Where a parsed JSON value has a string (a value or a key) with an unpaired surrogate, as a path
 * such as `events[0].message`, or null when every string is well formed. Iterative: the value may
 * nest deep.
 */
export function unpairedSurrogateIn(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNPAIRED.test(v)) return path || '(the body)';
    } else if (Array.isArray(v)) {
      v.forEach((child, i) => stack.push([child, `${path}[${i}]`]));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const at = (name: string) => (path ? `${path}.${name}` : name);
        if (UNPAIRED.test(key)) return at(JSON.stringify(withoutUnpairedSurrogates(key)));
        stack.push([child, at(key)]);
      }
    }
  }
  return null;
}
