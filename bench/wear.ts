// Benchmark: SD card wear. Bytes the gateway writes per tap, per visit and per office day, by
// file of the data folder. The gateway's services run in-process (simulated hardware, a
// settable clock) on a tmp data folder; after every operation (a visit step, a tap) has
// resolved, i.e. is durable, the data folder is walked and compared with the walk before
// (test/support/disk-writes.ts: a rename over a file is a rewrite of its whole size, growth
// on the same inode an append, a hard link to a file already there nothing). The tmp files of atomic writes live
// only between two walks: they are the rewrite itself.
// /proc/self/io `wchar` (every write(2) of the process, both threads) is given beside it as a
// cross-check of the total. Metadata (inodes, directories, the file system's journal) and the
// card's own write amplification are not counted: the card wears by erase blocks, so the
// figures here are a floor.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import type { Visit } from '../src/domain/types.js';
import { createDrivers } from '../src/hardware/drivers.js';
import { type Gateway, openGateway } from '../src/service/gateway.js';
import { tallyWrites, type WriteTally, walkFiles } from '../test/support/disk-writes.js';
import { arrivedVisit } from '../test/support/gateway.js';
import {
  type BenchContext,
  type Benchmark,
  fmt,
  log,
  median,
  type SummaryRow,
  table,
  withTmpDir,
} from './lib/util.js';

/** Monday 2026-11-30 08:00 in Asia/Jakarta: the office opens. */
const MONDAY_8AM = Date.UTC(2026, 10, 30, 1, 0, 0);
const actor = { kind: 'system' as const, id: 'bench' };

/** Bytes the process has passed to write(2) and friends so far (Linux), or NaN. */
async function wchar(): Promise<number> {
  try {
    const m = /^wchar:\s+(\d+)$/m.exec(await readFile('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface Rig {
  dir: string;
  gateway: Gateway;
  clock: { now: number };
  tally: WriteTally;
  /** Run `op`, then count what it wrote; returns the bytes. */
  measure(op: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

async function openRig(dir: string): Promise<Rig> {
  const data = path.join(dir, 'data');
  // The embedded defaults: an entrance with in/out readers, a room, a desk reader, ten badges.
  const { config } = loadConfig({ env: { PINTU_DATA_DIR: data } });
  const clock = { now: MONDAY_8AM };
  const logger = pino({ level: 'silent' });
  const drivers = createDrivers(config, { log: logger });
  const gateway = await openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log: logger,
    now: () => clock.now,
  });
  const tally: WriteTally = new Map();
  let last = await walkFiles(data);
  return {
    dir: data,
    gateway,
    clock,
    tally,
    async measure(op) {
      await op();
      const next = await walkFiles(data);
      const bytes = tallyWrites(last, next, tally);
      last = next;
      return bytes;
    },
    close: () => gateway.close(),
  };
}

/** The UID of default badge TAMU-0(i+1). */
const uidOf = (i: number) => `04A1B2C3D4E5${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`;

/** A tap at a door reader, resolved when its journal entry is durable. */
async function tap(g: Gateway, readerId: string, uid: string): Promise<void> {
  const out = g.access.simulate(readerId, 'nfc', uid);
  if (out.kind === 'door') await out.recorded;
}

/** A guest's walk: in at the entrance, the room, out, and again; `n` taps in all (4..8). */
const WALK = ['pintu-utama-in', 'ruang-kabag-in', 'pintu-utama-out', 'pintu-utama-in'];
function walkOf(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(i === n - 1 ? 'pintu-utama-out' : WALK[i % WALK.length]!);
  return out;
}

/** The SOP up to the badge, each step counted into `steps`. */
async function admit(rig: Rig, i: number, badge: number, steps: number[]): Promise<Visit> {
  const g = rig.gateway;
  let v!: Visit;
  const step = async (op: () => Promise<unknown>) => {
    rig.clock.now += 30_000;
    steps.push(await rig.measure(op));
  };
  await step(async () => {
    v = await g.visits.arrive(
      {
        guest: { name: `Tamu Nomor ${i}`, institution: 'Dinas Pendidikan Provinsi' },
        purpose: 'Koordinasi anggaran',
        hostId: 'kabag-umum',
      },
      actor,
    );
  });
  await step(() => g.visits.screen(v.id, { passed: true }, actor));
  await step(() => g.visits.guestbook(v.id, {}, actor));
  await step(() => g.visits.decide(v.id, { outcome: 'accepted', rooms: ['ruang-kabag'] }, actor));
  // The badge tapped on the desk reader to bind it, then issued.
  await step(async () => {
    g.access.simulate('desk', 'nfc', uidOf(badge));
    await g.visits.issueBadge(
      v.id,
      { badge: uidOf(badge), collateral: { type: 'ktp', number: '3578014107900001' } },
      actor,
    );
  });
  return v;
}

async function release(rig: Rig, v: Visit, badge: number, steps: number[]): Promise<void> {
  const g = rig.gateway;
  rig.clock.now += 30_000;
  steps.push(
    await rig.measure(async () => {
      g.access.simulate('desk', 'nfc', uidOf(badge));
      await g.visits.checkout(v.id, { badgeReturned: true, documentReturned: false }, actor);
    }),
  );
  rig.clock.now += 30_000;
  steps.push(await rig.measure(() => g.visits.returnDocument(v.id, actor)));
}

/** The issue's office day: 40 visits in waves of 8 at the desk together, 4..8 taps each. */
async function officeDay(rig: Rig): Promise<{ steps: number[]; taps: number[]; wchar: number; day: number }> {
  const steps: number[] = [];
  const taps: number[] = [];
  const w0 = await wchar();
  let day = 0;
  for (let wave = 0; wave < 5; wave++) {
    const visits: Visit[] = [];
    for (let k = 0; k < 8; k++) visits.push(await admit(rig, wave * 8 + k, k, steps));
    for (const k of visits.keys()) {
      for (const reader of walkOf(4 + ((wave * 8 + k) % 5))) {
        rig.clock.now += 60_000;
        taps.push(await rig.measure(() => tap(rig.gateway, reader, uidOf(k))));
      }
    }
    for (const [k, v] of visits.entries()) await release(rig, v, k, steps);
  }
  for (const b of [...steps, ...taps]) day += b;
  return { steps, taps, wchar: (await wchar()) - w0, day };
}

/** Bytes per tap with `open` visits open (arrived, not yet seen by a host) and one badged. */
async function perTapAt(
  baseDir: string,
  open: number,
  taps: number,
): Promise<{ tap: number; state: number }> {
  return withTmpDir(baseDir, `wear-${open}`, async (dir) => {
    const rig = await openRig(dir);
    try {
      const g = rig.gateway;
      for (let i = 0; i < open; i++) {
        await g.visits.arrive(
          { guest: { name: `Tamu ${i}`, institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
          actor,
        );
      }
      await admit(rig, open, 0, []);
      const per: number[] = [];
      const walk = walkOf(taps);
      for (const reader of walk) {
        rig.clock.now += 60_000;
        per.push(await rig.measure(() => tap(g, reader, uidOf(0))));
      }
      const state = Number((await stat(path.join(rig.dir, 'state.json'))).size);
      return { tap: median(per), state };
    } finally {
      await rig.close();
    }
  });
}

/**
 * An arrival's bytes by file with `guests` guests already in the guest book. The book grows
 * with the guests kept, not with the day: an arrival appends its guest to guests.log, and the
 * log is folded into guests.json only when it has grown as large (amortised: about one more
 * copy of each line), so the arrival must not grow with the book.
 */
async function arrivalWith(baseDir: string, guests: number): Promise<{ bytes: number; byFile: WriteTally }> {
  return withTmpDir(baseDir, `wear-guests-${guests}`, async (dir) => {
    const data = path.join(dir, 'data');
    await mkdir(data, { recursive: true });
    const book = Array.from({ length: guests }, (_, i) => ({
      id: randomUUID(),
      name: `Tamu Nomor ${i}`,
      institution: 'Dinas Pendidikan Provinsi',
      documentMasked: '35**********0001',
      documentKey: createHash('sha256').update(String(i)).digest('hex'),
      firstSeenAt: MONDAY_8AM - i * 60_000,
      lastSeenAt: MONDAY_8AM - i * 60_000,
    }));
    await writeFile(path.join(data, 'guests.json'), JSON.stringify({ version: 1, guests: book }));
    const rig = await openRig(dir);
    try {
      rig.clock.now += 60_000;
      const bytes = await rig.measure(() =>
        rig.gateway.visits.arrive(
          { guest: { name: 'Tamu Baru', institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
          actor,
        ),
      );
      return { bytes, byFile: rig.tally };
    } finally {
      await rig.close();
    }
  });
}

/**
 * One guest erased (what the daily retention sweep does for each guest due) with a year of
 * closed visits in the archive, the guest's visit in one month of it.
 */
async function erasureWith(baseDir: string, perMonth: number): Promise<{ bytes: number; archive: number }> {
  return withTmpDir(baseDir, 'wear-erase', async (dir) => {
    const rig = await openRig(dir);
    try {
      const g = rig.gateway;
      const arrive = (name: string) => arrivedVisit(g, { name, actor });
      const gone = await arrive('Tamu Dihapus');
      const other = await arrive('Tamu Lain');
      const months = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`);
      for (const [m, month] of months.entries()) {
        const visits = Array.from({ length: perMonth }, (_, i) => ({
          ...(m === 5 && i === 0 ? gone : other),
          id: `${month}-${i}`,
          state: 'closed' as const,
        }));
        await g.core.archive.append(month, visits);
      }
      let archive = 0;
      for (const [rel, f] of await walkFiles(rig.dir))
        if (rel.startsWith('archive')) archive += Number(f.size);
      // The walk to compare with is taken after the year was written.
      await rig.measure(async () => undefined);
      const bytes = await rig.measure(() => g.privacy.erase(gone.guestId, actor));
      return { bytes, archive };
    } finally {
      await rig.close();
    }
  });
}

export const wearBenchmark: Benchmark = {
  id: 'wear',
  title: 'SD card wear: bytes written per tap, per visit, per office day, by file',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const result = await withTmpDir(ctx.baseDir, 'wear', async (dir) => {
      const rig = await openRig(dir);
      try {
        const day = await officeDay(rig);
        return { day, tally: [...rig.tally.entries()].sort((a, b) => b[1].bytes - a[1].bytes) };
      } finally {
        await rig.close();
      }
    });
    const { day, tally } = result;
    const visits = 40;
    log(
      table([
        ['file', 'bytes in the day', 'whole-file rewrites', 'share'],
        ...tally.map(([file, t]) => [
          file,
          fmt.bytes(t.bytes),
          fmt.int(t.rewrites),
          `${((100 * t.bytes) / day.day).toFixed(1)} %`,
        ]),
        ['total', fmt.bytes(day.day), '', `(write(2) bytes of the process: ${fmt.bytes(day.wchar)})`],
      ]),
    );
    const tapMedian = median(day.taps);
    const stepsPerVisit = day.steps.length / visits;
    log(
      `  ${visits} visits, ${day.steps.length} desk steps (${stepsPerVisit} a visit), ${day.taps.length} door taps`,
    );
    log(
      `  per tap: median ${fmt.int(tapMedian)} B, max ${fmt.int(Math.max(...day.taps))} B; per desk step: median ${fmt.int(median(day.steps))} B`,
    );
    const perVisit = day.day / visits;
    log(`  per visit (its steps and taps): ${fmt.bytes(perVisit)}; per office day: ${fmt.bytes(day.day)}`);

    // O(1) per tap: the same taps with 10 and with 1,000 open visits.
    const bigOpen = Math.max(50, Math.round(1000 * ctx.scale));
    const small = await perTapAt(ctx.baseDir, 10, 8);
    const big = await perTapAt(ctx.baseDir, bigOpen, 8);
    log(
      table([
        ['open visits', 'state.json size', 'bytes per tap (median of 8)'],
        ['10', fmt.bytes(small.state), fmt.int(small.tap)],
        [fmt.int(bigOpen), fmt.bytes(big.state), fmt.int(big.tap)],
      ]),
    );
    // The guest book: 40 visits a day, 250 days a year, first-time guests (the worst case).
    const yearGuests = Math.max(500, Math.round(10_000 * ctx.scale));
    const few = await arrivalWith(ctx.baseDir, 40);
    const many = await arrivalWith(ctx.baseDir, yearGuests);
    const g = (t: WriteTally) =>
      [...t].filter(([file]) => file.startsWith('guests')).reduce((n, [, w]) => n + w.bytes, 0);
    log(
      table([
        ['guests in the guest book', 'an arrival writes', 'of it guests.*', '× 40 arrivals a day'],
        ['40', fmt.bytes(few.bytes), fmt.bytes(g(few.byFile)), fmt.bytes(40 * few.bytes)],
        [fmt.int(yearGuests), fmt.bytes(many.bytes), fmt.bytes(g(many.byFile)), fmt.bytes(40 * many.bytes)],
      ]),
    );
    const erase = await erasureWith(ctx.baseDir, Math.max(50, Math.round(833 * ctx.scale)));
    log(
      `  one guest erased (the daily sweep, per guest due) with ${fmt.bytes(erase.archive)} of archive in 12 months: ` +
        `${fmt.bytes(erase.bytes)} written`,
    );
    // A 32 GB endurance card: rated for tens of TB written; 250 office days a year.
    const tbw = 10e12;
    const years = tbw / (day.day * 250);
    log(
      `  a card rated for 10 TB written lasts ${fmt.int(years)} years at this rate (before write amplification)`,
    );
    const ratio = big.tap / small.tap;
    const bookRatio = g(many.byFile) / g(few.byFile);
    return [
      {
        benchmark: 'Bytes written per office day (40 visits, their taps), data folder',
        figure: `${fmt.bytes(day.day)} (per visit ${fmt.bytes(perVisit)}, per tap ${fmt.int(tapMedian)} B)`,
        goal: 'stated',
        met: true,
      },
      {
        benchmark: `Bytes per tap, ${fmt.int(bigOpen)} open visits vs 10`,
        figure: `${fmt.int(big.tap)} B vs ${fmt.int(small.tap)} B = ${fmt.ratio(ratio)}`,
        goal: 'O(1): < 1.2×',
        met: ratio < 1.2,
      },
      {
        benchmark: 'Erasing one guest with a year of archive (retention sweep)',
        figure: `${fmt.bytes(erase.bytes)} written, archive ${fmt.bytes(erase.archive)}`,
        goal: '< the archive',
        met: erase.bytes < erase.archive,
      },
      {
        benchmark: `An arrival's guest-book bytes with ${fmt.int(yearGuests)} guests kept vs 40`,
        figure: `${fmt.bytes(g(many.byFile))} vs ${fmt.bytes(g(few.byFile))} = ${fmt.ratio(bookRatio)} (an appended line)`,
        goal: 'O(1): < 1.2×',
        met: bookRatio < 1.2,
      },
    ];
  },
};
