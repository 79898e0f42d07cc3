// The site the siege campaign attacks: the BUILT gateway as its own process on a temporary
// data folder (an entrance with simulated readers and lock, a room door on a room controller
// over MQTT), its MQTT logins made with `pintu mqtt-user add`, the simulated room controller
// (a real MQTT client of the campaign that acknowledges commands), and in external mode a
// private Mosquitto running the shipped firmware-config/mosquitto/pintu.conf and pintu.acl
// (only the paths and the port changed, the TLS listener left out: it has no certificate here).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuilt, serviceEnvironment, serviceNodeArgs } from '../../bench/lib/build.js';
import { RoomKeys, roomKeysFile } from '../../src/mqtt/room-keys.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { mosquittoAcl } from '../../test/support/mqtt.js';
import { BUILT_CLI, freePort, ROOT, residentBytes, stopProcess } from '../../test/support/process.js';

const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or `fallback` once ms have passed (a socket that never ends cannot hold the campaign). */
export function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((r) => {
    timer = setTimeout(() => r(fallback), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export const PASSWORD = 'siege correct horse 123';
export const ADMIN = 'siege-admin';
export const ENTRANCE = { door: 'pintu-utama', in: 'pintu-utama-in' } as const;
export const ROOM = { door: 'ruang-101', room: 'r101', reader: 'r101-in' } as const;
/** The attacker's own room login (a valid one, for room r102). */
export const OTHER_ROOM = { user: 'ctl-102', room: 'r102' } as const;
/**
 * The intruder on an external broker: a LAN device with a login the site's ACL lets read and
 * write the room topics (a sniffer that can also publish), but no room key.
 */
export const INTRUDER = { user: 'intruder' } as const;
/** The badge of a visit the campaign never taps: a grant on it can only be a forgery's. */
export const BAIT_BADGE = 'TAMU-40';
/** The site's MQTT logins besides the gateway's own: both room controllers and facilities. */
const LOGINS: ReadonlyArray<{ username: string; role: 'room' | 'facilities'; room?: string }> = [
  { username: 'ctl-101', role: 'room', room: ROOM.room },
  { username: OTHER_ROOM.user, role: 'room', room: OTHER_ROOM.room },
  { username: 'fac', role: 'facilities' },
];
export const BADGES = Array.from({ length: 40 }, (_, i) => ({
  label: `TAMU-${String(i + 1).padStart(2, '0')}`,
  uid: `04C1D2E3F4A5${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`,
}));

export type MqttMode = 'embedded' | 'external';

function siteConfig(dataDir: string, httpPort: number, mqtt: Record<string, unknown>) {
  return {
    dataDir,
    log: { level: 'warn' },
    // The machine's own clock state is not what the siege measures: a CI runner whose
    // timesyncd has not synchronised yet must not leave /healthz degraded (issue 16).
    clock: { synchronised: 'assume' },
    http: { host: '127.0.0.1', port: httpPort },
    mqtt: { host: '127.0.0.1', ...mqtt },
    // Every day, all day: the campaign runs on the real clock, weekends too.
    access: {
      officeHours: { days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '23:59' },
      endAtOfficeClose: false,
      maxVisitMinutes: 1440,
      // Every tap is a decision (the same badge again and again).
      debounceMs: 0,
    },
    doors: [
      { id: ENTRANCE.door, name: 'Pintu Utama', kind: 'entrance', pulseMs: 500 },
      {
        id: ROOM.door,
        name: 'Ruang 101',
        kind: 'room',
        lock: { driver: 'mqtt', room: ROOM.room },
        pulseMs: 500,
      },
      { id: 'ruang-102', name: 'Ruang 102', kind: 'room', lock: { driver: 'mqtt', room: OTHER_ROOM.room } },
    ],
    readers: [
      { id: 'desk', role: 'desk' },
      { id: ENTRANCE.in, role: 'door', door: ENTRANCE.door, direction: 'in' },
      { id: 'pintu-utama-out', role: 'door', door: ENTRANCE.door, direction: 'out' },
      {
        id: ROOM.reader,
        role: 'door',
        door: ROOM.door,
        direction: 'in',
        keypad: true,
        driver: { type: 'mqtt' },
      },
      { id: 'r102-in', role: 'door', door: 'ruang-102', direction: 'in', driver: { type: 'mqtt' } },
    ],
    badges: BADGES,
    hosts: [
      { id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: [ROOM.door, 'ruang-102'] },
    ],
  };
}

/** True once something accepts connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A private Mosquitto on the shipped configuration. */
export class ShippedMosquitto {
  private proc: ChildProcess | undefined;
  log = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(users: Array<{ username: string; password: string }>, acl: string) {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-siege-mosquitto-'));
    const port = await freePort();
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, `${users.map((u) => `${u.username}:${u.password}`).join('\n')}\n`, {
      mode: 0o600,
    });
    await run('mosquitto_passwd', ['-U', passwd]);
    await writeFile(join(dir, 'acl'), acl);
    const shipped = readFileSync(join(ROOT, 'firmware-config/mosquitto/pintu.conf'), 'utf8');
    const conf = shipped
      .split('\n')
      .filter((l) => !/^(listener 8883|certfile|keyfile|tls_version|cafile|require_certificate)\b/.test(l))
      .map((l) =>
        l
          .replace(/^listener 1883 127\.0\.0\.1$/, `listener ${port} 127.0.0.1`)
          .replace(/^password_file .*/, `password_file ${passwd}`)
          .replace(/^acl_file .*/, `acl_file ${join(dir, 'acl')}`)
          .replace(/^persistence_location .*/, `persistence_location ${dir}/`),
      );
    if (process.getuid?.() === 0) conf.unshift('user root');
    conf.push('log_dest stderr', 'log_type error', 'log_type warning');
    await writeFile(join(dir, 'mosquitto.conf'), `${conf.join('\n')}\n`);
    const m = new ShippedMosquitto(dir, port);
    const proc = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d) => (m.log += d));
    m.proc = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${m.log}`);
      if (await listening(port)) return m;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen: ${m.log}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) await stopProcess(proc);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** One journal line, as much of it as the campaign reads. */
export interface Entry {
  seq: number;
  at: number;
  type: string;
  actor?: { kind: string; id: string };
  payload: { readerId?: string; visitId?: string; kind?: string; reason?: string };
}

export interface TapAnswer {
  ok: boolean;
  granted?: boolean;
  ms: number;
}

export class Site {
  child: ChildProcess | undefined;
  controller: SimController | undefined;
  otherController: SimController | undefined;
  mosquitto: ShippedMosquitto | undefined;
  token = '';
  output = '';
  private constructor(
    readonly mode: MqttMode,
    readonly dir: string,
    readonly httpPort: number,
    readonly mqttPort: number,
    readonly configFile: string,
    readonly nofile: number,
    /** CPUs the gateway is pinned to (taskset), or all. */
    readonly cpus?: string,
  ) {}

  get pid(): number {
    return this.child!.pid!;
  }
  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.mqttPort}`;
  }
  /** The gateway's own client id on an external broker (src/mqtt/service.ts). */
  get gatewayClientId(): string {
    return `pintu-${hostname()}-pintu`.slice(0, 57);
  }

  /**
   * Build if needed, write the configuration and the logins, start the gateway (open files
   * limited to `nofile`, soft and hard, as a shell on a Pi would give), connect the controller.
   */
  static async start(
    mode: MqttMode,
    o: { nofile: number; log: (l: string) => void; cpus?: string },
  ): Promise<Site> {
    await ensureBuilt(o.log);
    const dir = await mkdtemp(join(tmpdir(), `pintu-siege-${mode}-`));
    const httpPort = await freePort();
    let mosquitto: ShippedMosquitto | undefined;
    let mqtt: Record<string, unknown>;
    let mqttPort: number;
    if (mode === 'external') {
      const acl = `${mosquittoAcl({
        gateway: 'gateway',
        facilities: LOGINS.filter((u) => u.role === 'facilities').map((u) => u.username),
        homeassistant: [],
        rooms: Object.fromEntries(LOGINS.flatMap((u) => (u.room ? [[u.username, u.room]] : []))),
      })}\nuser ${INTRUDER.user}\ntopic readwrite pintu/rooms/+/tap\ntopic readwrite pintu/rooms/+/command\n`;
      mosquitto = await ShippedMosquitto.start(
        // The gateway's events session logs in as its own user (mqtt.eventsUsername's default).
        ['gateway', 'gateway-events', INTRUDER.user, ...LOGINS.map((u) => u.username)].map((username) => ({
          username,
          password: PASSWORD,
        })),
        acl,
      );
      mqttPort = mosquitto.port;
      mqtt = {
        mode: 'external',
        url: mosquitto.url,
        username: 'gateway',
        password: PASSWORD,
        protocolVersion: 5,
      };
    } else {
      mqttPort = await freePort();
      mqtt = { mode: 'embedded', port: mqttPort };
    }
    const configFile = join(dir, 'pintu.json');
    await writeFile(configFile, JSON.stringify(siteConfig(join(dir, 'data'), httpPort, mqtt)));
    const site = new Site(mode, dir, httpPort, mqttPort, configFile, o.nofile, o.cpus);
    site.mosquitto = mosquitto;
    try {
      // The data folder, as the installer makes /var/lib/pintu: the CLI makes none.
      await mkdir(join(dir, 'data'), { mode: 0o750 });
      await site.cli('user', 'add', '--username', ADMIN, '--role', 'admin', '--password', PASSWORD);
      if (mode === 'embedded') {
        for (const u of LOGINS) {
          const room = u.room ? ['--room', u.room] : [];
          await site.cli(
            'mqtt-user',
            'add',
            '--username',
            u.username,
            '--role',
            u.role,
            ...room,
            '--password',
            PASSWORD,
          );
        }
      } else {
        // `pintu mqtt-user add` gives a room its key with its login; on Mosquitto the logins are
        // the broker's, and the keys are made as the installer's step for the room would.
        for (const u of LOGINS) if (u.room) RoomKeys.generate(roomKeysFile(join(dir, 'data')), u.room);
      }
      await site.startGateway();
      site.token = (await readFile(join(dir, 'data', 'cli.token'), 'utf8')).trim();
      site.controller = await site.connectController();
      // ruang-102's own controller: a door without one is a problem of the gateway's health.
      site.otherController = await site.connectController(10_000, OTHER_ROOM);
    } catch (err) {
      await site.close();
      throw err;
    }
    return site;
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, PINTU_CONFIG: this.configFile, PINTU_LOG_LEVEL: 'warn' };
  }

  async cli(...args: string[]): Promise<string> {
    const r = await run(process.execPath, [BUILT_CLI, ...args], { cwd: ROOT, env: this.env() });
    return r.stdout;
  }

  private async startGateway(): Promise<void> {
    const node = [
      ...(this.cpus ? ['taskset', '-c', this.cpus] : []),
      process.execPath,
      ...(await serviceNodeArgs()),
      BUILT_CLI,
      'start',
    ];
    const child = spawn('sh', ['-c', `ulimit -n ${this.nofile} && exec "$@"`, 'sh', ...node], {
      cwd: ROOT,
      env: { ...this.env(), ...(await serviceEnvironment()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output = (this.output + d).slice(-20_000)));
    child.stderr!.on('data', (d) => (this.output = (this.output + d).slice(-20_000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if ((await this.health()).ok) return;
      if (child.exitCode !== null) throw new Error(`gateway exited: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`gateway did not start: ${this.output}`);
      await sleep(100);
    }
  }

  /** A simulated room controller, of ruang-101 unless said (its fixed client id, as a real one has). */
  async connectController(
    timeoutMs = 10_000,
    of: { room: string; user: string } = { room: ROOM.room, user: 'ctl-101' },
  ): Promise<SimController> {
    const key = new RoomKeys(roomKeysFile(join(this.dir, 'data'))).get(of.room);
    const c = new SimController({
      room: of.room,
      url: this.mqttUrl,
      username: of.user,
      password: PASSWORD,
      // The room's key, as the controller is flashed with it: its taps and commands MACed.
      ...(key ? { key } : {}),
      protocolVersion: this.mode === 'external' ? 5 : 4,
      reconnectPeriod: 500,
    });
    const started = c.start();
    const t = sleep(timeoutMs).then(() => {
      throw new Error(`the room controller did not connect within ${timeoutMs} ms`);
    });
    try {
      await Promise.race([started, t]);
    } catch (err) {
      await Promise.race([c.stop().catch(() => undefined), sleep(3000)]);
      throw err;
    }
    return c;
  }

  /** A new HTTP connection (no pooled socket) asking /healthz. */
  health(timeoutMs = 5000): Promise<{ ok: boolean; status?: string; body?: string }> {
    return within(this.healthOnce(timeoutMs), timeoutMs + 1000, { ok: false });
  }

  private healthOnce(timeoutMs: number): Promise<{ ok: boolean; status?: string; body?: string }> {
    return new Promise((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: this.httpPort, path: '/healthz', agent: false, timeout: timeoutMs },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => {
            let status: string | undefined;
            try {
              status = (JSON.parse(body) as { status?: string }).status;
            } catch {
              status = undefined;
            }
            resolve({ ok: res.statusCode === 200 && status === 'ok', ...(status ? { status } : {}), body });
          });
          res.on('error', () => resolve({ ok: false }));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve({ ok: false }));
    });
  }

  /** An API call with the CLI's admin token; undefined body when it failed. */
  async api<T>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 15_000,
  ): Promise<{ status: number; body?: T }> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, ...(res.ok && text ? { body: JSON.parse(text) as T } : {}) };
    } catch {
      return { status: 0 };
    }
  }

  /** A badged visit with ruang-101 granted: its id, badge uid and keypad code. */
  async badgedVisit(badge: string): Promise<{ visitId: string; uid: string; code: string }> {
    const fail = (step: string, status: number) => {
      throw new Error(`creating a visit: ${step} answered ${status}\ngateway output:\n${this.output}`);
    };
    const v = await this.api<{ id: string }>('POST', '/visits', {
      guest: { name: 'Tamu Pengepungan', institution: 'Kampanye Siege' },
      purpose: 'Uji ketahanan',
      hostId: 'kabag-umum',
    });
    if (!v.body) fail('arrival', v.status);
    const id = v.body!.id;
    const s = await this.api('POST', `/visits/${id}/screening`, { passed: true });
    if (s.status !== 200) fail('screening', s.status);
    const g = await this.api('POST', `/visits/${id}/guestbook`, {});
    if (g.status !== 200) fail('guestbook', g.status);
    const d = await this.api<{ accessCode?: string }>('POST', `/visits/${id}/decision`, {
      outcome: 'accepted',
      rooms: [ROOM.door],
    });
    if (!d.body?.accessCode) fail('decision', d.status);
    const b = await this.api('POST', `/visits/${id}/badge`, {
      badge,
      collateral: { type: 'ktp', number: '3578014107900001' },
    });
    if (b.status !== 200) fail('badge', b.status);
    return { visitId: id, uid: BADGES.find((x) => x.label === badge)!.uid, code: d.body!.accessCode! };
  }

  /** A tap at the entrance through POST /api/v1/taps (answered once journaled). */
  async entranceTap(uid: string, timeoutMs = 15_000): Promise<TapAnswer> {
    const t0 = performance.now();
    const r = await this.api<{ granted?: boolean }>('POST', '/taps', { reader: ENTRANCE.in, uid }, timeoutMs);
    const ms = performance.now() - t0;
    return r.body ? { ok: true, granted: r.body.granted === true, ms } : { ok: false, ms };
  }

  /** A tap on the room controller: tap published -> unlock command received (none: ok false). */
  roomTap(kind: 'nfc' | 'pin', credential: string, timeoutMs = 1000): Promise<TapAnswer> {
    const c = this.controller;
    const t0 = performance.now();
    if (!c?.tap(kind, credential)) return Promise.resolve({ ok: false, ms: 0 });
    return new Promise((resolve) => {
      const onCommand = (cmd: { action: string }) => {
        if (cmd.action !== 'unlock') return;
        clearTimeout(timer);
        c.off('command', onCommand);
        resolve({ ok: true, granted: true, ms: performance.now() - t0 });
      };
      const timer = setTimeout(() => {
        c.off('command', onCommand);
        resolve({ ok: false, ms: performance.now() - t0 });
      }, timeoutMs);
      c.on('command', onCommand);
    });
  }

  /** Resident memory (bytes) and open files of the gateway now. */
  async resources(): Promise<{ rss: number; fds: number }> {
    try {
      return { rss: await residentBytes(this.pid), fds: readdirSync(`/proc/${this.pid}/fd`).length };
    } catch {
      return { rss: Number.NaN, fds: Number.NaN };
    }
  }

  /** The journal's lines so far (complete ones), from the files of the data folder. */
  async journal(): Promise<Entry[]> {
    const dir = join(this.dir, 'data', 'journal');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
    const out: Entry[] = [];
    for (const f of files) {
      for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
        if (!line.endsWith('}')) continue;
        try {
          out.push(JSON.parse(line) as Entry);
        } catch {
          // the line being written now: read again later
        }
      }
    }
    return out;
  }

  /** Bytes of the journal files. */
  async journalBytes(): Promise<number> {
    const dir = join(this.dir, 'data', 'journal');
    let n = 0;
    for (const f of await readdir(dir)) n += (await readFile(join(dir, f))).length;
    return n;
  }

  /** Stop the controller (bounded: a wedged broker may never confirm its offline state). */
  async stopController(): Promise<void> {
    const c = this.controller;
    this.controller = undefined;
    if (c) await Promise.race([c.stop().catch(() => undefined), sleep(3000)]);
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async close(): Promise<void> {
    await this.stopController();
    const other = this.otherController;
    this.otherController = undefined;
    if (other) await Promise.race([other.stop().catch(() => undefined), sleep(3000)]);
    if (this.child) await stopProcess(this.child, 'SIGKILL');
    await this.mosquitto?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
