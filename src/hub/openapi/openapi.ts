import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { schemaRulesOf } from '../common/validators.js';
import { collectRouteFacts, operationId, type RouteFacts } from './route-facts.js';
import { mergeConstraints, validatedClasses, validatorSchemas, type Schema } from './validator-schema.js';

/** Builds the OpenAPI document from the controllers and DTOs. */
export function buildOpenApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flotilla hub API')
    .setDescription('Multi-cluster GitOps fleet manager: clusters, repositories, applications, audit.')
    .setVersion(version)
    // 3.1: full JSON Schema, so a label map can say what its keys must look like (propertyNames).
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API token (flt_…)' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => operationId(controller, method),
  });
  const routes = collectRouteFacts(app);
  applyValidatorConstraints(doc, routes);
  applyErrorResponses(doc, routes);
  nullableToTypeUnions(doc);
  excludeNulFromInput(doc);
  return doc;
}

/**
 * The swagger decorators still write OpenAPI 3.0's `nullable: true`, which 3.1 dropped: spell
 * it as 3.1 does, a type union with `null` (or `anyOf` with `null` around a reference).
 */
function nullableToTypeUnions(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableToTypeUnions);
  if (!node || typeof node !== 'object') return;
  const s = node as Schema;
  Object.values(s).forEach(nullableToTypeUnions);
  if (s.nullable !== true) return;
  delete s.nullable;
  const composed = s.$ref ?? s.allOf;
  if (composed) {
    const inner: Schema = s.$ref ? { $ref: s.$ref } : { allOf: s.allOf };
    delete s.$ref;
    delete s.allOf;
    delete s.type;
    s.anyOf = [inner, { type: 'null' }];
  } else if (typeof s.type === 'string') s.type = [s.type, 'null'];
}

/** A string without U+0000: Postgres text and jsonb cannot hold it, so input with one is a 400. */
const NO_NUL = '^[^\\u0000]*$';
/** Name of the component any free-form JSON input (a merge patch, values) is spelled as. */
const JSON_VALUE = 'JsonValue';

/**
 * Says in the document what the database refuses: no input string holds U+0000. A string
 * without a pattern gets one that excludes it, a pattern's negated classes (`[^~/]`) exclude it
 * too, object keys likewise, and a free-form object's values become {@link JSON_VALUE}, JSON whose
 * strings hold no NUL. Covers request bodies (and the components they name) and query strings.
 */
function excludeNulFromInput(doc: OpenAPIObject): void {
  const schemas = (doc.components!.schemas ??= {}) as Record<string, Schema>;
  const noNulKey = { pattern: NO_NUL };
  schemas[JSON_VALUE] = {
    description: 'any JSON value whose strings (and keys) hold no NUL character (U+0000)',
    anyOf: [
      { type: 'string', pattern: NO_NUL },
      { type: ['number', 'boolean', 'null'] },
      { type: 'array', items: { $ref: `#/components/schemas/${JSON_VALUE}` } },
      {
        type: 'object',
        propertyNames: noNulKey,
        additionalProperties: { $ref: `#/components/schemas/${JSON_VALUE}` },
      },
    ],
  };
  const seen = new Set<string>([JSON_VALUE]);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const s = node as Schema;
    if (typeof s.$ref === 'string') {
      const name = s.$ref.split('/').pop()!;
      if (!seen.has(name) && schemas[name]) {
        seen.add(name);
        visit(schemas[name]);
      }
      return;
    }
    const types = Array.isArray(s.type) ? (s.type as unknown[]) : [s.type];
    if (types.includes('string') && s.enum === undefined && s.const === undefined) {
      // A format (uuid, date-time) already has no room for U+0000.
      if (s['x-nul-allowed'] === true) delete s['x-nul-allowed'];
      else if (typeof s.pattern !== 'string') {
        if (s.format === undefined) s.pattern = NO_NUL;
      }
      // Only a negated class can match U+0000 in the patterns the DTOs use.
      else s.pattern = s.pattern.replace(/(?<!\\)\[\^(?!\\u0000)/g, '[^\\u0000');
    }
    if (types.includes('object')) {
      // Keys matter only where unknown ones are taken (a DTO forbids them).
      if (s.additionalProperties !== false) s.propertyNames ??= noNulKey;
      if (!s.properties && (s.additionalProperties === true || s.additionalProperties === undefined))
        s.additionalProperties = { $ref: `#/components/schemas/${JSON_VALUE}` };
    }
    // `not` is left alone: a pattern added under it would say the opposite.
    for (const key of ['properties', 'items', 'additionalProperties', 'allOf', 'anyOf', 'oneOf'])
      if (s[key] && typeof s[key] === 'object') {
        if (key === 'properties') Object.values(s[key]).forEach(visit);
        else visit(s[key]);
      }
  };
  for (const op of operations(doc)) {
    const body = op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined;
    for (const media of Object.values(body?.content ?? {})) visit(media.schema);
    for (const p of op.parameters ?? []) if (p.in === 'query') visit(p.schema);
  }
}

/** Stable text of the document, as committed in docs/openapi.json. */
export function openApiText(doc: OpenAPIObject): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Name of the error body schema every 4xx/5xx answer carries. */
const ERROR_SCHEMA = 'ErrorBody';

/** The error answers routes share (components.responses), and when each happens. */
const GENERIC_ERRORS: Record<number, string> = {
  400: 'a parameter or the body breaks a rule; the message names it',
  401: 'missing, unknown, expired or revoked credential',
  403: "the credential's role does not allow this",
  404: 'no such object (by id or name)',
  409: 'conflicts with the current state (a duplicate name, a stale base revision)',
  413: 'the request body is too large',
  429: 'too many failed authentications from this address; retry later',
  503: 'the database is unavailable; retry shortly',
};

type Operation = {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses: Record<string, { description?: string; content?: unknown; $ref?: string }>;
};

function operations(doc: OpenAPIObject): Operation[] {
  const out: Operation[] = [];
  for (const item of Object.values(doc.paths))
    for (const [verb, op] of Object.entries(item as Record<string, Operation>))
      if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(verb)) out.push(op);
  return out;
}

/**
 * Writes the constraints the validation pipe enforces into the document: every component
 * named after a validated DTO class, every query parameter of a validated query DTO, every
 * path parameter a pipe parses. Bodies forbid unknown properties, as the pipe does.
 */
function applyValidatorConstraints(doc: OpenAPIObject, routes: Map<string, RouteFacts>): void {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [name, cls] of validatedClasses()) {
    const schema = schemas[name];
    if (!schema) continue;
    const { properties } = validatorSchemas(cls);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [prop, constraints] of properties) if (props[prop]) mergeConstraints(props[prop], constraints);
    // forbidNonWhitelisted: a property no validator names is refused with 400.
    schema.additionalProperties = false;
    Object.assign(schema, schemaRulesOf(cls));
  }
  for (const op of operations(doc)) {
    // A body whose every property is optional may be left out: the pipe validates it as {}.
    const body = op.requestBody as { required?: boolean; content?: Record<string, { schema?: Schema }> };
    const ref = body?.content?.['application/json']?.schema?.$ref;
    const target = typeof ref === 'string' ? schemas[ref.split('/').pop()!] : undefined;
    if (target && !(target.required as string[] | undefined)?.length) body.required = false;
  }
  for (const op of operations(doc)) {
    const facts = op.operationId ? routes.get(op.operationId) : undefined;
    if (!facts) continue;
    if (facts.query) {
      const { properties } = validatorSchemas(facts.query);
      for (const p of op.parameters ?? []) {
        const c = p.in === 'query' ? properties.get(p.name) : undefined;
        if (c && p.schema) mergeConstraints(p.schema, c);
      }
    }
    for (const param of facts.params) {
      const p = op.parameters?.find((x) => x.in === 'path' && x.name === param.name);
      if (!p) continue;
      // A path parameter is one string (a `*path` wildcard too, whatever the handler's type).
      p.schema = { type: 'string', minLength: 1, ...(param.uuid ? { format: 'uuid' } : {}) };
    }
  }
}

/**
 * Declares every error status a route can answer, derived from what it is rather than listed
 * per route: a credential (401, 403, and 429 for repeated failures), path parameters (404),
 * input (400; a body also 413), a state change (409), the database behind every route (503).
 * Statuses a route adds itself (e.g. 424 when a repository's credentials fail) keep theirs; every
 * error answer gets the error body schema.
 */
function applyErrorResponses(doc: OpenAPIObject, routes: Map<string, RouteFacts>): void {
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas[ERROR_SCHEMA] = {
    type: 'object',
    properties: {
      statusCode: { type: 'integer', minimum: 400, maximum: 599 },
      error: { type: 'string', description: 'HTTP reason phrase' },
      message: { type: 'string', description: 'what went wrong, naming the field or object' },
      problems: {
        type: 'array',
        description: 'a refused CEL expression: each problem, with its position in the expression',
        items: {
          type: 'object',
          properties: {
            field: { type: 'string', description: 'e.g. current, or healthChecks[1].failed' },
            message: { type: 'string' },
            position: {
              type: 'object',
              properties: {
                offset: { type: 'integer', minimum: 0 },
                line: { type: 'integer', minimum: 1 },
                column: { type: 'integer', minimum: 1 },
              },
              required: ['offset', 'line', 'column'],
            },
          },
          required: ['field', 'message'],
        },
      },
    },
    required: ['statusCode', 'error', 'message'],
  };
  const errorContent = { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } };
  const shared: Record<string, { description: string; content: typeof errorContent }> = {};
  for (const [s, why] of Object.entries(GENERIC_ERRORS))
    shared[s] = { description: `${STATUS_CODES[Number(s)]}: ${why}`, content: errorContent };
  doc.components.responses = { ...doc.components.responses, ...shared };
  for (const op of operations(doc)) {
    const facts = op.operationId ? routes.get(op.operationId) : undefined;
    // A public route (health, the checkpoint key) needs no credential, whatever a controller-wide
    // @ApiBearerAuth says: an empty list overrides it.
    if (facts && !facts.authenticated) op.security = [];
    const statuses = new Set<number>([503]);
    if (facts?.authenticated) [401, 403, 429].forEach((s) => statuses.add(s));
    if (facts?.params.length) statuses.add(404);
    const hasBody = op.requestBody !== undefined || facts?.body || facts?.rawBody;
    if (hasBody) statuses.add(413);
    if (hasBody || op.parameters?.length) statuses.add(400);
    if (facts && ['post', 'put', 'patch', 'delete'].includes(facts.method)) statuses.add(409);
    for (const s of statuses) op.responses[String(s)] ??= { $ref: `#/components/responses/${s}` };
    for (const [code, res] of Object.entries(op.responses)) {
      if (Number(code) < 400 || res.content || res.$ref) continue;
      // A status the route declares itself keeps its own description, with the error body.
      res.description ||= STATUS_CODES[Number(code)] ?? 'Error';
      res.content = errorContent;
    }
    op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
  }
}
