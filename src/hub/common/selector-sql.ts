import { type LabelSelector } from '../../domain/label-selector.js';

/**
 * A parsed label selector as a SQL condition over a jsonb labels column, appending its values to
 * `params` (placeholders continue from the array's length). Equality uses `@>` so the labels'
 * GIN index can serve it. The column name comes from the caller's code, never from input.
 */
export function labelSelectorSql(selector: LabelSelector, column: string, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts = selector.map((r) => {
    switch (r.op) {
      case 'eq':
        return `${column} @> ${p(JSON.stringify({ [r.key]: r.value }))}::jsonb`;
      case 'neq':
        return `NOT (${column} @> ${p(JSON.stringify({ [r.key]: r.value }))}::jsonb)`;
      case 'in':
        return `${column} ->> ${p(r.key)}::text = ANY(${p(r.values)}::text[])`;
      case 'notin': {
        const k = p(r.key);
        return `((${column} ->> ${k}::text) IS NULL OR NOT (${column} ->> ${k}::text = ANY(${p(r.values)}::text[])))`;
      }
      case 'exists':
        return `${column} ? ${p(r.key)}::text`;
      case 'notexists':
        return `NOT (${column} ? ${p(r.key)}::text)`;
    }
  });
  return parts.length ? parts.join(' AND ') : 'true';
}
