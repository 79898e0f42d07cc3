// One run of the isolation benchmark (bench/isolation.ts), in a process of its own so that it
// can be pinned to a set of CPUs (taskset) and starts with a fresh libuv thread pool. Prints
// one JSON line (IsolationRun). Run by bench/isolation.ts:
//
//   node --import tsx bench/lib/isolation-run.ts <baseDir> <scale>
//
// Designs (journal append latency, append -> durable, idle and under a login flood):
//   a  scrypt async on the pool            + journal on the pool (before issue 11)
//   b  scrypt async on the pool            + journal on its own thread (Journal today)
//   c  scryptSync in one worker thread (1) + journal on the pool
//   d  scryptSync in one worker thread (1) + journal on its own thread
// and the thread hop: sequential appends, no load, journal thread and pool alternating.
import { scrypt } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DomainEvent } from '../../src/domain/events.js';
import type { Actor } from '../../src/domain/types.js';
import { SCRYPT_PARAMS } from '../../src/service/passwords.js';
import { Journal } from '../../src/store/journal.js';
import { jakartaMonth, MONDAY_9AM, tapEvent } from './fixtures.js';
import { PoolJournal } from './pool-journal.js';

const KEYLEN = 32;
/** Logins in flight, as in the attack (100-300 CONNECTs; the pool queues them all). */
const FLOOD = 64;
const ACTOR: Actor = { kind: 'device', id: 'pintu-utama-in' };
/** Taps arrive every 10 ms (100 a second: far more than doors make, for enough samples). */
const TAP_GAP_MS = 10;

export type DesignId = 'a' | 'b' | 'c' | 'd';
export interface Latencies {
  n: number;
  /** ms, ascending */
  samples: number[];
}
export interface DesignResult {
  id: DesignId;
  /** Samples of all rounds together. */
  idle: Latencies;
  flood: Latencies;
  /** Each round's flood p99 (ms): how much the machine moved it. */
  roundFloodP99: number[];
  /** Password hashes finished per second during the flood window (median of the rounds). */
  hashesPerSecond: number;
}
export interface HopResult {
  dir: string;
  fs: string;
  thread: Latencies;
  pool: Latencies;
}
export interface IsolationRun {
  parallelism: number;
  designs: DesignResult[];
  hop: HopResult[];
}

interface Appender {
  append(event: DomainEvent, actor: Actor, at: number): Promise<unknown>;
  close(): Promise<void>;
}

async function openAppender(kind: 'pool' | 'thread', dir: string): Promise<Appender> {
  if (kind === 'pool') return PoolJournal.open(path.join(dir, `${jakartaMonth(MONDAY_9AM)}.jsonl`));
  const journal = await Journal.open(dir, { monthOf: jakartaMonth });
  // Its writer thread starts with the first write: started here, as a running gateway's is.
  await appendOne(journal);
  return journal;
}

let tick = 0;
function appendOne(j: Appender): Promise<unknown> {
  tick++;
  return j.append(tapEvent(tick), ACTOR, MONDAY_9AM + tick);
}

/**
 * Taps as they come, whether or not the previous one is durable yet: one append every
 * TAP_GAP_MS for `windowMs`, each timed from its call to durable. Resolves once all are.
 */
async function taps(j: Appender, windowMs: number): Promise<Latencies> {
  const samples: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (performance.now() - start >= windowMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const s = performance.now();
      pending.push(appendOne(j).then(() => void samples.push(performance.now() - s)));
    }, TAP_GAP_MS);
  });
  await Promise.all(pending);
  return { n: samples.length, samples: samples.sort((x, y) => x - y) };
}

/** A login flood: keeps hashing until stopped; stop() resolves once no hash is left running. */
interface Flood {
  hashes: number;
  stop(): Promise<void>;
}

/** FLOOD scrypt calls in flight on libuv's pool, each replaced as it finishes (design a, b). */
function poolFlood(): Promise<Flood> {
  return new Promise((started) => {
    let running = true;
    let inFlight = 0;
    let onDrained: (() => void) | undefined;
    const flood: Flood = {
      hashes: 0,
      stop() {
        running = false;
        return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (onDrained = resolve));
      },
    };
    const one = (i: number) => {
      inFlight++;
      scrypt(`wrong password ${i}`, 'salt-of-a-real-user', KEYLEN, SCRYPT_PARAMS, () => {
        inFlight--;
        flood.hashes++;
        if (flood.hashes === 1) started(flood);
        if (running) one(i + FLOOD);
        else if (inFlight === 0) onDrained?.();
      });
    };
    for (let i = 0; i < FLOOD; i++) one(i);
  });
}

// The hashing worker of designs c and d: scryptSync, one at a time, on a thread of its own.
// Plain JavaScript: it needs nothing of the project, so no loader.
const HASHER = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', (m) => {
  scryptSync(m.password, 'salt-of-a-real-user', ${KEYLEN}, ${JSON.stringify(SCRYPT_PARAMS)});
  parentPort.postMessage(m.i);
});
`;

/** Logins behind a worker that hashes one at a time (bounded concurrency 1; design c, d). */
function workerFlood(): Promise<Flood> {
  const worker = new Worker(HASHER, { eval: true });
  return new Promise((started, failed) => {
    let running = true;
    let onStopped: (() => void) | undefined;
    const flood: Flood = {
      hashes: 0,
      async stop() {
        running = false;
        // The one hash in the worker finishes (its message arrives), then the worker ends.
        await new Promise<void>((resolve) => (onStopped = resolve));
        await worker.terminate();
      },
    };
    worker.on('error', failed);
    worker.on('message', (i: number) => {
      flood.hashes++;
      if (flood.hashes === 1) started(flood);
      if (running) worker.postMessage({ i: i + 1, password: `wrong password ${i + 1}` });
      else onStopped?.();
    });
    worker.postMessage({ i: 0, password: 'wrong password 0' });
  });
}

const DESIGNS: { id: DesignId; journal: 'pool' | 'thread'; flood: () => Promise<Flood> }[] = [
  { id: 'a', journal: 'pool', flood: poolFlood },
  { id: 'b', journal: 'thread', flood: poolFlood },
  { id: 'c', journal: 'pool', flood: workerFlood },
  { id: 'd', journal: 'thread', flood: workerFlood },
];

async function design(base: string, d: (typeof DESIGNS)[number], scale: number): Promise<DesignResult> {
  const dir = await mkdtemp(path.join(base, `pintu-bench-isolation-${d.id}-`));
  try {
    const j = await openAppender(d.journal, dir);
    try {
      for (let i = 0; i < 20; i++) await appendOne(j); // warm-up: file open, code hot
      const idle = await taps(j, 2_000 * scale);
      const flood = await d.flood();
      const h0 = flood.hashes;
      const t0 = performance.now();
      // The flood goes on until the last tap is durable: none gets a free ride at the end.
      const loaded = await taps(j, 5_000 * scale);
      const hashesPerSecond = (flood.hashes - h0) / ((performance.now() - t0) / 1000);
      await flood.stop();
      return { id: d.id, idle, flood: loaded, roundFloodP99: [p99(loaded)], hashesPerSecond };
    } finally {
      await j.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The thread hop alone: pool and thread appends alternate, one at a time, nothing else running. */
async function hop(base: string, fs: string, scale: number): Promise<HopResult> {
  const dir = await mkdtemp(path.join(base, 'pintu-bench-isolation-hop-'));
  try {
    const poolDir = path.join(dir, 'pool');
    const threadDir = path.join(dir, 'thread');
    await mkdir(poolDir);
    const pool = await openAppender('pool', poolDir);
    const thread = await openAppender('thread', threadDir);
    try {
      const t: number[] = [];
      const p: number[] = [];
      const max = Math.round(2_000 * scale);
      const start = performance.now();
      for (let i = 0; i < max && performance.now() - start < 6_000 * scale; i++) {
        const order =
          i % 2
            ? ([
                [pool, p],
                [thread, t],
              ] as const)
            : ([
                [thread, t],
                [pool, p],
              ] as const);
        for (const [j, out] of order) {
          const s = performance.now();
          await appendOne(j);
          out.push(performance.now() - s);
        }
      }
      // The first appends open the files: not part of the hop.
      const steady = (xs: number[]) => xs.slice(20).sort((x, y) => x - y);
      return {
        dir: base,
        fs,
        thread: { n: t.length - 20, samples: steady(t) },
        pool: { n: p.length - 20, samples: steady(p) },
      };
    } finally {
      await pool.close();
      await thread.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ROUNDS = 3;

function p99(l: Latencies): number {
  return l.samples[Math.min(l.n - 1, Math.max(0, Math.ceil(0.99 * l.n) - 1))] ?? Number.NaN;
}

function join(ls: Latencies[]): Latencies {
  const samples = ls.flatMap((l) => l.samples).sort((x, y) => x - y);
  return { n: samples.length, samples };
}

function merge(rs: DesignResult[]): DesignResult {
  const rates = rs.map((r) => r.hashesPerSecond).sort((x, y) => x - y);
  return {
    id: rs[0]!.id,
    idle: join(rs.map((r) => r.idle)),
    flood: join(rs.map((r) => r.flood)),
    roundFloodP99: rs.flatMap((r) => r.roundFloodP99),
    hashesPerSecond: rates[rates.length >> 1]!,
  };
}

async function main(): Promise<void> {
  const [base, scaleArg, fs = 'unknown'] = process.argv.slice(2);
  const scale = Number(scaleArg);
  if (!base || !(scale > 0)) {
    process.stderr.write('usage: isolation-run <baseDir> <scale> [fs description]\n');
    process.exit(2);
  }
  // (a) once: its appends wait tens of seconds whatever the round. The others in ROUNDS
  // rounds, their order rotated, so that the shared machine's moods hit each alike.
  const rounds = new Map<DesignId, DesignResult[]>();
  const [a, ...rest] = DESIGNS;
  rounds.set('a', [await design(base, a!, scale)]);
  const n = scale < 1 ? 1 : ROUNDS;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < rest.length; i++) {
      const d = rest[(i + r) % rest.length]!;
      rounds.set(d.id, [...(rounds.get(d.id) ?? []), await design(base, d, scale)]);
    }
  }
  const designs = DESIGNS.map((d) => merge(rounds.get(d.id)!));
  const hops = [await hop(base, fs, scale)];
  // tmpfs: fdatasync costs nothing there, so what is left is the hop itself.
  if (base !== '/dev/shm' && os.platform() === 'linux') {
    const shm = await access('/dev/shm', constants.W_OK).then(
      () => true,
      () => false,
    );
    if (shm) hops.push(await hop('/dev/shm', 'tmpfs', scale));
  }
  const run: IsolationRun = { parallelism: os.availableParallelism(), designs, hop: hops };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

await main();
