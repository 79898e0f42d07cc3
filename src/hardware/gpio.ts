// GPIO lines for door relays and door inputs, behind two small ports (OutputLine and
// InputLine), so the lock and input drivers above do not know the backend:
//  - sysfs: /sys/class/gpio through onoff (Raspberry Pi OS Bookworm). A pin's sysfs number is
//    its BCM number plus the base of the header's chip, read from gpiochip*/{base,label}
//    (512 on a Pi 4, 571 on a Pi 5). A root other than the kernel's (a test tree) is driven
//    with the same file writes done here, since onoff only knows /sys/class/gpio.
//  - gpiod: the GPIO character device through the libgpiod v2 tools of Debian's "gpiod"
//    package (gpiodetect, gpioget, gpioset, gpiomon), for kernels without sysfs GPIO
//    (Raspberry Pi OS Trixie).
// `active` is the logical level (relay energised, contact open, button pressed). activeLow is
// applied here, in software, so what reaches the pin (and a test's fake tree) is the
// physical level.
import { type ChildProcess, execFileSync, type StdioOptions, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { GpioConfig, InputBias } from '../config/schema.js';
import { DriverError } from './driver-error.js';

export const KERNEL_SYSFS_ROOT = '/sys/class/gpio';

export interface OutputLine {
  /** Drive the line (active = relay energised). Throws when the write fails right away. */
  write(active: boolean): void;
  /** Faults found later (a helper process died) and their end (undefined). */
  onFault(handler: (fault: string | undefined) => void): void;
  /** Stop driving; the line keeps its level where the backend allows (sysfs). */
  close(): void | Promise<void>;
}

export interface InputLine {
  /** The line now (active = contact open, button pressed). */
  read(): boolean;
  /** Raw changes as the backend sees them, not debounced; onFault when the line is lost. */
  watch(onChange: (active: boolean) => void, onFault: (fault: string | undefined) => void): void;
  close(): void;
}

export interface OutputOptions {
  activeLow: boolean;
  /** The level driven from the first moment (the door's safe state). */
  initial: boolean;
  consumer: string;
}

export interface InputOptions {
  activeLow: boolean;
  bias: InputBias;
  consumer: string;
}

export interface GpioBackend {
  /** For logs: "sysfs /sys/class/gpio, gpiochip512 [pinctrl-bcm2711] base 512". */
  readonly description: string;
  output(pin: number, opts: OutputOptions): OutputLine;
  input(pin: number, opts: InputOptions): InputLine;
  close(): void;
}

export interface GpioChip {
  name: string;
  label: string;
  /** sysfs only: the number of the chip's line 0. */
  base: number;
  lines: number;
}

const level = (active: boolean, activeLow: boolean): 0 | 1 => (active !== activeLow ? 1 : 0);

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The chip whose label matches `chipLabel` (the lowest base if several do). */
export function pickChip(chips: readonly GpioChip[], chipLabel: string, where: string): GpioChip {
  if (chips.length === 0) throw new DriverError(`no GPIO chip found (${where})`);
  const re = new RegExp(chipLabel);
  const match = chips.filter((c) => re.test(c.label));
  if (match.length === 0) {
    throw new DriverError(
      `no GPIO chip label matches gpio.chipLabel /${chipLabel}/ (${where}: ${chips
        .map((c) => `${c.name} [${c.label}]`)
        .join(', ')})`,
    );
  }
  return [...match].sort((a, b) => a.base - b.base)[0]!;
}

// ---------------------------------------------------------------- sysfs

/** The chips of a sysfs GPIO tree: gpiochipN/{base,label,ngpio}. */
export function sysfsChips(root: string): GpioChip[] {
  const chips: GpioChip[] = [];
  for (const name of readdirSync(root)) {
    if (!/^gpiochip\d+$/.test(name)) continue;
    try {
      const read = (f: string) => readFileSync(join(root, name, f), 'utf8').trim();
      const base = Number(read('base'));
      const label = read('label');
      let lines = Number.POSITIVE_INFINITY;
      try {
        lines = Number(read('ngpio'));
      } catch {
        // ngpio is optional in a test tree
      }
      if (Number.isInteger(base)) chips.push({ name, label, base, lines });
    } catch {
      // a chip without base or label is not one we can use
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

interface OnoffGpio {
  readSync(): number;
  writeSync(value: number): void;
  watch(cb: (err: Error | null | undefined, value: number) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
interface OnoffModule {
  Gpio: (new (
    gpio: number,
    direction: 'in' | 'out' | 'high' | 'low',
    edge?: 'none' | 'rising' | 'falling' | 'both',
    options?: { activeLow?: boolean },
  ) => OnoffGpio) & { accessible: boolean };
}

function loadOnoff(): OnoffModule {
  try {
    return createRequire(import.meta.url)('onoff') as OnoffModule;
  } catch (err) {
    throw new DriverError(`the npm package onoff could not be loaded (${errText(err)}): run npm install`);
  }
}

export class SysfsBackend implements GpioBackend {
  readonly description: string;
  readonly chip: GpioChip;
  private readonly kernel: boolean;
  private readonly onoff?: OnoffModule;

  constructor(
    private readonly root: string,
    chipLabel: string,
  ) {
    if (!existsSync(root)) {
      throw new DriverError(
        `${root} does not exist: this kernel has no sysfs GPIO (CONFIG_GPIO_SYSFS is off, as on Raspberry Pi OS Trixie)`,
      );
    }
    if (!existsSync(join(root, 'export')))
      throw new DriverError(`${root} is not a sysfs GPIO tree (no export file)`);
    this.chip = pickChip(sysfsChips(root), chipLabel, `chips under ${root}`);
    this.kernel = resolve(root) === KERNEL_SYSFS_ROOT;
    if (this.kernel) {
      this.onoff = loadOnoff();
      if (!this.onoff.Gpio.accessible) {
        throw new DriverError(
          `${root}/export cannot be written: run the service as a member of the "gpio" group (or as root)`,
        );
      }
    }
    this.description = `sysfs ${root}${this.kernel ? ' (onoff)' : ' (file writes)'}, ${this.chip.name} [${this.chip.label}] base ${this.chip.base}`;
  }

  /** The sysfs number of a BCM pin. */
  number(pin: number): number {
    if (pin >= this.chip.lines) {
      throw new DriverError(
        `GPIO ${pin} is beyond the ${this.chip.lines} lines of ${this.chip.name} [${this.chip.label}]`,
      );
    }
    return this.chip.base + pin;
  }

  output(pin: number, opts: OutputOptions): OutputLine {
    const n = this.number(pin);
    let initial = level(opts.initial, opts.activeLow);
    if (this.onoff) {
      // 'high'/'low' sets output and level in one write (no glitch on a real kernel); the
      // value write after it is for trees that store the direction as text only.
      const gpio = new this.onoff.Gpio(n, initial ? 'high' : 'low', 'none', { activeLow: false });
      gpio.writeSync(initial);
      return {
        write: (active) => gpio.writeSync(level(active, opts.activeLow)),
        onFault: () => {},
        close: () => {},
      };
    }
    const dir = exportFileLine(this.root, n);
    writeFileSync(join(dir, 'direction'), initial ? 'high' : 'low');
    const fd = openSync(join(dir, 'value'), 'r+');
    const one = Buffer.from('1');
    const zero = Buffer.from('0');
    const put = (v: 0 | 1) => writeSync(fd, v ? one : zero, 0, 1, 0);
    put(initial);
    let open = true;
    return {
      write: (active) => {
        initial = level(active, opts.activeLow);
        put(initial);
      },
      onFault: () => {},
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }

  input(pin: number, opts: InputOptions): InputLine {
    const n = this.number(pin);
    if (this.onoff) {
      const gpio = new this.onoff.Gpio(n, 'in', 'both', { activeLow: false });
      const active = (v: number) => (v === 1) !== opts.activeLow;
      return {
        read: () => active(gpio.readSync()),
        watch: (onChange, onFault) => {
          try {
            gpio.watch((err, v) => (err ? onFault(errText(err)) : onChange(active(v))));
          } catch (err) {
            throw new DriverError(`GPIO ${pin} (${n}): edge interrupts unavailable: ${errText(err)}`);
          }
        },
        close: () => gpio.unexport(),
      };
    }
    // A tree of plain files has no interrupts: the value is polled.
    const dir = exportFileLine(this.root, n);
    try {
      writeFileSync(join(dir, 'direction'), 'in');
    } catch {
      // a read-only direction file: the pin is an input already
    }
    const fd = openSync(join(dir, 'value'), 'r');
    const buf = Buffer.alloc(1);
    const read = () => {
      readSync(fd, buf, 0, 1, 0);
      return (buf[0] === 0x31) !== opts.activeLow;
    };
    let timer: NodeJS.Timeout | undefined;
    let open = true;
    return {
      read,
      watch: (onChange, onFault) => {
        let last = read();
        timer = setInterval(() => {
          try {
            const v = read();
            if (v !== last) {
              last = v;
              onChange(v);
            }
          } catch (err) {
            clearInterval(timer);
            onFault(errText(err));
          }
        }, FILE_POLL_MS);
        timer.unref();
      },
      close: () => {
        clearInterval(timer);
        if (open) closeSync(fd);
        open = false;
      },
    };
  }

  close(): void {}
}

/** How often a plain-file input is read (a test tree has no interrupts). */
export const FILE_POLL_MS = 10;

function exportFileLine(root: string, n: number): string {
  const dir = join(root, `gpio${n}`);
  if (existsSync(join(dir, 'value'))) return dir;
  writeFileSync(join(root, 'export'), String(n));
  for (let waited = 0; waited < 1000; waited += 5) {
    if (existsSync(join(dir, 'value'))) return dir;
    sleepSync(5);
  }
  throw new DriverError(`${dir} did not appear after writing ${n} to ${join(root, 'export')}`);
}

// ---------------------------------------------------------------- gpiod (character device)

export class GpiodBackend implements GpioBackend {
  readonly description: string;
  readonly chip: GpioChip;
  readonly version: string;
  /** gpioset was built with --interactive: one process per relay for its whole life. */
  readonly interactive: boolean;

  constructor(
    private readonly dir: string,
    chipLabel: string,
    readonly log?: Logger,
  ) {
    let versionText: string;
    try {
      versionText = this.run('gpioset', ['--version']);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new DriverError(
        missing
          ? `gpioset not found ${dir ? `in ${dir} (gpio.gpiodPath)` : 'on PATH'}: install the Debian package "gpiod"`
          : `gpioset --version failed: ${errText(err)}`,
      );
    }
    const m = /v(\d+)\.(\d+)(\.\d+)?/.exec(versionText);
    this.version = m?.[0] ?? 'unknown';
    if (!m || Number(m[1]) < 2) {
      throw new DriverError(
        `the gpiod tools are libgpiod ${this.version}; the gpiod backend needs libgpiod v2 (Debian 13 "trixie"). On Raspberry Pi OS Bookworm use gpio.backend sysfs`,
      );
    }
    this.interactive = /--interactive/.test(this.run('gpioset', ['--help']));
    this.chip = pickChip(parseGpiodetect(this.run('gpiodetect', [])), chipLabel, 'gpiodetect');
    this.description = `gpiod ${this.version}${this.interactive ? ' (interactive gpioset)' : ''}, ${this.chip.name} [${this.chip.label}]`;
  }

  tool(name: string): string {
    return this.dir ? join(this.dir, name) : name;
  }

  /** `setpriv --pdeathsig TERM --` when util-linux has it: a helper dies with the gateway. */
  private readonly wrapper: string[] = setprivWrapper();

  spawnTool(name: string, args: string[], stdio: StdioOptions): ChildProcess {
    const [cmd, ...rest] = [...this.wrapper, this.tool(name), ...args];
    return spawn(cmd!, rest, { stdio });
  }

  run(name: string, args: string[]): string {
    return execFileSync(this.tool(name), args, {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  private checkPin(pin: number): void {
    if (pin >= this.chip.lines) {
      throw new DriverError(
        `GPIO ${pin} is beyond the ${this.chip.lines} lines of ${this.chip.name} [${this.chip.label}]`,
      );
    }
  }

  output(pin: number, opts: OutputOptions): OutputLine {
    this.checkPin(pin);
    return new GpiodOutput(this, pin, opts);
  }

  input(pin: number, opts: InputOptions): InputLine {
    this.checkPin(pin);
    return new GpiodInput(this, pin, opts);
  }

  close(): void {}
}

/** `gpiochip0 [pinctrl-bcm2711] (58 lines)` per chip. */
export function parseGpiodetect(text: string): GpioChip[] {
  const chips: GpioChip[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+\[(.*)\]\s+\((\d+) lines?\)/.exec(line.trim());
    if (m) chips.push({ name: m[1]!, label: m[2]!, base: chips.length, lines: Number(m[3]) });
  }
  return chips;
}

/** A gpioget answer: `"17"=active`, `17=inactive` or `1`. */
export function parseGpioget(text: string): 0 | 1 {
  const t = text.trim();
  const named = /=(active|inactive)\b/.exec(t);
  if (named) return named[1] === 'active' ? 1 : 0;
  if (/^[01]$/.test(t)) return t === '1' ? 1 : 0;
  throw new Error(`unexpected gpioget output "${t.slice(0, 60)}"`);
}

const biasArgs = (bias: InputBias): string[] => (bias === 'as-is' ? [] : ['-b', bias]);

function setprivWrapper(): string[] {
  try {
    const help = execFileSync('setpriv', ['--help'], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /--pdeathsig/.test(help) ? ['setpriv', '--pdeathsig', 'TERM', '--'] : [];
  } catch {
    return [];
  }
}

/** Helper processes that die are restarted after a wait that doubles, never in a loop. */
const RESPAWN_MIN_MS = 500;
const RESPAWN_MAX_MS = 30_000;
/** A helper that lived this long was healthy: the next restart waits the minimum again. */
const HEALTHY_MS = 10_000;

/** Resolves when the process has exited; after `ms` it is killed hard. */
function exitOf(proc: ChildProcess, ms = 2000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A relay line held by gpioset for the life of the gateway. With an interactive gpioset a
 * change is one `set` command on its stdin; without, the holder is replaced (the line is
 * free for a moment in between: keep the config.txt pulls that fix its rest level).
 * Note from the libgpiod source: an interactive gpioset loops without pause once its stdin
 * is at end of file, so it is ended with `exit`, never by closing stdin, and every helper
 * runs under `setpriv --pdeathsig TERM` (where available) so none outlives a crashed gateway.
 */
class GpiodOutput implements OutputLine {
  private proc: ChildProcess | undefined;
  /** A holder being replaced (its line is busy until it has exited). */
  private dying: ChildProcess | undefined;
  private want: 0 | 1;
  private closed = false;
  private faultHandler: (fault: string | undefined) => void = () => {};
  private stderr = '';
  private respawnMs = RESPAWN_MIN_MS;
  private respawnTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly b: GpiodBackend,
    private readonly pin: number,
    private readonly opts: OutputOptions,
  ) {
    this.want = level(opts.initial, opts.activeLow);
    this.spawnHolder();
  }

  private args(extra: string[]): string[] {
    return ['-c', this.b.chip.name, '-C', this.opts.consumer, ...extra, `${this.pin}=${this.want}`];
  }

  private spawnHolder(): void {
    const proc = this.b.spawnTool('gpioset', this.args(this.b.interactive ? ['-i'] : []), [
      this.b.interactive ? 'pipe' : 'ignore',
      'ignore',
      'pipe',
    ]);
    const started = Date.now();
    this.proc = proc;
    this.stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-400);
    });
    proc.stdin?.on('error', () => {}); // EPIPE when it died: reported through 'exit'
    proc.on('error', (err) => this.lost(proc, `gpioset could not run: ${err.message}`, started));
    proc.on('exit', (code, signal) =>
      this.lost(
        proc,
        `gpioset exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`,
        started,
      ),
    );
  }

  private lost(proc: ChildProcess, why: string, started: number): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    if (this.closed) return;
    if (Date.now() - started >= HEALTHY_MS) this.respawnMs = RESPAWN_MIN_MS;
    const wait = this.respawnMs;
    this.respawnMs = Math.min(this.respawnMs * 2, RESPAWN_MAX_MS);
    this.b.log?.error({ pin: this.pin, retryMs: wait }, `GPIO ${this.pin}: ${why}`);
    this.faultHandler(`GPIO ${this.pin}: ${why}`);
    this.respawnTimer = setTimeout(() => {
      if (this.closed || this.proc || this.dying) return;
      this.spawnHolder();
      this.faultHandler(undefined);
    }, wait);
    this.respawnTimer.unref();
  }

  write(active: boolean): void {
    if (this.closed) throw new Error(`GPIO ${this.pin}: line closed`);
    const v = level(active, this.opts.activeLow);
    if (v === this.want) return;
    this.want = v;
    const proc = this.proc;
    if (!proc) return; // a swap or a restart is pending: it drives `want`
    if (this.b.interactive && proc.stdin?.writable) {
      proc.stdin.write(`set ${this.pin}=${v}\n`);
      return;
    }
    // Replace the holder; the newest value wins when the old one has gone.
    this.proc = undefined;
    this.dying = proc;
    proc.once('exit', () => {
      this.dying = undefined;
      if (!this.closed) this.spawnHolder();
    });
    proc.kill('SIGTERM');
  }

  onFault(handler: (fault: string | undefined) => void): void {
    this.faultHandler = handler;
  }

  /** Drive the last value written, then let the line go. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.respawnTimer);
    const proc = this.proc;
    this.proc = undefined;
    if (proc && this.b.interactive && proc.stdin?.writable) {
      proc.stdin.write('exit\n');
      await exitOf(proc);
      return;
    }
    if (this.dying) await exitOf(this.dying);
    if (proc) {
      proc.kill('SIGTERM');
      await exitOf(proc);
    }
    // One last set that exits at once (-t 0): the value the stop asked for.
    await exitOf(this.b.spawnTool('gpioset', this.args(['-t', '0']), ['ignore', 'ignore', 'ignore']));
  }
}

/** An input: gpioget for its level now, gpiomon for its changes. */
class GpiodInput implements InputLine {
  private value: boolean;
  private proc: ChildProcess | undefined;
  private closed = false;
  private respawnMs = RESPAWN_MIN_MS;
  private respawnTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly b: GpiodBackend,
    private readonly pin: number,
    private readonly opts: InputOptions,
  ) {
    try {
      this.value = this.readOnce();
    } catch (err) {
      throw new DriverError(`GPIO ${pin}: gpioget failed: ${errText(err)}`);
    }
  }

  private readOnce(): boolean {
    const out = this.b.run('gpioget', [
      '-c',
      this.b.chip.name,
      '-C',
      this.opts.consumer,
      ...biasArgs(this.opts.bias),
      String(this.pin),
    ]);
    return (parseGpioget(out) === 1) !== this.opts.activeLow;
  }

  read(): boolean {
    return this.value;
  }

  watch(onChange: (active: boolean) => void, onFault: (fault: string | undefined) => void): void {
    const start = () => {
      const args = [
        '-c',
        this.b.chip.name,
        '-C',
        this.opts.consumer,
        ...biasArgs(this.opts.bias),
        '-F',
        '%o %e',
        String(this.pin),
      ];
      const proc = this.b.spawnTool('gpiomon', args, ['ignore', 'pipe', 'pipe']);
      const started = Date.now();
      let stderr = '';
      this.proc = proc;
      proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-400);
      });
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        // "<offset> <1 rising | 2 falling>"
        const m = /^(\d+)\s+([12])$/.exec(line.trim());
        if (!m || Number(m[1]) !== this.pin) return;
        const active = (m[2] === '1') !== this.opts.activeLow;
        if (active === this.value) return;
        this.value = active;
        onChange(active);
      });
      const lost = (why: string) => {
        if (proc !== this.proc) return;
        this.proc = undefined;
        if (this.closed) return;
        if (Date.now() - started >= HEALTHY_MS) this.respawnMs = RESPAWN_MIN_MS;
        const wait = this.respawnMs;
        this.respawnMs = Math.min(this.respawnMs * 2, RESPAWN_MAX_MS);
        onFault(`GPIO ${this.pin}: ${why}`);
        this.respawnTimer = setTimeout(() => {
          if (this.closed) return;
          try {
            const now = this.readOnce();
            if (now !== this.value) {
              this.value = now;
              onChange(now);
            }
          } catch {
            // gpiomon will tell again
          }
          start();
          onFault(undefined);
        }, wait);
        this.respawnTimer.unref();
      };
      proc.on('error', (err) => lost(`gpiomon could not run: ${err.message}`));
      proc.on('exit', (code, signal) =>
        lost(`gpiomon exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`),
      );
    };
    start();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.respawnTimer);
    this.proc?.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------- choosing

/**
 * The backend configuration asks for. When it does not work here, the error says why, and
 * whether the other backend would (so one start tells the operator what to change).
 */
export function openGpioBackend(cfg: GpioConfig, log?: Logger): GpioBackend {
  const tryOpen = (backend: GpioConfig['backend']): GpioBackend =>
    backend === 'sysfs'
      ? new SysfsBackend(cfg.sysfsRoot, cfg.chipLabel)
      : new GpiodBackend(cfg.gpiodPath, cfg.chipLabel, log);
  try {
    return tryOpen(cfg.backend);
  } catch (err) {
    if (!(err instanceof DriverError)) throw err;
    const other = cfg.backend === 'sysfs' ? 'gpiod' : 'sysfs';
    let hint: string;
    try {
      const b = tryOpen(other);
      b.close();
      hint = `the ${other} backend works here: set gpio.backend: ${other}`;
    } catch (otherErr) {
      hint = `the ${other} backend does not work either: ${errText(otherErr)}`;
    }
    throw new DriverError(`gpio.backend "${cfg.backend}": ${err.message}; ${hint}`);
  }
}
