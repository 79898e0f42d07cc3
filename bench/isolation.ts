// Benchmark: the door path's isolation from a login flood (issue 11). Journal append latency
// (append -> durable, taps every 10 ms) idle and under a flood of 64 password hashes in flight
// with the gateway's scrypt parameters, for four designs:
//   a  scrypt async on libuv's pool + journal on the pool (before issue 11)
//   b  scrypt async on libuv's pool + journal on its own thread
//   c  scryptSync in one worker thread (concurrency 1) + journal on the pool
//   d  scryptSync in one worker thread (concurrency 1) + journal on its own thread
// each on two cores and on one (taskset), in a process of its own (bench/lib/isolation-run.ts);
// and the cost of the thread hop with nothing else running (journal thread and pool appends
// alternating, on the bench disk and on tmpfs, where fdatasync costs nothing).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SCRYPT_PARAMS } from '../src/service/passwords.js';
import { ROOT } from '../test/support/process.js';
import type { DesignId, IsolationRun, Latencies } from './lib/isolation-run.js';
import {
  type BenchContext,
  type Benchmark,
  fmt,
  log,
  machineInfo,
  percentile,
  type SummaryRow,
  table,
} from './lib/util.js';

const run = promisify(execFile);

const DESIGNS: Record<DesignId, string> = {
  a: '(a) scrypt on the pool + journal on the pool',
  b: '(b) scrypt on the pool + journal thread',
  c: '(c) scryptSync in 1 worker + journal on the pool',
  d: '(d) scryptSync in 1 worker + journal thread',
};

const p50 = (l: Latencies) => percentile(l.samples, 0.5);
const p99 = (l: Latencies) => percentile(l.samples, 0.99);
/** Latencies from 10 µs to minutes: ms with a sensible number of digits. */
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : fmt.ms(x, x >= 10 ? 1 : 3));

async function pinned(cpus: string | undefined, baseDir: string, scale: number, fs: string) {
  const script = [
    '--import',
    'tsx',
    path.join(ROOT, 'bench/lib/isolation-run.ts'),
    baseDir,
    String(scale),
    fs,
  ];
  const [cmd, args] = cpus
    ? ['taskset', ['-c', cpus, process.execPath, ...script]]
    : [process.execPath, script];
  const r = await run(cmd, args, { cwd: ROOT, maxBuffer: 64 << 20 });
  return JSON.parse(r.stdout) as IsolationRun;
}

async function hasTaskset(): Promise<boolean> {
  return run('taskset', ['-p', String(process.pid)]).then(
    () => true,
    () => false,
  );
}

export const isolationBenchmark: Benchmark = {
  id: 'isolation',
  title: 'Isolation of the door path from a login flood (journal thread, hashing worker)',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const fs = machineInfo(ctx.baseDir).fs.split(' (')[0]!;
    const taskset = await hasTaskset();
    const configs: { label: string; cpus?: string }[] = taskset
      ? [
          { label: '2 cores', cpus: '0,1' },
          { label: '1 core', cpus: '0' },
        ]
      : [{ label: 'all cores (taskset not found: no 1-core run)' }];
    const { N, r, p } = SCRYPT_PARAMS;
    log(`  64 logins in flight (scrypt N=${N} r=${r} p=${p}, the gateway's), a tap every 10 ms; disk ${fs}`);
    const rows: SummaryRow[] = [];
    const hops: string[][] = [];
    for (const c of configs) {
      const r = await pinned(c.cpus, ctx.baseDir, ctx.scale, fs);
      const base = r.designs.find((d) => d.id === 'a')!;
      log();
      log(`  ${c.label}${c.cpus ? ` (taskset -c ${c.cpus})` : ''}, available parallelism ${r.parallelism}`);
      log(
        table([
          [
            'design',
            'idle p50',
            'idle p99',
            'flood p50',
            'flood p99',
            'taps',
            'round p99s',
            'flood/idle p99',
            '(a) ÷ this',
            'hashes/s',
          ],
          ...r.designs.map((d) => [
            DESIGNS[d.id],
            ms(p50(d.idle)),
            ms(p99(d.idle)),
            ms(p50(d.flood)),
            ms(p99(d.flood)),
            `${d.idle.n}+${d.flood.n}`,
            d.roundFloodP99.map(ms).join(', '),
            fmt.ratio(p99(d.flood) / p99(d.idle)),
            fmt.ratio(p99(base.flood) / p99(d.flood)),
            d.hashesPerSecond.toFixed(1),
          ]),
        ]),
      );
      for (const h of r.hop) {
        hops.push([
          `${c.label}, ${h.fs}`,
          ms(p50(h.thread)),
          ms(p99(h.thread)),
          ms(p50(h.pool)),
          ms(p99(h.pool)),
          `${((p50(h.thread) - p50(h.pool)) * 1000).toFixed(0)} µs`,
          String(h.thread.n),
        ]);
      }
      const best = [...r.designs].sort((x, y) => p99(x.flood) - p99(y.flood))[0]!;
      const d = r.designs.find((x) => x.id === 'd')!;
      const b = r.designs.find((x) => x.id === 'b')!;
      log(
        `  lowest flood p99: ${DESIGNS[best.id]}; (a) ${ms(p99(base.flood))} -> (b) ${ms(p99(b.flood))} -> (d) ${ms(p99(d.flood))}`,
      );
      rows.push({
        benchmark: `Isolation, ${c.label}: tap append p99 under 64 logins in flight, journal thread + 1 hashing worker (d), vs idle`,
        figure: `${ms(p99(d.flood))} vs ${ms(p99(d.idle))} = ${fmt.ratio(p99(d.flood) / p99(d.idle))}; (a) today ${ms(p99(base.flood))}, (b) ${ms(p99(b.flood))}`,
        goal: '≤ 2× idle p99',
        met: p99(d.flood) <= 2 * p99(d.idle),
      });
    }
    log();
    log('  thread hop, nothing else running: sequential appends, journal thread and pool alternating');
    log(
      table([
        [
          'cores, disk',
          'thread p50',
          'thread p99',
          'pool p50',
          'pool p99',
          'hop p50 (thread - pool)',
          'appends each',
        ],
        ...hops,
      ]),
    );
    log(
      '  (p99s over all rounds; "(a) ÷ this": how many times lower the flood p99 is than today\'s; taps idle+flood;',
    );
    log('   (a) runs one round, its appends wait tens of seconds whatever the round; the others three)');
    const disk = hops[0];
    if (disk)
      rows.push({
        benchmark: `Isolation: thread hop on an idle machine, append p50 journal thread vs pool (${disk[0]})`,
        figure: `${disk[1]} vs ${disk[3]} (${disk[5]})`,
        goal: 'cost of the hop (no goal)',
      });
    return rows;
  },
};
