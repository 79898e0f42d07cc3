// Doors first (issue 16): the gateway says "doors ready" (a log line and STATUS= on systemd's
// notification socket) once a tap is decided, before the broker and HTTP are loaded, and
// READY=1 comes after. A tap on a serial reader (a socat pty pair) sent the moment the
// sentinel arrives is decided from the loaded state: the badge of a visit made in an earlier
// run opens the door (or is refused for the hours only, when the test runs outside them).
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, labSuite, ptyPair, unplugPty } from '../support/lab.js';
import { type NotifySocket, startNotifySocket } from '../support/notify-socket.js';
import { callGateway, freePort, startGatewayProcess, stopProcess } from '../support/process.js';

const TAMU_01 = '04A1B2C3D4E501';
/** The index of the first message with a line starting with `line`. */
const has = (ms: { text: string }[], line: string) =>
  ms.findIndex((m) => m.text.split('\n').some((l) => l.startsWith(line)));

labSuite('doors first: a tap is decided before the servers are up', ['lab', 'socat', 'python3'], () => {
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;
  let device: SerialPort | undefined;
  let sock: NotifySocket | undefined;
  let env: Record<string, string>;

  const call = (token: string, method: string, path: string, body?: unknown) =>
    callGateway(port, token, method, path, body);
  const token = async () => (await readFile(join(dir, 'cli.token'), 'utf8')).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-boot-'));
    port = await freePort();
    const app = join(dir, 'ttyApp');
    await ptyPair(app, join(dir, 'ttyDev'));
    const file = join(dir, 'pintu.yaml');
    await writeFile(
      file,
      `
readers:
  - { id: desk, role: desk }
  - id: pintu-utama-in
    role: door
    door: pintu-utama
    direction: in
    driver:
      type: serial
      path: ${app}
      baudRate: 9600
      delimiter: "\\r\\n"
      pattern: "^W26:(?<credential>[0-9A-Fa-f]+)$"
`,
    );
    env = { PINTU_CONFIG: file, PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port) };
    // An earlier run: a visit walked to its badge, then a clean stop.
    child = await startGatewayProcess(env);
    const t = await token();
    const v = await call(t, 'POST', '/visits', {
      guest: { name: 'Tamu Pagi', institution: 'Bappeda Jatim' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    });
    const id = v.body.id as string;
    await call(t, 'POST', `/visits/${id}/screening`, { passed: true });
    await call(t, 'POST', `/visits/${id}/guestbook`, {});
    await call(t, 'POST', `/visits/${id}/decision`, { outcome: 'accepted' });
    const b = await call(t, 'POST', `/visits/${id}/badge`, {
      badge: 'TAMU-01',
      collateral: { type: 'sim', number: '123456789012' },
    });
    expect(b.status).toBe(200);
    await stopProcess(child);
    device = new SerialPort({ path: join(dir, 'ttyDev'), baudRate: 9600 });
    await new Promise<void>((res, rej) => {
      device!.once('open', () => res());
      device!.once('error', rej);
    });
  }, 60_000);

  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    sock?.close();
    if (device?.isOpen) await new Promise((r) => device!.close(r));
    await unplugPty(join(dir, 'ttyApp')).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('says "doors ready" before READY=1, and decides the tap sent at that moment', async () => {
    sock = await startNotifySocket(dir);
    let output = '';
    // The tap leaves the moment the sentinel arrives, while HTTP may not be up yet.
    const tapped = sock
      .waitFor((ms) => has(ms, 'STATUS=doors ready') >= 0, 30_000)
      .then(
        () =>
          new Promise<void>((res, rej) =>
            device!.write(`W26:${TAMU_01}\r\n`, (err) => (err ? rej(err) : device!.drain(() => res()))),
          ),
      );
    child = await startGatewayProcess(
      { ...env, NOTIFY_SOCKET: sock.path, PINTU_LOG_LEVEL: 'info' },
      { onOutput: (chunk) => (output += chunk) },
    );
    await tapped;
    const messages = await sock.waitFor((ms) => has(ms, 'READY=1') >= 0, 30_000);
    expect(has(messages, 'STATUS=doors ready')).toBeLessThan(has(messages, 'READY=1'));

    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    const doorsAt = lines.findIndex((l) => (JSON.parse(l) as { msg: string }).msg === 'doors ready');
    const runningAt = lines.findIndex((l) => (JSON.parse(l) as { msg: string }).msg === 'Pintu is running');
    expect(doorsAt).toBeGreaterThanOrEqual(0);
    expect(doorsAt).toBeLessThan(runningAt);
    expect(JSON.parse(lines[doorsAt]!)).toMatchObject({ ms: expect.any(Number), cpuMs: expect.any(Number) });
    expect(messages[has(messages, 'STATUS=doors ready')]!.text).toMatch(
      /^STATUS=doors ready after \d+ ms \(CPU \d+ ms\)$/,
    );

    const t = await token();
    const decided = await eventually(async () => {
      const page = await call(t, 'GET', '/events?type=access.');
      const events = page.body.events as Array<{ type: string; payload: { uid?: string; reason?: string } }>;
      const tap = events.find((e) => e.payload.uid === TAMU_01);
      expect(tap).toBeDefined();
      return tap!;
    }, 20_000);
    expect([true, 'outside_hours']).toContain(
      decided.type === 'access.granted' ? true : decided.payload.reason,
    );
  }, 60_000);
});
