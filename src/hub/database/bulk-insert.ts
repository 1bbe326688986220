import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { withoutUnpairedSurrogates } from '../../domain/unicode.js';

/** Options of {@link insertRows}. */
export interface InsertRowsOptions {
  /** Upsert: on a conflict on these properties, replace every other column given. */
  readonly conflict?: readonly string[];
}

/** Rows per statement: one JSON parameter each, so the bound is memory, not parameter count. */
const CHUNK = 2000;

/**
 * Inserts many rows of an entity as one JSON parameter unpacked by `jsonb_to_recordset`, for the
 * hub's hot paths (a commit to 10,000 clusters writes 10,000 jobs, desired states and audit
 * events). TypeORM's insert builder spends about 40 µs of CPU per row building a statement with
 * a parameter per value; this builds one short statement per chunk.
 *
 * It behaves as `manager.insert` (or `upsert` with `conflict`) does for what callers see: the
 * columns given are the properties defined on the rows (grouped by which are defined), a column
 * left out takes its database default, and the values the database generated for those (creation
 * and update times, defaults) are merged back into the row objects, matched by primary key.
 */
export async function insertRows<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
  options: InsertRowsOptions = {},
): Promise<void> {
  const meta = m.connection.getMetadata(target);
  const shapes = new Map<string, T[]>();
  for (const row of rows) {
    const key = meta.columns.map((c) => (c.getEntityValue(row) === undefined ? '0' : '1')).join('');
    const shape = shapes.get(key);
    if (shape) shape.push(row);
    else shapes.set(key, [row]);
  }
  for (const group of shapes.values())
    for (let i = 0; i < group.length; i += CHUNK) {
      const chunk = group.slice(i, i + CHUNK);
      const given = meta.columns.filter((c) => c.getEntityValue(chunk[0]) !== undefined);
      const generated = meta.columns.filter(
        (c) =>
          !given.includes(c) &&
          (c.default !== undefined || c.isCreateDate || c.isUpdateDate || c.isGenerated),
      );
      await insertChunk(m, meta.tablePath, chunk, given, generated, meta.primaryColumns, options);
    }
}

async function insertChunk<T extends ObjectLiteral>(
  m: EntityManager,
  table: string,
  rows: readonly T[],
  given: readonly ColumnMetadata[],
  generated: readonly ColumnMetadata[],
  primary: readonly ColumnMetadata[],
  options: InsertRowsOptions,
): Promise<void> {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const names = given.map((c) => quote(c.databaseName));
  const record = given.map((c) => `${quote(c.databaseName)} ${m.connection.driver.normalizeType(c)}`);
  const conflictColumns = (options.conflict ?? []).map((property) => {
    const column = given.find((c) => c.propertyName === property);
    if (!column) throw new Error(`insertRows: conflict property ${property} is not given`);
    return column;
  });
  const updated = given
    .filter((c) => !conflictColumns.includes(c))
    .map((c) => `${quote(c.databaseName)} = EXCLUDED.${quote(c.databaseName)}`)
    .concat(generated.filter((c) => c.isUpdateDate).map((c) => `${quote(c.databaseName)} = DEFAULT`));
  const onConflict = options.conflict
    ? ` ON CONFLICT (${conflictColumns.map((c) => quote(c.databaseName)).join(', ')}) DO UPDATE SET ${updated.join(', ')}`
    : '';
  const returned = [...new Set([...primary, ...generated])];
  const returning = generated.length
    ? ` RETURNING ${returned.map((c) => `${quote(c.databaseName)} AS ${quote(c.propertyName)}`).join(', ')}`
    : '';
  // Dates serialise as ISO strings, which the timestamp columns read back exactly.
  const payload = rows.map((row) =>
    Object.fromEntries(given.map((c) => [c.databaseName, c.getEntityValue(row)])),
  );
  const result: unknown = await m.query(
    `INSERT INTO ${table.split('.').map(quote).join('.')} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS v(${record.join(', ')})${onConflict}${returning}`,
    [wellFormedJson(payload)],
  );
  if (!returning) return;
  const back = (Array.isArray(result) ? result : []) as Record<string, unknown>[];
  const keyOf = (values: (column: ColumnMetadata) => unknown) =>
    primary
      .map((c) => String(values(c) instanceof Date ? (values(c) as Date).toISOString() : values(c)))
      .join('\0');
  const byKey = new Map(rows.map((row) => [keyOf((c) => c.getEntityValue(row)), row]));
  for (const values of back) {
    const row = byKey.get(keyOf((c) => values[c.propertyName]));
    if (row) for (const c of generated) c.setEntityValue(row, values[c.propertyName]);
  }
}

/** A lone surrogate as JSON.stringify escapes it (or, rarely, an escaped backslash before "ud8…"). */
const LONE_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

/**
 * The payload as JSON PostgreSQL accepts. It refuses a lone UTF-16 surrogate, which a hostile
 * string can carry (a `\ud800` escape in a JSON body or a YAML file); a parameter per value used
 * to reach it as UTF-8 with U+FFFD in its place, and so does this, instead of failing the batch.
 */
function wellFormedJson(payload: unknown): string {
  const json = JSON.stringify(payload);
  if (!LONE_SURROGATE.test(json)) return json;
  return JSON.stringify(payload, (_key, value: unknown) =>
    typeof value === 'string' ? withoutUnpairedSurrogates(value) : value,
  );
}
