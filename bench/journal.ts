// Benchmark 2: journal append throughput with fsync, against the raw cost of the disk.
//   raw       one line of the journal's line size: FileHandle.write + datasync, one at a time
//   raw sync  the same with fs.writeSync + fs.fdatasyncSync (no thread-pool round trips)
//   journal, sequential   Journal.append awaited one at a time (per-event overhead, honestly)
//   journal, 64 in flight Journal.append by 64 concurrent appenders (group commit)
// Rounds are interleaved so that the disk's mood hits every variant alike; each variant-round
// stops at its event count or its time budget, whichever comes first.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../src/domain/types.js';
import { Journal } from '../src/store/journal.js';
import { jakartaMonth, MONDAY_9AM, tapEvent } from './lib/fixtures.js';
import {
  type BenchContext,
  type Benchmark,
  collectGarbage,
  fmt,
  log,
  median,
  type SummaryRow,
  summarise,
  table,
  withTmpDir,
} from './lib/util.js';

const ACTOR: Actor = { kind: 'device', id: 'pintu-utama-in' };
const IN_FLIGHT = 64;

interface RoundResult {
  n: number;
  ms: number;
  latencies: number[];
  flushes?: number;
}

interface Variant {
  label: string;
  budgetMs: number;
  max: number;
  /** Absent for the paired variants (raw, sequential), which runPairs drives. */
  run?(max: number, budgetMs: number): Promise<RoundResult>;
  rounds: RoundResult[];
}

export const journalBenchmark: Benchmark = {
  id: 'journal',
  title: '2. Journal append throughput with fdatasync',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    return withTmpDir(ctx.baseDir, 'journal', async (dir) => {
      // The size of a journal line for a tap, as the journal itself writes it.
      const probe = await Journal.open(path.join(dir, 'probe'), { monthOf: jakartaMonth });
      await probe.append(tapEvent(1), ACTOR, MONDAY_9AM);
      await probe.close();
      const lineBytes = (await stat(path.join(dir, 'probe', `${jakartaMonth(MONDAY_9AM)}.jsonl`))).size;
      const line = Buffer.alloc(lineBytes, 0x78);
      line[lineBytes - 1] = 0x0a;
      log(`  line size ${lineBytes} B (an access.granted entry); dir ${dir}`);

      const rawHandle = await open(path.join(dir, 'raw.jsonl'), 'a', 0o640);
      const rawFd = openSync(path.join(dir, 'raw-sync.jsonl'), 'a', 0o640);
      const seqJournal = await Journal.open(path.join(dir, 'seq'), { monthOf: jakartaMonth });
      const groupJournal = await Journal.open(path.join(dir, 'group'), { monthOf: jakartaMonth });
      let at = MONDAY_9AM;
      let k = 0;
      // A journal's writer thread starts with its first write: started here, as a running
      // gateway's is, so that its start-up is not one of the latencies.
      for (const j of [seqJournal, groupJournal]) {
        at += 7;
        await j.append(tapEvent(k++), ACTOR, at);
      }

      // raw and sequential Journal.append alternate event by event (order flipped each time),
      // so that both see the same disk: its fdatasync latency is bimodal and drifts.
      const rawOne = async (latencies: number[]) => {
        const s = performance.now();
        await rawHandle.write(line, 0, line.length);
        await rawHandle.datasync();
        latencies.push(performance.now() - s);
      };
      const seqOne = async (latencies: number[]) => {
        at += 7;
        const s = performance.now();
        await seqJournal.append(tapEvent(k++), ACTOR, at);
        latencies.push(performance.now() - s);
      };
      const raw: Variant = {
        label: 'raw: write + fdatasync per line (FileHandle)',
        budgetMs: 9_000,
        max: Math.round(6_000 * ctx.scale),
        rounds: [],
      };
      const seq: Variant = {
        label: 'Journal.append, sequential (await each)',
        budgetMs: 9_000,
        max: raw.max,
        rounds: [],
      };
      const runPairs = async (max: number, budgetMs: number) => {
        const a: number[] = [];
        const b: number[] = [];
        const flushes = seqJournal.stats.flushes;
        const start = performance.now();
        for (let i = 0; i < max && performance.now() - start < budgetMs; i++) {
          if (i % 2) {
            await rawOne(a);
            await seqOne(b);
          } else {
            await seqOne(b);
            await rawOne(a);
          }
        }
        const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
        raw.rounds.push({ n: a.length, ms: sum(a), latencies: a });
        seq.rounds.push({
          n: b.length,
          ms: sum(b),
          latencies: b,
          flushes: seqJournal.stats.flushes - flushes,
        });
      };
      const rawSync: Variant = {
        label: 'raw sync: writeSync + fdatasyncSync per line',
        budgetMs: 1_500,
        max: Math.round(2_000 * ctx.scale),
        rounds: [],
        async run(max, budgetMs) {
          const latencies: number[] = [];
          const start = performance.now();
          while (latencies.length < max && performance.now() - start < budgetMs) {
            const s = performance.now();
            writeSync(rawFd, line, 0, line.length);
            fdatasyncSync(rawFd);
            latencies.push(performance.now() - s);
          }
          return { n: latencies.length, ms: performance.now() - start, latencies };
        },
      };
      const group: Variant = {
        label: `Journal.append, ${IN_FLIGHT} in flight (group commit)`,
        budgetMs: 4_000,
        max: Math.round(30_000 * ctx.scale),
        rounds: [],
        async run(max, budgetMs) {
          const latencies: number[] = [];
          const before = groupJournal.stats.flushes;
          let issued = 0;
          const start = performance.now();
          const appender = async () => {
            while (issued < max && performance.now() - start < budgetMs) {
              issued++;
              at += 7;
              const s = performance.now();
              await groupJournal.append(tapEvent(k++), ACTOR, at);
              latencies.push(performance.now() - s);
            }
          };
          await Promise.all(Array.from({ length: IN_FLIGHT }, appender));
          return {
            n: latencies.length,
            ms: performance.now() - start,
            latencies,
            flushes: groupJournal.stats.flushes - before,
          };
        },
      };
      const variants = [raw, rawSync, seq, group];

      try {
        // Warm-up: files exist, code is hot.
        await runPairs(50, 1_000);
        raw.rounds.length = 0;
        seq.rounds.length = 0;
        await rawSync.run!(50, 1_000);
        await group.run!(2_000, 1_000);
        collectGarbage();
        const rounds = 3;
        for (let r = 0; r < rounds; r++) {
          await runPairs(Math.ceil(raw.max / rounds), raw.budgetMs / rounds);
          for (const v of [rawSync, group])
            v.rounds.push(await v.run!(Math.ceil(v.max / rounds), v.budgetMs / rounds));
        }
      } finally {
        await rawHandle.close();
        closeSync(rawFd);
        await seqJournal.close();
        await groupJournal.close();
      }

      const rate = (v: Variant) => median(v.rounds.map((x) => x.n / (x.ms / 1000)));
      const rawRate = rate(raw);
      const rows = variants.map((v) => {
        const lat = summarise(v.rounds.flatMap((x) => x.latencies));
        const n = v.rounds.reduce((s, x) => s + x.n, 0);
        const flushes = v.rounds.reduce((s, x) => s + (x.flushes ?? x.n), 0);
        return { v, lat, n, flushes, rate: rate(v) };
      });
      log(
        table([
          [
            'variant',
            'events',
            'events/s (median of 3)',
            'ratio vs raw',
            'latency p50',
            'p99',
            'entries/fdatasync',
          ],
          ...rows.map((x) => [
            x.v.label,
            fmt.int(x.n),
            fmt.rate(x.rate),
            fmt.ratio(x.rate / rawRate),
            fmt.ms(x.lat.median),
            fmt.ms(x.lat.p99),
            (x.n / Math.max(1, x.flushes)).toFixed(1),
          ]),
        ]),
      );
      log(
        '  (latency: from append to durable; for raw, one write + fdatasync. raw and sequential alternate event by',
      );
      log(
        '   event, their rates are 1 / mean latency; the others are events / elapsed time in their own windows)',
      );
      const seqRatio = rows[2]!.rate / rawRate;
      const groupRatio = rows[3]!.rate / rawRate;
      return [
        {
          benchmark: `Journal: \`Journal.append\`, ${IN_FLIGHT} appenders in flight (group commit + fdatasync) vs raw append + fdatasync per line`,
          figure: `${fmt.rate(rows[3]!.rate)} vs ${fmt.rate(rawRate)} = ${fmt.ratio(groupRatio)}`,
          goal: '≥ 0.8×',
          met: groupRatio >= 0.8,
        },
        {
          benchmark: 'Journal: `Journal.append` strictly sequential (await each) vs raw',
          figure: `${fmt.rate(rows[2]!.rate)} vs ${fmt.rate(rawRate)} = ${fmt.ratio(seqRatio)}; p50 ${fmt.ms(rows[2]!.lat.median)} vs ${fmt.ms(rows[0]!.lat.median)}`,
          goal: 'per-event overhead (no goal)',
        },
      ];
    });
  },
};
