// MQTT test harness: a gateway wired as main.ts wires it (room hub -> drivers -> gateway ->
// MQTT service -> HTTP), on its embedded broker or on a private Mosquitto the test starts
// (its own config, users and ACL in a tmp dir, on a free port), plus plain clients.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createDrivers, type Drivers } from '../../src/hardware/drivers.js';
import type { ReaderPort } from '../../src/hardware/ports.js';
import { buildHttp } from '../../src/http/app.js';
import type { MqttRole } from '../../src/mqtt/acl.js';
import { createRoomHub, type RoomHub } from '../../src/mqtt/rooms.js';
import { MqttService } from '../../src/mqtt/service.js';
import type { SimController } from '../../src/mqtt/sim-controller.js';
import { MqttUsers, mqttUsersFile } from '../../src/mqtt/users.js';
import { type Gateway, type GatewayOptions, openGateway } from '../../src/service/gateway.js';
import { MONDAY_9AM } from './gateway.js';
import { stopProcess } from './lab-tools.js';
import { limit } from './limits.js';

const run = promisify(execFile);

export const TEST_PASSWORD = 'correct horse battery staple';
export const BADGE_UID = '04A1B2C3D4E501';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A QoS 1 publish the broker may refuse: settles once the broker has dealt with it, at its
 * PUBACK (whatever the reason code) or when the broker closes the connection. What the broker
 * let through is then on its way to subscribers ahead of anything published after.
 */
export function attempt(
  p: Promise<unknown>,
  from: { once(event: 'close', listener: () => void): unknown },
): Promise<void> {
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => from.once('close', () => resolve())),
  ]);
}

/** Polls until `check` holds (or throws its last failure). */
export { eventually as until } from './lab-tools.js';

export interface TestUser {
  username: string;
  role: MqttRole;
  room?: string;
}

/** The site of the MQTT tests: an entrance (sim), two rooms on controllers, a keypad reader on r101. */
export function siteConfig(
  dir: string,
  mqttSection: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    dataDir: dir,
    log: { level: 'error' },
    display: { guestName: 'initials' },
    mqtt: { rooms: { commandTimeoutMs: 150, retries: 2 }, ...mqttSection },
    doors: [
      { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' },
      {
        id: 'ruang-101',
        name: 'Ruang 101',
        kind: 'room',
        lock: { driver: 'mqtt', room: 'r101' },
        pulseMs: 500,
      },
      { id: 'ruang-102', name: 'Ruang 102', kind: 'room', lock: { driver: 'mqtt', room: 'r102' } },
    ],
    readers: [
      { id: 'desk', role: 'desk' },
      { id: 'pintu-utama-in', role: 'door', door: 'pintu-utama', direction: 'in' },
      { id: 'pintu-utama-out', role: 'door', door: 'pintu-utama', direction: 'out' },
      {
        id: 'r101-in',
        role: 'door',
        door: 'ruang-101',
        direction: 'in',
        keypad: true,
        driver: { type: 'mqtt' },
      },
      { id: 'r102-in', role: 'door', door: 'ruang-102', direction: 'in', driver: { type: 'mqtt' } },
    ],
    hosts: [
      {
        id: 'kabag-umum',
        name: 'Kepala Bagian Umum',
        unit: 'Bagian Umum',
        rooms: ['ruang-101', 'ruang-102'],
      },
    ],
    ...extra,
  };
}

export interface MqttGateway {
  dir: string;
  config: Config;
  gateway: Gateway;
  mqtt: MqttService;
  hub: RoomHub;
  drivers: Drivers;
  app: FastifyInstance;
  clock: { now: number };
  /** URL of the broker for plain clients. */
  url: string;
  /** A badged visit (badge TAMU-0n) with both rooms granted; its keypad code. */
  badgedVisit(badge?: string, guest?: string): Promise<{ visitId: string; code: string; uid: string }>;
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

const STAFF = { kind: 'user' as const, id: 'test', role: 'admin' as const };
const usersFiles = new Map<string, string>();

export async function startMqttGateway(opts: {
  mqtt: Record<string, unknown>;
  dir?: string;
  users?: TestUser[];
  extra?: Record<string, unknown>;
  /** The URL plain clients use (external mode: the Mosquitto's). */
  url?: string;
  /** Reader ports of the test's own, in place of the configured drivers (same ids). */
  readers?: ReaderPort[];
  /** When a reader without its device counts as offline. */
  readerWatch?: GatewayOptions['readerWatch'];
  /** The gateway's logger (silent unless PINTU_TEST_LOG says otherwise). */
  log?: Logger;
}): Promise<MqttGateway> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'pintu-mqtt-')));
  const file = join(dir, 'pintu.json');
  await writeFile(file, JSON.stringify(siteConfig(dir, opts.mqtt, opts.extra)));
  const { config } = loadConfig({ file, env: {} });
  if (opts.users?.length) {
    // scrypt is slow on purpose: the same users are hashed once per test run.
    const key = JSON.stringify(opts.users);
    const cached = usersFiles.get(key);
    if (cached && !existsSync(mqttUsersFile(dir)))
      await writeFile(mqttUsersFile(dir), cached, { mode: 0o600 });
    else {
      const users = await MqttUsers.open(mqttUsersFile(dir));
      for (const u of opts.users)
        if (!users.get(u.username)) await users.add({ ...u, password: TEST_PASSWORD });
      usersFiles.set(key, await readFile(mqttUsersFile(dir), 'utf8'));
    }
  }
  const log = opts.log ?? pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
  const clock = { now: MONDAY_9AM };
  const hub = createRoomHub(config, log)!;
  const drivers = createDrivers(config, { log, rooms: hub });
  for (const r of opts.readers ?? []) drivers.readers.set(r.id, r);
  const gateway = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log,
    now: () => clock.now,
    ...(opts.readerWatch ? { readerWatch: opts.readerWatch } : {}),
  });
  let service: MqttService;
  try {
    service = await MqttService.start({ config, gateway, rooms: hub, log, version: '0.0.0-test' });
  } catch (err) {
    await gateway.close();
    if (!opts.dir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const app = await buildHttp({ gateway, logger: log, health: { mqtt: () => service.health() } });
  await app.ready();
  const url = opts.url ?? `mqtt://127.0.0.1:${config.mqtt.port}`;
  let n = 0;
  return {
    dir,
    config,
    gateway,
    mqtt: service,
    hub,
    drivers,
    app,
    clock,
    url,
    async badgedVisit(badge = `TAMU-0${++n}`, guest = 'Siti Rahayu') {
      const v = gateway.visits;
      const visit = await v.arrive(
        { guest: { name: guest, institution: 'Dinas Kominfo' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        STAFF,
      );
      await v.screen(visit.id, { passed: true }, STAFF);
      await v.guestbook(visit.id, {}, STAFF);
      const { accessCode } = await v.decide(
        visit.id,
        { outcome: 'accepted', rooms: ['ruang-101', 'ruang-102'] },
        STAFF,
      );
      const issued = await v.issueBadge(
        visit.id,
        { badge, collateral: { type: 'ktp', number: '3578014107900001' } },
        STAFF,
      );
      const uid = gateway.core.state.badges.get(issued.badgeId!)!.uid;
      return { visitId: visit.id, code: accessCode!, uid };
    },
    async close(o = {}) {
      await app.close();
      await gateway.close();
      await service.stop();
      if (!o.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Cut the gateway's connections without a DISCONNECT, as a network failure would. */
export function cutConnections(g: MqttGateway): void {
  const streamOf = (o: unknown) => (o as { client?: { stream?: { destroy(): void } } }).client?.stream;
  streamOf(g.mqtt.link)?.destroy();
  streamOf(g.mqtt.events)?.destroy();
}

// ---------------------------------------------------------------- plain clients

export interface Collected {
  client: MqttClient;
  /** Filters the broker refused (SUBACK 0x80). */
  refused: string[];
  messages: Array<{ topic: string; payload: string; retain: boolean }>;
  /** Messages on one topic (payload text). */
  on(topic: string): string[];
  end(): Promise<void>;
}

let ids = 0;
/** A client id bound to the login (`<user name>-<n>`), as the brokers require, unless the test names one. */
function boundId(o: IClientOptions): IClientOptions {
  return o.username !== undefined ? { clientId: `${o.username}-t${process.pid}-${++ids}` } : {};
}

/** Connect (resolves at CONNACK, rejects when refused), subscribe, and collect what arrives. */
export async function client(
  url: string,
  o: IClientOptions & { subscribe?: string[]; qos?: 0 | 1 | 2 } = {},
): Promise<Collected> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...boundId(o), ...o });
  const messages: Collected['messages'] = [];
  c.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }),
  );
  const refused: string[] = [];
  for (const filter of o.subscribe ?? []) {
    // A broker may refuse one filter (SUBACK 0x80): noted, the others stand.
    const granted = await c
      .subscribeAsync(filter, { qos: o.qos ?? 1 })
      .catch(() => [{ topic: filter, qos: 128 }]);
    if (granted.some((g) => g.qos === 128)) refused.push(filter);
  }
  return {
    client: c,
    refused,
    messages,
    on: (topic) => messages.filter((m) => m.topic === topic).map((m) => m.payload),
    end: () => c.endAsync(true).then(() => undefined),
  };
}

/** Try to connect; the CONNACK return code on refusal, 0 on success. */
export async function connectCode(url: string, o: IClientOptions): Promise<number> {
  try {
    // A deadline for the broker's answer, not a bound on it: a refusal (a password hash checked)
    // on a busy core took 7 s once, and a timeout here reads as "no code" (-1).
    const c = await mqtt.connectAsync(url, {
      reconnectPeriod: 0,
      connectTimeout: limit(20_000),
      ...boundId(o),
      ...o,
    });
    await c.endAsync(true);
    return 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    return typeof code === 'number' ? code : -1;
  }
}

// ---------------------------------------------------------------- Mosquitto

export interface MosquittoUser {
  username: string;
  password: string;
}

/**
 * The shipped Mosquitto ACL (firmware-config/mosquitto/pintu.acl), its example logins
 * renamed to the test's: the contract's rules on a real Mosquitto are the shipped ones.
 */
export function mosquittoAcl(users: {
  gateway: string;
  facilities: string[];
  homeassistant: string[];
  rooms: Record<string, string>;
}): string {
  const text = readFileSync(new URL('../../firmware-config/mosquitto/pintu.acl', import.meta.url), 'utf8');
  const blocks = new Map<string, string>();
  for (const block of text.split(/^(?=user )/m)) {
    const name = block.match(/^user (\S+)/)?.[1];
    if (name) blocks.set(name, block.replace(/^#.*$/gm, '').trim());
  }
  const as = (example: string, user: string) => blocks.get(example)!.replace(/^user \S+/, `user ${user}`);
  return `${[
    as('gerbang-1', users.gateway),
    as('gerbang-1-events', `${users.gateway}-events`),
    ...users.facilities.map((f) => as('facilities-1', f)),
    ...users.homeassistant.map((h) => as('homeassistant', h)),
    ...Object.entries(users.rooms).map(([user, room]) =>
      as('ctl-ruang-kabag', user).replaceAll('ruang-kabag', room),
    ),
  ].join('\n\n')}\n`;
}

/** A gateway's Mosquitto logins: its own and its events session's (mqtt.eventsUsername's default). */
export function gatewayLogins(login: MosquittoUser): MosquittoUser[] {
  return [login, { username: `${login.username}-events`, password: login.password }];
}

/** The settings of the shipped pintu.conf that bear on clients (not its listeners, files or paths). */
function shippedSettings(): string[] {
  const text = readFileSync(new URL('../../firmware-config/mosquitto/pintu.conf', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) =>
      /^(use_username_as_clientid|max_packet_size|message_size_limit|queue_qos0_messages)\s/.test(l),
    );
}

/**
 * The controller's next command with this action: resolves with `then()` taken the moment it
 * arrives (what held when the door got its command), the sentinel of a tap's outcome.
 */
export function nextCommand<T = void>(ctl: SimController, action: string, then?: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (c: { action: string }) => {
      if (c.action !== action) return;
      ctl.off('command', on);
      resolve(then ? then() : (undefined as T));
    };
    ctl.on('command', on);
  });
}

/** A private Mosquitto (foreground child process) with its own users, ACL and persistence. */
export class Mosquitto {
  private proc: ChildProcess | undefined;
  log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(opts: {
    users: MosquittoUser[];
    acl: string;
    port?: number;
    persistence?: boolean;
    /**
     * With the client-facing settings of the shipped firmware-config/mosquitto/pintu.conf
     * (client ids bound to logins, packet limits): one connection per login at a time.
     */
    shipped?: boolean;
    /** More lines for mosquitto.conf after the rest (a bridge's `connection` block). */
    conf?: string[];
    /** QoS 1 messages it queues for one client beyond those in flight (more are dropped): 1000. */
    maxQueued?: number;
  }): Promise<Mosquitto> {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-mosquitto-'));
    const port = opts.port ?? (await freePort());
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, `${opts.users.map((u) => `${u.username}:${u.password}`).join('\n')}\n`, {
      mode: 0o600,
    });
    await run('mosquitto_passwd', ['-U', passwd]);
    await writeFile(join(dir, 'acl'), opts.acl);
    const root = process.getuid?.() === 0;
    await writeFile(
      join(dir, 'mosquitto.conf'),
      [
        '# written by test/support/mqtt.ts',
        ...(root ? ['user root'] : []),
        'per_listener_settings false',
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${passwd}`,
        `acl_file ${join(dir, 'acl')}`,
        `persistence ${opts.persistence ? 'true' : 'false'}`,
        `persistence_location ${dir}/`,
        'queue_qos0_messages false',
        `max_queued_messages ${opts.maxQueued ?? 1000}`,
        ...(opts.shipped ? shippedSettings() : []),
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        ...(opts.conf ?? []),
        '',
      ].join('\n'),
    );
    const m = new Mosquitto(dir, port);
    await m.resume();
    return m;
  }

  /** Start (again) on the same port, config and persistence file. */
  async resume(): Promise<void> {
    const proc = spawn('mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d) => {
      this.log += d;
    });
    this.proc = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
      if (await listening(this.port)) return;
      await sleep(25);
    }
    throw new Error(`mosquitto did not listen on ${this.port}: ${this.log}`);
  }

  /** Stop (SIGTERM: it saves its persistence file), as a broker restart or outage. */
  async pause(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) await stopProcess(proc, 5000);
  }

  async stop(): Promise<void> {
    await this.pause();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
