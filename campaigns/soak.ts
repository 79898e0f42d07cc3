// Soak (issue 6): the gateway as a real process, 100 badge taps a second mixed with API
// traffic (the desk's board read, visits walked through the SOP, the journal paged) for ten
// minutes. Prints a line a minute and, at the end, whether it held: no error, resident memory
// growing less than 5 % after the warm-up (the mean of the last three minutes against the
// three after the first 30 %), and the decision's p99 steady (from the gateway's own
// histogram, pintu_access_decision_seconds, minute by minute).
//
//   npm run campaign:soak -- [--minutes 10] [--rate 100]
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt, serviceEnvironment, serviceNodeArgs } from '../bench/lib/build.js';
import { freePort, residentBytes, startGatewayProcess, stopProcess } from '../test/support/process.js';

const UIDS = Array.from(
  { length: 10 },
  (_, i) => `04A1B2C3D4E5${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`,
);

export interface SoakOptions {
  minutes: number;
  /** Taps a second. */
  rate: number;
  log?: (line: string) => void;
}

interface Minute {
  minute: number;
  taps: number;
  api: number;
  errors: number;
  rssMb: number;
  /** V8's heap in use and reserved, and memory outside it (Buffers): the gateway's own metrics. */
  heapMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** Upper bound of the bucket holding the decision's p99 this minute, in µs. */
  decisionP99Us: number;
  /** A tap's round trip through HTTP, answered once journaled (fsync), p99 in ms. */
  tapP99Ms: number;
}

export interface SoakResult {
  minutes: Minute[];
  errors: number;
  rssGrowth: number;
  ok: boolean;
  problems: string[];
}

const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! : Number.NaN;
};

/** Cumulative bucket counts of the decision histogram, by upper bound (s). */
function decisionBuckets(metrics: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of metrics.matchAll(
    /^pintu_access_decision_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/gm,
  )) {
    const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The bucket bound under which 99 % of this window's decisions fall. */
function windowP99(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= total * 0.99) return le;
  }
  return Number.POSITIVE_INFINITY;
}

export async function soak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'pintu-soak-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const problems: string[] = [];
  try {
    // The built gateway under plain node, as systemd runs it (tsx's loader thread would add a
    // heap of its own to the resident memory).
    await ensureBuilt(log);
    const nodeArgs = await serviceNodeArgs();
    log(`node flags of systemd/pintu.service: ${nodeArgs.join(' ') || '(none)'}`);
    child = await startGatewayProcess(
      {
        ...(await serviceEnvironment()),
        PINTU_DATA_DIR: dir,
        PINTU_HTTP_PORT: String(port),
        PINTU_LOG_LEVEL: 'error',
        // Every client here is one address (127.0.0.1): the taps are sent at a fixed rate
        // whatever the answers, so a slow minute opens more connections than one browser
        // would, and the per-address caps of issue 11 reset them ("fetch failed", ECONNRESET).
        // The soak stands for a building of clients; the caps are the siege's to measure.
        PINTU_CONFIG_HTTP__LIMITS__MAX_CONNECTIONS_PER_ADDRESS: '100000',
        PINTU_CONFIG_HTTP__LIMITS__CONNECTION_RATE_PER_ADDRESS__BURST: '100000',
        PINTU_CONFIG_HTTP__LIMITS__CONNECTION_RATE_PER_ADDRESS__PER_SECOND: '100000',
      },
      { built: true, nodeArgs },
    );
    const token = (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
    let errors = 0;
    let apiCalls = 0;
    const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      try {
        const res = await fetch(
          `http://127.0.0.1:${port}${path.startsWith('/metrics') ? '' : '/api/v1'}${path}`,
          {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          },
        );
        const text = await res.text();
        if (!res.ok) {
          errors++;
          if (problems.length < 20) problems.push(`${method} ${path}: ${res.status} ${text.slice(0, 120)}`);
          return undefined;
        }
        return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      } catch (err) {
        errors++;
        // fetch says only "fetch failed"; what failed (a reset, a refused or closed socket) is its cause.
        const cause = (err as Error).cause as (Error & { code?: string }) | undefined;
        const why = cause ? ` (${cause.code ?? cause.name}: ${cause.message})` : '';
        if (problems.length < 20) problems.push(`${method} ${path}: ${(err as Error).message}${why}`);
        return undefined;
      }
    };
    /** One visit walked from arrival to a badge (and, every other one, to checkout). */
    let walked = 0;
    const walk = async () => {
      const v = (await call('POST', '/visits', {
        guest: { name: `Tamu ${walked}`, institution: 'Uji Ketahanan' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      })) as { id: string } | undefined;
      apiCalls++;
      if (!v) return;
      for (const [path, body] of [
        ['screening', { passed: true }],
        ['guestbook', {}],
        ['decision', { outcome: 'accepted' }],
      ] as const) {
        await call('POST', `/visits/${v.id}/${path}`, body);
        apiCalls++;
      }
      const badges = (await call('GET', '/badges')) as Array<{ label: string; status: string }> | undefined;
      apiCalls++;
      const free = badges?.find((b) => b.status === 'available');
      if (free) {
        await call('POST', `/visits/${v.id}/badge`, {
          badge: free.label,
          collateral: { type: 'ktp', number: '3578014107900001' },
        });
        apiCalls++;
        if (walked++ % 2) {
          await call('POST', `/visits/${v.id}/checkout`, { badgeReturned: true, documentReturned: true });
          apiCalls++;
        }
      } else {
        // All badges out: check the oldest badged visit out.
        const open = (await call('GET', '/visits')) as Array<{ id: string; state: string }> | undefined;
        const inside = open?.filter((x) => x.state === 'badged').at(-1);
        if (inside)
          await call('POST', `/visits/${inside.id}/checkout`, {
            badgeReturned: true,
            documentReturned: true,
          });
        apiCalls += 2;
      }
    };

    const end = Date.now() + options.minutes * 60_000;
    const tapLatency: number[] = [];
    let taps = 0;
    let running = true;
    const tapper = (async () => {
      const every = 1000 / options.rate;
      let next = performance.now();
      let i = 0;
      const inFlight = new Set<Promise<void>>();
      while (running) {
        next += every;
        const uid = UIDS[i % UIDS.length]!;
        const reader = i++ % 3 === 2 ? 'pintu-utama-out' : 'pintu-utama-in';
        const t0 = performance.now();
        const p = call('POST', '/taps', { reader, uid }).then(() => {
          tapLatency.push(performance.now() - t0);
          taps++;
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await Promise.all(inFlight);
    })();
    const desk = (async () => {
      while (running) {
        await call('GET', '/visits?date=today');
        await call('GET', '/events?limit=50');
        apiCalls += 2;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const walker = (async () => {
      while (running) {
        await walk();
        // A visit every 5 s: 120 by the end of ten minutes, three busy days' worth on the
        // desk's board (which the desk reads five times a second here).
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();

    const minutes: Minute[] = [];
    let buckets = decisionBuckets(String(await call('GET', '/metrics')));
    for (let minute = 1; Date.now() < end; minute++) {
      const tapsBefore = taps;
      const apiBefore = apiCalls;
      const errorsBefore = errors;
      tapLatency.length = 0;
      await new Promise((r) => setTimeout(r, Math.min(60_000, end - Date.now())));
      const metrics = String(await call('GET', '/metrics'));
      const now = decisionBuckets(metrics);
      const gauge = (name: string) =>
        Number(new RegExp(`^nodejs_${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20;
      const m: Minute = {
        minute,
        taps: taps - tapsBefore,
        api: apiCalls - apiBefore,
        errors: errors - errorsBefore,
        rssMb: (await residentBytes(child.pid!)) / 2 ** 20,
        heapMb: gauge('heap_size_used_bytes'),
        heapTotalMb: gauge('heap_size_total_bytes'),
        externalMb: gauge('external_memory_bytes'),
        decisionP99Us: windowP99(buckets, now) * 1e6,
        tapP99Ms: p99(tapLatency),
      };
      buckets = now;
      minutes.push(m);
      log(
        `minute ${m.minute}: ${(m.taps / 60).toFixed(0)} taps/s, ${(m.api / 60).toFixed(1)} API calls/s (${walked} visits so far), ${m.errors} errors, RSS ${m.rssMb.toFixed(1)} MB (heap ${m.heapMb.toFixed(1)} of ${m.heapTotalMb.toFixed(1)}, external ${m.externalMb.toFixed(1)}), decision p99 <= ${m.decisionP99Us} µs, tap round trip p99 ${m.tapP99Ms.toFixed(1)} ms`,
      );
    }
    running = false;
    await Promise.all([tapper, desk, walker]);
    // Memory moves with the garbage collector minute to minute: compare means. Warm-up is the
    // first 30 % of the run (the heap grows to its working size); then the three minutes after
    // it against the last three.
    const mean = (ms: Minute[]) => ms.reduce((a, m) => a + m.rssMb, 0) / ms.length;
    const warmUp = Math.max(1, Math.round(minutes.length * 0.3));
    const early = minutes.slice(warmUp, warmUp + 3);
    const late = minutes.slice(-3);
    const rssGrowth = early.length && minutes.length >= warmUp + 4 ? mean(late) / mean(early) - 1 : 0;
    if (errors > 0) problems.unshift(`${errors} errors`);
    if (rssGrowth >= 0.05)
      problems.push(`resident memory grew ${(rssGrowth * 100).toFixed(1)} % after warm-up`);
    const p99s = minutes.slice(1).map((m) => m.decisionP99Us);
    if (p99s.length && Math.max(...p99s) > 4 * Math.min(...p99s))
      problems.push(`decision p99 unsteady: ${Math.min(...p99s)}-${Math.max(...p99s)} µs`);
    return { minutes, errors, rssGrowth, ok: problems.length === 0, problems };
  } finally {
    if (child) await stopProcess(child, 'SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '100' } },
  });
  soak({
    minutes: Number(values.minutes),
    rate: Number(values.rate),
    log: (line) => process.stdout.write(`${line}\n`),
  }).then(
    (r) => {
      process.stdout.write(
        `\n${r.minutes.length} minutes: ${r.errors} errors, resident memory ${(r.rssGrowth * 100).toFixed(1)} % after warm-up; ${r.ok ? 'held' : `FAILED: ${r.problems.join('; ')}`}\n`,
      );
      process.exit(r.ok ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
