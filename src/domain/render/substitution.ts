import { type RenderTarget } from './render.types.js';

/**
 * `${name}` or, with a leading `$`, the escaped form `$${name}`. A name runs to the first `}`; no
 * whitespace trimming, so `${ cluster.name }` is an unknown variable rather than a guess.
 */
const PLACEHOLDER = /\$?\$\{([^}]*)\}/g;

/** Resolves a variable name (`cluster.name`, `cluster.labels.KEY`, `values.KEY`) or returns undefined. */
export type VariableLookup = (name: string) => string | undefined;

const LABEL_PREFIX = 'cluster.labels.';
const VALUE_PREFIX = 'values.';

/**
 * The variables of one target. Label and value keys are everything after the prefix, so keys with
 * dots, slashes and dashes (`topology.kubernetes.io/region`) need no quoting. Numbers and booleans
 * substitute as `String(value)`.
 */
export function targetVariables(target: RenderTarget): VariableLookup {
  const labels = target.cluster.labels;
  const values = target.values ?? {};
  return (name) => {
    if (name === 'cluster.name') return target.cluster.name;
    if (name.startsWith(LABEL_PREFIX)) {
      const key = name.slice(LABEL_PREFIX.length);
      return Object.hasOwn(labels, key) ? labels[key] : undefined;
    }
    if (name.startsWith(VALUE_PREFIX)) {
      const key = name.slice(VALUE_PREFIX.length);
      return Object.hasOwn(values, key) ? String(values[key]) : undefined;
    }
    return undefined;
  };
}

/** A variable no lookup could resolve, and the first field (`spec.containers[0].image`) it was found in. */
export interface UnknownVariable {
  variable: string;
  path: string;
}

/** The substituted copy and what went wrong. */
export interface SubstitutionResult {
  value: unknown;
  unknown: UnknownVariable[];
  /** Values JSON cannot carry (YAML `.inf`, `.nan`), by field path. */
  nonFinite: string[];
  /** Fields named `__proto__`, by path: `canonicalJson` cannot keep them (see `render.ts`). */
  protoKeys: string[];
}

/**
 * Substitutes variables in every string value of a parsed document, returning a deep copy (the
 * input is shared by every cluster's render and is never mutated). Runs on the parsed structure,
 * so a value can never inject YAML structure. Map keys are left alone: Kubernetes field names
 * are not per-cluster, and label keys templated per cluster would be surprising.
 *
 * The result of a substitution is always a string, even when the whole string is one placeholder
 * of a number or boolean value (`replicas: "${values.replicas}"` stays a string): typed results
 * would make the type of a field depend on the cluster. `$${x}` yields the literal `${x}`.
 * Unknown variables are reported once per document and left in place. `keepPlaceholders` copies
 * strings unchanged (a tool's output) while keeping every other check.
 */
export function substituteVariables(
  value: unknown,
  lookup: VariableLookup,
  options: { keepPlaceholders?: boolean } = {},
): SubstitutionResult {
  const unknown = new Map<string, string>();
  const nonFinite: string[] = [];
  const protoKeys: string[] = [];
  const path: Array<string | number> = [];

  const substituteString = (s: string): string => {
    if (options.keepPlaceholders || !s.includes('${')) return s;
    return s.replace(PLACEHOLDER, (match: string, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const resolved = lookup(name);
      if (resolved !== undefined) return resolved;
      if (!unknown.has(name)) unknown.set(name, formatPath(path));
      return match;
    });
  };

  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return substituteString(v);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) nonFinite.push(formatPath(path));
      // JSON has no negative zero: normalising here keeps objects equal to their canonical round trip.
      return v === 0 ? 0 : v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        out[i] = walk(v[i]);
        path.pop();
      }
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        path.push(k);
        if (k === '__proto__') protoKeys.push(formatPath(path));
        setOwn(out, k, walk(child));
        path.pop();
      }
      return out;
    }
    return v;
  };

  const result = walk(value);
  return {
    value: result,
    unknown: [...unknown].map(([variable, p]) => ({ variable, path: p })),
    nonFinite,
    protoKeys,
  };
}

/**
 * Assigns an own property even for `__proto__`, which plain assignment would turn into a
 * prototype change: repository content is untrusted.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function formatPath(path: ReadonlyArray<string | number>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(document)';
}
