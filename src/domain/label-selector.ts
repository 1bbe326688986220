import { InvalidInputError } from './errors.js';
import {
  LABEL_KEY_SOURCE,
  LABEL_VALUE_SOURCE,
  labelKeyProblem,
  labelValueProblem,
} from './kubernetes-names.js';

/** One requirement of a Kubernetes label selector. */
export type Requirement =
  | { op: 'eq'; key: string; value: string }
  | { op: 'neq'; key: string; value: string }
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] }
  | { op: 'exists'; key: string }
  | { op: 'notexists'; key: string };

/** A parsed selector: every requirement must hold (logical AND). Empty matches everything. */
export type LabelSelector = Requirement[];

const K = LABEL_KEY_SOURCE;
const V = LABEL_VALUE_SOURCE;
const TERM = `( *(${K} *(==|=|!=) *${V}|${K} +(in|notin) *\\( *${V.slice(1, -2)} *( *, *${V} *)*\\)|! *${K}|${K}) *)`;

/**
 * The selectors {@link parseLabelSelector} accepts, as a regex source for JSON Schema: the same
 * grammar with single spaces for whitespace (a few spellings with tabs, or an empty first value
 * of a set, parse but are not described).
 */
export const LABEL_SELECTOR_SOURCE = `^( *|${TERM}(,${TERM})*)$`;

/**
 * Parses the Kubernetes set-based selector syntax:
 * `env=prod,tier!=edge,region in (eu,us),!legacy,gpu`.
 * Throws {@link InvalidInputError} naming the offending term.
 */
export function parseLabelSelector(text: string, field = 'selector'): LabelSelector {
  if (text.length > 4096) throw new InvalidInputError(`${field}: at most 4096 characters`);
  const out: LabelSelector = [];
  for (const raw of splitTerms(text, field)) {
    const term = raw.trim();
    if (term === '') {
      if (text.trim() === '') continue;
      throw new InvalidInputError(`${field}: empty requirement in "${text}"`);
    }
    out.push(parseTerm(term, field));
  }
  return out;
}

function splitTerms(text: string, field: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) throw new InvalidInputError(`${field}: unbalanced ")" in "${text}"`);
    } else if (c === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new InvalidInputError(`${field}: unbalanced "(" in "${text}"`);
  terms.push(text.slice(start));
  return terms;
}

const SET_TERM = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EQ_TERM = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/;

function parseTerm(term: string, field: string): Requirement {
  const set = SET_TERM.exec(term);
  if (set) {
    const key = checkKey(set[1], field);
    const values = set[3].split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '')
      throw new InvalidInputError(`${field}: "${term}" needs at least one value`);
    for (const v of values) checkValue(key, v, field);
    return { op: set[2] === 'in' ? 'in' : 'notin', key, values };
  }
  const eq = EQ_TERM.exec(term);
  if (eq) {
    const key = checkKey(eq[1], field);
    const value = checkValue(key, eq[3], field);
    return eq[2] === '!=' ? { op: 'neq', key, value } : { op: 'eq', key, value };
  }
  if (term.startsWith('!')) return { op: 'notexists', key: checkKey(term.slice(1).trim(), field) };
  if (/^\S+$/.test(term)) return { op: 'exists', key: checkKey(term, field) };
  throw new InvalidInputError(`${field}: cannot parse requirement "${term}"`);
}

function checkKey(key: string, field: string): string {
  const problem = labelKeyProblem(key);
  if (problem) throw new InvalidInputError(`${field}: ${problem}`);
  return key;
}

function checkValue(key: string, value: string, field: string): string {
  const problem = labelValueProblem(key, value);
  if (problem) throw new InvalidInputError(`${field}: ${problem}`);
  return value;
}

/** True when `labels` satisfies every requirement (Kubernetes semantics: `!=` and `notin` match a missing key). */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v);
      case 'notin':
        return !has || !r.values.includes(v);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** Renders a selector back to its canonical text form. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case 'eq':
          return `${r.key}=${r.value}`;
        case 'neq':
          return `${r.key}!=${r.value}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case 'notexists':
          return `!${r.key}`;
      }
    })
    .join(',');
}
