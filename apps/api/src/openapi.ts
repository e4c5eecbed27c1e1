import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The OpenAPI document, generated from the controllers and DTOs (committed as docs/openapi.json). */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Mu API')
    .setDescription(
      "Catalog, customers, subscriptions, usage and invoices. Every route needs `Authorization: Bearer <API key>` and sees only the key's tenant. " +
        'Errors are `{ "error": { "code", "message", "details"? } }` with stable codes. POST accepts `Idempotency-Key`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a Mu API key (mu_sk_...)' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at /docs (UI) and /docs/json. */
export function serveOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApi(app), { jsonDocumentUrl: 'docs/json' });
}
