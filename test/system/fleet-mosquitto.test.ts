// A fleet on a real Mosquitto (README "Fleet"): a desk gateway and two door gateways in this
// process, each with its own data folder, key and login, the shipped fleet ACL, the desk's
// snapshot over real HTTP on loopback. What is checked is what a guard at a side door sees: a
// visit accepted at the desk opens there, a checkout refuses there, a forged or replayed message
// changes nothing, and a gateway that was away while a visit ended never lets that visit in
// once it is back, whether the broker kept the revocation for it or lost it.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config, FleetConfig } from '../../src/config/schema.js';
import type { Decision } from '../../src/domain/types.js';
import { publicKeyText, seal } from '../../src/fleet/envelope.js';
import { type Fleet, startFleet } from '../../src/fleet/index.js';
import { fleetStatusText } from '../../src/fleet/status-text.js';
import { createDrivers } from '../../src/hardware/drivers.js';
import { buildHttp } from '../../src/http/app.js';
import { type Gateway, openGateway } from '../../src/service/gateway.js';
import { MONDAY_9AM } from '../support/gateway.js';
import { labSuite } from '../support/lab.js';
import { Mosquitto, until } from '../support/mqtt.js';

const log = pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
const STAFF = { kind: 'user' as const, id: 'test', role: 'admin' as const };
const PASSWORD = 'fleet secret 123';
const DESK = 'meja-utama';
const DOORS = ['pintu-a', 'pintu-b'] as const;
type DoorId = (typeof DOORS)[number];

/** The shipped fleet ACL: the rules checked here are the ones an operator installs. */
const ACL = readFileSync(new URL('../../firmware-config/mosquitto/fleet.acl', import.meta.url), 'utf8');

interface Member {
  id: string;
  dir: string;
  config: Config;
  gateway: Gateway;
  key: KeyObject;
  fleet: Fleet;
}

const newKey = () => generateKeyPairSync('ed25519').privateKey;

/** A gateway on its own data folder with its key in place (fleet.key), opened as main.ts opens it. */
async function member(id: string, key: KeyObject, file: (dir: string) => Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), `pintu-fleet-${id}-`));
  await writeFile(join(dir, 'fleet.key'), key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(
    join(dir, 'pintu.json'),
    JSON.stringify({ dataDir: dir, log: { level: 'error' }, mqtt: { mode: 'off' }, ...file(dir) }),
  );
  const { config } = loadConfig({ file: join(dir, 'pintu.json'), env: {} });
  const drivers = createDrivers(config, { log });
  const gateway = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log,
    now: () => MONDAY_9AM,
  });
  return { id, dir, config, gateway, key };
}

labSuite('fleet on Mosquitto (issue 17)', ['mosquitto'], () => {
  let broker: Mosquitto;
  let desk: Member;
  let deskHttp: FastifyInstance;
  const doors = new Map<DoorId, Member>();
  const doorKeys = new Map<DoorId, KeyObject>(DOORS.map((d) => [d, newKey()]));
  let n = 0;

  const fleetOf = (m: Pick<Member, 'config'>): FleetConfig => m.config.fleet!;
  const door = (id: DoorId) => doors.get(id)!;

  beforeAll(async () => {
    broker = await Mosquitto.start({
      users: [DESK, ...DOORS].map((username) => ({ username, password: PASSWORD })),
      acl: ACL,
    });
    const base = { url: broker.url, password: PASSWORD };
    const deskKey = newKey();
    desk = {
      ...(await member(DESK, deskKey, () => ({
        doors: [
          { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' },
          { id: 'ruang-a', name: 'Ruang A', kind: 'room' },
          { id: 'ruang-b', name: 'Ruang B', kind: 'room' },
        ],
        readers: [{ id: 'desk', role: 'desk' }],
        hosts: [
          {
            id: 'kabag-umum',
            name: 'Kepala Bagian Umum',
            unit: 'Bagian Umum',
            rooms: ['ruang-a', 'ruang-b'],
          },
        ],
        fleet: {
          role: 'desk',
          gatewayId: DESK,
          broker: base,
          gateways: DOORS.map((d) => ({
            id: d,
            publicKey: publicKeyText(doorKeys.get(d)!),
            rooms: [d === 'pintu-a' ? 'ruang-a' : 'ruang-b'],
          })),
        },
      }))),
      fleet: undefined as unknown as Fleet,
    };
    desk.fleet = await startFleet(desk.gateway, fleetOf(desk), log);
    deskHttp = await buildHttp({ gateway: desk.gateway, logger: log, fleet: desk.fleet });
    const deskUrl = await deskHttp.listen({ host: '127.0.0.1', port: 0 });
    for (const d of DOORS) {
      const room = d === 'pintu-a' ? 'ruang-a' : 'ruang-b';
      const m = await member(d, doorKeys.get(d)!, () => ({
        doors: [
          { id: `${d}-masuk`, name: `Pintu ${d}`, kind: 'entrance' },
          { id: room, name: room, kind: 'room' },
        ],
        readers: [
          { id: `${d}-in`, role: 'door', door: `${d}-masuk`, direction: 'in' },
          { id: `${room}-in`, role: 'door', door: room, direction: 'in' },
        ],
        hosts: [],
        fleet: {
          role: 'door',
          gatewayId: d,
          broker: base,
          desk: { url: deskUrl, publicKey: publicKeyText(deskKey) },
        },
      }));
      doors.set(d, { ...m, fleet: await startFleet(m.gateway, fleetOf(m), log) });
    }
    // Each door gateway's session is there (subscribed) before the desk sends anything.
    await until(() => {
      for (const d of DOORS) expect(door(d).fleet.door!.status().connected).toBe(true);
    });
  }, 60_000);

  afterAll(async () => {
    for (const m of doors.values()) {
      await m.fleet.stop();
      await m.gateway.close();
      await rm(m.dir, { recursive: true, force: true });
    }
    await deskHttp?.close();
    await desk?.fleet.stop();
    await desk?.gateway.close();
    if (desk) await rm(desk.dir, { recursive: true, force: true });
    await broker?.stop();
  });

  /** A visit accepted at the desk with `rooms`, badged with the next pool badge; its UID. */
  async function deskVisit(rooms: string[]): Promise<{ visitId: string; uid: string }> {
    const v = desk.gateway.visits;
    const visit = await v.arrive(
      {
        guest: { name: 'Siti Rahayu', institution: 'Dinas Kominfo' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      },
      STAFF,
    );
    await v.screen(visit.id, { passed: true }, STAFF);
    await v.guestbook(visit.id, {}, STAFF);
    await v.decide(visit.id, { outcome: 'accepted', rooms }, STAFF);
    const badged = await v.issueBadge(
      visit.id,
      {
        badge: `TAMU-${String(++n).padStart(2, '0')}`,
        collateral: { type: 'ktp', number: '3578014107900001' },
      },
      STAFF,
    );
    return { visitId: visit.id, uid: desk.gateway.core.state.badges.get(badged.badgeId!)!.uid };
  }

  /** The sentinel: the door gateway has applied everything the desk journaled so far. */
  async function caughtUp(d: DoorId): Promise<void> {
    const head = desk.gateway.core.state.journalSeq;
    await until(() => expect(door(d).fleet.door!.lastSeq).toBeGreaterThanOrEqual(head), 15_000);
  }

  const tap = (d: DoorId, reader: string, uid: string): Decision => {
    const out = door(d).gateway.access.simulate(reader, 'nfc', uid);
    if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
    return out.decision;
  };

  it('a visit accepted at the desk opens at every entrance, and at its rooms where they are driven', async () => {
    const { uid } = await deskVisit(['ruang-a']);
    await caughtUp('pintu-a');
    await caughtUp('pintu-b');
    expect(tap('pintu-a', 'pintu-a-in', uid)).toMatchObject({ granted: true });
    expect(tap('pintu-a', 'ruang-a-in', uid)).toMatchObject({ granted: true });
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: true });
    expect(tap('pintu-b', 'ruang-b-in', uid)).toMatchObject({ granted: false, reason: 'door_not_allowed' });
  });

  it('a checkout at the desk refuses at every door gateway', async () => {
    const { visitId, uid } = await deskVisit(['ruang-a', 'ruang-b']);
    await caughtUp('pintu-a');
    await caughtUp('pintu-b');
    expect(tap('pintu-b', 'ruang-b-in', uid)).toMatchObject({ granted: true });
    await desk.gateway.visits.checkout(visitId, { badgeReturned: true, documentReturned: true }, STAFF);
    await caughtUp('pintu-a');
    await caughtUp('pintu-b');
    for (const [d, reader] of [
      ['pintu-a', 'pintu-a-in'],
      ['pintu-a', 'ruang-a-in'],
      ['pintu-b', 'pintu-b-in'],
      ['pintu-b', 'ruang-b-in'],
    ] as const)
      expect(tap(d, reader, uid), `${d} ${reader}`).toMatchObject({ granted: false, reason: 'checked_out' });
  });

  it('a lockdown at the desk holds at every door gateway, and its release opens them again', async () => {
    const { uid } = await deskVisit([]);
    await desk.gateway.access.setLockdown('*', true, STAFF);
    await caughtUp('pintu-a');
    await caughtUp('pintu-b');
    expect(tap('pintu-a', 'pintu-a-in', uid)).toMatchObject({ granted: false, reason: 'lockdown' });
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: false, reason: 'lockdown' });
    await desk.gateway.access.setLockdown('*', false, STAFF);
    await caughtUp('pintu-a');
    await caughtUp('pintu-b');
    expect(tap('pintu-a', 'pintu-a-in', uid)).toMatchObject({ granted: true });
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: true });
  });

  it("the desk hears each door gateway's progress and its taps (fleet status)", async () => {
    const { uid } = await deskVisit([]);
    await caughtUp('pintu-a');
    const fleet = desk.fleet.desk!;
    const sent = () => fleet.status().find((g) => g.id === 'pintu-a')!;
    await until(() =>
      expect(sent()).toMatchObject({ appliedSeq: door('pintu-a').fleet.door!.lastSeq, lag: 0 }),
    );
    const before = sent().events;
    tap('pintu-a', 'pintu-a-in', uid);
    await until(() => expect(sent().events).toBe(before + 1));
    expect(fleetStatusText({ role: 'desk', connected: true, gateways: fleet.status() })).toMatch(
      /pintu-a: sent up to seq \d+, applied \d+ \(lag 0\), last heard/,
    );
  });

  it('refuses a message not signed by the desk, and ignores a replayed one', async () => {
    // A reader of pintu-a's topics (its own login, another client id) keeps what the desk sent.
    const spy = await mqtt.connectAsync(broker.url, {
      username: 'pintu-a',
      password: PASSWORD,
      clientId: 'spy',
    });
    const seen: Buffer[] = [];
    spy.on('message', (_t, payload) => seen.push(payload));
    await spy.subscribeAsync('pintu/fleet/pintu-a/grants', { qos: 1 });
    const { visitId, uid } = await deskVisit(['ruang-a']);
    await caughtUp('pintu-a');
    await until(() => expect(seen.length).toBeGreaterThan(0));
    const granted = seen.at(-1)!;
    await desk.gateway.visits.checkout(visitId, { badgeReturned: true, documentReturned: true }, STAFF);
    await caughtUp('pintu-a');
    expect(tap('pintu-a', 'pintu-a-in', uid)).toMatchObject({ granted: false, reason: 'checked_out' });

    // Whoever holds a login that may publish there (the desk's, here): a forged grant for the
    // visit, far ahead in the sequence, and the desk's own earlier grant sent again.
    const fleet = door('pintu-a').fleet.door!;
    const refused = new Promise((r) => fleet.once('refused', r));
    const duplicate = new Promise((r) => fleet.once('duplicate', r));
    const attacker = await mqtt.connectAsync(broker.url, {
      username: DESK,
      password: PASSWORD,
      clientId: 'attacker',
    });
    const forged = seal(
      {
        v: 1,
        gateway: 'pintu-a',
        seq: fleet.lastSeq + 1000,
        prev: fleet.lastSeq,
        at: Date.now(),
        kind: 'visit',
        visit: {
          id: visitId,
          status: 'badged',
          rooms: ['ruang-a'],
          hostId: 'kabag-umum',
          institution: 'x',
          purpose: 'x',
        },
      },
      newKey(),
    );
    await attacker.publishAsync('pintu/fleet/pintu-a/grants', forged, { qos: 1 });
    await attacker.publishAsync('pintu/fleet/pintu-a/grants', granted, { qos: 1 });
    await refused;
    await duplicate;
    await attacker.endAsync();
    await spy.endAsync();
    // A later grant from the desk still applies in sequence: the forged seq did not move it.
    const later = await deskVisit([]);
    await caughtUp('pintu-a');
    expect(fleet.lastSeq).toBe(desk.gateway.core.state.journalSeq);
    expect(tap('pintu-a', 'pintu-a-in', uid)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(tap('pintu-a', 'pintu-a-in', later.uid)).toMatchObject({ granted: true });
    expect(fleet.status()).toMatchObject({ refused: 1 });
  });

  it('a gateway away while a visit ended never lets it in once back: messages kept by the broker', async () => {
    const { visitId, uid } = await deskVisit([]);
    await caughtUp('pintu-b');
    const m = door('pintu-b');
    await m.fleet.stop();
    await desk.gateway.visits.checkout(visitId, { badgeReturned: true, documentReturned: true }, STAFF);
    // Away, it decides from what it has: the guest it knows still passes (no outage strands one).
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: true });
    m.fleet = await startFleet(m.gateway, fleetOf(m), log);
    await caughtUp('pintu-b');
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(m.fleet.door!.status().snapshots).toBe(0);
  });

  it('... and when the broker lost them: the head shows the gap, a snapshot closes it', async () => {
    const { visitId, uid } = await deskVisit([]);
    await caughtUp('pintu-b');
    const m = door('pintu-b');
    await m.fleet.stop();
    await desk.gateway.visits.checkout(visitId, { badgeReturned: true, documentReturned: true }, STAFF);
    const next = await deskVisit([]);
    // The desk has handed all of it to the broker (into the session about to be lost)...
    const head = desk.gateway.core.state.journalSeq;
    await until(() =>
      expect(desk.fleet.desk!.status().find((g) => g.id === 'pintu-b')?.lastSentSeq).toBe(head),
    );
    // ...and the session is gone: a clean connection with its client id.
    const wipe = await mqtt.connectAsync(broker.url, {
      username: 'pintu-b',
      password: PASSWORD,
      clientId: 'pintu-fleet-pintu-b',
      clean: true,
    });
    await wipe.endAsync();
    m.fleet = await startFleet(m.gateway, fleetOf(m), log);
    const snapshot = new Promise((r) => m.fleet.door!.once('snapshot', r));
    await snapshot;
    await caughtUp('pintu-b');
    expect(tap('pintu-b', 'pintu-b-in', uid)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(tap('pintu-b', 'pintu-b-in', next.uid)).toMatchObject({ granted: true });
  });
});
