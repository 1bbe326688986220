import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** Builds the OpenAPI document from the controllers and DTOs. */
export function buildOpenApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flotilla hub API')
    .setDescription('Multi-cluster GitOps fleet manager: clusters, repositories, applications, audit.')
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API token (flt_…)' })
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
}

/** Stable text of the document, as committed in docs/openapi.json. */
export function openApiText(doc: OpenAPIObject): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
