// A gateway's part in a fleet over HTTP (README "Fleet"), registered only with a fleet section.
// The status, for people (`pintu fleet status`). The snapshot, on a desk only, for a door
// gateway that missed messages: no session or token, the door gateway proves who it is with its
// own key (the `x-pintu-fleet` header), which the desk pins per gateway, so no password lives in
// its configuration; the answer is signed by the desk's key.
import type { FastifyInstance } from 'fastify';
import type { Fleet } from '../../fleet/index.js';

export async function fleetRoutes(app: FastifyInstance, opts: { fleet: Fleet }): Promise<void> {
  const { desk, door } = opts.fleet;
  app.get(
    '/fleet/status',
    { config: { roles: ['admin', 'security', 'facilities'] }, schema: { hide: true } },
    async () =>
      desk
        ? { role: 'desk', connected: desk.connected, gateways: desk.status() }
        : { role: 'door', ...door?.status() },
  );
  if (!desk) return;
  const rateLimit = { max: opts.fleet.config.snapshotsPerMinute, timeWindow: 60_000 };
  app.get(
    '/fleet/snapshot',
    { config: { roles: 'public', rateLimit }, schema: { hide: true } },
    async (req, reply) => {
      const header = req.headers['x-pintu-fleet'];
      const body = typeof header === 'string' ? desk.snapshot(header) : undefined;
      if (!body)
        return reply.code(401).send({
          error: 'unauthorized',
          message: 'x-pintu-fleet does not prove a door gateway of this desk',
        });
      return reply.type('application/json').send(body);
    },
  );
}
