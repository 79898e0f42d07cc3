// Benchmark 3: the cost of a state write does not grow with history. Two data folders with the
// same live state (50 open visits, 10 badges, 20 hosts, a few users): one with no history, one
// with a year of it (10,000 closed visits in 12 monthly archive files written with
// Archive.append, and their journal with 6 door events a visit). The state file (lowdb +
// DurableJsonFile: tmp file, fsync, .bak link, rename, directory fsync) is written N times in
// each, interleaved.
// Also timed: a checkout's save, i.e. one closed visit appended to the current month's archive
// and then the state write (what Core.persist does).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { Visit } from '../src/domain/types.js';
import { emptyState, type PersistedState } from '../src/service/live-state.js';
import { Archive } from '../src/store/archive.js';
import { DurableJsonFile } from '../src/store/durable-file.js';
import { Journal } from '../src/store/journal.js';
import {
  appendAll,
  foldVisit,
  jakartaMonth,
  MONDAY_9AM,
  makeHosts,
  makeTokens,
  makeUsers,
  monthTraffic,
  planVisit,
  rng,
  type SopStage,
  uidOf,
} from './lib/fixtures.js';
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

const MIN = 60_000;
const YEAR = [
  '2025-12',
  '2026-01',
  '2026-02',
  '2026-03',
  '2026-04',
  '2026-05',
  '2026-06',
  '2026-07',
  '2026-08',
  '2026-09',
  '2026-10',
  '2026-11',
];

function liveState(): PersistedState {
  const r = rng(3);
  const hosts = makeHosts(20);
  const stages: SopStage[] = [
    'badged',
    'badged',
    'badged',
    'accepted',
    'awaiting_host',
    'screened',
    'arrived',
  ];
  const visits: Visit[] = [];
  for (let i = 0; i < 50; i++) {
    const plan = planVisit(
      r,
      900_000 + i,
      Math.round(MONDAY_9AM - (10 + r() * 120) * MIN),
      hosts,
      stages[i % stages.length]!,
    );
    visits.push(foldVisit(plan, `Tamu Nomor ${i}`));
  }
  const badged = visits.filter((v) => v.state === 'badged');
  const badges = Array.from({ length: 10 }, (_, i) => {
    const v = badged[i];
    const base = { id: `badge-${i}`, label: `TAMU-${String(i + 1).padStart(2, '0')}`, uid: uidOf(i) };
    return v
      ? { ...base, status: 'issued' as const, visitId: v.id }
      : { ...base, status: 'available' as const };
  });
  // The badge ids in the visits must match the pool.
  for (const [i, v] of badged.slice(0, 10).entries()) v.badgeId = `badge-${i}`;
  const areas: Record<string, string> = {};
  for (const v of badged.slice(0, 8)) areas[v.id] = v.rooms[0] ?? 'building';
  return {
    ...emptyState(),
    journalSeq: 1,
    users: makeUsers(),
    tokens: makeTokens(),
    hosts,
    badges,
    visits,
    areas,
  };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}

interface Folder {
  name: string;
  doc: Low<PersistedState>;
  archive: Archive<Visit>;
  write: number[];
  persist: number[];
}

export const stateWriteBenchmark: Benchmark = {
  id: 'state',
  title: '3. State write cost: no history vs a year of archive + journal',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const writes = Math.max(20, Math.round(200 * ctx.scale));
    const persists = Math.max(20, Math.round(100 * ctx.scale));
    // The year: 250 working days x 40 visits = 10,000 visits, 6 door events each; ending
    // with the current month, so that a checkout's save appends to a month already full.
    const visitsPerMonth = Math.round((10_000 / 12) * ctx.scale);

    return withTmpDir(ctx.baseDir, 'state', async (dir) => {
      const hosts = makeHosts(20);
      const open = async (name: string): Promise<Folder> => {
        const d = path.join(dir, name);
        const doc = new Low<PersistedState>(
          new DurableJsonFile<PersistedState>(path.join(d, 'state.json')),
          emptyState(),
        );
        // The folder must exist before the first write; the archive and journal create theirs.
        await Journal.open(path.join(d, 'journal'), { monthOf: jakartaMonth }).then((j) => j.close());
        await doc.read();
        doc.data = liveState();
        return { name, doc, archive: new Archive<Visit>(path.join(d, 'archive')), write: [], persist: [] };
      };
      const empty = await open('empty');
      const history = await open('history');

      // ---- a year of history in the second folder
      const t0 = performance.now();
      const journal = await Journal.open(path.join(dir, 'history', 'journal'), { monthOf: jakartaMonth });
      let archived = 0;
      try {
        for (const [m, month] of YEAR.entries()) {
          const traffic = monthTraffic({
            month,
            visits: visitsPerMonth,
            doorEventsPerVisit: 6,
            hosts,
            seed: 100 + m,
            firstIndex: m * 100_000,
          });
          await appendAll(journal, traffic.events);
          const closed = traffic.plans.map((p) => foldVisit(p, `Tamu ${p.visitId}`));
          for (let i = 0; i < closed.length; i += 100) {
            const batch = closed.slice(i, i + 100);
            const byMonth = jakartaMonth(batch[0]!.createdAt);
            await history.archive.append(byMonth, batch);
            archived += batch.length;
          }
        }
      } finally {
        await journal.close();
      }
      const genMs = performance.now() - t0;
      const historyBytes = await dirBytes(path.join(dir, 'history'));
      log(
        `  setup: ${fmt.int(archived)} closed visits in ${YEAR.length} archive files + ${fmt.int(journal.lastSeq)} journal entries ` +
          `(${fmt.bytes(historyBytes)} on disk) written in ${fmt.ms(genMs, 0)}`,
      );

      // ---- the writes, interleaved
      const r = rng(5);
      const closedVisit = (i: number): Visit => {
        const plan = planVisit(r, 800_000 + i, MONDAY_9AM - 3 * 60 * MIN, hosts, 'closed');
        return foldVisit(plan, `Tamu ${i}`);
      };
      const writeOnce = async (f: Folder, out: number[] | undefined) => {
        f.doc.data.journalSeq++;
        const s = performance.now();
        await f.doc.write();
        out?.push(performance.now() - s);
      };
      const persistOnce = async (f: Folder, i: number, out: number[] | undefined) => {
        f.doc.data.journalSeq++;
        const visit = closedVisit(i);
        const s = performance.now();
        await f.archive.append(jakartaMonth(visit.createdAt), [visit]);
        await f.doc.write();
        out?.push(performance.now() - s);
      };
      for (let i = 0; i < 10; i++) {
        await writeOnce(empty, undefined);
        await writeOnce(history, undefined);
      }
      collectGarbage();
      for (let i = 0; i < writes; i++) {
        const [a, b] = i % 2 ? [empty, history] : [history, empty];
        await writeOnce(a, a.write);
        await writeOnce(b, b.write);
      }
      for (let i = 0; i < persists; i++) {
        const [a, b] = i % 2 ? [empty, history] : [history, empty];
        await persistOnce(a, i, a.persist);
        await persistOnce(b, i, b.persist);
      }
      const stateBytes = (await stat(path.join(dir, 'history', 'state.json'))).size;
      const archiveNow = (await stat(history.archive.file(jakartaMonth(MONDAY_9AM)))).size;

      const se = summarise(empty.write);
      const sh = summarise(history.write);
      const pe = summarise(empty.persist);
      const ph = summarise(history.persist);
      log(
        table([
          [
            'operation',
            'n',
            'no history: median',
            'p99',
            'a year of history: median',
            'p99',
            'ratio p50',
            'ratio p99',
          ],
          [
            'state write (lowdb + DurableJsonFile)',
            fmt.int(se.n),
            fmt.ms(se.median),
            fmt.ms(se.p99),
            fmt.ms(sh.median),
            fmt.ms(sh.p99),
            fmt.ratio(sh.median / se.median),
            fmt.ratio(sh.p99 / se.p99),
          ],
          [
            'checkout save: archive 1 visit + state write',
            fmt.int(pe.n),
            fmt.ms(pe.median),
            fmt.ms(pe.p99),
            fmt.ms(ph.median),
            fmt.ms(ph.p99),
            fmt.ratio(ph.median / pe.median),
            fmt.ratio(ph.p99 / pe.p99),
          ],
        ]),
      );
      log(
        `  state file ${fmt.bytes(stateBytes)} in both folders; current archive month ${fmt.bytes(archiveNow)} with history`,
      );
      const ratio = sh.median / se.median;
      return [
        {
          benchmark: 'State write (lowdb + DurableJsonFile, 50 open visits) with a year of history vs none',
          figure: `${fmt.ms(sh.median, 2)} vs ${fmt.ms(se.median, 2)} median = ${fmt.ratio(ratio)} (checkout save incl. archive append: ${fmt.ratio(ph.median / pe.median)})`,
          goal: '< 1.2×',
          met: ratio < 1.2,
        },
      ];
    });
  },
};
