// A fleet in one process (README "Fleet"): a desk gateway and N door gateways on a broker, each
// with its own data folder, key and login, opened as main.ts opens a gateway, the desk's
// snapshot served over real HTTP on loopback; and the same on real Mosquittos, one or two bridged
// (startMosquittoFleet). Used by the fleet suites on Mosquitto and the propagation campaign
// (campaigns/fleet.ts).
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config, FleetConfig } from '../../src/config/schema.js';
import type { Decision, DenyReason } from '../../src/domain/types.js';
import type { PeerStatus } from '../../src/fleet/desk.js';
import { publicKeyText } from '../../src/fleet/envelope.js';
import { type Fleet, startFleet } from '../../src/fleet/index.js';
import { createDrivers } from '../../src/hardware/drivers.js';
import { buildHttp } from '../../src/http/app.js';
import { type Gateway, openGateway } from '../../src/service/gateway.js';
import { MONDAY_9AM } from './gateway.js';
import { eventually } from './lab-tools.js';
import { Mosquitto } from './mqtt.js';

export const FLEET_PASSWORD = 'fleet secret 123';
export const DESK_ID = 'meja-utama';
const STAFF = { kind: 'user' as const, id: 'test', role: 'admin' as const };

/** The shipped fleet ACL, its desk login renamed to `desk`. */
export function fleetAcl(desk = DESK_ID): string {
  const text = readFileSync(new URL('../../firmware-config/mosquitto/fleet.acl', import.meta.url), 'utf8');
  return text.replace(/^user meja-utama$/m, `user ${desk}`);
}

/** The door gateways' ids of a site of `n`: pintu-1 ... pintu-n. */
export function fleetDoorIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `pintu-${i + 1}`);
}

/**
 * One Mosquitto with the desk's and `doorIds`' logins and the shipped fleet ACL, persistent
 * unless asked otherwise (a site's sessions and queues survive a broker restart).
 */
export function startFleetBroker(
  doorIds: readonly string[],
  opts: { persistence?: boolean; maxQueued?: number } = {},
): Promise<Mosquitto> {
  return Mosquitto.start({
    users: [DESK_ID, ...doorIds].map((username) => ({ username, password: FLEET_PASSWORD })),
    acl: fleetAcl(),
    persistence: opts.persistence ?? true,
    ...(opts.maxQueued !== undefined ? { maxQueued: opts.maxQueued } : {}),
  });
}

/** The login the bridge of `startBridgedBrokers` uses on the doors' broker. */
export const BRIDGE_ID = 'pintu-bridge';

/**
 * Two Mosquittos as two buildings run them: A (the desk's) and B (the door gateways'), each
 * with its own logins and the shipped fleet ACL, and A bridged to B as README "Fleet" sets it
 * up (`topic pintu/fleet/# both 1`, `cleansession false`, its own login on B, which B's ACL
 * lets through `pintu/fleet/#` only). Both persistent: a broker restart keeps its sessions.
 */
export async function startBridgedBrokers(
  doorIds: readonly string[],
): Promise<{ a: Mosquitto; b: Mosquitto }> {
  const b = await Mosquitto.start({
    users: [BRIDGE_ID, ...doorIds].map((username) => ({ username, password: FLEET_PASSWORD })),
    acl: `${fleetAcl()}\nuser ${BRIDGE_ID}\ntopic readwrite pintu/fleet/#\n`,
    persistence: true,
  });
  const a = await Mosquitto.start({
    users: [{ username: DESK_ID, password: FLEET_PASSWORD }],
    acl: fleetAcl(),
    persistence: true,
    conf: fleetBridge(b.port, FLEET_PASSWORD),
  });
  return { a, b };
}

/** The `connection` block of firmware-config/mosquitto/fleet-bridge.conf, for a broker on loopback. */
export function fleetBridge(port: number, password: string): string[] {
  const text = readFileSync(
    new URL('../../firmware-config/mosquitto/fleet-bridge.conf', import.meta.url),
    'utf8',
  );
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) =>
      l
        .replace(/^address .*/, `address 127.0.0.1:${port}`)
        .replace(/^remote_password .*/, `remote_password ${password}`)
        // A lab restarts brokers within seconds; a site's default back-off (up to minutes) would
        // only slow the test down.
        .replace(/^restart_timeout .*/, 'restart_timeout 1 2'),
    );
}

export interface Member {
  id: string;
  dir: string;
  config: Config;
  gateway: Gateway;
  key: KeyObject;
  /** The gateway's clock (MONDAY_9AM until a test moves it). */
  clock: { now: number };
  fleet: Fleet;
  /** A new fleet part, once the old one was stopped (a gateway cut off, back). */
  resumeFleet(): Promise<void>;
}

export interface FleetSite {
  desk: Member;
  doors: Map<string, Member>;
  door(id: string): Member;
  /**
   * A visit accepted at the desk with `rooms` and badged with the next pool badge (or `label`);
   * its UID, and its keypad code when it has rooms.
   */
  deskVisit(rooms: string[], label?: string): Promise<{ visitId: string; uid: string; code?: string }>;
  checkout(visitId: string): Promise<void>;
  /**
   * Resolves once the door gateway has applied everything the desk journaled so far (but the
   * door gateways' taps it recorded, which travel no further).
   */
  caughtUp(id: string, timeoutMs?: number): Promise<void>;
  /** caughtUp for every door gateway. */
  allCaughtUp(timeoutMs?: number): Promise<void>;
  tap(id: string, reader: string, uid: string): Decision;
  /**
   * Taps `uid` at each [door gateway, reader] of `at`: where it was not refused for `reason`, as
   * "<gateway> <reader>: <decision>" (a test expects none).
   */
  notRefused(uid: string, at: ReadonlyArray<readonly [string, string]>, reason: DenyReason): string[];
  close(): Promise<void>;
}

const newKey = () => generateKeyPairSync('ed25519').privateKey;

async function openMember(
  id: string,
  key: KeyObject,
  file: { fleet: Record<string, unknown> } & Record<string, unknown>,
  codeKey: Buffer,
  log: Logger,
): Promise<Omit<Member, 'fleet' | 'resumeFleet'>> {
  const dir = await mkdtemp(join(tmpdir(), `pintu-fleet-${id}-`));
  await writeFile(join(dir, 'fleet.key'), key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // The fleet's keypad code key: one key, a copy in each gateway's folder.
  await writeFile(join(dir, 'code.key'), codeKey, { mode: 0o600 });
  const fleet = { ...file.fleet, codeKeyFile: join(dir, 'code.key') };
  await writeFile(
    join(dir, 'pintu.json'),
    JSON.stringify({ dataDir: dir, log: { level: 'error' }, mqtt: { mode: 'off' }, ...file, fleet }),
  );
  const { config } = loadConfig({ file: join(dir, 'pintu.json'), env: {} });
  const drivers = createDrivers(config, { log });
  const clock = { now: MONDAY_9AM };
  const gateway = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log,
    now: () => clock.now,
  });
  return { id, dir, config, gateway, key, clock };
}

function withFleet(m: Omit<Member, 'fleet' | 'resumeFleet'>, fleet: Fleet, log: Logger): Member {
  const member: Member = {
    ...m,
    fleet,
    async resumeFleet() {
      member.fleet = await startFleet(m.gateway, m.config.fleet as FleetConfig, log);
    },
  };
  return member;
}

/**
 * Door gateway `i` drives an entrance `<id>-masuk` (reader `<id>-in`) and the room `ruang-<i>`
 * (reader `ruang-<i>-in`, a keypad too); the desk's host may grant every room. Badges: the default pool.
 */
export async function startFleetSite(opts: {
  brokerUrl: string;
  /** The door gateways' broker, where it is not the desk's (bridged brokers). */
  doorBrokerUrl?: string;
  doors: number;
  log?: Logger;
  /** Done at the desk before its fleet part starts (a desk that joins a fleet with a history). */
  beforeFleet?: (desk: Gateway) => Promise<void>;
  /** More fleet settings of every door gateway (fleet.statusSeconds). */
  doorFleet?: Record<string, unknown>;
}): Promise<FleetSite> {
  const log = opts.log ?? pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
  const ids = fleetDoorIds(opts.doors);
  const room = (i: number) => `ruang-${i + 1}`;
  const doorKeys = ids.map(() => newKey());
  const deskKey = newKey();
  const codeKey = randomBytes(32);
  const broker = (username: string, url = opts.brokerUrl) => ({ url, username, password: FLEET_PASSWORD });
  const deskBase = await openMember(
    DESK_ID,
    deskKey,
    {
      doors: [
        { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' },
        ...ids.map((_, i) => ({ id: room(i), name: room(i), kind: 'room' })),
      ],
      readers: [{ id: 'desk', role: 'desk' }],
      hosts: [
        {
          id: 'kabag-umum',
          name: 'Kepala Bagian Umum',
          unit: 'Bagian Umum',
          rooms: ids.map((_, i) => room(i)),
        },
      ],
      fleet: {
        role: 'desk',
        gatewayId: DESK_ID,
        broker: broker(DESK_ID),
        gateways: ids.map((id, i) => ({ id, publicKey: publicKeyText(doorKeys[i]!), rooms: [room(i)] })),
      },
    },
    codeKey,
    log,
  );
  await opts.beforeFleet?.(deskBase.gateway);
  const desk = withFleet(deskBase, await startFleet(deskBase.gateway, deskBase.config.fleet!, log), log);
  const http: FastifyInstance = await buildHttp({ gateway: desk.gateway, logger: log, fleet: desk.fleet });
  const deskUrl = await http.listen({ host: '127.0.0.1', port: 0 });
  const doors = new Map<string, Member>();
  for (const [i, id] of ids.entries()) {
    const m = await openMember(
      id,
      doorKeys[i]!,
      {
        doors: [
          { id: `${id}-masuk`, name: `Pintu ${id}`, kind: 'entrance' },
          { id: room(i), name: room(i), kind: 'room' },
        ],
        readers: [
          { id: `${id}-in`, role: 'door', door: `${id}-masuk`, direction: 'in' },
          { id: `${room(i)}-in`, role: 'door', door: room(i), direction: 'in', keypad: true },
        ],
        hosts: [],
        fleet: {
          role: 'door',
          gatewayId: id,
          broker: broker(id, opts.doorBrokerUrl),
          desk: { url: deskUrl, publicKey: publicKeyText(deskKey) },
          ...opts.doorFleet,
        },
      },
      codeKey,
      log,
    );
    doors.set(id, withFleet(m, await startFleet(m.gateway, m.config.fleet!, log), log));
  }
  const door = (id: string) => {
    const m = doors.get(id);
    if (!m) throw new Error(`no door gateway ${id}`);
    return m;
  };
  // Each door gateway's session is there (subscribed) before the desk sends anything.
  await eventually(() => {
    for (const m of doors.values())
      if (!m.fleet.door?.status().connected) throw new Error(`${m.id} not connected`);
  }, 30_000);
  // The desk's last entry that is news for the door gateways: its own, not one of their taps.
  let deskHead = desk.gateway.core.state.journalSeq;
  desk.gateway.core.bus.on('entry', (e) => {
    if (e.type !== 'fleet.access') deskHead = e.seq;
  });
  let badge = 0;
  const caughtUp = async (id: string, timeoutMs = 15_000) => {
    const head = deskHead;
    await eventually(() => {
      const at = door(id).fleet.door?.lastSeq ?? 0;
      if (at < head) throw new Error(`${id} at seq ${at}, the desk at ${head}`);
    }, timeoutMs);
  };
  const tap = (id: string, reader: string, uid: string) => {
    const out = door(id).gateway.access.simulate(reader, 'nfc', uid);
    if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
    return out.decision;
  };
  return {
    desk,
    doors,
    door,
    async deskVisit(rooms, chosen) {
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
      const { accessCode: code } = await v.decide(visit.id, { outcome: 'accepted', rooms }, STAFF);
      // The pool's ten badges, each back at its checkout before it is handed out again.
      const label = chosen ?? `TAMU-${String((badge++ % 10) + 1).padStart(2, '0')}`;
      const badged = await v.issueBadge(
        visit.id,
        { badge: label, collateral: { type: 'ktp', number: '3578014107900001' } },
        STAFF,
      );
      const b = desk.gateway.core.state.badges.get(badged.badgeId ?? '');
      if (!b) throw new Error('the badge is not in the pool');
      return { visitId: visit.id, uid: b.uid, ...(code ? { code } : {}) };
    },
    async checkout(visitId) {
      await desk.gateway.visits.checkout(visitId, { badgeReturned: true, documentReturned: true }, STAFF);
    },
    caughtUp,
    async allCaughtUp(timeoutMs) {
      for (const id of doors.keys()) await caughtUp(id, timeoutMs);
    },
    tap,
    notRefused(uid, at, reason) {
      return at.flatMap(([id, reader]) => {
        const d = tap(id, reader, uid);
        return !d.granted && d.reason === reason ? [] : [`${id} ${reader}: ${JSON.stringify(d)}`];
      });
    },
    async close() {
      for (const m of doors.values()) {
        await m.fleet.stop();
        await m.gateway.close();
        await rm(m.dir, { recursive: true, force: true });
      }
      await http.close();
      await desk.fleet.stop();
      await desk.gateway.close();
      await rm(desk.dir, { recursive: true, force: true });
    },
  };
}

/** A fleet site on real Mosquittos: the brokers start before it and stop after it. */
export interface MosquittoFleet extends FleetSite {
  /** The desk's broker (A), the only one unless bridged. */
  broker: Mosquitto;
  /** The door gateways' broker: B when bridged, else the desk's. */
  doorBroker: Mosquitto;
  /** What the desk knows of door gateway `id` (`pintu fleet status`). */
  heard(id: string): PeerStatus;
  /** Resolves once the desk has handed the broker all it journaled so far for door gateway `id`. */
  sentTo(id: string, timeoutMs?: number): Promise<void>;
  /** Door gateway `id`'s session (and what the broker kept in it) gone: a clean connection with its client id. */
  loseSession(id: string): Promise<void>;
}

/**
 * `doors` door gateways and a desk on one persistent Mosquitto with the shipped fleet ACL, or,
 * `bridged`, on the two brokers of `startBridgedBrokers` (the desk on A, the doors on B).
 */
export async function startMosquittoFleet(opts: {
  doors: number;
  bridged?: boolean;
  /** The one broker's queue per client (max_queued_messages); not with `bridged`. */
  maxQueued?: number;
  /** More fleet settings of every door gateway (fleet.statusSeconds). */
  doorFleet?: Record<string, unknown>;
}): Promise<MosquittoFleet> {
  const ids = fleetDoorIds(opts.doors);
  let broker: Mosquitto;
  let doorBroker: Mosquitto;
  if (opts.bridged) {
    if (opts.maxQueued !== undefined) throw new Error('maxQueued is for one broker, not bridged ones');
    ({ a: broker, b: doorBroker } = await startBridgedBrokers(ids));
  } else doorBroker = broker = await startFleetBroker(ids, { maxQueued: opts.maxQueued });
  const stopBrokers = async () => {
    await broker.stop();
    if (doorBroker !== broker) await doorBroker.stop();
  };
  let site: FleetSite;
  try {
    site = await startFleetSite({
      brokerUrl: broker.url,
      doorBrokerUrl: doorBroker.url,
      doors: opts.doors,
      ...(opts.doorFleet ? { doorFleet: opts.doorFleet } : {}),
    });
  } catch (err) {
    await stopBrokers();
    throw err;
  }
  const heard = (id: string) => {
    const peer = site.desk.fleet.desk?.status().find((g) => g.id === id);
    if (!peer) throw new Error(`the desk has no status for ${id}`);
    return peer;
  };
  return {
    ...site,
    broker,
    doorBroker,
    heard,
    async sentTo(id, timeoutMs) {
      const head = site.desk.gateway.core.state.journalSeq;
      await eventually(() => {
        const sent = heard(id).lastSentSeq;
        if (sent !== head) throw new Error(`the desk sent ${id} up to seq ${sent}, its head is ${head}`);
      }, timeoutMs);
    },
    async loseSession(id) {
      const wipe = await mqtt.connectAsync(doorBroker.url, {
        username: id,
        password: FLEET_PASSWORD,
        clientId: `pintu-fleet-${id}`,
        clean: true,
      });
      await wipe.endAsync();
    },
    async close() {
      await site.close();
      await stopBrokers();
    },
  };
}
