// systemd's Type=notify and watchdog, through the real `systemd-notify` helper to a real
// AF_UNIX datagram socket standing in for PID 1's: READY=1 once the gateway serves,
// WATCHDOG=1 every WatchdogSec/2 while the event loop is healthy, none after a blocked loop,
// STOPPING=1 on SIGTERM, and nothing at all without NOTIFY_SOCKET.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../src/service/systemd-notify.js';
import { type NotifySocket, startNotifySocket } from '../support/notify-socket.js';

const root = new URL('../..', import.meta.url).pathname;
const count = (ms: { text: string }[], line: string) =>
  ms.filter((m) => m.text.split('\n').includes(line)).length;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('SystemdNotifier', () => {
  let dir: string;
  let sock: NotifySocket;
  let notifier: SystemdNotifier | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-notify-'));
  });
  afterEach(() => {
    notifier?.stopWatchdog();
    sock?.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends READY=1, periodic WATCHDOG=1 and STOPPING=1, and clears the variables', async () => {
    sock = await startNotifySocket(await mkdtemp(join(dir, 'a-')));
    const env: NodeJS.ProcessEnv = {
      NOTIFY_SOCKET: sock.path,
      WATCHDOG_USEC: '600000',
      PATH: process.env.PATH,
    };
    notifier = new SystemdNotifier({ env });
    expect(notifier.enabled).toBe(true);
    expect(notifier.watchdogMs).toBe(600);
    // like sd_notify(unset_environment=1): children never inherit them
    expect(env.NOTIFY_SOCKET).toBeUndefined();
    expect(env.WATCHDOG_USEC).toBeUndefined();

    expect(await notifier.ready('serving http://127.0.0.1:8080')).toBe(true);
    expect(sock.assignments()[0]!.text).toBe('READY=1\nSTATUS=serving http://127.0.0.1:8080');

    notifier.startWatchdog();
    const t0 = performance.now();
    const got = await sock.waitFor((ms) => count(ms, 'WATCHDOG=1') >= 3, 5000);
    const pings = got.filter((m) => m.text === 'WATCHDOG=1');
    // every WatchdogSec/2 = 300 ms: three pings take about 900 ms, not much less
    expect(pings[2]!.at - t0).toBeGreaterThan(800);
    expect(notifier.stats.withheld).toBe(0);

    expect(await notifier.stopping('bye')).toBe(true);
    expect(sock.assignments().at(-1)!.text).toBe('STOPPING=1\nSTATUS=bye');
    const after = count(sock.assignments(), 'WATCHDOG=1');
    await new Promise((r) => setTimeout(r, 500));
    expect(count(sock.assignments(), 'WATCHDOG=1')).toBe(after);
  });

  it('withholds the ping when the event loop was blocked', async () => {
    sock = await startNotifySocket(await mkdtemp(join(dir, 'b-')));
    notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '400000', PATH: process.env.PATH },
    });
    notifier.startWatchdog();
    // block the loop past the first tick (due at 200 ms) by more than WatchdogSec/4 (100 ms)
    const until = performance.now() + 450;
    while (performance.now() < until) {
      /* busy: a hung event loop */
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(notifier.stats.withheld).toBe(1);
    expect(count(sock.assignments(), 'WATCHDOG=1')).toBe(0);
    // the loop recovered: pings resume on the next ticks (systemd decides if the gap was too long)
    await sock.waitFor((ms) => count(ms, 'WATCHDOG=1') >= 1, 3000);
  });

  it('runs no watchdog meant for another pid, and a failed health check withholds pings', async () => {
    sock = await startNotifySocket(await mkdtemp(join(dir, 'c-')));
    const other = new SystemdNotifier({
      env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '400000', WATCHDOG_PID: '1', PATH: process.env.PATH },
    });
    expect(other.enabled).toBe(true);
    expect(other.watchdogMs).toBeUndefined();

    notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '200000', PATH: process.env.PATH },
      healthy: () => false,
    });
    notifier.startWatchdog();
    await new Promise((r) => setTimeout(r, 450));
    expect(notifier.stats.withheld).toBeGreaterThanOrEqual(2);
    expect(count(sock.assignments(), 'WATCHDOG=1')).toBe(0);
  });

  it('does nothing without NOTIFY_SOCKET', async () => {
    notifier = new SystemdNotifier({
      env: { WATCHDOG_USEC: '400000' },
      command: '/nonexistent/systemd-notify',
    });
    expect(notifier.enabled).toBe(false);
    expect(notifier.watchdogMs).toBeUndefined();
    expect(await notifier.ready()).toBe(false);
    notifier.startWatchdog();
    expect(await notifier.stopping()).toBe(false);
    expect(notifier.stats).toEqual({ sent: 0, failed: 0, pings: 0, withheld: 0 });
  });
});

describe('the gateway under a notify socket (pintu start)', () => {
  let dir: string;
  let sock: NotifySocket;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-notify-gw-'));
    sock = await startNotifySocket(dir);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    sock?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says READY=1 only once HTTP answers, pings the watchdog, and STOPPING=1 on SIGTERM', async () => {
    const port = await freePort();
    const data = join(dir, 'data');
    child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), 'start'], {
      cwd: root,
      env: {
        ...process.env,
        PINTU_DATA_DIR: data,
        PINTU_HTTP_PORT: String(port),
        PINTU_LOG_LEVEL: 'warn',
        PINTU_MQTT_MODE: 'off',
        NOTIFY_SOCKET: sock.path,
        WATCHDOG_USEC: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));

    const ready = await sock
      .waitFor((ms) => count(ms, 'READY=1') === 1, 20_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      });
    // READY=1 means serving: HTTP answers at once
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    // Before it, only "doors ready" (taps decided, the servers still loading: main.ts).
    expect(ready.map((m) => m.text)).toEqual([
      expect.stringMatching(/^STATUS=doors ready after /),
      expect.stringMatching(new RegExp(`^READY=1\nSTATUS=serving http://127\\.0\\.0\\.1:${port}$`)),
    ]);
    // The sender's pid is systemd-notify's own when it runs unprivileged (as user pintu: the
    // kernel refuses it the parent's pid), hence NotifyAccess=all in pintu.service. As root,
    // as here, it may pass the gateway's. Either way a live process of the service sent it.
    expect(ready[1]!.pid).toEqual(expect.any(Number));

    await sock.waitFor((ms) => count(ms, 'WATCHDOG=1') >= 2, 5000);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const all = sock.assignments().map((m) => m.text);
    expect(all.at(-1)).toMatch(/^STOPPING=1\n/);
    expect(all.filter((t) => t.startsWith('READY=1'))).toHaveLength(1);
  });
});
