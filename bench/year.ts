// A year of data (bench/lib/year.ts: 250 working days, 40 visits a day, 6 door events a visit)
// and what the Bureau does with it, each against a baseline measured in the same run:
//
//  1. the monthly and the yearly recap: time (as ReportService runs them, in this process)
//     against the floor of reading the same journal lines; peak memory of each in a process of
//     its own (maxRSS) against that process only opening the data;
//  2. start-up to ready: `node dist/cli.js start` (the built gateway, embedded broker on) from
//     spawn to its systemd READY=1, on the year against an empty data folder (day one); then
//     resident memory when idle;
//  3. API requests per second on GET /api/v1/visits (autocannon, keep-alive, 10 connections)
//     against GET /healthz on the same gateway, with today's 40 visits at the desk;
//  4. SSE fan-out: taps sent one at a time; each tap's journal entry timed from the request to
//     its arrival at every one of 50 clients of /api/v1/events/stream, against 1 client.
//
// The gateway is the built one (dist/): `npm run build` runs first when dist/ is missing or
// older than src/.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { monthOf } from '../src/domain/time.js';
import type { Host } from '../src/domain/types.js';
import { recapFromJournal, yearlyRecapFromJournal } from '../src/service/reports.js';
import { Journal } from '../src/store/journal.js';
import { readLines } from '../src/store/lines.js';
import { startNotifySocket } from '../test/support/notify-socket.js';
import { freePort, ROOT, residentBytes, stopProcess } from '../test/support/process.js';
import { ensureBuilt, serviceEnvironment, serviceNodeArgs } from './lib/build.js';
import { buildingConfig, TZ, uidOf } from './lib/fixtures.js';
import {
  type BenchContext,
  type Benchmark,
  collectGarbage,
  fmt,
  log,
  type SummaryRow,
  summarise,
  table,
  withTmpDir,
} from './lib/util.js';
import { writeYearOfData, YEAR } from './lib/year.js';

const run = promisify(execFile);
const MONTH = `${YEAR}-10`;

// ---------------------------------------------------------------- helpers

interface Running {
  child: ChildProcess;
  port: number;
  token: string;
  /** Spawn to STATUS=doors ready: taps are decided (relays safe, readers open, state loaded). */
  doorsMs: number;
  /** The gateway's own CPU time up to "doors ready" (it says so): less inflated by a busy machine. */
  doorsCpuMs: number;
  readyMs: number;
}

/** `node dist/cli.js start`, timed from spawn to "doors ready" and to READY=1 on a notify socket. */
async function startGateway(
  cli: string,
  nodeArgs: readonly string[],
  configFile: string,
  dataDir: string,
  scratch: string,
): Promise<Running> {
  const [port, mqttPort] = [await freePort(), await freePort()];
  await rm(path.join(scratch, 'notify.sock'), { force: true });
  const sock = await startNotifySocket(scratch);
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, cli, 'start', '--config', configFile], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(await serviceEnvironment()),
        NOTIFY_SOCKET: sock.path,
        PINTU_HTTP_PORT: String(port),
        PINTU_CONFIG_MQTT__PORT: String(mqttPort),
        // The SSE fan-out opens 50 streams with one login from one address (a real desk has
        // one a screen): within the edge's bounds for this bench only.
        PINTU_CONFIG_HTTP__LIMITS__SSE_STREAMS_PER_USER: '64',
        PINTU_CONFIG_HTTP__LIMITS__MAX_CONNECTIONS_PER_ADDRESS: '128',
        PINTU_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${stderr}`))),
    );
    const ready = sock.waitFor((ms) => ms.some((m) => m.text.split('\n').includes('READY=1')), 120_000);
    const messages = await Promise.race([ready, exited]);
    const readyAt = messages.find((m) => m.text.split('\n').includes('READY=1'))!.at;
    const doors = messages.find((m) => m.text.startsWith('STATUS=doors ready'));
    const cpu = doors && /\(CPU (\d+) ms\)/.exec(doors.text);
    if (!doors || !cpu) throw new Error('READY=1 without "STATUS=doors ready ... (CPU n ms)" before it');
    const token = (await readFile(path.join(dataDir, 'cli.token'), 'utf8')).trim();
    return { child, port, token, doorsMs: doors.at - t0, doorsCpuMs: Number(cpu[1]), readyMs: readyAt - t0 };
  } finally {
    sock.close();
  }
}

async function api(g: Running, method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${g.port}/api/v1${url}`, {
    method,
    headers: {
      authorization: `Bearer ${g.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

interface DataFolder {
  configFile: string;
  dataDir: string;
}

/**
 * Start-up, alternating day one and the year: spawn to "doors ready" (a tap would be decided)
 * and to READY=1, then resident memory 10 s after READY=1. The last start on the year is left
 * running for what comes next (`keep`), else stopped.
 */
async function startUps(
  ctx: BenchContext,
  cli: string,
  nodeArgs: readonly string[],
  scratch: string,
  yearFolder: DataFolder,
  dayOneFolder: DataFolder,
  keep = true,
): Promise<{ rows: SummaryRow[]; running?: Running }> {
  log();
  log('  start-up: spawn to "doors ready" and to READY=1; resident memory when idle');
  const doors = { dayOne: [] as number[], year: [] as number[] };
  const doorsCpu = { dayOne: [] as number[], year: [] as number[] };
  const starts = { dayOne: [] as number[], year: [] as number[] };
  const idle = { dayOne: 0, year: 0 };
  const rounds = ctx.scale < 1 ? 2 : 5;
  let running: Running | undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      for (const which of ['dayOne', 'year'] as const) {
        const folder = which === 'year' ? yearFolder : dayOneFolder;
        const g = await startGateway(cli, nodeArgs, folder.configFile, folder.dataDir, scratch);
        doors[which].push(g.doorsMs);
        doorsCpu[which].push(g.doorsCpuMs);
        starts[which].push(g.readyMs);
        if (i === rounds - 1) {
          // Idle: nothing asked of it for 10 s after ready.
          await new Promise((r) => setTimeout(r, 10_000));
          idle[which] = await residentBytes(g.child.pid!);
        }
        if (keep && i === rounds - 1 && which === 'year') running = g;
        else await stopProcess(g.child);
      }
    }
  } catch (err) {
    if (running) await stopProcess(running.child);
    throw err;
  }
  const d = { dayOne: summarise(doors.dayOne), year: summarise(doors.year) };
  const c = { dayOne: summarise(doorsCpu.dayOne), year: summarise(doorsCpu.year) };
  const s = { dayOne: summarise(starts.dayOne), year: summarise(starts.year) };
  log(
    table([
      [
        'data folder',
        'starts',
        'doors ready median',
        'max',
        'its CPU median',
        'READY=1 median',
        'max',
        'idle RSS',
      ],
      ...(['dayOne', 'year'] as const).map((w) => [
        w === 'year' ? 'a year' : 'day one (empty)',
        String(rounds),
        fmt.ms(d[w].median, 0),
        fmt.ms(d[w].max, 0),
        fmt.ms(c[w].median, 0),
        fmt.ms(s[w].median, 0),
        fmt.ms(s[w].max, 0),
        fmt.bytes(idle[w]),
      ]),
    ]),
  );
  const rows: SummaryRow[] = [
    {
      benchmark: 'Start-up to doors ready (`pintu start` to a tap decided) with a year of data',
      figure: `${fmt.ms(d.year.median, 0)} median, CPU ${fmt.ms(c.year.median, 0)} (day one ${fmt.ms(d.dayOne.median, 0)}, CPU ${fmt.ms(c.dayOne.median, 0)})`,
      goal: '< 300 ms',
      met: d.year.median < 300,
    },
    {
      benchmark: 'Start-up to ready (`pintu start` to READY=1) with a year of data',
      figure: `${fmt.ms(s.year.median, 0)} median (day one ${fmt.ms(s.dayOne.median, 0)}: ${fmt.ratio(s.year.median / s.dayOne.median)})`,
      goal: '< 1 s',
      met: s.year.median < 1000,
    },
    {
      benchmark: 'Resident memory when idle, a year of data',
      figure: `${fmt.bytes(idle.year)} (day one ${fmt.bytes(idle.dayOne)}: ${fmt.ratio(idle.year / idle.dayOne)})`,
      goal: '< 100 MiB',
      met: idle.year < 100 * 1024 * 1024,
    },
  ];
  return running ? { rows, running } : { rows };
}

// ---------------------------------------------------------------- 1. recaps

async function recaps(dir: string, scale: number, nodeArgs: readonly string[]): Promise<SummaryRow[]> {
  const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as { hosts: Host[] };
  const ctx = {
    timezone: TZ,
    hosts: new Map(state.hosts.map((h) => [h.id, h])),
    doors: new Map(buildingConfig().doors.map((d) => [d.id, { name: d.name }])),
  };
  const journal = await Journal.open(path.join(dir, 'journal'), {
    monthOf: (at) => monthOf(at, TZ),
    readOnly: true,
  });
  const files = (await readdir(path.join(dir, 'journal'))).sort();
  const monthFile = files.find((f) => f.includes(MONTH))!;
  const readAll = async (names: readonly string[]) => {
    let n = 0;
    for (const f of names) for await (const _ of readLines(path.join(dir, 'journal', f))) n++;
    return n;
  };
  const rounds = scale < 1 ? 3 : 7;
  const t = {
    floorMonth: [] as number[],
    month: [] as number[],
    floorYear: [] as number[],
    year: [] as number[],
  };
  let visitsMonth = 0;
  let visitsYear = 0;
  let lines = 0;
  try {
    await recapFromJournal(journal, { ...ctx, month: MONTH }); // warm-up
    for (let i = 0; i < rounds; i++) {
      collectGarbage();
      let s = performance.now();
      await readAll([monthFile]);
      t.floorMonth.push(performance.now() - s);
      s = performance.now();
      visitsMonth = (await recapFromJournal(journal, { ...ctx, month: MONTH })).totals.visits;
      t.month.push(performance.now() - s);
      collectGarbage();
      s = performance.now();
      lines = await readAll(files);
      t.floorYear.push(performance.now() - s);
      s = performance.now();
      visitsYear = (await yearlyRecapFromJournal(journal, { ...ctx, year: YEAR })).totals.visits;
      t.year.push(performance.now() - s);
    }
  } finally {
    await journal.close();
  }
  const m = {
    floorMonth: summarise(t.floorMonth),
    month: summarise(t.month),
    floorYear: summarise(t.floorYear),
    year: summarise(t.year),
  };

  // Peak memory, each in a process of its own.
  const worker = async (mode: string, period: string) => {
    const r = await run(
      process.execPath,
      [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'bench/lib/recap-worker.ts'), dir, mode, period],
      {
        cwd: ROOT,
      },
    );
    return JSON.parse(r.stdout) as { ms: number; visits: number; maxRssBytes: number };
  };
  const peak = { none: [] as number[], month: [] as number[], year: [] as number[] };
  for (let i = 0; i < 2; i++) {
    peak.none.push((await worker('none', MONTH)).maxRssBytes);
    peak.month.push((await worker('month', MONTH)).maxRssBytes);
    peak.year.push((await worker('year', YEAR)).maxRssBytes);
  }
  const none = Math.min(...peak.none);
  const pm = Math.max(...peak.month);
  const py = Math.max(...peak.year);

  log(
    table([
      ['', 'visits', 'median', 'max', 'floor (lines read)', 'x floor', 'peak RSS', 'over opening'],
      [
        `monthly recap ${MONTH}`,
        fmt.int(visitsMonth),
        fmt.ms(m.month.median),
        fmt.ms(m.month.max),
        fmt.ms(m.floorMonth.median),
        fmt.ratio(m.month.median / m.floorMonth.median),
        fmt.bytes(pm),
        `+${fmt.bytes(pm - none)}`,
      ],
      [
        `yearly recap ${YEAR}`,
        fmt.int(visitsYear),
        fmt.ms(m.year.median),
        fmt.ms(m.year.max),
        fmt.ms(m.floorYear.median),
        fmt.ratio(m.year.median / m.floorYear.median),
        fmt.bytes(py),
        `+${fmt.bytes(py - none)}`,
      ],
    ]),
  );
  log(
    `  (${rounds} rounds, interleaved; floor: the journal files' lines read and nothing else, ${fmt.int(lines)} lines ` +
      `for the year; peak RSS: maxRSS of a process (node with the service's flags) that ran the recap alone, against ${fmt.bytes(none)} for one that only opened the data;`,
  );
  log(
    '   what the yearly recap keeps between months is counters and the SOP step samples; the rest of its peak is garbage the',
  );
  log('   collector had not yet taken, as each month is read)');
  return [
    {
      benchmark: `Monthly recap on a year of data (${fmt.int(visitsMonth)} visits in ${MONTH})`,
      figure: `${fmt.ms(m.month.median)} median (${fmt.ratio(m.month.median / m.floorMonth.median)} reading its lines); peak RSS ${fmt.bytes(pm)} (+${fmt.bytes(pm - none)} over opening the data)`,
      goal: '< 1 s',
      met: m.month.median < 1000,
    },
    {
      benchmark: `Yearly recap (${fmt.int(visitsYear)} visits, ${fmt.int(lines)} journal lines)`,
      figure: `${fmt.ms(m.year.median)} median (${fmt.ratio(m.year.median / m.floorYear.median)} reading its lines); peak RSS ${fmt.bytes(py)} (+${fmt.bytes(py - none)} over opening the data)`,
      goal: '—',
    },
  ];
}

// ---------------------------------------------------------------- 2-4. the running gateway

async function todaysVisits(g: Running, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const v = (await api(g, 'POST', '/visits', {
      guest: { name: `Tamu Hari Ini ${i}`, institution: `Dinas ${i % 7}` },
      purpose: 'Koordinasi',
      hostId: `host-${i % 20}`,
    })) as { id: string };
    if (i % 2 === 0) await api(g, 'POST', `/visits/${v.id}/screening`, { passed: true });
  }
}

async function cannon(g: Running, url: string, seconds: number) {
  const r = await autocannon({
    url: `http://127.0.0.1:${g.port}${url}`,
    connections: 10,
    duration: seconds,
    headers: { authorization: `Bearer ${g.token}` },
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    bytes: r.throughput.average,
  };
}

/** `clients` SSE connections; `taps` taps sent one at a time; latency per (client, tap), ms. */
async function fanOut(
  g: Running,
  clients: number,
  taps: number,
): Promise<{ latencies: number[]; missing: number }> {
  const arrivals: number[][] = Array.from({ length: clients }, () => []);
  const requests: http.ClientRequest[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 4 });
  await Promise.all(
    arrivals.map(
      (mine) =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(
            {
              host: '127.0.0.1',
              port: g.port,
              path: '/api/v1/events/stream?type=access.',
              headers: { authorization: `Bearer ${g.token}`, accept: 'text/event-stream' },
              agent,
            },
            (res) => {
              if (res.statusCode !== 200) return reject(new Error(`SSE: ${res.statusCode}`));
              res.setEncoding('utf8');
              let buffer = '';
              res.on('data', (chunk: string) => {
                const at = performance.now();
                buffer += chunk;
                const blocks = buffer.split('\n\n');
                buffer = blocks.pop() ?? '';
                for (const block of blocks) {
                  if (block.startsWith('retry:')) resolve();
                  else if (block.includes('\nevent: access.')) mine.push(at);
                }
              });
            },
          );
          req.on('error', reject);
          requests.push(req);
        }),
    ),
  );
  const sent: number[] = [];
  for (let i = 0; i < taps; i++) {
    // Wait until every client has the previous one: one tap in flight, latencies unmixed.
    const deadline = performance.now() + 5_000;
    while (arrivals.some((a) => a.length < i) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 1));
    sent.push(performance.now());
    await api(g, 'POST', '/taps', { reader: 'pintu-samping-in', uid: uidOf(900_000 + i) });
  }
  const deadline = performance.now() + 5_000;
  while (arrivals.some((a) => a.length < taps) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  for (const r of requests) r.destroy();
  agent.destroy();
  const latencies: number[] = [];
  let missing = 0;
  for (const a of arrivals) {
    for (let i = 0; i < taps; i++) {
      const at = a[i];
      if (at === undefined) missing++;
      else latencies.push(at - sent[i]!);
    }
  }
  return { latencies, missing };
}

/** The year of data, and day one: the same building, people and badges, no history. */
async function yearAndDayOne(
  ctx: BenchContext,
  dir: string,
): Promise<{ yearFolder: DataFolder; dayOneFolder: DataFolder }> {
  const yearDir = path.join(dir, 'year');
  const t0 = performance.now();
  const year = await writeYearOfData(yearDir, { scale: ctx.scale });
  log(
    `  setup: ${year.days} working days, ${fmt.int(year.visits)} visits (${fmt.int(year.guests)} guests), ` +
      `${fmt.int(year.journalEntries)} journal entries of which ${fmt.int(year.doorEvents)} door events, ` +
      `written in ${fmt.ms(performance.now() - t0, 0)}`,
  );
  const dayOne = path.join(dir, 'day-one');
  await mkdir(dayOne);
  const dayOneConfig = path.join(dayOne, 'pintu.json');
  const cfg = JSON.parse(await readFile(year.configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(dayOneConfig, JSON.stringify({ ...cfg, dataDir: dayOne }));
  const live = JSON.parse(await readFile(path.join(yearDir, 'state.json'), 'utf8')) as object;
  await writeFile(path.join(dayOne, 'state.json'), JSON.stringify({ ...live, journalSeq: 0 }));
  return {
    yearFolder: { configFile: year.configFile, dataDir: yearDir },
    dayOneFolder: { configFile: dayOneConfig, dataDir: dayOne },
  };
}

/** Start-up alone (the year's section 2): `npm run bench -- startup`. */
export const startupBenchmark: Benchmark = {
  id: 'startup',
  title: 'Start-up with a year of data: spawn to doors ready and to READY=1, idle memory',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const CLI = await ensureBuilt((line) => log(`  ${line}`));
    const nodeArgs = await serviceNodeArgs();
    return withTmpDir(ctx.baseDir, 'startup', async (dir) => {
      const { yearFolder, dayOneFolder } = await yearAndDayOne(ctx, dir);
      try {
        return (await startUps(ctx, CLI, nodeArgs, dir, yearFolder, dayOneFolder, false)).rows;
      } finally {
        await rm(path.join(dir, 'notify.sock'), { force: true });
      }
    });
  },
};

export const yearBenchmark: Benchmark = {
  id: 'year',
  title: 'A year of data: recaps, start-up and idle memory, API requests per second, SSE fan-out',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const CLI = await ensureBuilt((line) => log(`  ${line}`));
    const nodeArgs = await serviceNodeArgs();
    return withTmpDir(ctx.baseDir, 'year', async (dir) => {
      const rows: SummaryRow[] = [];
      const { yearFolder, dayOneFolder } = await yearAndDayOne(ctx, dir);
      log();
      log('  recaps');
      rows.push(...(await recaps(yearFolder.dataDir, ctx.scale, nodeArgs)));

      // ---- start-up, alternating day one and the year
      const started = await startUps(ctx, CLI, nodeArgs, dir, yearFolder, dayOneFolder);
      rows.push(...started.rows);
      const running = started.running;
      try {
        // ---- API requests per second
        const g = running!;
        await todaysVisits(g, 40);
        const seconds = ctx.scale < 1 ? 3 : 8;
        log();
        log(
          `  API requests per second (autocannon: 10 keep-alive connections, ${seconds} s each; 40 visits today)`,
        );
        const routes: Array<[string, string]> = [
          ['GET /healthz (baseline)', '/healthz'],
          ['GET /api/v1/visits (open visits)', '/api/v1/visits'],
          ["GET /api/v1/visits?date=today (the desk's board)", '/api/v1/visits?date=today'],
          [`GET /api/v1/visits?date=${MONTH}-15 (a day of the archive)`, `/api/v1/visits?date=${MONTH}-15`],
        ];
        await cannon(g, '/healthz', 1); // warm-up
        const results = [];
        for (const [label, url] of routes) results.push({ label, ...(await cannon(g, url, seconds)) });
        const base = results[0]!;
        log(
          table([
            ['route', 'req/s', 'x healthz', 'p50', 'p99', 'errors'],
            ...results.map((r) => [
              r.label,
              fmt.int(Math.round(r.rps)),
              fmt.ratio(r.rps / base.rps),
              `${r.p50} ms`,
              `${r.p99} ms`,
              String(r.errors),
            ]),
          ]),
        );
        const desk = results[2]!;
        rows.push({
          benchmark: 'API: `GET /api/v1/visits?date=today` (40 visits, a year archived)',
          figure: `${fmt.int(Math.round(desk.rps))} req/s, p99 ${desk.p99} ms (${fmt.ratio(desk.rps / base.rps)} of /healthz's ${fmt.int(Math.round(base.rps))} req/s); open visits ${fmt.int(Math.round(results[1]!.rps))} req/s`,
          goal: '—',
          met: results.every((r) => r.errors === 0) ? undefined : false,
        });

        // ---- SSE fan-out
        const taps = ctx.scale < 1 ? 30 : 100;
        log();
        log(`  SSE fan-out: ${taps} taps, one at a time; request sent -> entry received by each client`);
        const one = await fanOut(g, 1, taps);
        const fifty = await fanOut(g, 50, taps);
        const s1 = summarise(one.latencies);
        const s50 = summarise(fifty.latencies);
        log(
          table([
            ['clients', 'deliveries', 'missing', 'median', 'p99', 'max', 'p99 / 1 client'],
            [
              '1',
              fmt.int(s1.n),
              String(one.missing),
              fmt.ms(s1.median),
              fmt.ms(s1.p99),
              fmt.ms(s1.max),
              '1.00x',
            ],
            [
              '50',
              fmt.int(s50.n),
              String(fifty.missing),
              fmt.ms(s50.median),
              fmt.ms(s50.p99),
              fmt.ms(s50.max),
              fmt.ratio(s50.p99 / s1.p99),
            ],
          ]),
        );
        log(
          '  (the clients run in the bench process: the last of 50 is timed after the 49 before it were parsed)',
        );
        rows.push({
          benchmark: 'SSE fan-out: a tap to 50 clients of `/api/v1/events/stream`',
          figure: `p99 ${fmt.ms(s50.p99)} (median ${fmt.ms(s50.median)}; 1 client p99 ${fmt.ms(s1.p99)}: ${fmt.ratio(s50.p99 / s1.p99)}); ${fifty.missing} of ${fmt.int(50 * taps)} missing`,
          goal: 'none missing',
          met: fifty.missing === 0 && one.missing === 0,
        });
      } finally {
        if (running) await stopProcess(running.child);
        await rm(path.join(dir, 'notify.sock'), { force: true });
      }
      return rows;
    });
  },
};
