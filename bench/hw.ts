// Hardware path benchmarks (issue 3), on the lab's real software stack:
//
//  1. NFC tap -> relay command, through real pcscd + the vpcd virtual reader + a virtual
//     badge (../shared/lab), against bare nfc-pcsc's 'card' event on the same card in the
//     same run (phases bare / gateway / bare). Insertion to detection is dominated by pcscd
//     polling vpcd (~400 ms period), so two figures are given: from the moment the badge is
//     inserted (what the issue asks; noisy), and from the moment pcsclite reports the card
//     (the 'status' event of the PC/SC reader; polling removed).
//  2. Serial line -> relay command over a pty pair with no relay process between its ends
//     (openpty, the nearest stand-in here for a UART), against the floor of the same pty
//     read by Node's bare tty stream and against stock serialport: p50 / p99.
//
// The relay command is the moment the lock driver has written the relay (a GPIO relay on a
// plain-file sysfs tree). Needs root and the lab packages (see ../shared/lab/README.md).
//
//   npx tsx bench/hw.ts [--quick] [nfc] [serial]
//   (also exported as `hardwareBenchmark` for bench/run.ts)
import { execFile } from 'node:child_process';
import { constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import tty from 'node:tty';
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
import type { ReaderPort } from '../src/hardware/ports.js';
import type { SerialReader } from '../src/hardware/serial.js';
import { type Gateway, openGateway } from '../src/service/gateway.js';
import { badgedVisit } from '../test/support/gateway.js';
import {
  DirectPty,
  fakeSysfs,
  LAB,
  labLock,
  missing,
  monotonicMs,
  PI4_CHIPS,
  VirtualCard,
} from '../test/support/lab-tools.js';
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
const TAMU_01 = '04A1B2C3D4E501';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the gateway under test

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
  // The relay command: timestamped by a listener registered before the gateway's own, which
  // the lock driver calls right after it has written the relay line (and before the gateway
  // tells the bus, MQTT and the panel about it).
  const relayAt: number[] = [];
  // Taps here come 20 ms apart, within one pulse: the door is locked again after each, so
  // that every tap drives the relay (and calls the listener).
  for (const lock of drivers.locks.values()) {
    lock.onChange((s) => {
      if (s.locked) return;
      relayAt.push(performance.now());
      setImmediate(() => lock.lock());
    });
  }
  const g = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log: logger,
    now: () => MONDAY_9AM,
  });
  await badgedVisit(g, { name: 'Bench', badge: 'TAMU-01' });
  return { g, relayAt, readAt, readers: drivers.readers };
}

const siteYaml = (sysfs: string, reader: string) => `
mqtt: { mode: off }
gpio: { sysfsRoot: ${sysfs} }
access: { debounceMs: 0 }
doors:
  # The UID-only tap path (the virtual badge is not an NTAG 424 DNA): credential uid.
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: 17 }, pulseMs: 100, credential: uid }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
readers:
  - { id: desk, role: desk }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in, driver: ${reader} }
`;

/** A Pi 4's chip with the relay's line (BCM 17 = gpio529) exported. */
const sysfsFor = (dir: string) => fakeSysfs(dir, PI4_CHIPS, [529]);

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
  const lacking = missing([
    'lab',
    'root',
    'pcscd',
    'vsmartcard-vpcd',
    'python3-virtualsmartcard',
    'nfc-pcsc',
  ]);
  if (lacking.length) return skipped('NFC tap → relay vs bare nfc-pcsc card (pcscd + vpcd)', lacking);
  // pcscd and the vpcd slot are the machine's one: a test or campaign may be using them.
  const release = await labLock('pcscd');
  try {
    return await nfcRuns(ctx);
  } finally {
    release();
  }
}

/** A row saying what this machine lacks (apt packages: ../shared/lab/README.md). */
function skipped(benchmark: string, lacking: string[]): SummaryRow[] {
  log(`  skipped: this machine lacks ${lacking.join(', ')}`);
  return [{ benchmark, figure: `skipped: needs ${lacking.join(', ')}`, goal: '—' }];
}

async function nfcRuns(ctx: BenchContext): Promise<SummaryRow[]> {
  const rounds = Math.max(8, Math.round(30 * ctx.scale));
  await run(join(LAB, 'start-pcsc-lab.sh'), ['start'], { timeout: 20_000 });
  const dir = mkdtempSync(join(ctx.baseDir, 'pintu-bench-hw-'));
  const card = await VirtualCard.start(35963, join(dir, 'card.sock'));
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
      await card.insert(TAMU_01);
      await until(() => seen() !== undefined, 5000, 'the card');
      const at = seen()!;
      // the status change that led to the event: the last one before it
      const status = statusAt.filter((s) => s >= t0 && s <= at).at(-1) ?? Number.NaN;
      await card.remove();
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
      sysfsFor(sysfs);
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
    await card.stop();
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

/** Something reading lines off the pty: when each arrived (performance.now()). */
interface LineSink {
  at: number[];
  /** Driver read -> relay, per line (the gateway only). */
  inside?: () => number[];
  close(): Promise<void>;
}

/** The floor: Node's own tty stream on the pty, no library at all (the kernel and the event loop). */
async function ttySink(path: string): Promise<LineSink> {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const stream = new tty.ReadStream(fd);
  stream.setRawMode(true);
  const at: number[] = [];
  let pending = 0;
  stream.on('data', (chunk: Buffer) => {
    const t = performance.now();
    for (const byte of chunk) {
      if (byte === 0x0a && pending > 0) at.push(t);
      pending = byte === 0x0a ? 0 : pending + 1;
    }
  });
  return { at, close: async () => void stream.destroy() };
}

/** Stock serialport (its thread-pool reads) + ReadlineParser: what the gateway is built on. */
async function serialportSink(path: string): Promise<LineSink> {
  const port = new SerialPort({ path, baudRate: 115200 });
  const at: number[] = [];
  port.pipe(new ReadlineParser({ delimiter: '\r\n' })).on('data', () => at.push(performance.now()));
  await new Promise<void>((res, rej) => {
    port.once('open', () => res());
    port.once('error', rej);
  });
  return { at, close: () => new Promise((r) => port.close(() => r())) };
}

/** The gateway: its serial driver, the decision, the relay written. */
async function gatewaySink(dir: string, path: string): Promise<LineSink> {
  const sysfs = join(dir, 'gpio');
  sysfsFor(sysfs);
  const { g, relayAt, readAt, readers } = await gatewayFrom(
    dir,
    siteYaml(
      sysfs,
      `{ type: serial, path: ${path}, baudRate: 115200, pattern: "^W26:(?<credential>[0-9A-F]+)$" }`,
    ),
  );
  const reader = readers.get('pintu-utama-in') as SerialReader;
  await until(() => reader.isOpen, 5000, 'the serial reader');
  return { at: relayAt, inside: () => relayAt.map((r, i) => r - readAt[i]!), close: () => g.close() };
}

async function serialBenchmark(ctx: BenchContext): Promise<SummaryRow[]> {
  const lacking = missing(['python3']);
  if (lacking.length) return skipped('Serial line → relay (direct pty pair)', lacking);
  const lines = Math.max(200, Math.round(1000 * ctx.scale));
  const dir = mkdtempSync(join(ctx.baseDir, 'pintu-bench-serial-'));
  const pty = await DirectPty.open();
  // performance.now() and CLOCK_MONOTONIC (the helper's stamps) differ by a constant.
  const offset = monotonicMs() - performance.now();
  const kinds = ['floor', 'serialport', 'gateway'] as const;
  const samples = { floor: [] as number[], serialport: [] as number[], gateway: [] as number[] };
  const inside: number[] = [];
  try {
    // Phases floor / serialport / gateway, twice, so that drift in the machine hits all three.
    for (let round = 0; round < 2; round++) {
      for (const kind of kinds) {
        const sink =
          kind === 'floor'
            ? await ttySink(pty.path)
            : kind === 'serialport'
              ? await serialportSink(pty.path)
              : await gatewaySink(join(dir, `gw-${round}`), pty.path);
        const warmup = 20;
        for (let i = 0; i < lines / 2 + warmup; i++) {
          const before = sink.at.length;
          const written = (await pty.write(`W26:${TAMU_01}\r\n`)) - offset;
          await until(() => sink.at.length > before, 2000, `the line (${kind})`);
          if (i >= warmup) samples[kind].push(sink.at[before]! - written);
          // Taps come seconds apart at a door; 20 ms lets the previous tap's journal write
          // (fsync) finish, so this measures the path and not a queue behind it.
          await sleep(20);
        }
        if (sink.inside) inside.push(...sink.inside().slice(warmup));
        await sink.close();
      }
    }
  } finally {
    pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const floor = summarise(samples.floor);
  const stock = summarise(samples.serialport);
  const gw = summarise(samples.gateway);
  const own = summarise(inside);
  const row = (label: string, x: ReturnType<typeof summarise>) => [
    label,
    String(x.n),
    fmt.ms(x.median),
    fmt.ms(x.p99),
    fmt.ms(x.max),
  ];
  log(
    table([
      ['line written to the pty ->', 'n', 'p50', 'p99', 'max'],
      row('  line read by a bare tty stream (floor)', floor),
      row('  line from stock serialport + parser', stock),
      row('  relay written by the gateway', gw),
      row('driver read -> relay (gateway alone)', own),
    ]),
  );
  log('  (a direct pty pair from openpty; phases floor / serialport / gateway, twice)');
  return [
    {
      benchmark: 'serial line → relay command (pty)',
      figure: `p50 ${fmt.ms(gw.median)}, p99 ${fmt.ms(gw.p99)}; floor (bare tty stream) p50 ${fmt.ms(floor.median)}, p99 ${fmt.ms(floor.p99)}; stock serialport p99 ${fmt.ms(stock.p99)}; gateway alone p50 ${fmt.ms(own.median)}, p99 ${fmt.ms(own.p99)}`,
      goal: 'p99 < 2 ms',
      met: gw.p99 < 2,
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
