// MQTT benchmark (issue 4), on the embedded broker and on a real Mosquitto in the same run:
//
//   - room controller command -> ack round trip, p50 and p99, with 100 simulated room
//     controllers connected: one command at a time, and all 100 at once (goal: p99 < 10 ms
//     on loopback);
//   - event fan-out: events published as the gateway publishes them (QoS 2, one after the
//     other) to 50 subscribers; delivery latency and rate.
//
//   npx tsx bench/mqtt.ts [--quick]          (npm run bench:mqtt)
//
// The gateway side is the real code (RoomHub, MqttLock, MqttLink, MqttPublisher, the embedded
// broker with its authentication and ACL); the controllers are SimController instances. Mosquitto
// (apt package mosquitto) is started on a free loopback port with its own users and ACL; without
// it that half is skipped and said so.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { EmbeddedBroker } from '../src/mqtt/broker.js';
import { MqttLink, MqttPublisher } from '../src/mqtt/link.js';
import { Rejections } from '../src/mqtt/rejects.js';
import { type MqttLock, RoomHub } from '../src/mqtt/rooms.js';
import { SimController } from '../src/mqtt/sim-controller.js';
import { Topics } from '../src/mqtt/topics.js';
import { MqttUsers, mqttUsersFile } from '../src/mqtt/users.js';
import { createMetrics } from '../src/service/metrics.js';
import { gateLimits, PasswordGate } from '../src/service/password-gate.js';
import { type Benchmark, fmt, log, percentile, type SummaryRow, table } from './lib/util.js';

const run = promisify(execFile);
/** Subscribers of pintu/events in the fan-out run (one facilities login). */
const SUBSCRIBERS = 50;
const silent = pino({ level: 'silent' });
const PASSWORD = 'bench password 0123';
const GOAL_MS = 10;

interface Target {
  name: string;
  url: string;
  gateway: {
    username: string;
    password: string;
    stream?: () => import('node:stream').Duplex;
    protocolVersion: 4 | 5;
  };
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const rooms = (n: number) => Array.from({ length: n }, (_, i) => `b${String(i + 1).padStart(3, '0')}`);

async function embeddedTarget(n: number): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-bench-mqtt-'));
  const port = await freePort();
  const users = await MqttUsers.open(mqttUsersFile(dir));
  await Promise.all(
    rooms(n).map((r) => users.add({ username: `ctl-${r}`, role: 'room', room: r, password: PASSWORD })),
  );
  await users.add({ username: 'fac', role: 'facilities', password: PASSWORD });
  const { config } = loadConfig({ env: { PINTU_CONFIG_MQTT__PORT: String(port) } });
  const metrics = createMetrics().mqtt;
  const broker = await EmbeddedBroker.start({
    // Every simulated client connects from 127.0.0.1 (n controllers and the subscribers), and
    // the subscribers share one facilities login.
    config: {
      ...config.mqtt,
      limits: {
        ...config.mqtt.limits,
        connectionsPerAddress: n + SUBSCRIBERS + config.mqtt.limits.connectionsPerAddress,
        connectionsPerUser: SUBSCRIBERS + config.mqtt.limits.connectionsPerUser,
      },
    },
    topics: new Topics('pintu'),
    users,
    log: silent,
    metrics,
    rejections: new Rejections(silent, metrics.rejected),
    // The controllers' first logins come ten at a time from one address (controllersChild):
    // a start, not an attack, so the gate lets ten hashes run at once.
    gate: new PasswordGate({ ...gateLimits(config.auth), hashQueueMax: 10, perAddressPending: 10 }),
  });
  return {
    name: 'embedded (aedes)',
    url: `mqtt://127.0.0.1:${port}`,
    gateway: { ...broker.gatewayCredentials, stream: () => broker.connectInternal(), protocolVersion: 4 },
    async close() {
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function mosquittoTarget(n: number): Promise<Target | string> {
  try {
    await run('mosquitto', ['-h']).catch((e: { stdout?: string }) => {
      if (!String(e.stdout ?? '').includes('mosquitto')) throw e;
    });
  } catch {
    return 'mosquitto is not installed (apt-get install mosquitto)';
  }
  const dir = await mkdtemp(join(tmpdir(), 'pintu-bench-mosquitto-'));
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const names = ['gateway', 'fac', ...rooms(n).map((r) => `ctl-${r}`)];
  await writeFile(passwd, `${names.map((u) => `${u}:${PASSWORD}`).join('\n')}\n`, { mode: 0o600 });
  await run('mosquitto_passwd', ['-U', passwd]);
  const acl = [
    'user gateway',
    'topic readwrite pintu/#',
    '',
    'user fac',
    'topic read pintu/#',
    'topic write pintu/doors/+/set',
    '',
    ...rooms(n).flatMap((r) => [
      `user ctl-${r}`,
      `topic read pintu/rooms/${r}/command`,
      `topic write pintu/rooms/${r}/ack`,
      `topic write pintu/rooms/${r}/tap`,
      `topic readwrite pintu/rooms/${r}/state`,
      '',
    ]),
  ].join('\n');
  await writeFile(join(dir, 'acl'), acl);
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      'max_queued_messages 100000',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const proc = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  let version = '';
  await run('mosquitto', ['-h']).catch((e: { stdout?: string }) => {
    version = String(e.stdout ?? '').match(/mosquitto version (\S+)/)?.[1] ?? '';
  });
  return {
    name: `Mosquitto ${version}`.trim(),
    url: `mqtt://127.0.0.1:${port}`,
    gateway: { username: 'gateway', password: PASSWORD, protocolVersion: 5 },
    async close() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Result {
  target: string;
  sequential: number[];
  burst: number[];
  /** latencies: the paced phase; events, seconds, delivered: the flood. */
  fanout: { latencies: number[]; events: number; subscribers: number; seconds: number; delivered: number };
}

/** Epoch milliseconds with sub-millisecond precision, comparable between processes. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * A child process of this file (the controllers, or the subscribers): on the same machine,
 * but with its own event loop, as real devices and clients would be.
 */
async function child(
  role: 'controllers' | 'subscribers',
  args: Record<string, unknown>,
): Promise<{
  lines: AsyncIterator<string>;
  send(line: string): void;
  stop(): Promise<void>;
}> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, `--${role}`, JSON.stringify(args)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const queue: string[] = [];
  const waiters: Array<(v: IteratorResult<string>) => void> = [];
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w({ value: line, done: false });
      else queue.push(line);
      i = buf.indexOf('\n');
    }
  });
  proc.once('exit', () => {
    for (const w of waiters.splice(0)) w({ value: undefined, done: true });
  });
  return {
    lines: {
      next: () =>
        new Promise((resolve) => {
          const line = queue.shift();
          if (line !== undefined) resolve({ value: line, done: false });
          else waiters.push(resolve);
        }),
    },
    send: (line) => proc.stdin!.write(`${line}\n`),
    async stop() {
      if (proc.exitCode !== null) return;
      proc.stdin!.end();
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

async function expectLine(lines: AsyncIterator<string>, prefix: string): Promise<string> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`child ended before "${prefix}"`);
    if (value.startsWith(prefix)) return value.slice(prefix.length);
  }
}

async function measure(
  t: Target,
  n: number,
  rounds: number,
  events: number,
  subscribers: number,
): Promise<Result> {
  const topics = new Topics('pintu');
  const metrics = createMetrics().mqtt;
  const hub = new RoomHub({
    topics,
    commandTimeoutMs: 2000,
    retries: 0,
    log: silent,
    offlineGraceMs: 60_000,
  });
  hub.bind({ metrics, rejections: new Rejections(silent, metrics.rejected) });
  const locks: MqttLock[] = rooms(n).map((r) => hub.lock(`door-${r}`, r));
  const waiting = new Map<MqttLock, () => void>();
  for (const l of locks) {
    l.onChange(() => {
      const w = waiting.get(l);
      waiting.delete(l);
      w?.();
    });
  }
  const target = t.gateway.stream ? { stream: t.gateway.stream } : { url: t.url };
  const link = new MqttLink({
    target,
    clientId: 'bench-gateway',
    username: t.gateway.username,
    password: t.gateway.password,
    protocolVersion: t.gateway.protocolVersion,
    will: { topic: topics.status, payload: 'offline' },
    subscriptions: [
      { filter: topics.anyRoom('ack'), qos: 0 },
      { filter: topics.anyRoom('state'), qos: 1 },
    ],
    log: silent,
  });
  link.on('message', (topic, payload, packet) => {
    const route = topics.parse(topic);
    if (route && 'room' in route) hub.handle(route, payload, packet.retain);
  });
  await link.start(10_000);
  hub.linkUp(link);

  const ctl = await child('controllers', { url: t.url, rooms: rooms(n), password: PASSWORD });
  await expectLine(ctl.lines, 'ready');
  // Every controller announced itself and acknowledged the gateway's first lock.
  const deadline = Date.now() + 30_000;
  while (locks.some((l) => l.acked < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (locks.some((l) => l.acked < 1)) throw new Error('not every controller acknowledged');

  /** One command and its ack: the lock changes state (unlocked, locked) when the ack is handled. */
  const roundTrip = (lock: MqttLock): Promise<number> =>
    new Promise((resolve) => {
      const started = performance.now();
      waiting.set(lock, () => resolve(performance.now() - started));
      if (lock.state().locked) lock.pulse(60_000);
      else lock.lock();
    });

  for (let i = 0; i < 50; i++) await roundTrip(locks[i % n]!); // warm-up
  const sequential: number[] = [];
  for (let i = 0; i < rounds; i++) sequential.push(await roundTrip(locks[i % n]!));
  const burst: number[] = [];
  for (let k = 0; k < Math.max(2, Math.round(rounds / n / 2)); k++)
    burst.push(...(await Promise.all(locks.map((l) => roundTrip(l)))));
  await ctl.stop();

  // Fan-out: the gateway's events connection (QoS 2, one at a time, as the outbox sends) to 50
  // clients. Paced (an event every 20 ms, a busy entrance) for the delivery latency; then as
  // fast as the outbox can send, for the delivery rate.
  const publisher = new MqttPublisher({
    target,
    clientId: 'bench-gateway-events',
    username: t.gateway.username,
    password: t.gateway.password,
    protocolVersion: t.gateway.protocolVersion,
    reconnectMs: 1000,
    log: silent,
  });
  while (!publisher.connected) await new Promise((r) => setTimeout(r, 10));
  const phase = async (count: number, gapMs: number) => {
    const subs = await child('subscribers', {
      url: t.url,
      password: PASSWORD,
      subscribers,
      events: count,
      topic: topics.events,
    });
    await expectLine(subs.lines, 'ready');
    const started = performance.now();
    for (let seq = 1; seq <= count; seq++) {
      await publisher.publish(
        topics.events,
        JSON.stringify({ seq, t: clock(), type: 'access.granted', door: 'pintu-utama' }),
      );
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
    const latencies = JSON.parse(await expectLine(subs.lines, 'latencies ')) as number[];
    const seconds = (performance.now() - started) / 1000;
    await subs.stop();
    return { latencies, seconds };
  };
  const paced = await phase(Math.min(events, 300), 20);
  const flood = await phase(events, 0);
  await publisher.stop();
  hub.close();
  await link.stop();
  return {
    target: t.name,
    sequential,
    burst,
    fanout: {
      latencies: paced.latencies,
      events,
      subscribers,
      seconds: flood.seconds,
      delivered: flood.latencies.length,
    },
  };
}

/** Child: 100 simulated room controllers until stdin closes. */
async function controllersChild(a: { url: string; rooms: string[]; password: string }): Promise<void> {
  const controllers = a.rooms.map(
    (r) =>
      new SimController({
        room: r,
        url: a.url,
        username: `ctl-${r}`,
        password: a.password,
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
  );
  // Ten at a time: each first login costs a scrypt run on the embedded broker.
  for (let i = 0; i < controllers.length; i += 10)
    await Promise.all(controllers.slice(i, i + 10).map((c) => c.start()));
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  await Promise.all(controllers.map((c) => c.stop()));
}

/** Child: subscribers of pintu/events; prints the delivery latencies when all arrived. */
async function subscribersChild(a: {
  url: string;
  password: string;
  subscribers: number;
  events: number;
  topic: string;
}): Promise<void> {
  const latencies: number[] = [];
  const clients = [];
  for (let i = 0; i < a.subscribers; i += 10) {
    clients.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, a.subscribers - i) }, async (_, j) => {
          const c = await mqtt.connectAsync(a.url, {
            // A client id bound to the login, as the embedded broker requires.
            clientId: `fac-sub-${i + j}`,
            username: 'fac',
            password: a.password,
            reconnectPeriod: 0,
          });
          c.on('message', (_t, payload) => {
            latencies.push(clock() - (JSON.parse(payload.toString()) as { t: number }).t);
            if (latencies.length === a.events * a.subscribers)
              process.stdout.write(`latencies ${JSON.stringify(latencies)}\n`);
          });
          await c.subscribeAsync(a.topic, { qos: 1 });
          return c;
        }),
      )),
    );
  }
  process.stdout.write('ready\n');
  const timer = setTimeout(() => process.stdout.write(`latencies ${JSON.stringify(latencies)}\n`), 120_000);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  clearTimeout(timer);
  await Promise.all(clients.map((c) => c.endAsync(true)));
}

const ms = (x: number) => fmt.ms(x, 2);

export const mqttBenchmark: Benchmark = {
  id: 'mqtt',
  title: 'MQTT: room controller command -> ack with 100 controllers; event fan-out to 50 subscribers',
  async run({ scale }) {
    const n = 100;
    const rounds = Math.max(200, Math.round(4000 * scale));
    const events = Math.max(100, Math.round(1000 * scale));
    const subscribers = SUBSCRIBERS;
    const rows: SummaryRow[] = [];
    const lines: string[][] = [
      [
        'broker',
        'seq p50',
        'seq p99',
        'burst p50',
        'burst p99',
        'fan-out p50',
        'fan-out p99',
        'deliveries/s',
      ],
    ];
    const targets: Array<() => Promise<Target | string>> = [
      () => embeddedTarget(n),
      () => mosquittoTarget(n),
    ];
    for (const make of targets) {
      const t = await make();
      if (typeof t === 'string') {
        log(`  skipped: ${t}`);
        rows.push({ benchmark: 'MQTT on Mosquitto', figure: `skipped: ${t}`, goal: '—' });
        continue;
      }
      try {
        log(
          `  ${t.name}: ${n} controllers, ${rounds} sequential round trips, bursts of ${n}, ${events} events to ${subscribers} subscribers`,
        );
        const r = await measure(t, n, rounds, events, subscribers);
        const s = [...r.sequential].sort((a, b) => a - b);
        const b = [...r.burst].sort((a, b2) => a - b2);
        const f = [...r.fanout.latencies].sort((a, b2) => a - b2);
        const rate = r.fanout.delivered / r.fanout.seconds;
        lines.push([
          r.target,
          ms(percentile(s, 0.5)),
          ms(percentile(s, 0.99)),
          ms(percentile(b, 0.5)),
          ms(percentile(b, 0.99)),
          ms(percentile(f, 0.5)),
          ms(percentile(f, 0.99)),
          fmt.rate(rate),
        ]);
        rows.push({
          benchmark: `command -> ack, ${n} controllers, ${t.name}`,
          figure: `p50 ${ms(percentile(s, 0.5))}, p99 ${ms(percentile(s, 0.99))} (all ${n} at once: p50 ${ms(percentile(b, 0.5))}, p99 ${ms(percentile(b, 0.99))})`,
          goal: `p99 < ${GOAL_MS} ms`,
          met: percentile(s, 0.99) < GOAL_MS,
        });
        rows.push({
          benchmark: `event fan-out to ${subscribers} subscribers, ${t.name}`,
          figure: `latency p50 ${ms(percentile(f, 0.5))}, p99 ${ms(percentile(f, 0.99))} (an event every 20 ms); flood of ${fmt.int(r.fanout.events)} events: ${fmt.rate(rate)} deliveries (${r.fanout.delivered}/${r.fanout.events * subscribers})`,
          goal: '—',
        });
      } finally {
        await t.close();
      }
    }
    log(table(lines));
    return rows;
  },
};

const role = process.argv[2];
if (role === '--controllers' || role === '--subscribers') {
  const args = JSON.parse(process.argv[3] ?? '{}');
  (role === '--controllers' ? controllersChild(args) : subscribersChild(args)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
} else if (import.meta.url === `file://${process.argv[1]}`) {
  // Standalone: npx tsx bench/mqtt.ts [--quick]
  const quick = process.argv.includes('--quick');
  const cpus = os.cpus();
  log('# Pintu MQTT benchmark');
  log(
    `CPU ${cpus[0]?.model.trim()} x ${cpus.length}, Node ${process.version}, ${os.type()} ${os.release()}, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  log();
  mqttBenchmark
    .run({ baseDir: tmpdir(), scale: quick ? 0.2 : 1 })
    .then((rows) => {
      log();
      log('| benchmark | figure | goal | met? |');
      log('|---|---|---|---|');
      for (const r of rows)
        log(
          `| ${r.benchmark} | ${r.figure} | ${r.goal} | ${r.met === undefined ? '—' : r.met ? 'yes' : '**no**'} |`,
        );
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
