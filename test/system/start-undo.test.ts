// Start-up undoes what it opened (STYLE.md item 4). A start whose HTTP port is taken exits
// non-zero naming the port, and leaves the data folder as a clean stop does: journal closed
// with system.stopped, state saved at its head, pid file and CLI token gone. A SIGTERM that
// arrives during start-up (at "doors ready", before READY=1) is a clean stop: exit 0, the
// same whole journal.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { labSuite } from '../support/lab.js';
import { type NotifySocket, startNotifySocket } from '../support/notify-socket.js';
import { freePort, ROOT, startGatewayProcess, stopProcess } from '../support/process.js';

const CLI = join(ROOT, 'src/cli.ts');

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** `pintu start` without waiting for /healthz (it may never answer): the child and its exit. */
function spawnStart(env: Record<string, string>): { child: ChildProcess; exited: Promise<Exited> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PINTU_LOG_LEVEL: 'info',
      PINTU_MQTT_MODE: 'off',
      PINTU_CONFIG_CLOCK__SYNCHRONISED: 'assume',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<Exited>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exited };
}

const hasLine = (text: string, line: string) => text.split('\n').includes(line);

/** The deadline a start-up that fails must end within (a hang is the defect). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no exit within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function journalTypes(dir: string): Promise<string[]> {
  const journal = await Journal.open(join(dir, 'journal'), { monthOf: () => '', readOnly: true });
  const out: string[] = [];
  for await (const e of journal.read({ fromSeq: 1 })) out.push(e.type);
  await journal.close();
  return out;
}

/** A start on a free port replays nothing: the state was saved at the journal's head. */
async function restartsClean(dir: string): Promise<void> {
  const port = await freePort();
  const child = await startGatewayProcess({ PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port) });
  await stopProcess(child, 'SIGTERM');
  const journal = await Journal.open(join(dir, 'journal'), { monthOf: () => '', readOnly: true });
  const details: string[] = [];
  for await (const e of journal.read({ fromSeq: 1 })) {
    if (e.type === 'system.started') details.push(e.payload.detail ?? '');
  }
  await journal.close();
  expect(details.at(-1)).toBe('replayed 0');
}

labSuite('start-up undoes what it opened', ['python3'], () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let blocker: Server | undefined;
  let sock: NotifySocket | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-start-undo-'));
  });
  afterEach(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    child = undefined;
    sock?.close();
    sock = undefined;
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    blocker = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('exits non-zero naming the taken HTTP port, and leaves the data folder closed', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      blocker!.once('error', reject);
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port));
    });
    // The embedded broker is up by then: the undo stops it too (after the gateway).
    const started = spawnStart({
      PINTU_DATA_DIR: dir,
      PINTU_HTTP_PORT: String(port),
      PINTU_MQTT_MODE: 'embedded',
      PINTU_CONFIG_MQTT__PORT: String(await freePort()),
    });
    child = started.child;
    const exit = await within(started.exited, 30_000, 'pintu start on a taken port');
    expect(exit.output).not.toContain('closing a part failed');
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.output).toContain(`http.port ${port} is in use`);
    // What a clean stop leaves: no pid file, no CLI token, the journal closed by system.stopped.
    expect(existsSync(join(dir, 'pintu.pid'))).toBe(false);
    expect(existsSync(join(dir, 'cli.token'))).toBe(false);
    expect((await journalTypes(dir)).at(-1)).toBe('system.stopped');
    await restartsClean(dir);
  }, 60_000);

  it('stops cleanly (exit 0) on a SIGTERM at "doors ready", before READY=1', async () => {
    sock = await startNotifySocket(dir);
    const port = await freePort();
    const started = spawnStart({
      PINTU_DATA_DIR: dir,
      PINTU_HTTP_PORT: String(port),
      NOTIFY_SOCKET: sock.path,
    });
    child = started.child;
    await sock.waitFor(
      (ms) => ms.some((m) => m.text.split('\n').some((l) => l.startsWith('STATUS=doors ready'))),
      30_000,
    );
    child.kill('SIGTERM');
    const exit = await within(started.exited, 30_000, 'pintu start stopped during start-up');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // The stop came during start-up: STOPPING=1 (datagrams from one sender arrive in order)
    // with no READY=1 before it.
    const lines = (await sock.waitFor((ms) => ms.some((m) => hasLine(m.text, 'STOPPING=1')), 30_000)).map(
      (m) => m.text,
    );
    expect(lines.filter((t) => hasLine(t, 'READY=1'))).toEqual([]);
    expect(existsSync(join(dir, 'pintu.pid'))).toBe(false);
    expect(existsSync(join(dir, 'cli.token'))).toBe(false);
    expect((await journalTypes(dir)).at(-1)).toBe('system.stopped');
    await restartsClean(dir);
  }, 60_000);
});
