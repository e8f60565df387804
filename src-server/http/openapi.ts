import { z } from 'zod';
import type { RouteDef } from './routes.ts';
import { ErrorBody } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** OpenAPI 3.1 (JSON Schema 2020-12) generated from the route table's zod schemas. */
export function buildOpenApiDocument(routes: RouteDef[], version: string) {
  const errorSchema = toSchema(ErrorBody, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    if (r.params) {
      const s = toSchema(r.params, 'input') as { properties?: Record<string, JsonSchema> };
      for (const [name, schema] of Object.entries(s.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    }
    if (r.query) {
      const s = toSchema(r.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: 'query', required: s.required?.includes(name) ?? false, schema });
      }
    }
    const data = toSchema(r.response, 'output');
    const okSchema = r.envelope === 'data' ? { type: 'object', required: ['data'], properties: { data } } : data;
    const errors = Object.fromEntries(
      ['400', '401', '403', '404', '409', '422', '429', '503'].map((code) => [
        code,
        { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      ]),
    );
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      description: `Scope: \`${r.scope}\`.${r.testOnly ? ' Test keys only: 404 with a live key.' : ''}`,
      security: [{ bearerAuth: [] }],
      parameters: [
        ...parameters,
        ...(r.method === 'get' ? [] : [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'Same key and body within 24 h replays the first response; a different body is 409.' }]),
      ],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } } : {}),
      responses: { [String(r.status)]: { description: 'OK', content: { 'application/json': { schema: okSchema } } }, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kassa merchant API',
      version,
      description: 'Self-hosted crypto payments. Amounts are decimal strings; keys are `sk_test_…` (devnet) or `sk_live_…`.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'sk_test_… or sk_live_…' } },
      schemas: { Error: errorSchema },
    },
  };
}
