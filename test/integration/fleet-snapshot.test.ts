// The desk's snapshot route (README "Fleet") through fastify.inject: only a door gateway of the
// desk, proving itself with its own key within the allowed skew, gets it; what it gets is signed
// by the desk, stands at the desk journal's seq, names no card outside the box sealed to that
// gateway, and answers each request once.
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetSnapshot, type FleetSnapshotState, SNAPSHOT_VERSION } from '../../src/domain/fleet.js';
import { FleetDesk } from '../../src/fleet/desk.js';
import {
  badgeUidHash,
  publicKeyFrom,
  publicKeyText,
  signText,
  snapshotRequestText,
  unseal,
} from '../../src/fleet/envelope.js';
import { boxPrivateKeyOf, openBox, snapshotContext } from '../../src/fleet/sealed.js';
import { isFleetSnapshot, isFleetSnapshotState } from '../../src/fleet/topics.js';
import { buildHttp } from '../../src/http/app.js';
import { fleetSection } from '../support/fleet-config.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/mqtt.js';

const log = pino({ level: 'silent' });

const deskKey = generateKeyPairSync('ed25519').privateKey;
const doorKey = generateKeyPairSync('ed25519').privateKey;
const stranger = generateKeyPairSync('ed25519').privateKey;

interface Desk {
  t: TestGateway;
  desk: FleetDesk;
  app: FastifyInstance;
  close(): Promise<void>;
}

async function openDesk(snapshotRequestsKept = 1000): Promise<Desk> {
  const t = await startTestGateway();
  // No broker listens there: the snapshot needs none, and the desk keeps trying meanwhile.
  const fleet = fleetSection({
    role: 'desk',
    gatewayId: 'meja',
    baseTopic: 'pintu/fleet',
    broker: { url: `mqtt://127.0.0.1:${await freePort()}` },
    gateways: [{ id: 'samping', publicKey: publicKeyText(doorKey), rooms: ['ruang-kabag'] }],
    snapshotRequestsKept,
    snapshotsPerMinute: 12,
  });
  const desk = await FleetDesk.start(t.gateway, fleet, deskKey, log);
  const app = await buildHttp({
    gateway: t.gateway,
    logger: log,
    fleet: { config: fleet, desk, health: () => desk.health(), stop: () => desk.stop() },
  });
  return {
    t,
    desk,
    app,
    close: async () => {
      await app.close();
      await desk.stop();
      await t.close();
    },
  };
}

/** A snapshot's signed header, and what its box holds as the door gateway opens it. */
function opened(body: string): { p: FleetSnapshot; held: FleetSnapshotState } {
  const p = unseal(body, publicKeyFrom(publicKeyText(deskKey)));
  if (!isFleetSnapshot(p)) throw new Error(`not a snapshot: ${body.slice(0, 80)}`);
  const held: unknown = JSON.parse(openBox(p.sealed, boxPrivateKeyOf(doorKey), snapshotContext(p)));
  if (!isFleetSnapshotState(held)) throw new Error('not what a snapshot holds');
  return { p, held };
}

const proof = (id: string, at: number, key = doorKey) =>
  `${id}.${at}.${signText(snapshotRequestText(id, at), key)}`;

function getter(app: () => FastifyInstance) {
  return (header?: string, remoteAddress = '127.0.0.1') =>
    app().inject({
      method: 'GET',
      url: '/api/v1/fleet/snapshot',
      remoteAddress,
      ...(header !== undefined ? { headers: { 'x-pintu-fleet': header } } : {}),
    });
}

describe('GET /api/v1/fleet/snapshot', () => {
  let d: Desk;
  let t: TestGateway;
  let app: FastifyInstance;

  beforeAll(async () => {
    d = await openDesk();
    ({ t, app } = d);
  });
  afterAll(async () => {
    await d.close();
  });

  const get = getter(() => app);

  it('keeps the fleet status behind a login', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/fleet/status' })).statusCode).toBe(401);
  });

  it('refuses without proof, a gateway it does not know, another key, a request out of time', async () => {
    const now = Date.now();
    for (const header of [
      undefined,
      'garbage',
      proof('lain', now),
      proof('samping', now, stranger),
      proof('samping', now - 121_000),
      proof('samping', now + 121_000),
      // Signed for another time than it says.
      `samping.${now}.${signText(snapshotRequestText('samping', now - 1), doorKey)}`,
    ]) {
      const res = await get(header);
      expect(res.statusCode, String(header)).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized' });
    }
  });

  it("gives the gateway's visits, signed by the desk, at the journal's seq, sealed to it", async () => {
    const v = await badgedVisit(t.gateway, { badge: 'TAMU-01', rooms: ['ruang-kabag'] });
    const res = await get(proof('samping', Date.now()));
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('04A1B2C3D4E501');
    const { p, held } = opened(res.body);
    // In clear, only whom it is for and where it stands.
    expect(Object.keys(p).sort()).toEqual(['at', 'gateway', 'kind', 'prev', 'sealed', 'seq', 'v']);
    expect(p).toMatchObject({
      v: SNAPSHOT_VERSION,
      kind: 'snapshot',
      gateway: 'samping',
      seq: t.gateway.core.state.journalSeq,
    });
    expect(held).toMatchObject({
      lockdown: false,
      visits: [
        {
          id: v.id,
          status: 'badged',
          rooms: ['ruang-kabag'],
          badge: { label: 'TAMU-01', uidHash: badgeUidHash('04A1B2C3D4E501') },
        },
      ],
    });
  });

  it('gives the pool and the escort cards by UID, inside the box only', async () => {
    const system = { kind: 'system' as const, id: 'test' };
    const escort = await t.gateway.escorts.enrol(
      { name: 'Budi Santoso', uid: '04C1C2C3C4C5C6', opensAlone: true },
      system,
    );
    const lost = [...t.gateway.core.state.badges.values()].find((b) => b.label === 'TAMU-02')!;
    await t.gateway.directory.setBadgeLost(lost.id, true, system);
    const res = await get(proof('samping', Date.now()), '127.0.0.9');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('04C1C2C3C4C5C6');
    expect(res.body).not.toContain(lost.uid);
    const { held } = opened(res.body);
    expect(held.escorts).toEqual([
      { id: escort.id, name: 'Budi Santoso', uid: '04C1C2C3C4C5C6', opensAlone: true },
    ]);
    expect(held.badges).toContainEqual({ label: 'TAMU-02', uid: lost.uid, status: 'lost' });
    // Another gateway's key (a replayed request read by someone else) does not open it.
    const { p } = opened(res.body);
    expect(() => openBox(p.sealed, boxPrivateKeyOf(stranger), snapshotContext(p))).toThrow();
  });

  it('names no card outside its sealed box: no UID, no UID hash, no label', async () => {
    const state = t.gateway.core.state;
    // A badged visit, a lost badge and an escort card are there (the tests above).
    expect([...state.visits.values()].some((v) => v.state === 'badged')).toBe(true);
    expect(state.escorts.size).toBeGreaterThan(0);
    const res = await get(proof('samping', Date.now()), '127.0.0.30');
    expect(res.statusCode).toBe(200);
    const raw = res.body.toLowerCase();
    const cards = [...state.badges.values(), ...state.escorts.values()];
    for (const c of cards) {
      expect(raw, c.uid).not.toContain(c.uid.toLowerCase());
      expect(raw, `hash of ${c.uid}`).not.toContain(badgeUidHash(c.uid));
    }
    for (const b of state.badges.values()) expect(raw, b.label).not.toContain(b.label.toLowerCase());
  });

  it('answers a request header once: the same header again is refused as a replay', async () => {
    const header = proof('samping', Date.now());
    const first = await get(header, '127.0.0.20');
    expect(first.statusCode).toBe(200);
    // The same header, from the same address and from another one (captured on the LAN).
    for (const address of ['127.0.0.20', '127.0.0.21']) {
      const again = await get(header, address);
      expect(again.statusCode, address).toBe(409);
      expect(again.json()).toMatchObject({ error: 'replayed' });
    }
    // The same request with its signature spelt otherwise (base64url padding) is the same request.
    const [id, at, sig] = header.split('.');
    expect((await get(`${id}.${at}.${sig}==`, '127.0.0.22')).statusCode).toBe(409);
    // A new request of the same gateway, signed for another moment, is answered.
    expect((await get(proof('samping', Number(at) + 1), '127.0.0.20')).statusCode).toBe(200);
  });

  it('answers one address fleet.snapshotsPerMinute times a minute, then 429 (replays count too)', async () => {
    const codes: number[] = [];
    const at = Date.now();
    // Distinct moments: each request is a new one, answered (a replay would be refused, 409).
    for (let i = 0; i < 13; i++) codes.push((await get(proof('samping', at + i), '10.0.0.9')).statusCode);
    expect(codes).toEqual([...Array(12).fill(200), 429]);
    const replay = proof('samping', at - 1);
    const replays: number[] = [];
    for (let i = 0; i < 13; i++) replays.push((await get(replay, '10.0.0.10')).statusCode);
    expect(replays).toEqual([200, ...Array(11).fill(409), 429]);
  });
});

describe('GET /api/v1/fleet/snapshot with fleet.snapshotRequestsKept answered in the window', () => {
  let d: Desk;
  beforeAll(async () => {
    d = await openDesk(10);
  });
  afterAll(async () => {
    await d.close();
  });
  const get = getter(() => d.app);

  it('refuses new requests (503, retry-after) rather than forget one that could be replayed', async () => {
    const at = Date.now();
    // Each from its own address: the rate limit (12 a minute) is not what refuses here.
    for (let i = 0; i < 10; i++)
      expect((await get(proof('samping', at + i), `127.0.1.${i}`)).statusCode).toBe(200);
    const full = await get(proof('samping', at + 10), '127.0.1.10');
    expect(full.statusCode).toBe(503);
    expect(full.json()).toMatchObject({ error: 'busy' });
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(proof('samping', at), '127.0.1.11')).statusCode).toBe(409);
    // Once the first leaves the skew window (the desk's clock passed in), there is room again.
    const later = at + 120_001;
    expect('body' in d.desk.snapshot(proof('samping', later), later)).toBe(true);
  });
});
