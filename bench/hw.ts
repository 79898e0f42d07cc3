// Hardware path benchmarks (issue 3), on the lab's real software stack:
//
//  1. NFC tap -> relay command, through real pcscd + the vpcd virtual reader + a virtual
//     badge (../shared/lab), against bare nfc-pcsc's 'card' event on the same card in the
//     same run (phases bare / gateway / bare). Insertion to detection is dominated by pcscd
//     polling vpcd (~400 ms period), so two figures are given: from the moment the badge is
//     inserted (what the issue asks; noisy), and from the moment pcsclite reports the card
//     (the 'status' event of the PC/SC reader; polling removed).
//  2. Serial line -> relay command over a socat pty pair, against a bare serialport +
//     ReadlineParser receiving the same kind of line: p50 / p99.
//
// The relay command is the moment the lock driver has written the relay (a GPIO relay on a
// plain-file sysfs tree). Needs root and the lab packages (see ../shared/lab/README.md).
//
//   npx tsx bench/hw.ts [--quick] [nfc] [serial]
//   (also exported as `hardwareBenchmark` for bench/run.ts)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ReadlineParser } from '@serialport/parser-readline';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { loadConfig } from '../src/config/load.js';
import { createDrivers } from '../src/hardware/drivers.js';
import {
  loadNfcPcsc,
  type NfcConstructor,
  type NfcContext,
  type NfcReader,
  PcscContext,
  type PcscReader,
} from '../src/hardware/pcsc.js';
import type { LockPort, ReaderPort } from '../src/hardware/ports.js';
import type { SerialReader } from '../src/hardware/serial.js';
import { type Gateway, openGateway } from '../src/service/gateway.js';
import { MONDAY_9AM } from './lib/fixtures.js';
import {
  type BenchContext,
  type Benchmark,
  fmt,
  load,
  log,
  machineInfo,
  type SummaryRow,
  summarise,
  table,
} from './lib/util.js';

const run = promisify(execFile);
const LAB = process.env.PINTU_LAB_DIR ?? resolve(import.meta.dirname, '../../shared/lab');
const TAMU_01 = '04A1B2C3D4E501';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- lab plumbing

function cardCtl(socket: string, command: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(socket, () => s.write(`${command}\n`));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        s.end();
        res(buf.trim());
      }
    });
    s.on('error', rej);
  });
}

async function startCardDaemon(socket: string): Promise<ChildProcess> {
  const proc = spawn('/usr/bin/python3', [join(LAB, 'virtual_card.py'), 'serve', '--control', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  for (let i = 0; i < 200 && !out.includes('listening on'); i++) await sleep(50);
  if (!out.includes('listening on')) throw new Error(`virtual_card.py did not start: ${out}`);
  return proc;
}

/** A gateway on a temporary folder: config from YAML, real drivers, the clock in office hours. */
async function gatewayFrom(
  dir: string,
  yaml: string,
  pcsc?: PcscContext,
): Promise<{ g: Gateway; relayAt: number[]; readAt: number[]; readers: Map<string, ReaderPort> }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pintu.yaml');
  writeFileSync(file, yaml);
  const { config } = loadConfig({ file, env: { PINTU_DATA_DIR: join(dir, 'data') } });
  const logger = pino({ level: 'silent' });
  const drivers = createDrivers(config, { log: logger, ...(pcsc ? { pcsc } : {}) });
  // The read handed by the driver to the gateway (after its own parsing): timestamped too.
  const readAt: number[] = [];
  for (const reader of drivers.readers.values()) {
    const onRead = reader.onRead.bind(reader);
    reader.onRead = (handler) =>
      onRead((read) => {
        readAt.push(performance.now());
        handler(read);
      });
  }
  // The relay command: timestamped when the lock driver has written the relay.
  const relayAt: number[] = [];
  const locks = new Map<string, LockPort>();
  for (const [id, lock] of drivers.locks) {
    const pulse = lock.pulse.bind(lock);
    lock.pulse = (ms: number) => {
      pulse(ms);
      relayAt.push(performance.now());
    };
    locks.set(id, lock);
  }
  const g = await openGateway({
    config,
    readers: drivers.readers,
    locks,
    inputs: drivers.inputs,
    log: logger,
    now: () => MONDAY_9AM,
  });
  const actor = { kind: 'system' as const, id: 'bench' };
  const v = await g.visits.arrive(
    { guest: { name: 'Bench', institution: 'Bench' }, purpose: 'Bench', hostId: 'kabag-umum' },
    actor,
  );
  await g.visits.screen(v.id, { passed: true }, actor);
  await g.visits.guestbook(v.id, {}, actor);
  await g.visits.decide(v.id, { outcome: 'accepted', rooms: [] }, actor);
  await g.visits.issueBadge(
    v.id,
    { badge: 'TAMU-01', collateral: { type: 'ktp', number: '3578012345670001' } },
    actor,
  );
  return { g, relayAt, readAt, readers: drivers.readers };
}

const siteYaml = (sysfs: string, reader: string) => `
mqtt: { mode: off }
gpio: { sysfsRoot: ${sysfs} }
access: { debounceMs: 0 }
doors:
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: 17 }, pulseMs: 100 }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
readers:
  - { id: desk, role: desk }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in, driver: ${reader} }
`;

function fakeSysfs(dir: string): void {
  mkdirSync(join(dir, 'gpiochip512'), { recursive: true });
  writeFileSync(join(dir, 'export'), '');
  writeFileSync(join(dir, 'gpiochip512', 'base'), '512\n');
  writeFileSync(join(dir, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
  writeFileSync(join(dir, 'gpiochip512', 'ngpio'), '58\n');
  mkdirSync(join(dir, 'gpio529'));
  writeFileSync(join(dir, 'gpio529', 'value'), '0');
  writeFileSync(join(dir, 'gpio529', 'direction'), 'in');
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

// ---------------------------------------------------------------- 1. NFC

interface NfcSample {
  /** insertion (control command sent) -> event */
  fromInsert: number;
  /** pcsclite 'status' (card seen by the client) -> event */
  fromStatus: number;
}

/** An NFC class that notes when pcsclite reports each status change of reader 00 00. */
function timedNfc(NFC: NfcConstructor, statusAt: number[]): NfcConstructor {
  return class extends (NFC as unknown as new () => NfcContext) {
    constructor() {
      super();
      this.on('reader', (r: NfcReader) => {
        const raw = (r as unknown as { reader: NodeJS.EventEmitter & { name: string } }).reader;
        if (raw.name === 'Virtual PCD 00 00')
          raw.prependListener('status', () => statusAt.push(performance.now()));
      });
    }
  } as unknown as NfcConstructor;
}

async function nfcBenchmark(ctx: BenchContext): Promise<SummaryRow[]> {
  const rounds = Math.max(8, Math.round(30 * ctx.scale));
  await run(join(LAB, 'start-pcsc-lab.sh'), ['start'], { timeout: 20_000 });
  const dir = mkdtempSync(join(ctx.baseDir, 'pintu-bench-hw-'));
  const socket = join(dir, 'card.sock');
  const daemon = await startCardDaemon(socket);
  const NFC = loadNfcPcsc();
  const phases: Array<{ name: 'bare' | 'gateway'; samples: NfcSample[] }> = [];
  try {
    // The card off between samples, and long enough off that pcscd saw it go.
    const oneTap = async (
      seen: () => number | undefined,
      statusAt: number[],
      off: () => boolean,
    ): Promise<NfcSample> => {
      statusAt.length = 0;
      const t0 = performance.now();
      await cardCtl(socket, `insert ${TAMU_01}`);
      await until(() => seen() !== undefined, 5000, 'the card');
      const at = seen()!;
      // the status change that led to the event: the last one before it
      const status = statusAt.filter((s) => s >= t0 && s <= at).at(-1) ?? Number.NaN;
      await cardCtl(socket, 'remove');
      await until(off, 5000, 'the card to go');
      await sleep(50 + Math.random() * 400); // spread insertions over pcscd's polling period
      return { fromInsert: at - t0, fromStatus: at - status };
    };

    const bare = async () => {
      const statusAt: number[] = [];
      const nfc = new (timedNfc(NFC, statusAt))();
      nfc.on('error', () => {});
      const reader = await new Promise<NfcReader>((res) =>
        nfc.on('reader', (r: NfcReader) => {
          r.on('error', () => {});
          if (r.reader.name === 'Virtual PCD 00 00') res(r);
        }),
      );
      let cardAt: number | undefined;
      let present = false;
      reader.on('card', () => {
        cardAt = performance.now();
        present = true;
      });
      reader.on('card.off', () => {
        present = false;
      });
      const samples: NfcSample[] = [];
      for (let i = 0; i < rounds; i++) {
        cardAt = undefined;
        samples.push(
          await oneTap(
            () => cardAt,
            statusAt,
            () => !present,
          ),
        );
      }
      nfc.close();
      await sleep(50);
      phases.push({ name: 'bare', samples });
    };

    const gateway = async () => {
      const statusAt: number[] = [];
      const sysfs = join(dir, `gpio-${phases.length}`);
      fakeSysfs(sysfs);
      const pcsc = new PcscContext({ retryMinMs: 200, retryMaxMs: 1000, nfc: timedNfc(NFC, statusAt) });
      const { g, relayAt, readers } = await gatewayFrom(
        join(dir, `gw-${phases.length}`),
        siteYaml(sysfs, '{ type: pcsc, name: "^Virtual PCD 00 00$" }'),
        pcsc,
      );
      const port = readers.get('pintu-utama-in') as PcscReader;
      await until(() => port.readerName !== undefined, 10_000, 'the reader');
      const samples: NfcSample[] = [];
      for (let i = 0; i < rounds; i++) {
        const n = relayAt.length;
        samples.push(
          await oneTap(
            () => relayAt[n],
            statusAt,
            () => !port.cardPresent,
          ),
        );
      }
      await g.close();
      phases.push({ name: 'gateway', samples });
    };

    await bare();
    await gateway();
    await bare();
  } finally {
    await cardCtl(socket, 'quit').catch(() => undefined);
    daemon.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }

  const pick = (name: 'bare' | 'gateway', k: keyof NfcSample) =>
    phases.filter((p) => p.name === name).flatMap((p) => p.samples.map((s) => s[k]));
  const s = {
    bareInsert: summarise(pick('bare', 'fromInsert')),
    gwInsert: summarise(pick('gateway', 'fromInsert')),
    bareStatus: summarise(pick('bare', 'fromStatus')),
    gwStatus: summarise(pick('gateway', 'fromStatus')),
  };
  const row = (label: string, x: ReturnType<typeof summarise>) => [
    label,
    String(x.n),
    fmt.ms(x.median),
    fmt.ms(x.mean),
    fmt.ms(x.p99),
    fmt.ms(x.max),
  ];
  log(
    table([
      ['', 'n', 'median', 'mean', 'p99', 'max'],
      row('insert -> bare nfc-pcsc card', s.bareInsert),
      row('insert -> gateway relay', s.gwInsert),
      row('pcsclite status -> bare card', s.bareStatus),
      row('pcsclite status -> gateway relay', s.gwStatus),
    ]),
  );
  const ratioInsert = s.gwInsert.median / s.bareInsert.median;
  const ratioStatus = s.gwStatus.median / s.bareStatus.median;
  const addedStatus = s.gwStatus.median - s.bareStatus.median;
  log(`  phases: bare ${rounds}, gateway ${rounds}, bare ${rounds} (one card, one pcscd, one run)`);
  log(`  ratio of medians from insertion: ${fmt.ratio(ratioInsert)} (pcscd polls vpcd every ~400 ms: noisy)`);
  log(
    `  ratio of medians from pcsclite's status event: ${fmt.ratio(ratioStatus)}, added ${fmt.ms(addedStatus)}`,
  );
  const met = ratioInsert < 1.05 || addedStatus < 2;
  return [
    {
      benchmark: 'NFC tap → relay vs bare nfc-pcsc card (pcscd + vpcd)',
      figure: `${fmt.ratio(ratioInsert)} from insertion (medians ${fmt.ms(s.gwInsert.median, 1)} / ${fmt.ms(s.bareInsert.median, 1)}); ${fmt.ms(addedStatus)} added after pcsclite's status (${fmt.ms(s.gwStatus.median)} vs ${fmt.ms(s.bareStatus.median)})`,
      goal: '< 1.05, or < 2 ms added',
      met,
    },
  ];
}

// ---------------------------------------------------------------- 2. serial

/** Holds a pty master, prints the slave's path, then writes each stdin line and prints when. */
const PTY_HELPER = `
import os, pty, sys, time, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    data = line.rstrip('\\n').encode() + b'\\r\\n'
    t = time.monotonic_ns()
    os.write(master, data)
    print(t, flush=True)
`;

async function directPty(dir: string, lines: number): Promise<number[]> {
  const helper = spawn('/usr/bin/python3', ['-c', PTY_HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: string[] = [];
  let wake: () => void = () => {};
  let buf = '';
  helper.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      out.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
    wake();
  });
  const next = async (): Promise<string> => {
    while (out.length === 0) await new Promise<void>((r) => (wake = r));
    return out.shift()!;
  };
  const path = await next();
  const sysfs = join(dir, 'gpio-direct');
  fakeSysfs(sysfs);
  const { g, relayAt, readers } = await gatewayFrom(
    join(dir, 'gw-direct'),
    siteYaml(
      sysfs,
      `{ type: serial, path: ${path}, baudRate: 115200, pattern: "^W26:(?<credential>[0-9A-F]+)$" }`,
    ),
  );
  // performance.now() and CLOCK_MONOTONIC differ by a constant: take it once.
  const mono0 = Number(process.hrtime.bigint()) / 1e6;
  const perf0 = performance.now();
  const toMono = (perf: number) => mono0 + (perf - perf0);
  const result: number[] = [];
  try {
    const reader = readers.get('pintu-utama-in') as SerialReader;
    await until(() => reader.isOpen, 5000, 'the serial reader on the direct pty');
    for (let i = 0; i < lines + 20; i++) {
      const before = relayAt.length;
      helper.stdin!.write(`W26:${TAMU_01}\n`);
      const writtenAt = Number(await next()) / 1e6;
      await until(() => relayAt.length > before, 2000, 'the line');
      if (i >= 20) result.push(toMono(relayAt[relayAt.length - 1]!) - writtenAt);
      await sleep(20);
    }
  } finally {
    await g.close();
    helper.stdin!.end();
    helper.kill();
  }
  return result;
}

async function serialBenchmark(ctx: BenchContext): Promise<SummaryRow[]> {
  const lines = Math.max(200, Math.round(1000 * ctx.scale));
  const dir = mkdtempSync(join(ctx.baseDir, 'pintu-bench-serial-'));
  const app = join(dir, 'ttyApp');
  const dev = join(dir, 'ttyDev');
  await run(join(LAB, 'pty-pair.sh'), ['start', app, dev], { timeout: 10_000 });
  const device = new SerialPort({ path: dev, baudRate: 115200 });
  await new Promise<void>((res, rej) => {
    device.once('open', () => res());
    device.once('error', rej);
  });
  const write = (text: string) =>
    new Promise<void>((res, rej) => device.write(text, (e) => (e ? rej(e) : res())));
  const measure = async (got: () => number, n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n + 20; i++) {
      const before = got();
      const t0 = performance.now();
      await write(`W26:${TAMU_01}\r\n`);
      await until(() => got() > before, 2000, 'the line');
      if (i >= 20) out.push(lastAt - t0); // the first 20 warm up
      // Taps come seconds apart at a door; 20 ms lets the previous tap's journal write (fsync)
      // finish, so this measures the path and not a queue behind it.
      await sleep(20);
    }
    return out;
  };
  let lastAt = 0;
  let bare: number[];
  let gw: number[];
  /** Driver's read handed over -> relay written: the gateway alone, without the pty. */
  let inside: number[] = [];
  let direct: number[] = [];
  try {
    // Bare: serialport + ReadlineParser on the app end, nothing else.
    {
      const port = new SerialPort({ path: app, baudRate: 115200 });
      const parser = port.pipe(new ReadlineParser({ delimiter: '\r\n' }));
      let count = 0;
      parser.on('data', () => {
        lastAt = performance.now();
        count++;
      });
      await new Promise<void>((res) => port.once('open', () => res()));
      bare = await measure(() => count, lines);
      await new Promise((r) => port.close(r));
    }
    // Gateway: the serial driver, decision, relay.
    {
      const sysfs = join(dir, 'gpio');
      fakeSysfs(sysfs);
      const { g, relayAt, readAt, readers } = await gatewayFrom(
        join(dir, 'gw'),
        siteYaml(
          sysfs,
          `{ type: serial, path: ${app}, baudRate: 115200, pattern: "^W26:(?<credential>[0-9A-F]+)$" }`,
        ),
      );
      const reader = readers.get('pintu-utama-in') as SerialReader;
      await until(() => reader.isOpen, 5000, 'the serial reader');
      gw = await measure(() => {
        if (relayAt.length) lastAt = relayAt[relayAt.length - 1]!;
        return relayAt.length;
      }, lines);
      inside = relayAt.slice(20).map((r, i) => r - readAt[i + 20]!);
      await g.close();
    }
    // Gateway over a direct pty pair (openpty: no relay process between the two ends), the
    // nearest stand-in here for a UART: a Python helper holds the master end and writes each
    // line, stamping it with CLOCK_MONOTONIC, the clock process.hrtime reads too.
    direct = await directPty(dir, lines);
  } finally {
    await new Promise((r) => device.close(r));
    await run(join(LAB, 'pty-pair.sh'), ['stop', app]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const b = summarise(bare);
  const s = summarise(gw);
  const own = summarise(inside);
  const d = summarise(direct);
  const row = (label: string, x: ReturnType<typeof summarise>) => [
    label,
    String(x.n),
    fmt.ms(x.median),
    fmt.ms(x.p99),
    fmt.ms(x.max),
  ];
  log(
    table([
      ['', 'n', 'p50', 'p99', 'max'],
      row('line written -> bare serialport line', b),
      row('line written -> gateway relay', s),
      row('driver read -> relay (gateway alone)', own),
      row('line written -> gateway relay (direct pty)', d),
    ]),
  );
  log('  (the first two include the socat relay process of the lab; the last has no relay process)');
  return [
    {
      benchmark: 'serial line → relay command (socat pty)',
      figure: `p50 ${fmt.ms(s.median)}, p99 ${fmt.ms(s.p99)} (bare serialport p50 ${fmt.ms(b.median)}, p99 ${fmt.ms(b.p99)}; gateway alone, read -> relay: p50 ${fmt.ms(own.median)}, p99 ${fmt.ms(own.p99)})`,
      goal: 'p99 < 2 ms',
      met: s.p99 < 2,
    },
    {
      benchmark: 'serial line → relay command (direct pty, no relay process)',
      figure: `p50 ${fmt.ms(d.median)}, p99 ${fmt.ms(d.p99)}, max ${fmt.ms(d.max)}`,
      goal: 'p99 < 2 ms',
      met: d.p99 < 2,
    },
  ];
}

export const hardwareBenchmark: Benchmark = {
  id: 'hw',
  title: 'Hardware paths: NFC through pcscd, serial through a pty (issue 3)',
  async run(ctx) {
    return [...(await nfcBenchmark(ctx)), ...(await serialBenchmark(ctx))];
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const which = args.filter((a) => !a.startsWith('--'));
  const ctx: BenchContext = { baseDir: process.env.PINTU_BENCH_DIR || os.tmpdir(), scale: quick ? 0.3 : 1 };
  try {
    createRequire(import.meta.url)('nfc-pcsc');
  } catch {
    if (!which.length || which.includes('nfc'))
      throw new Error('nfc-pcsc is not installed (apt install libpcsclite-dev; npm install)');
  }
  const m = machineInfo(ctx.baseDir);
  log('# Pintu hardware-path benchmarks');
  log(`CPU ${m.cpu}, ${m.cores} cores; Node ${m.node}; ${m.kernel}`);
  log(`load ${load().text}`);
  log();
  const rows: SummaryRow[] = [];
  if (!which.length || which.includes('nfc')) {
    log('## NFC: tap -> relay command, vs bare nfc-pcsc');
    rows.push(...(await nfcBenchmark(ctx)));
    log();
  }
  if (!which.length || which.includes('serial')) {
    log('## Serial: line -> relay command');
    rows.push(...(await serialBenchmark(ctx)));
    log();
  }
  log(`load at the end ${load().text}`);
  log();
  log('| benchmark | figure | goal | met? |');
  log('|---|---|---|---|');
  for (const r of rows) log(`| ${r.benchmark} | ${r.figure} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
