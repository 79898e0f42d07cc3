// The desk's snapshot for a door gateway that missed messages (README "Fleet"). Registered only
// on a desk. No session or token: the door gateway proves who it is with its own key (the
// `x-pintu-fleet` header), which the desk pins per gateway, so no password lives in its
// configuration; the answer is signed by the desk's key.
import type { FastifyInstance } from 'fastify';
import type { FleetDesk } from '../../fleet/desk.js';

export async function fleetRoutes(app: FastifyInstance, opts: { desk: FleetDesk }): Promise<void> {
  app.get('/fleet/snapshot', { config: { roles: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const header = req.headers['x-pintu-fleet'];
    const body = typeof header === 'string' ? opts.desk.snapshot(header) : undefined;
    if (!body)
      return reply
        .code(401)
        .send({ error: 'unauthorized', message: 'x-pintu-fleet does not prove a door gateway of this desk' });
    return reply.type('application/json').send(body);
  });
}
