// The fleet's entry in GET /api/v1/health (README "Fleet", "Health"), through fastify.inject: a
// desk and a door gateway whose broker never answers. Each says what it knows, and the gateway
// turns degraded (here and on the public /healthz) only once the broker has been away longer
// than fleet.lagMaxSeconds, on the gateway's own clock, moved by the test.
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyText } from '../../src/fleet/envelope.js';
import { type Fleet, startFleet } from '../../src/fleet/index.js';
import { buildHttp } from '../../src/http/app.js';
import { fleetSection } from '../support/fleet-config.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/mqtt.js';

const log = pino({ level: 'silent' });

async function fleetGateway(role: 'desk' | 'door') {
  const t = await startTestGateway();
  const other = publicKeyText(generateKeyPairSync('ed25519').privateKey);
  const port = await freePort();
  const config = fleetSection({
    role,
    gatewayId: role === 'desk' ? 'meja' : 'samping',
    baseTopic: 'pintu/fleet',
    // Nothing listens there: the broker stays away, and the fleet keeps trying.
    broker: { url: `mqtt://127.0.0.1:${port}` },
    gateways: role === 'desk' ? [{ id: 'samping', publicKey: other, rooms: [] }] : [],
    ...(role === 'door' ? { desk: { url: `http://127.0.0.1:${port}`, publicKey: other } } : {}),
    snapshotsPerMinute: 12,
  });
  const fleet = await startFleet(t.gateway, config, log);
  const app = await buildHttp({ gateway: t.gateway, logger: log, fleet });
  return { t, fleet, app };
}

describe('the fleet in GET /api/v1/health', () => {
  let desk: { t: TestGateway; fleet: Fleet; app: FastifyInstance };
  let door: { t: TestGateway; fleet: Fleet; app: FastifyInstance };

  beforeAll(async () => {
    desk = await fleetGateway('desk');
    door = await fleetGateway('door');
  });
  afterAll(async () => {
    for (const g of [desk, door]) {
      await g?.app.close();
      await g?.fleet.stop();
      await g?.t.close();
    }
  });

  const health = async (g: { t: TestGateway; app: FastifyInstance }) => {
    const res = await g.app.inject({
      method: 'GET',
      url: '/api/v1/health',
      headers: { cookie: await g.t.login('facilities') },
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const live = async (g: { app: FastifyInstance }) =>
    (await g.app.inject({ method: 'GET', url: '/healthz' })).json().status;

  it("the desk lists each door gateway's progress; degraded once the broker is away past the bound", async () => {
    expect(await health(desk)).toMatchObject({
      status: 'ok',
      fleet: { role: 'desk', connected: false, gateways: [{ id: 'samping', lastSentSeq: 0 }] },
    });
    desk.t.clock.now += 60_000;
    expect((await health(desk)).status).toBe('ok');
    desk.t.clock.now += 1_000;
    const h = await health(desk);
    expect(h).toMatchObject({ status: 'degraded', problems: ['fleet: the broker has been away for 61 s'] });
    expect(await live(desk)).toBe('degraded');
  });

  it('a door gateway gives its lastSeq, whether the desk is reachable, its last snapshot', async () => {
    const h = await health(door);
    expect(h).toMatchObject({
      status: 'ok',
      fleet: {
        role: 'door',
        gatewayId: 'samping',
        connected: false,
        lastSeq: 0,
        lag: 0,
        deskReachable: false,
      },
    });
    expect(h.fleet.lastSnapshot).toBeUndefined();
    door.t.clock.now += 61_000;
    expect(await health(door)).toMatchObject({
      status: 'degraded',
      problems: ['fleet: the broker has been away for 61 s'],
    });
  });
});
