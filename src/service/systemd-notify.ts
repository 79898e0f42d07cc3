// The systemd notification protocol (sd_notify) for `Type=notify` and the watchdog of
// systemd/pintu.service, without a native module.
//
// systemd reads one AF_UNIX datagram per message from $NOTIFY_SOCKET. Node has no Unix
// datagram sockets, so each message is handed to `systemd-notify` (package systemd, on every
// systemd host). That used to be racy: the helper could exit before PID 1 read the datagram,
// and a message from a process that is gone cannot be tied to the service. Since systemd 246
// `systemd-notify` waits for PID 1 to process it (BARRIER=1, unless --no-block), so the
// helper is alive while its message is read; Raspberry Pi OS Bookworm has systemd 252. The
// message comes from the helper's pid, not ours, so the unit says `NotifyAccess=all`.
//
// - STATUS=doors ready once taps are decided (main.ts), before the servers load.
// - READY=1 once the gateway serves (HTTP listening, doors in their safe state).
// - WATCHDOG=1 every WatchdogSec/2 from a timer of the event loop, withheld when the timer
//   fired far too late (the loop was blocked) or a ping is still in flight; systemd then
//   kills and restarts the service at the end of WatchdogSec.
// - STOPPING=1 at the start of a clean stop.
// - Nothing at all when NOTIFY_SOCKET is unset (a laptop, tests, `npm start`).
//
// Like sd_notify(unset_environment=1), the variables are removed from the environment so
// that child processes (the gpiod tools of the GPIO driver) never talk to systemd for us.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface NotifierLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NotifierOptions {
  /** Environment holding NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID; they are removed from it. */
  env?: NodeJS.ProcessEnv;
  log?: NotifierLog;
  /** The helper; default `systemd-notify`, found on PATH. */
  command?: string;
  /** A message not delivered within this time is given up (the helper is killed). */
  timeoutMs?: number;
  /**
   * A watchdog tick later than this (ms) withholds the ping. Default: a quarter of
   * WatchdogSec, so an event loop blocked that long gets the service restarted.
   */
  maxLagMs?: number;
  /** Extra health check before each ping (default: the event loop running is enough). */
  healthy?: () => boolean;
  /** Monotonic clock in ms (never the wall clock: a Pi without RTC jumps years at NTP sync). */
  now?: () => number;
  /** Our pid, compared with WATCHDOG_PID. */
  pid?: number;
}

const NO_LOG: NotifierLog = { debug() {}, warn() {} };

/** One `KEY=value` line: a newline in a value would start another assignment. */
function assignment(key: string, value: string | number): string {
  return `${key}=${String(value).replace(/[\r\n]+/g, ' ')}`;
}

export class SystemdNotifier {
  /** The socket, or undefined when not started by systemd with Type=notify. */
  readonly socket: string | undefined;
  /** WatchdogSec in ms, when systemd asks this process for watchdog pings. */
  readonly watchdogMs: number | undefined;
  private readonly log: NotifierLog;
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly maxLagMs: number;
  private readonly healthy: () => boolean;
  private readonly now: () => number;
  private readonly path: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private broken = false;
  /** Counters, for tests and logs. */
  readonly stats = { sent: 0, failed: 0, pings: 0, withheld: 0 };

  constructor(opts: NotifierOptions = {}) {
    const env = opts.env ?? process.env;
    this.log = opts.log ?? NO_LOG;
    this.command = opts.command ?? 'systemd-notify';
    this.timeoutMs = opts.timeoutMs ?? 6000;
    this.healthy = opts.healthy ?? (() => true);
    this.now = opts.now ?? (() => performance.now());
    this.path = env.PATH;

    const socket = env.NOTIFY_SOCKET;
    // systemd gives an absolute path or an abstract name ("@..."); anything else is not its.
    if (socket && (socket.startsWith('/') || socket.startsWith('@'))) this.socket = socket;
    else if (socket) this.log.warn({ NOTIFY_SOCKET: socket }, 'NOTIFY_SOCKET ignored: not a socket path');

    const usec = Number(env.WATCHDOG_USEC);
    const forPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : undefined;
    if (
      this.socket &&
      Number.isInteger(usec) &&
      usec > 0 &&
      (forPid === undefined || forPid === (opts.pid ?? process.pid))
    ) {
      this.watchdogMs = usec / 1000;
    }
    this.maxLagMs = opts.maxLagMs ?? (this.watchdogMs ?? 0) / 4;

    delete env.NOTIFY_SOCKET;
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
  }

  get enabled(): boolean {
    return this.socket !== undefined && !this.broken;
  }

  /**
   * Send assignments in one datagram, after those queued before. Resolves true when
   * delivered (and, with systemd, processed), false otherwise; never rejects.
   */
  notify(fields: Record<string, string | number>): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const args = Object.entries(fields).map(([k, v]) => assignment(k, v));
    this.inFlight++;
    const sent = this.queue.then(() => this.send(args));
    this.queue = sent;
    return sent.finally(() => this.inFlight--);
  }

  /** READY=1: the service is up. */
  ready(status?: string): Promise<boolean> {
    return this.notify({ READY: 1, ...(status ? { STATUS: status } : {}) });
  }

  /** STATUS=: what the service is doing, shown by `systemctl status`. */
  status(status: string): Promise<boolean> {
    return this.notify({ STATUS: status });
  }

  /** STOPPING=1: a clean stop has begun; the watchdog stops with it. */
  stopping(status?: string): Promise<boolean> {
    this.stopWatchdog();
    this.stopped = true;
    return this.notify({ STOPPING: 1, ...(status ? { STATUS: status } : {}) });
  }

  /** Ping every WatchdogSec/2 while the event loop is healthy; no-op without a watchdog. */
  startWatchdog(): void {
    if (!this.enabled || this.watchdogMs === undefined || this.timer || this.stopped) return;
    const interval = this.watchdogMs / 2;
    this.log.debug(
      { watchdogMs: this.watchdogMs, intervalMs: interval, maxLagMs: this.maxLagMs },
      'systemd watchdog on',
    );
    let due = this.now() + interval;
    const tick = () => {
      const lag = this.now() - due;
      this.ping(lag);
      due = this.now() + interval;
      this.timer = setTimeout(tick, interval);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, interval);
    this.timer.unref();
  }

  stopWatchdog(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private ping(lagMs: number): void {
    if (lagMs > this.maxLagMs) {
      this.stats.withheld++;
      this.log.warn(
        { lagMs: Math.round(lagMs), maxLagMs: this.maxLagMs },
        'event loop was blocked: watchdog ping withheld (systemd restarts the service if this goes on)',
      );
      return;
    }
    if (this.inFlight > 0) {
      // The previous message is still on its way: do not pile helpers up behind a slow PID 1.
      this.stats.withheld++;
      this.log.warn(
        { inFlight: this.inFlight },
        'watchdog ping withheld: previous notification still in flight',
      );
      return;
    }
    let ok = false;
    try {
      ok = this.healthy();
    } catch {
      ok = false;
    }
    if (!ok) {
      this.stats.withheld++;
      this.log.warn({}, 'health check failed: watchdog ping withheld');
      return;
    }
    this.stats.pings++;
    void this.notify({ WATCHDOG: 1 });
  }

  private send(args: string[]): Promise<boolean> {
    return new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      const done = (ok: boolean, err?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (ok) this.stats.sent++;
        else {
          this.stats.failed++;
          this.log.warn({ message: args.join(' '), err }, 'systemd notification failed');
        }
        resolve(ok);
      };
      const child = spawn(this.command, args, {
        env: { NOTIFY_SOCKET: this.socket, ...(this.path ? { PATH: this.path } : {}) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const timeout = setTimeout(() => {
        child.kill('SIGKILL');
        done(false, `no answer within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < 500) stderr += d;
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          // Not a systemd host after all: say it once, then stay quiet.
          this.broken = true;
          this.stopWatchdog();
        }
        done(false, err.message);
      });
      child.on('close', (code) => {
        if (code === 0) {
          this.log.debug({ message: args.join(' ') }, 'systemd notified');
          done(true);
        } else done(false, `${this.command} exited with ${code}: ${stderr.trim()}`);
      });
    });
  }
}
