// The lab of ../shared/lab as plain tools, with no test framework in them, so that the tests
// (through lab.ts) and the hardware benchmarks (bench/hw.ts) share one copy: pcscd with the
// vpcd virtual reader and virtual_card.py badges, socat and direct pty pairs, fake sysfs GPIO
// trees; what is missing of it; and a lock for what one machine has only once (pcscd).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { alive } from '../../src/store/pid-file.js';
import { limit } from './limits.js';

const run = promisify(execFile);

/** The lab scripts (read-only; nothing is copied out of it). */
export const LAB = process.env.PINTU_LAB_DIR ?? resolve(import.meta.dirname, '../../../shared/lab');
export const PYTHON = '/usr/bin/python3';

// ---------------------------------------------------------------- what is missing

const root = resolve(import.meta.dirname, '../..');

export type Need =
  | 'lab'
  | 'root'
  | 'pcscd'
  | 'vsmartcard-vpcd'
  | 'python3-virtualsmartcard'
  | 'nfc-pcsc'
  | 'socat'
  | 'unshare'
  | 'python3'
  | 'mosquitto'
  | 'python3-fusepy'
  | 'fuse3'
  | '/dev/fuse';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

const CHECKS: Record<Need, () => string | undefined> = {
  lab: () => (existsSync(join(LAB, 'start-pcsc-lab.sh')) ? undefined : `the lab scripts (${LAB})`),
  root: () => (process.getuid?.() === 0 ? undefined : 'root (pcscd socket, unshare --mount)'),
  pcscd: () => (existsSync('/usr/sbin/pcscd') ? undefined : 'pcscd (apt package pcscd)'),
  'vsmartcard-vpcd': () =>
    existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')
      ? undefined
      : 'the vpcd driver (apt package vsmartcard-vpcd)',
  'python3-virtualsmartcard': () =>
    existsSync('/usr/lib/python3/site-packages/virtualsmartcard')
      ? undefined
      : 'the virtualsmartcard library (apt package python3-virtualsmartcard)',
  'nfc-pcsc': () => {
    try {
      createRequire(join(root, 'package.json'))('nfc-pcsc');
      return undefined;
    } catch (err) {
      return `the npm package nfc-pcsc, built against libpcsclite (apt package libpcsclite-dev, then npm install): ${(err as Error).message.split('\n')[0]}`;
    }
  },
  socat: () => (onPath('socat') ? undefined : 'socat (apt package socat)'),
  unshare: () => (onPath('unshare') ? undefined : 'unshare (util-linux)'),
  python3: () => (existsSync(PYTHON) ? undefined : `${PYTHON}`),
  mosquitto: () =>
    onPath('mosquitto') || existsSync('/usr/sbin/mosquitto')
      ? onPath('mosquitto_passwd')
        ? undefined
        : 'mosquitto_passwd (apt package mosquitto)'
      : 'mosquitto (apt package mosquitto)',
  // The power-cut file system (test/lab/lazyfs.py): fusepy, fusermount, the kernel's FUSE.
  'python3-fusepy': () =>
    existsSync('/usr/lib/python3/dist-packages/fusepy.py')
      ? undefined
      : 'fusepy (apt package python3-fusepy)',
  fuse3: () => (onPath('fusermount3') ? undefined : 'fusermount3 (apt package fuse3)'),
  '/dev/fuse': () => (existsSync('/dev/fuse') ? undefined : '/dev/fuse (the kernel FUSE module)'),
};

/** What of `needs` this machine lacks, each named with the package that brings it. */
export function missing(needs: readonly Need[]): string[] {
  return needs.map((n) => CHECKS[n]()).filter((m): m is string => m !== undefined);
}

// ---------------------------------------------------------------- exclusive use

const LOCKS = join(tmpdir(), 'pintu-lab-locks');

/**
 * Exclusive use of something the machine has once (pcscd and the vpcd slots: a gateway of
 * another test file would read the same virtual badges and see pcscd killed), across
 * processes: vitest runs test files in parallel, and a campaign may run beside them. A folder
 * made atomically holds the owner's pid; one left by a dead process is taken over. Resolves
 * with the release (idempotent); waits up to timeoutMs, then throws naming the holder.
 */
export async function labLock(name: string, timeoutMs = 180_000): Promise<() => void> {
  mkdirSync(LOCKS, { recursive: true });
  const dir = join(LOCKS, name);
  const pidFile = join(dir, 'pid');
  const deadline = Date.now() + limit(timeoutMs);
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, `${process.pid}\n`);
      let held = true;
      return () => {
        if (held) rmSync(dir, { recursive: true, force: true });
        held = false;
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: number | undefined;
    let made = Date.now();
    try {
      made = statSync(dir).mtimeMs;
      owner = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      // being made or released right now
    }
    // No pid a while after the folder was made: its maker died in between.
    const stale = owner === undefined ? Date.now() - made > 5000 : !alive(owner);
    if (stale) rmSync(dir, { recursive: true, force: true });
    else if (Date.now() > deadline)
      throw new Error(
        `the lab's ${name} is in use by pid ${owner ?? '?'} (${dir}) for more than ${timeoutMs} ms`,
      );
    else await new Promise((r) => setTimeout(r, 200));
  }
}

// ---------------------------------------------------------------- PC/SC

/** Starts pcscd with the vpcd reader (idempotent: an instance the script started is reused). */
export async function startPcscd(): Promise<void> {
  await run(join(LAB, 'start-pcsc-lab.sh'), ['start'], { timeout: 20_000 });
}

export async function stopPcscd(): Promise<void> {
  await run(join(LAB, 'start-pcsc-lab.sh'), ['stop'], { timeout: 20_000 });
}

/** One line to the control socket of virtual_card.py serve, one line back. */
export function cardCtl(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => s.write(`${command}\n`));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        s.end();
        resolve(buf.trim());
      }
    });
    s.on('error', reject);
  });
}

/** A virtual badge daemon (virtual_card.py serve) on one vpcd slot, with its own control socket. */
export class VirtualCard {
  private constructor(
    readonly socket: string,
    private readonly proc: ChildProcess,
  ) {}

  /** port 35963 (the default) is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01". */
  static async start(port: number, socket: string): Promise<VirtualCard> {
    const proc = spawn(
      PYTHON,
      [join(LAB, 'virtual_card.py'), '--port', String(port), 'serve', '--control', socket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout?.on('data', (d) => (out += d));
    proc.stderr?.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (out.includes('listening on')) return new VirtualCard(socket, proc);
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`virtual_card.py did not start: ${out}`);
  }

  async insert(uid: string, atr?: string): Promise<void> {
    const answer = await cardCtl(this.socket, `insert ${uid}${atr ? ` ${atr}` : ''}`);
    if (!answer.startsWith('OK')) throw new Error(`virtual card: ${answer}`);
  }

  async remove(): Promise<void> {
    await cardCtl(this.socket, 'remove');
  }

  /** Inserts, waits, removes: one tap of a badge. */
  async tap(uid: string, holdMs = 300, atr?: string): Promise<void> {
    await this.insert(uid, atr);
    await new Promise((r) => setTimeout(r, holdMs));
    await this.remove();
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc);
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within graceMs (a daemon's clean stop). */
export async function stopProcess(proc: ChildProcess, graceMs = 2000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------- serial

/** A socat pty pair: `app` for the gateway, `dev` for the test (writes lines as a reader would). */
export async function ptyPair(app: string, dev: string): Promise<void> {
  await run(join(LAB, 'pty-pair.sh'), ['start', app, dev], { timeout: 10_000 });
}

/** Kill socat: both ends close, as when the reader is unplugged. */
export async function unplugPty(app: string): Promise<void> {
  await run(join(LAB, 'pty-pair.sh'), ['stop', app], { timeout: 10_000 });
}

// ---------------------------------------------------------------- GPIO

export interface FakeChip {
  base: number;
  label: string;
  ngpio: number;
}

/** Pi 4 under Raspberry Pi OS Bookworm: the header's chip at base 512, the expander above it. */
export const PI4_CHIPS: FakeChip[] = [
  { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
  { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
];

/** Pi 5 under Bookworm: the RP1 header chip at base 571, below it the SoC's own. */
export const PI5_CHIPS: FakeChip[] = [
  { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
  { base: 544, label: 'gpio-brcmstb@107d517c00', ngpio: 15 },
  { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
];

/**
 * A sysfs GPIO tree of plain files: export/unexport, gpiochipN/{base,label,ngpio}, and
 * gpioN/{direction,value,edge,active_low} for the given sysfs numbers (as exported).
 */
export function fakeSysfs(dir: string, chips: readonly FakeChip[], exported: readonly number[] = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'export'), '');
  writeFileSync(join(dir, 'unexport'), '');
  for (const c of chips) {
    const d = join(dir, `gpiochip${c.base}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'base'), `${c.base}\n`);
    writeFileSync(join(d, 'label'), `${c.label}\n`);
    writeFileSync(join(d, 'ngpio'), `${c.ngpio}\n`);
  }
  for (const n of exported) setPin(dir, n, '0');
}

/** Creates gpioN if needed and sets its value file (what the kernel or the world says). */
export function setPin(dir: string, n: number, value: '0' | '1'): void {
  const d = join(dir, `gpio${n}`);
  if (!existsSync(d)) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'direction'), 'in');
    writeFileSync(join(d, 'edge'), 'none');
    writeFileSync(join(d, 'active_low'), '0');
  }
  writeFileSync(join(d, 'value'), value);
}

export function pinValue(dir: string, n: number): string {
  return readFileSync(join(dir, `gpio${n}`, 'value'), 'utf8');
}

/** Polls until `check` holds (or throws the last failure after timeoutMs, scaled by limit()). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + limit(timeoutMs);
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Holds a pty master, prints the slave's path, then writes each stdin line and prints when. */
const PTY_HELPER = `
import os, pty, sys, time, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    data = line.rstrip('\\n').encode().decode('unicode_escape').encode('latin-1')
    t = time.monotonic_ns()
    os.write(master, data)
    print(t, flush=True)
`;

/**
 * A pty pair with no relay process between its ends (unlike socat's): a Python helper holds
 * the master from os.openpty, the nearest stand-in here for a UART. `path` is the slave end,
 * for the reader under test; `write` sends bytes through the master and resolves with the
 * CLOCK_MONOTONIC time (ms, the clock of process.hrtime) taken just before the write.
 */
export class DirectPty {
  private readonly lines: string[] = [];
  private wake: () => void = () => {};

  private constructor(
    private readonly proc: ChildProcess,
    public path = '',
  ) {
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      this.wake();
    });
    proc.once('exit', () => this.wake());
  }

  static async open(): Promise<DirectPty> {
    const proc = spawn(PYTHON, ['-c', PTY_HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pty = new DirectPty(proc);
    pty.path = await pty.next();
    return pty;
  }

  private async next(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null)
        throw new Error('the pty helper is gone');
      await new Promise<void>((r) => (this.wake = r));
    }
    return this.lines.shift()!;
  }

  /** Writes `text` (escapes such as \r\n allowed) and resolves with when, in monotonic ms. */
  async write(text: string): Promise<number> {
    this.proc.stdin!.write(`${text.replaceAll('\r', '\\r').replaceAll('\n', '\\n')}\n`);
    return Number(await this.next()) / 1e6;
  }

  close(): void {
    this.proc.stdin!.end();
    this.proc.kill();
  }
}

/** CLOCK_MONOTONIC in ms (the clock DirectPty stamps writes with). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------- certificates

/**
 * A self-signed EC certificate for 127.0.0.1 / localhost, valid for `days`, made with openssl
 * into `dir` (cert.pem, key.pem): for the broker's TLS listeners in tests.
 */
export async function testCertificate(
  dir: string,
  days: number,
  openssl = 'openssl',
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await promisify(execFile)(openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(days),
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}
