// The MQTT contract beside the OpenAPI reference: its AsyncAPI document and the JSON Schema of
// each topic's payload at the address that schema's `$id` names. Documentation, as /docs is:
// for anyone logged in, and left out of the OpenAPI document (they are not API operations).
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../domain/types.js';

/** What main gives the HTTP side to serve (built by the MQTT side from its TypeBox schemas). */
export interface ContractDocuments {
  asyncapi: Record<string, unknown>;
  /** JSON Schema by name: served at /schemas/mqtt/<name>.json, its `$id`. */
  schemas: ReadonlyMap<string, Record<string, unknown>>;
}

export async function contractRoutes(app: FastifyInstance, opts: { documents: ContractDocuments }) {
  // Serialised once: they never change while the gateway runs.
  const asyncapi = JSON.stringify(opts.documents.asyncapi);
  const schemas = new Map(
    [...opts.documents.schemas].map(([name, s]) => [`${name}.json`, JSON.stringify(s)]),
  );
  const route = { config: { roles: ROLES }, schema: { hide: true } };

  app.get('/docs/asyncapi.json', route, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(asyncapi),
  );

  app.get<{ Params: { file: string } }>('/schemas/mqtt/:file', route, async (req, reply) => {
    const text = schemas.get(req.params.file);
    if (text === undefined)
      return reply.code(404).send({ error: 'not_found', message: `no schema ${req.params.file}` });
    return reply.type('application/schema+json; charset=utf-8').send(text);
  });
}
