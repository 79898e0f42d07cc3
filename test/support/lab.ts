// The hardware-free lab of ../shared/lab for the hardware tests: a real pcscd with the vpcd
// virtual reader and virtual_card.py badges, socat pty pairs, fake sysfs GPIO trees.
//
// A suite that needs something missing here skips itself and says what is missing, in its
// title and on stderr; under CI=true it fails instead (CI installs everything: .ci/run).
// Services are started idempotently by the tests themselves, so `npx vitest run` works on a
// machine with the packages and nothing started.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The lab scripts (read-only; nothing is copied out of it). */
export const LAB = process.env.PINTU_LAB_DIR ?? resolve(root, '../shared/lab');
export const PYTHON = '/usr/bin/python3';

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
  | 'mosquitto';

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
};

export function missing(needs: readonly Need[]): string[] {
  return needs.map((n) => CHECKS[n]()).filter((m): m is string => m !== undefined);
}

/**
 * `describe` for a suite that needs lab packages: runs when all are here; otherwise skipped
 * with the missing ones named, or failed when CI=true.
 */
export function labSuite(name: string, needs: readonly Need[], body: () => void): void {
  const lacking = missing(needs);
  if (lacking.length === 0) {
    describe(name, body);
    return;
  }
  const why = `missing: ${lacking.join('; ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`has what it needs (${why})`, () => {
        throw new Error(`${name}: ${why}. CI must install and start these (see .ci/run).`);
      });
    });
    return;
  }
  process.stderr.write(`[lab] skipping "${name}": ${why}\n`);
  describe.skip(`${name} [skipped, ${why}]`, body);
}

/**
 * For one need outside the Need list, or inside a test file's top level: true when
 * `present`; otherwise false with the reason on stderr (the caller skips), or, under
 * CI=true, an error that fails the file naming what is missing.
 */
export function requireLab(what: string, present: boolean): boolean {
  if (present) return true;
  if (process.env.CI === 'true') throw new Error(`missing: ${what}. CI must install it (see .ci/run).`);
  process.stderr.write(`[lab] skipping: missing ${what}\n`);
  return false;
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

  /** port 35963 is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01". */
  static async start(port: number, socket: string): Promise<VirtualCard> {
    const proc = spawn(
      PYTHON,
      [join(LAB, 'virtual_card.py'), '--port', String(port), 'serve', '--control', socket],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
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
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
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

/** Polls until `check` holds (or throws the last failure after timeoutMs). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
