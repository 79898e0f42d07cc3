// The gateway as a real process for system tests: a free loopback port, `pintu` commands
// through tsx, and a started gateway waited for on /healthz.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'src/cli.ts');
const exec = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Run `pintu ...args` to completion: exit code, stdout, stderr. */
export async function pintu(env: Record<string, string>, ...args: string[]) {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, PINTU_LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The built gateway, as systemd runs it (`npm run build` makes it). */
export const BUILT_CLI = join(ROOT, 'dist/cli.js');

/**
 * `pintu start` with this environment (PINTU_HTTP_PORT must be set), once /healthz answers.
 * MQTT is off unless the environment says otherwise: the embedded broker's default port
 * (1883) cannot be shared by gateways of tests running side by side. `built`: run dist/cli.js
 * with plain node instead of the sources through tsx (whose loader thread has a heap of its own).
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  opts: {
    built?: boolean;
    nodeArgs?: readonly string[];
    /** Every chunk the process writes (stdout and stderr), from its first line on. */
    onOutput?: (chunk: string) => void;
  } = {},
): Promise<ChildProcess> {
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(opts.built ? [BUILT_CLI, 'start'] : ['--import', 'tsx', CLI, 'start']),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PINTU_LOG_LEVEL: 'warn',
      PINTU_MQTT_MODE: 'off',
      // Whether this machine's timesyncd has synchronised is not what these tests are about: a
      // runner whose flag is missing must not make every /healthz degraded (test/integration/clock-sync).
      PINTU_CONFIG_CLOCK__SYNCHRONISED: 'assume',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (d: Buffer) => {
    output += d;
    opts.onOutput?.(d.toString());
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${env.PINTU_HTTP_PORT}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    if (child.exitCode !== null) throw new Error(`gateway exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A process's resident memory now (VmRSS), in bytes. */
/** An API call to the gateway process on `port` with a bearer token: the status and the JSON answer. */
export async function callGateway(
  port: number,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** Send a signal and wait for the process to end. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
