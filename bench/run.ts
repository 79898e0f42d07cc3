// `npm run bench`: the performance figures of the issue, measured on this machine, printed
// only (nothing is written but tmp dirs, which are removed).
//
//   npx tsx bench/run.ts [ids...] [--quick]
//   node --expose-gc --import tsx bench/run.ts       (GC between sections)
//
// ids: decision, journal, isolation, state, wear, recap, year, mqtt, hw, panel (default: all, in
// that order).
// --quick (or PINTU_BENCH_SCALE=0.2) shrinks every data set, for a smoke run; the goals are
// about the full sizes. PINTU_BENCH_DIR puts the tmp dirs on another disk (default
// os.tmpdir()): fsync figures are only meaningful on the disk the gateway will use.
import os from 'node:os';
import { decisionBenchmark } from './decision.js';
import { hardwareBenchmark } from './hw.js';
import { isolationBenchmark } from './isolation.js';
import { journalBenchmark } from './journal.js';
import { type Benchmark, collectGarbage, fmt, load, log, machineInfo, type SummaryRow } from './lib/util.js';
import { mqttBenchmark } from './mqtt.js';
import { panelBenchmark } from './panel.js';
import { recapBenchmark } from './recap.js';
import { stateWriteBenchmark } from './state-write.js';
import { wearBenchmark } from './wear.js';
import { startupBenchmark, yearBenchmark } from './year.js';

const ALL: Benchmark[] = [
  decisionBenchmark,
  journalBenchmark,
  isolationBenchmark,
  stateWriteBenchmark,
  wearBenchmark,
  recapBenchmark,
  yearBenchmark,
  startupBenchmark,
  mqttBenchmark,
  hardwareBenchmark,
  panelBenchmark,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const ids = args.filter((a) => !a.startsWith('--'));
  const unknown = ids.filter((id) => !ALL.some((b) => b.id === id));
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${ALL.map((b) => b.id).join(', ')}\n`,
    );
    process.exit(2);
  }
  // `startup` is the year's start-up section alone: all of them run it once, in `year`.
  const selected = ids.length
    ? ALL.filter((b) => ids.includes(b.id))
    : ALL.filter((b) => b !== startupBenchmark);
  const envScale = Number(process.env.PINTU_BENCH_SCALE);
  const scale = quick ? 0.2 : Number.isFinite(envScale) && envScale > 0 ? envScale : 1;
  const baseDir = process.env.PINTU_BENCH_DIR || os.tmpdir();

  const m = machineInfo(baseDir);
  log('# Pintu benchmarks');
  log();
  log(`CPU      ${m.cpu}`);
  log(`cores    ${m.cores} (available parallelism ${m.parallelism})`);
  log(`RAM      ${fmt.bytes(m.ramBytes)}`);
  log(`Node     ${m.node} (V8 ${m.v8}), ${m.arch}`);
  log(`kernel   ${m.kernel}`);
  log(`tmp dir  ${m.benchDir}: ${m.fs}`);
  log(
    `GC       ${m.gcExposed ? 'exposed: collected between sections' : 'not exposed (run node with --expose-gc to collect between sections)'}`,
  );
  const loadBefore = load();
  log(`load     ${loadBefore.text}`);
  if (scale !== 1) log(`scale    ${scale} (data sets shrunk: figures are NOT comparable with the goals)`);
  if (/tmpfs|ramfs/.test(m.fs))
    log('WARNING  the tmp dir is in RAM: fsync costs nothing there; set PINTU_BENCH_DIR to a real disk');
  log();

  const rows: SummaryRow[] = [];
  const started = performance.now();
  for (const b of selected) {
    collectGarbage();
    log(`## ${b.title}`);
    const t0 = performance.now();
    try {
      rows.push(...(await b.run({ baseDir, scale })));
    } catch (err) {
      log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rows.push({ benchmark: b.title, figure: 'failed (see above)', goal: '—', met: false });
      process.exitCode = 1;
    }
    log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    log();
  }
  log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const loadAfter = load();
  log(`load average at the end: ${loadAfter.text}`);
  if (loadBefore.busy || loadAfter.busy) {
    log(
      'NOTE: other processes competed for the CPUs during this run. Wall-clock figures (latencies, the recap)',
    );
    log('      are inflated by the time this process waited for a CPU; the "CPU" columns are less affected.');
    log('      For figures to publish, run again on an otherwise idle machine.');
  }
  log();

  // ---- the table for the README
  const mib = Math.round(m.ramBytes / (1 << 30));
  log(
    `Measured with \`npm run bench\` on ${m.cpu}, ${m.cores} cores, ${mib} GiB RAM, Node ${m.node}, ${os.type()} ${os.release()}, tmp on ${m.fs.split(' (')[0]}${scale !== 1 ? `, scale ${scale}` : ''}:`,
  );
  log();
  log('| benchmark | figure | goal | met? |');
  log('|---|---|---|---|');
  for (const r of rows) {
    const met = r.met === undefined ? '—' : r.met ? 'yes' : '**no**';
    log(`| ${r.benchmark} | ${r.figure} | ${r.goal} | ${met} |`);
  }
}

// Exit when done: a native handle (pcsclite's context of the NFC phase) would keep the process up.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
