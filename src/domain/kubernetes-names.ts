/**
 * Kubernetes naming rules, as pure predicates returning a reason (or null when valid), so
 * every edge reports the same message for the same mistake.
 */

/** Regex sources of the rules below with every length bound spelled out (for JSON Schema patterns). */
const DNS_LABEL_SOURCE = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const NAME_SOURCE = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
/** A label key (the prefix's 253-character bound has no pattern spelling; each label's has). */
export const LABEL_KEY_SOURCE = `(${DNS_LABEL_SOURCE}(\\.${DNS_LABEL_SOURCE})*/)?${NAME_SOURCE}`;
/** A label value (may be empty). */
export const LABEL_VALUE_SOURCE = `(${NAME_SOURCE})?`;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Checks a DNS-1123 label (cluster, repository and application names). */
export function dns1123LabelProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return 'must be at most 63 characters';
  if (!DNS1123_LABEL.test(name))
    return 'must consist of lower-case letters, digits and "-", and start and end with a letter or digit';
  return null;
}

/**
 * Checks a DNS-1123 subdomain (the default rule for Kubernetes object names): at most 253
 * characters of lower-case letters, digits, "-" and ".", each dot-separated part starting and
 * ending with a letter or digit.
 */
export function dns1123SubdomainProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return 'must be at most 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name))
    return 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
  return null;
}

/** Checks a DNS-1035 label (Service names): a DNS-1123 label that starts with a letter. */
export function dns1035LabelProblem(name: string): string | null {
  const p = dns1123LabelProblem(name);
  if (p) return p;
  if (!/^[a-z]/.test(name)) return 'must start with a lower-case letter (a DNS-1035 label)';
  return null;
}

/**
 * Checks a name that only has to fit in one URL path segment (RBAC kinds, whose names such as
 * `system:controller:foo` are no DNS names): not "." or "..", and no "/" or "%".
 */
export function pathSegmentNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name === '.' || name === '..') return `may not be "${name}"`;
  if (/[/%]/.test(name)) return 'may not contain "/" or "%"';
  return null;
}

/**
 * Checks a label key: an optional DNS-1123 subdomain prefix and "/", then a qualified name.
 * Annotation keys follow the same rule; `what` names which one the message is about.
 */
export function labelKeyProblem(key: string, what = 'label key'): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null) {
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))
      return `${what} "${key}": prefix must be a DNS-1123 subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63) return `${what} "${key}": name part must be 1 to 63 characters`;
  if (!QUALIFIED_NAME.test(name))
    return `${what} "${key}": name part must consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit`;
  return null;
}

/** Checks a label value: at most 63 characters, empty allowed. */
export function labelValueProblem(key: string, value: unknown): string | null {
  if (typeof value !== 'string') return `label "${key}": value must be a string`;
  if (value.length > 63) return `label "${key}": value must be at most 63 characters`;
  if (!LABEL_VALUE.test(value))
    return `label "${key}": value must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit`;
  return null;
}

/** Checks a whole label map; returns every problem found. */
export function labelsProblems(labels: unknown): string[] {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels))
    return ['labels must be an object of string keys to string values'];
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > 64) return ['labels: at most 64 labels'];
  const problems: string[] = [];
  for (const [k, v] of entries) {
    const p = labelKeyProblem(k) ?? labelValueProblem(k, v);
    if (p) problems.push(p);
  }
  return problems;
}
