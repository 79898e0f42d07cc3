// A real gateway on a temporary data folder with simulated hardware, and its HTTP app for
// fastify.inject(). The clock is settable so tests can stand inside or outside office hours.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Actor, Role, Visit } from '../../src/domain/types.js';
import { type ClockSyncPort, SimClockSync } from '../../src/hardware/clock-sync.js';
import { createDrivers, type DriverOptions, type Drivers } from '../../src/hardware/drivers.js';
import type { SimLock } from '../../src/hardware/sim.js';
import { buildHttp } from '../../src/http/app.js';
import { mqttContractDocuments } from '../../src/mqtt/asyncapi.js';
import { type Gateway, openGateway } from '../../src/service/gateway.js';
import { eventually } from './lab-tools.js';

/** Monday 2026-11-30 09:00 in Asia/Jakarta (02:00 UTC): inside office hours. */
export const MONDAY_9AM = Date.UTC(2026, 10, 30, 2, 0, 0);

export interface TestGateway {
  dir: string;
  config: Config;
  gateway: Gateway;
  app: FastifyInstance;
  clock: { now: number };
  lock(doorId: string): SimLock;
  /** The ports built from the configuration (real drivers when the config asks for them). */
  drivers: Drivers;
  /** Session cookie header for a fresh user of this role (hosts act as host `kabag-umum`). */
  login(role: Role): Promise<string>;
  close(): Promise<void>;
}

/**
 * A gateway opening on `dir` as main opens one (the embedded defaults, simulated drivers, Monday
 * 09:00, the clock synchronised): the open itself is returned unawaited, for tests of what a
 * start does (its doors-up step, its failures). `onDoorsUp` gets the drivers.
 */
export function openOnDataDir(
  dir: string,
  opts: { onDoorsUp?: (drivers: Drivers) => void; drivers?: (drivers: Drivers) => void } = {},
): { config: Config; log: Logger; drivers: Drivers; opening: Promise<Gateway> } {
  const { config } = loadConfig({ env: { PINTU_DATA_DIR: dir } });
  const log = pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
  const drivers = createDrivers(config, { log });
  opts.drivers?.(drivers);
  const onDoorsUp = opts.onDoorsUp;
  const opening = openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log,
    now: () => MONDAY_9AM,
    clockSync: new SimClockSync(true),
    ...(onDoorsUp ? { onDoorsUp: () => onDoorsUp(drivers) } : {}),
  });
  return { config, log, drivers, opening };
}

/**
 * Resolves once a client waits on this desk reader (GET /desk/next-tap, a badge by nextTap): the
 * sentinel before a tap meant for that wait. With `gone`, once nobody waits there any more.
 */
export async function deskWaiting(
  t: Pick<TestGateway, 'gateway'>,
  readerId = 'desk',
  gone = false,
): Promise<void> {
  await eventually(() => {
    if ((t.gateway.access.desk.holder(readerId) === undefined) !== gone)
      throw new Error(`${gone ? 'still a wait' : 'no wait'} on the reader ${readerId}`);
  });
}

export async function startTestGateway(
  opts: {
    env?: Record<string, string>;
    dir?: string;
    now?: number;
    /** A configuration file (YAML) instead of the embedded defaults. */
    file?: string;
    /** Whether the clock is synchronised (default: synchronised, whatever this machine says). */
    clockSync?: ClockSyncPort;
    /** Passed to createDrivers (a GPIO backend or PC/SC context of the test's own). */
    driverOptions?: DriverOptions;
    /** The gateway's and HTTP's logger (default: PINTU_TEST_LOG's level, else silent). */
    log?: Logger;
  } = {},
): Promise<TestGateway> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'pintu-test-')));
  const { config } = loadConfig({
    ...(opts.file ? { file: opts.file } : {}),
    env: { PINTU_DATA_DIR: dir, ...(opts.env ?? {}) },
  });
  const clock = { now: opts.now ?? MONDAY_9AM };
  const log = opts.log ?? pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
  const drivers = createDrivers(config, { log, ...opts.driverOptions });
  const gateway = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    ...(drivers.siteKeys ? { siteKeys: drivers.siteKeys } : {}),
    log,
    now: () => clock.now,
    clockSync: opts.clockSync ?? new SimClockSync(true),
  });
  const app = await buildHttp({
    gateway,
    logger: log,
    loginRateLimit: { max: 5, windowMinutes: 15 },
    // As main gives it.
    mqttContract: mqttContractDocuments(),
  });
  await app.ready();
  let n = 0;
  return {
    dir,
    config,
    gateway,
    app,
    clock,
    lock: (doorId) => drivers.locks.get(doorId) as SimLock,
    drivers,
    async login(role) {
      const username = `${role}${++n}`;
      const password = 'correct horse battery';
      await gateway.accounts.addUser(
        { username, role, password, ...(role === 'host' ? { hostId: 'kabag-umum' } : {}) },
        { kind: 'system', id: 'test' },
      );
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password },
      });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'pintu_session');
      return `pintu_session=${cookie!.value}`;
    },
    async close() {
      await app.close();
      await gateway.close();
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A visit's SOP step timings as the API gives them (GET /visits/:id, as the receptionist). */
export async function visitTimings(t: TestGateway, visitId: string): Promise<Array<{ minutes: number }>> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/visits/${visitId}`,
    headers: { cookie: await t.login('receptionist') },
  });
  return res.json().timings;
}

const SYSTEM: Actor = { kind: 'system', id: 'test' };

/**
 * A guest's arrival (SOP step 1) for a meeting with kabag-umum, through the services (no HTTP),
 * by `actor` (default: the system).
 */
export function arrivedVisit(
  gateway: Gateway,
  opts: { name?: string; institution?: string; actor?: Actor } = {},
): Promise<Visit> {
  return gateway.visits.arrive(
    {
      guest: { name: opts.name ?? 'Tamu', institution: opts.institution ?? 'BPKAD' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    },
    opts.actor ?? SYSTEM,
  );
}

/**
 * An arrival (arrivedVisit) walked through the SOP up to the host's acceptance with `rooms`:
 * where desk and badge tests start from.
 */
export async function acceptedVisit(
  gateway: Gateway,
  opts: { name?: string; institution?: string; rooms?: string[]; actor?: Actor } = {},
): Promise<Visit> {
  const actor = opts.actor ?? SYSTEM;
  const v = await arrivedVisit(gateway, opts);
  await gateway.visits.screen(v.id, { passed: true }, actor);
  await gateway.visits.guestbook(v.id, {}, actor);
  const { visit } = await gateway.visits.decide(
    v.id,
    { outcome: 'accepted', rooms: opts.rooms ?? [] },
    actor,
  );
  return visit;
}

/**
 * An accepted visit (acceptedVisit) given its badge: where door tests start from. The KTP number
 * is a test one.
 */
export async function badgedVisit(
  gateway: Gateway,
  opts: { name?: string; institution?: string; badge: string; rooms?: string[]; actor?: Actor },
): Promise<Visit> {
  const v = await acceptedVisit(gateway, opts);
  return gateway.visits.issueBadge(
    v.id,
    { badge: opts.badge, collateral: { type: 'ktp', number: '3578014107900001' } },
    opts.actor ?? SYSTEM,
  );
}
