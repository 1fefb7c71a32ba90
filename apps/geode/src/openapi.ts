import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

/** A zod request schema as the OpenAPI document shows it (one source for both). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return json;
}

/** Serves the API's OpenAPI document at `/docs` (UI) and `/docs-json`. */
export function serveOpenApi(app: INestApplication, region: string): void {
  const config = new DocumentBuilder()
    .setTitle('Geode API')
    .setDescription(
      `One geode's API (this one serves ${region}). Money is integer minor units as decimal strings. ` +
        'Errors are RFC 9457 problem details with a stable `type`. Writes answer with `Geode-Session` and `Geode-Region`.',
    )
    .setVersion('1')
    // Operator routes (ADR 0014): Authorization: Bearer <operator token>.
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
