// Shared helpers of the benchmarks: statistics, formatting, machine description, tmp dirs.
// Nothing here writes outside os.tmpdir() (or PINTU_BENCH_DIR), and nothing is kept.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// ---------------------------------------------------------------- statistics

export interface Summary {
  n: number;
  median: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..1). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const i = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
  return sorted[i]!;
}

export function summarise(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) sum += x;
  const mid = n >> 1;
  const median = n === 0 ? Number.NaN : n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    n,
    median,
    p99: percentile(sorted, 0.99),
    mean: n ? sum / n : Number.NaN,
    min: n ? sorted[0]! : Number.NaN,
    max: n ? sorted[n - 1]! : Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  return summarise(values).median;
}

// ---------------------------------------------------------------- formatting

export const fmt = {
  /** milliseconds -> "12.34 µs" */
  us(ms: number, digits = 2): string {
    return `${(ms * 1000).toFixed(digits)} µs`;
  },
  /** milliseconds -> "1.234 ms" */
  ms(ms: number, digits = 3): string {
    return `${ms.toFixed(digits)} ms`;
  },
  /** milliseconds -> nanoseconds "123 ns" */
  ns(ms: number): string {
    return `${(ms * 1e6).toFixed(0)} ns`;
  },
  rate(perSecond: number): string {
    return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
  },
  ratio(x: number): string {
    if (!Number.isFinite(x)) return 'n/a';
    return x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`;
  },
  int(n: number): string {
    return Math.round(n).toLocaleString('en-US');
  },
  bytes(n: number): string {
    if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
    if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
    if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
    return `${n} B`;
  },
};

/** A text table with padded columns; the first row is the header. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (row: readonly string[]) =>
    indent + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [line(rows[0]!), indent + widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows.slice(1)) out.push(line(row));
  return out.join('\n');
}

export function log(text = ''): void {
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------- results

/** One row of the final Markdown table. */
export interface SummaryRow {
  benchmark: string;
  figure: string;
  goal: string;
  /** undefined: informational, no goal. */
  met?: boolean;
}

export interface BenchContext {
  /** Parent directory of the benchmark's tmp dirs. */
  baseDir: string;
  /** Scale factor (PINTU_BENCH_SCALE / --quick): 1 = the sizes of the issue. */
  scale: number;
}

export interface Benchmark {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<SummaryRow[]>;
}

// ---------------------------------------------------------------- environment

/** Run the garbage collector if node was started with --expose-gc. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  gc();
  return true;
}

/** CPU time (user + system) of this process in ms since `from` (a process.cpuUsage() reading). */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/** 1-minute load average and a judgement of whether other work shares the CPUs. */
export function load(): { avg1: number; busy: boolean; text: string } {
  const [avg1 = 0] = os.loadavg();
  const cores = os.cpus().length || 1;
  const busy = avg1 > cores * 0.5;
  return {
    avg1,
    busy,
    text: `${avg1.toFixed(2)} (1 min) on ${cores} cores${busy ? ': OTHER WORK IS RUNNING' : ''}`,
  };
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function withTmpDir<T>(base: string, name: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(base, `pintu-bench-${name}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The mount (device, file system type) holding `dir`, from /proc/mounts; undefined elsewhere. */
export function mountOf(dir: string): { device: string; mountPoint: string; fsType: string } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const target = path.resolve(dir);
  let best: { device: string; mountPoint: string; fsType: string } | undefined;
  for (const line of text.split('\n')) {
    const [device, rawMount, fsType] = line.split(' ');
    if (!device || !rawMount || !fsType) continue;
    const mountPoint = rawMount.replace(/\\040/g, ' ');
    const inside = target === mountPoint || target.startsWith(mountPoint === '/' ? '/' : `${mountPoint}/`);
    if (inside && (!best || mountPoint.length >= best.mountPoint.length))
      best = { device, mountPoint, fsType };
  }
  return best;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  parallelism: number;
  ramBytes: number;
  node: string;
  v8: string;
  kernel: string;
  arch: string;
  benchDir: string;
  fs: string;
  gcExposed: boolean;
}

export function machineInfo(benchDir: string): MachineInfo {
  const cpus = os.cpus();
  const mount = mountOf(benchDir);
  let kernel = `${os.type()} ${os.release()}`;
  try {
    kernel += ` (${os.version()})`;
  } catch {
    // os.version() is missing on very old runtimes only
  }
  return {
    cpu: `${cpus[0]?.model.trim() || 'unknown'}${cpus[0]?.speed ? ` @ ${cpus[0].speed} MHz` : ''}`,
    cores: cpus.length,
    parallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    ramBytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    kernel,
    arch: `${os.platform()}/${os.arch()}`,
    benchDir,
    fs: mount ? `${mount.fsType} on ${mount.device} (mounted at ${mount.mountPoint})` : 'unknown',
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}
