import { type Type } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { RULE_SCHEMAS } from '../common/validators.js';

/** A JSON Schema object as the OpenAPI document holds it. */
export type Schema = Record<string, unknown>;

interface ValidatorMeta {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** What one class-validator rule says in JSON Schema (`null`: nothing expressible). */
function ruleSchema(m: ValidatorMeta): Schema | null {
  const c = m.constraints ?? [];
  switch (m.name) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'min':
      return { minimum: c[0] };
    case 'max':
      return { maximum: c[0] };
    case 'minLength':
      return { minLength: c[0] };
    case 'maxLength':
      return { maxLength: c[0] };
    case 'isNotEmpty':
      return { minLength: 1 };
    case 'length':
      return { minLength: c[0], ...(c[1] === undefined ? {} : { maxLength: c[1] }) };
    case 'matches': {
      const re = c[0] instanceof RegExp ? c[0] : new RegExp(String(c[0]), (c[1] as string | undefined) ?? '');
      // A case-insensitive or multi-line regex has no exact ECMA-262 pattern spelling.
      return re.flags.replace(/[gu]/g, '') ? null : { type: 'string', pattern: re.source };
    }
    case 'isIn':
      return { enum: c[0] };
    case 'isEnum':
      return { enum: Object.values(c[0] as object) };
    case 'isUuid':
    case 'isUUID':
      return { type: 'string', format: 'uuid' };
    case 'isIso8601':
    case 'isISO8601':
    case 'isDateString':
      return { type: 'string', format: 'date-time' };
    case 'arrayMinSize':
      return { minItems: c[0] };
    case 'arrayMaxSize':
      return { maxItems: c[0] };
    case 'arrayNotEmpty':
      return { minItems: 1 };
    default:
      return m.name ? (RULE_SCHEMAS.get(m.name) ?? null) : null;
  }
}

/** Array-level rules stay on the property when `each` sends the rest to its items. */
const ARRAY_RULES = new Set(['isArray', 'arrayMinSize', 'arrayMaxSize', 'arrayNotEmpty']);

/**
 * The constraints class-validator enforces on each property of a DTO, as JSON Schema, plus
 * which properties may be absent (`@IsOptional`): the validators are the one source the
 * document's constraints come from.
 */
export function validatorSchemas(dto: Type): { properties: Map<string, Schema>; optional: Set<string> } {
  const metas = getMetadataStorage().getTargetValidationMetadatas(
    dto,
    '',
    false,
    false,
  ) as unknown as ValidatorMeta[];
  const properties = new Map<string, Schema>();
  const optional = new Set<string>();
  for (const m of metas) {
    if (m.type === 'conditionalValidation') optional.add(m.propertyName);
    if (m.type !== 'customValidation') continue;
    const s = ruleSchema(m);
    if (!s) continue;
    const prop = properties.get(m.propertyName) ?? {};
    if (m.each && !ARRAY_RULES.has(m.name ?? '')) {
      prop.type = 'array';
      prop.items = { ...(prop.items ?? {}), ...s };
    } else Object.assign(prop, s);
    properties.set(m.propertyName, prop);
  }
  return { properties, optional };
}

/** Every class class-validator knows, by name (the names the document's components use). */
export function validatedClasses(): Map<string, Type> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Type, unknown> };
  const out = new Map<string, Type>();
  for (const target of storage.validationMetadatas.keys())
    if (typeof target === 'function') out.set(target.name, target);
  return out;
}

/**
 * Merges the validators' constraints into a schema the swagger decorators produced: the
 * validators win where both speak (a query `limit` is `integer`, not `number`), a `$ref` or
 * `items` the decorators gave is kept.
 */
export function mergeConstraints(target: Schema, constraints: Schema): void {
  for (const [k, v] of Object.entries(constraints)) {
    if (k === 'items' && target.items && typeof target.items === 'object') {
      const items = target.items as Schema;
      if (items.$ref) continue;
      mergeConstraints(items, v as Schema);
    } else if (k === 'description' && target.description) continue;
    else if (k === 'type' && (target.$ref || target.allOf || target.oneOf)) continue;
    else if (k === 'type' && v === 'object' && target.type === 'object') continue;
    else target[k] = v;
  }
}
