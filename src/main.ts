// Composition root: configuration -> drivers -> gateway services -> HTTP server.
// Nothing else in the code base knows how the parts are chosen or wired.
//
// Doors first: the door path (drivers, state, journal, readers) is all this module loads
// statically, so taps are decided ("doors ready") before the broker, fastify, its routes and
// the panel are even loaded; those come in by import() afterwards.
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { Fleet } from './fleet/index.js';
import { createDrivers } from './hardware/drivers.js';
import { createRoomHub } from './mqtt/rooms.js';
import type { MqttService } from './mqtt/service.js';
import { packageFile } from './package-root.js';
import { type Gateway, openGateway } from './service/gateway.js';
import { sha256 } from './service/passwords.js';
import { SystemdNotifier } from './service/systemd-notify.js';
import { mkdirDurable } from './store/fsync.js';
import { claimPidFile, pidFilePath, runningPid as runningPidIn } from './store/pid-file.js';

export const VERSION: string = (
  JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }
).version;

export interface Running {
  gateway: Gateway;
  /** The gateway's part in a fleet (README "Fleet"); absent without a fleet section. */
  fleet?: Fleet;
  /** The broker (embedded) or the connection to one (external); absent when mqtt.mode is off. */
  mqtt?: MqttService;
  http: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Lines for a person when a person reads them: a terminal, not systemd's journal (JOURNAL_STREAM). */
function prettyLogs(format: Config['log']['format']): boolean {
  if (format !== 'auto') return format === 'pretty';
  return Boolean(process.stdout.isTTY) && !process.env.JOURNAL_STREAM;
}

export function createLogger(config: Config): Logger {
  // pino-pretty runs as a transport, on a worker thread: formatting stays off the tap path.
  const destination = prettyLogs(config.log.format)
    ? pino.transport({
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: false },
      })
    : undefined;
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: { service: 'pintu' },
    // Secrets never reach a log line, whatever a caller passes by mistake.
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'req.headers.cookie',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The file that marks a data folder as in use by a running gateway (store/pid-file.ts). */
export function pidFile(config: Config): string {
  return pidFilePath(config.dataDir);
}

/** The pid of the gateway running on this data folder, if one is alive. */
export function runningPid(config: Config): Promise<number | undefined> {
  return runningPidIn(config.dataDir);
}

export async function claimDataDir(config: Config, log?: Logger): Promise<void> {
  // Durable: a data folder made at the first start and lost to a power cut takes everything with it.
  await mkdirDurable(config.dataDir, 0o750);
  await claimPidFile(config.dataDir);
  log?.debug({ pidFile: pidFile(config) }, 'data folder claimed');
}

/**
 * The CLI's bearer token, kept in the data folder (mode 0600) so that `pintu tap` and friends
 * on the same machine can talk to the running gateway. Rotated at every start.
 */
export function cliTokenFile(config: Config): string {
  return join(config.dataDir, 'cli.token');
}

async function issueCliToken(gateway: Gateway, config: Config): Promise<void> {
  const system = { kind: 'system' as const, id: 'cli' };
  for (const t of gateway.core.state.tokens.values()) {
    if (t.name === 'pintu-cli') await gateway.accounts.revokeToken(t.id, system);
  }
  const { token } = await gateway.accounts.createToken('pintu-cli', 'admin', system);
  await writeFile(cliTokenFile(config), `${token}\n`, { mode: 0o600 });
  gateway.core.log.debug({ tokenHash: sha256(token).slice(0, 8) }, 'CLI token issued');
}

/** A stop asked for (SIGTERM, SIGINT) while the gateway was starting: what was open is closed. */
export class StartStopped extends Error {
  constructor() {
    super('stopped during start-up');
    this.name = 'StartStopped';
  }
}

export interface StartOptions {
  /**
   * Aborted by a stop signal during start-up: the start closes what it opened so far (checked
   * between steps; a step under way finishes first) and rejects with StartStopped.
   */
  signal?: AbortSignal;
}

/** The listen error a person can act on: which configuration key names what failed. */
function listenFailure(err: unknown, http: Config['http']): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return err;
  return new Error(`http.port ${http.port} is in use on ${http.host}: another program listens there`, {
    cause: err,
  });
}

export async function startGateway(
  config: Config,
  log = createLogger(config),
  opts: StartOptions = {},
): Promise<Running> {
  // Read (and clear) NOTIFY_SOCKET before any child process could inherit it; no-op without systemd.
  const systemd = new SystemdNotifier({ log: log.child({ part: 'systemd' }) });
  // What is open so far. A failed or stopped start-up and a stop of the running gateway close
  // it the same way, each part in its own try: one that fails to close does not keep the
  // journal or the data folder open.
  const open: {
    claimed?: true;
    gateway?: Gateway;
    mqtt?: MqttService;
    fleet?: Fleet;
    http?: FastifyInstance;
  } = {};
  const attempt = async (part: string, close: () => Promise<unknown> | undefined) => {
    try {
      await close();
    } catch (err) {
      log.error({ err, part }, 'stop: closing a part failed');
    }
  };
  let closing: Promise<void> | undefined;
  const close = (status: string) => {
    closing ??= (async () => {
      const notified = systemd.stopping(status);
      // The reverse of the start, but for the broker: the gateway closes before it, so the room
      // locks' last commands go out, then the events and the offline status.
      await attempt('http', () => open.http?.close());
      // Before the gateway: they write through its journal.
      await attempt('fleet', () => open.fleet?.stop());
      await attempt('gateway', () => open.gateway?.close());
      await attempt('mqtt', () => open.mqtt?.stop());
      // Only a claim of ours is given back: a data folder another gateway runs on keeps its files.
      if (open.claimed) {
        await attempt('cli token', () => rm(cliTokenFile(config), { force: true }));
        await attempt('pid file', () => rm(pidFile(config), { force: true }));
      }
      await notified;
    })();
    return closing;
  };
  const step = () => {
    if (opts.signal?.aborted) throw new StartStopped();
  };

  try {
    step();
    await claimDataDir(config, log);
    open.claimed = true;
    step();
    // GPIO relays take their safe state here, before the journal, the state or HTTP.
    // Room controllers' ports are built with the drivers; their MQTT connection comes after the gateway.
    const rooms = createRoomHub(config, log);
    const drivers = createDrivers(config, {
      log: log.child({ part: 'hardware' }),
      ...(rooms ? { rooms } : {}),
    });
    const gateway = await openGateway({
      config,
      readers: drivers.readers,
      locks: drivers.locks,
      inputs: drivers.inputs,
      ...(drivers.siteKeys ? { siteKeys: drivers.siteKeys } : {}),
      log,
      onDoorsUp: () => {
        // Since the process started: wall time (performance.now()) and CPU time, the figure that
        // holds on a busy machine. The start-up bench reads the STATUS= line (bench/year.ts).
        const cpu = process.cpuUsage();
        const figures = {
          ms: Math.round(performance.now()),
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        };
        log.info(figures, 'doors ready');
        void systemd.status(`doors ready after ${figures.ms} ms (CPU ${figures.cpuMs} ms)`);
      },
    });
    open.gateway = gateway;
    step();
    if (config.mqtt.mode !== 'off') {
      const { MqttService } = await import('./mqtt/service.js');
      open.mqtt = await MqttService.start({
        config,
        gateway,
        ...(rooms ? { rooms } : {}),
        log,
        version: VERSION,
      });
      step();
    }
    if (config.fleet) {
      const { startFleet } = await import('./fleet/index.js');
      open.fleet = await startFleet(gateway, config.fleet, log);
      step();
    }
    await issueCliToken(gateway, config);
    step();
    const [{ buildHttp }, { mqttContractDocuments }] = await Promise.all([
      import('./http/app.js'),
      import('./mqtt/asyncapi.js'),
    ]);
    const { mqtt, fleet } = open;
    const http = await buildHttp({
      gateway,
      logger: log,
      cookieSecure: config.http.cookieSecure,
      loginRateLimit: config.http.loginRateLimit,
      version: VERSION,
      mqttContract: mqttContractDocuments(),
      ...(mqtt ? { health: { mqtt: () => mqtt.health() } } : {}),
      ...(fleet ? { fleet } : {}),
    });
    open.http = http;
    step();
    const address = await http
      .listen({ host: config.http.host, port: config.http.port })
      .catch((err: unknown) => Promise.reject(listenFailure(err, config.http)));
    step();
    log.info(
      { url: address, data: config.dataDir, doors: config.doors.length, readers: config.readers.length },
      'Pintu is running',
    );
    void systemd.ready(`serving ${address}`);
    systemd.startWatchdog();
    let stopping: Promise<void> | undefined;
    return {
      gateway,
      ...(mqtt ? { mqtt } : {}),
      ...(fleet ? { fleet } : {}),
      http,
      url: address,
      stop() {
        stopping ??= close('stopping: doors to their safe state, journal flush').then(() =>
          log.info('Pintu stopped: doors in their safe state, journal flushed'),
        );
        return stopping;
      },
    };
  } catch (err) {
    await close(
      err instanceof StartStopped
        ? 'stopped during start-up: doors to their safe state, journal flush'
        : 'start-up failed: closing what was opened',
    );
    throw err;
  }
}
