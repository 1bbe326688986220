import {
  registerDecorator,
  ValidateIf,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { isUuid } from '../../domain/ids.js';
import {
  dns1123LabelProblem,
  LABEL_KEY_SOURCE,
  LABEL_VALUE_SOURCE,
  labelsProblems,
} from '../../domain/kubernetes-names.js';

/**
 * The JSON Schema each rule of this file enforces, by validator name: the OpenAPI document
 * takes its constraints from here, so the document and the check cannot drift apart.
 */
export const RULE_SCHEMAS = new Map<string, Record<string, unknown>>();

function rule(
  name: string,
  check: (value: unknown) => string | null,
  schema: Record<string, unknown>,
): (opts?: ValidationOptions) => PropertyDecorator {
  RULE_SCHEMAS.set(name, schema);
  return (opts) => (target, property) => {
    let lastProblem = '';
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property as string,
      options: opts,
      validator: {
        validate(value: unknown) {
          const p = check(value);
          lastProblem = p ?? '';
          return p === null;
        },
        defaultMessage(args: ValidationArguments) {
          return `${args.property} ${lastProblem}`;
        },
      },
    });
  };
}

/** A DNS-1123 label: the naming rule of clusters, repositories and applications. */
export const IsDns1123Label = rule(
  'isDns1123Label',
  (v) =>
    typeof v !== 'string'
      ? 'must be a string'
      : (dns1123LabelProblem(v) ??
        (isUuid(v) ? 'must not have the form of a UUID (routes take an id or a name)' : null)),
  {
    type: 'string',
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    description: 'DNS-1123 label, not of the form of a UUID',
  },
);

/** A Kubernetes label map. */
export const IsLabelMap = rule(
  'isLabelMap',
  (v) => {
    const problems = labelsProblems(v);
    return problems.length ? `is invalid: ${problems.join('; ')}` : null;
  },
  {
    type: 'object',
    maxProperties: 64,
    propertyNames: { pattern: `^${LABEL_KEY_SOURCE}$` },
    additionalProperties: { type: 'string', maxLength: 63, pattern: `^${LABEL_VALUE_SOURCE}$` },
  },
);

const SCHEMA_RULES = 'flotilla:schema-rules';

/**
 * Rules across a DTO's properties that its service enforces (e.g. `path` only for SVN), as a
 * JSON Schema fragment the OpenAPI document merges into the DTO's schema.
 */
export const SchemaRules =
  (fragment: Record<string, unknown>): ClassDecorator =>
  (target) =>
    Reflect.defineMetadata(SCHEMA_RULES, fragment, target);

/** The {@link SchemaRules} of a class, if any. */
export function schemaRulesOf(target: object): Record<string, unknown> | undefined {
  return Reflect.getMetadata(SCHEMA_RULES, target) as Record<string, unknown> | undefined;
}

/**
 * The property may be left out, but `null` is not leaving it out: class-validator's IsOptional
 * skips every rule for null too, so `"neverExpires": null` passed as if absent while the OpenAPI
 * document says boolean. Properties where null means something (null removes the credentials)
 * keep IsOptional and say `nullable` in the document.
 */
export const IsOmittable = (opts?: ValidationOptions): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined, opts);
