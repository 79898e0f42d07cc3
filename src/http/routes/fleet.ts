// A gateway's part in a fleet over HTTP (README "Fleet"), registered only with a fleet section.
// The status, for people (`pintu fleet status`). The snapshot, on a desk only, for a door
// gateway that missed messages: no session or token, the door gateway proves who it is with its
// own key (the `x-pintu-fleet` header), which the desk pins per gateway, so no password lives in
// its configuration; the answer is signed by the desk's key. Each request is answered once (a
// replay: 409), and a replay counts against the address's rate limit like any request.
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
      const answer =
        typeof header === 'string' ? desk.snapshot(header) : ({ refused: 'unauthorized' } as const);
      if ('body' in answer) return reply.type('application/json').send(answer.body);
      if (answer.refused === 'replayed')
        return reply.code(409).send({
          error: 'replayed',
          message:
            'this x-pintu-fleet request was answered before: a door gateway signs a new one for each snapshot',
        });
      if (answer.refused === 'full') {
        reply.header('retry-after', String(answer.retryAfterSeconds));
        return reply.code(503).send({
          error: 'busy',
          message:
            'fleet.snapshotRequestsKept snapshot requests were answered within fleet.snapshotSkewSeconds; try again shortly',
        });
      }
      return reply.code(401).send({
        error: 'unauthorized',
        message: 'x-pintu-fleet does not prove a door gateway of this desk',
      });
    },
  );
}
