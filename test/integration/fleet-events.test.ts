// A fleet's desk records its door gateways' taps (README "Fleet", "Events back"): each once, by
// (gateway, the gateway's seq), in its own journal as fleet.access, so that its roll call and its
// month recap cover every entrance. A resend is a duplicate, before and after a desk restart.
// No broker: what arrives on the events topic is handed to FleetDesk.record as it would be.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetConfig } from '../../src/config/schema.js';
import type { MonthlyRecap } from '../../src/domain/recap.js';
import { FleetDesk } from '../../src/fleet/desk.js';
import { publicKeyText } from '../../src/fleet/envelope.js';
import type { FleetEventPayload } from '../../src/fleet/topics.js';
import { fleetSection } from '../support/fleet-config.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/mqtt.js';

const log = pino({ level: 'silent' });
const A = 'samping';
const B = 'gedung-b';
const MONTH = '2026-11';

describe("the desk's record of the door gateways' taps", () => {
  const deskKey = generateKeyPairSync('ed25519').privateKey;
  let dir: string;
  let t: TestGateway;
  let desk: FleetDesk;
  let fleet: FleetConfig;
  let visitId: string;

  const open = async () => {
    t = await startTestGateway({ dir });
    desk = await FleetDesk.start(t.gateway, fleet, deskKey, log);
  };
  const restart = async () => {
    await desk.stop();
    await t.close();
    await open();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-fleet-events-'));
    const key = () => publicKeyText(generateKeyPairSync('ed25519').privateKey);
    fleet = fleetSection({
      role: 'desk',
      gatewayId: 'meja',
      baseTopic: 'pintu/fleet',
      // No broker listens there: recording needs none, and the desk keeps trying meanwhile.
      broker: { url: `mqtt://127.0.0.1:${await freePort()}` },
      gateways: [
        { id: A, publicKey: key(), rooms: [] },
        { id: B, publicKey: key(), rooms: [] },
      ],
      snapshotsPerMinute: 12,
    });
    await open();
    visitId = (await badgedVisit(t.gateway, { badge: 'TAMU-01' })).id;
  });
  afterAll(async () => {
    await desk?.stop();
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const entered = (gateway: string, seq: number, direction: 'in' | 'out' = 'in'): FleetEventPayload => ({
    v: 1,
    gateway,
    kind: 'event',
    seq,
    at: t.clock.now,
    type: 'access.granted',
    payload: {
      readerId: `${gateway}-${direction}`,
      doorId: `${gateway}-masuk`,
      direction,
      kind: 'nfc',
      uid: '04a1b2c3d4e5f6',
      badgeId: 'tamu-01',
      visitId,
    },
    doorName: `Pintu ${gateway}`,
    area:
      direction === 'in'
        ? { id: 'building', path: [{ id: 'building', name: `Gedung ${gateway}` }] }
        : { id: 'outside', path: [] },
  });
  const refused = (gateway: string, seq: number): FleetEventPayload => ({
    v: 1,
    gateway,
    kind: 'event',
    seq,
    at: t.clock.now,
    type: 'access.denied',
    payload: {
      readerId: `${gateway}-in`,
      doorId: `${gateway}-masuk`,
      direction: 'in',
      reason: 'unknown_badge',
    },
    doorName: `Pintu ${gateway}`,
  });
  const recap = (): Promise<MonthlyRecap> => t.gateway.reports.monthly(MONTH);
  const door = (r: MonthlyRecap, gateway: string) =>
    r.doors.find((d) => d.key === `${gateway}/${gateway}-masuk`);
  const where = () => t.gateway.rollCall.inside().find((w) => w.visit.id === visitId);

  it("puts a visitor where a door gateway let it in, named with that gateway, and counts its doors' taps", async () => {
    expect(await desk.record(entered(A, 7))).toBe('recorded');
    expect(where()).toMatchObject({ gateway: A, area: { id: 'building', name: `Gedung ${A}` } });
    expect(await desk.record(refused(B, 3))).toBe('recorded');
    expect(await desk.record(entered(B, 4))).toBe('recorded');
    // One place at a time: the latest tap recorded, at whichever gateway.
    expect(where()).toMatchObject({ gateway: B });
    expect(t.gateway.rollCall.count()).toBe(1);

    const r = await recap();
    expect(door(r, A)).toMatchObject({ label: `Pintu ${A} (${A})`, entries: 1, exits: 0 });
    expect(door(r, B)).toMatchObject({ entries: 1, exits: 0 });
    expect(r.denials).toContainEqual(expect.objectContaining({ key: 'unknown_badge', count: 1 }));
    expect(r.totals.visits).toBe(1);

    // The roll call as security reads it, with the gateway.
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/presence',
      headers: { cookie: await t.login('security') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().inside).toEqual([expect.objectContaining({ visitId, gateway: B })]);
  });

  it('keeps no card UID of a door gateway in its journal', async () => {
    const lines = [];
    for await (const e of t.gateway.core.journal.read({ fromSeq: 1, types: ['fleet.access'] })) lines.push(e);
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('04a1b2c3d4e5f6');
  });

  it('counts a resend once, and still once after a desk restart', async () => {
    const before = await recap();
    expect(await desk.record(entered(A, 7))).toBe('duplicate');
    expect(await desk.record(refused(B, 3))).toBe('duplicate');
    await restart();
    expect(where()).toMatchObject({ gateway: B });
    expect(await desk.record(entered(A, 7))).toBe('duplicate');
    expect(await desk.record(entered(B, 4))).toBe('duplicate');
    const after = await recap();
    expect(after.doors).toEqual(before.doors);
    expect(after.denials).toEqual(before.denials);
  });

  it('takes the visitor off the roll call when the gateway saw it leave', async () => {
    expect(await desk.record(entered(B, 9, 'out'))).toBe('recorded');
    expect(where()).toBeUndefined();
    expect(t.gateway.rollCall.count()).toBe(0);
    expect(door(await recap(), B)).toMatchObject({ entries: 1, exits: 1 });
  });

  it('a tap that reaches the desk late (a broker outage) does not move a visitor seen later elsewhere', async () => {
    expect(await desk.record({ ...entered(A, 30), at: t.clock.now + 60_000 })).toBe('recorded');
    expect(where()).toMatchObject({ gateway: A });
    // B's tap was a minute earlier; it waited out an outage and arrives now.
    expect(await desk.record({ ...entered(B, 31), at: t.clock.now })).toBe('recorded');
    expect(where()).toMatchObject({ gateway: A });
    // Counted all the same: it happened.
    expect(door(await recap(), B)).toMatchObject({ entries: 2 });
    expect(await desk.record({ ...entered(A, 32, 'out'), at: t.clock.now + 120_000 })).toBe('recorded');
    expect(where()).toBeUndefined();
  });

  it('refuses an event that is not an access entry of a known shape', async () => {
    const odd = { ...refused(A, 20), payload: { readerId: 'x', reason: 'because' } };
    expect(await desk.record(odd)).toBe('refused');
    expect(await desk.record({ ...refused(A, 21), type: 'door.opened' })).toBe('refused');
  });
});
