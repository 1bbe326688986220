// `npm run openapi` (after writing docs/openapi.json): generates src/api-types/hub-api.ts, the
// response and request types the CLI and the dashboard import, from the OpenAPI document, so
// they follow the hub instead of hand-kept copies. generated-artefacts.test.ts checks it is current.
import openapiTS, { astToString, UNKNOWN } from 'openapi-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';

/** Where the generated types live (published types: cli/ and web/ may import them). */
export const API_TYPES_FILE = 'src/api-types/hub-api.ts';

/** The types module for an OpenAPI document's text, formatted as the repository's prettier says. */
export async function apiTypesText(openApiText: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(openApiText) as Parameters<typeof openapiTS>[0], {
    exportType: true,
    rootTypes: true,
    rootTypesNoSchemaPrefix: true,
    // The recursive JsonValue component (free-form JSON without NUL) would be a type that refers
    // to itself through an indexed access, which TypeScript refuses: to the client it is any JSON.
    transform: (_schema, meta) =>
      meta.path?.endsWith('/components/schemas/JsonValue') ? UNKNOWN : undefined,
  });
  const body =
    '// Generated from docs/openapi.json by `npm run openapi` (openapi-typescript): do not edit.\n' +
    astToString(ast);
  const config = (await resolveConfig(API_TYPES_FILE)) ?? {};
  return format(body, { ...config, parser: 'typescript' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await apiTypesText(await readFile(process.argv[2] ?? 'docs/openapi.json', 'utf8'));
  await writeFile(API_TYPES_FILE, text);
  process.stdout.write(`wrote ${API_TYPES_FILE}\n`);
}
