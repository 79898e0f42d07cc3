// Benchmark 4: the monthly recap over a month of journal: 10,000 visits through every SOP step
// and 100,000 door events (taps granted and refused, door contacts). Timed as ReportService
// does it: recapFromJournal (batched reads, other entry types skipped before parsing) over a
// freshly opened journal.
// Baselines in the same run, to show where the time goes: reading the file's lines; lines +
// JSON.parse; Journal.read alone (lines + decodeLine); the builder alone over entries in memory.
import path from 'node:path';
import type { JournalEntry } from '../src/domain/events.js';
import { buildMonthlyRecap, type MonthlyRecap, type RecapContext } from '../src/domain/recap.js';
import { recapFromJournal } from '../src/service/reports.js';
import { Journal } from '../src/store/journal.js';
import { readLines } from '../src/store/lines.js';
import { appendAll, buildingConfig, jakartaMonth, makeHosts, monthTraffic, TZ } from './lib/fixtures.js';
import {
  type BenchContext,
  type Benchmark,
  collectGarbage,
  cpuMsSince,
  fmt,
  log,
  type SummaryRow,
  summarise,
  table,
  withTmpDir,
} from './lib/util.js';

const MONTH = '2026-10';

export const recapBenchmark: Benchmark = {
  id: 'recap',
  title: '4. Monthly recap (10,000 visits, 100,000 door events)',
  async run(ctx: BenchContext): Promise<SummaryRow[]> {
    const visits = Math.round(10_000 * ctx.scale);
    return withTmpDir(ctx.baseDir, 'recap', async (dir) => {
      const hosts = makeHosts(20);
      let t0 = performance.now();
      const traffic = monthTraffic({ month: MONTH, visits, doorEventsPerVisit: 10, hosts, seed: 42 });
      const writer = await Journal.open(path.join(dir, 'journal'), { monthOf: jakartaMonth });
      try {
        await appendAll(writer, traffic.events);
      } finally {
        await writer.close();
      }
      const file = path.join(dir, 'journal', `${MONTH}.jsonl`);
      log(
        `  setup: ${fmt.int(traffic.events.length)} entries (${fmt.int(traffic.visitEvents)} visit, ${fmt.int(traffic.doorEvents)} door) ` +
          `written in ${fmt.ms(performance.now() - t0, 0)}`,
      );
      traffic.events.length = 0;

      const { doors } = buildingConfig();
      const recapCtx: RecapContext = {
        month: MONTH,
        timezone: TZ,
        hosts: new Map(hosts.map((h) => [h.id, { name: h.name, unit: h.unit }])),
        doors: new Map(doors.map((d) => [d.id, { name: d.name }])),
      };
      const journal = await Journal.open(path.join(dir, 'journal'), { monthOf: jakartaMonth });
      try {
        let check = 0;
        const variants: Array<{
          label: string;
          runs: number;
          fn: () => Promise<void>;
          samples: number[];
          cpu: number[];
        }> = [
          {
            label: 'baseline: read lines (readLines)',
            runs: 3,
            samples: [],
            cpu: [],
            fn: async () => {
              for await (const line of readLines(file)) check += line.length & 1;
            },
          },
          {
            label: 'baseline: read lines + JSON.parse',
            runs: 3,
            samples: [],
            cpu: [],
            fn: async () => {
              for await (const line of readLines(file))
                check += (JSON.parse(line) as { seq: number }).seq & 1;
            },
          },
          {
            label: 'Journal.read({ month }) alone',
            runs: 3,
            samples: [],
            cpu: [],
            fn: async () => {
              for await (const e of journal.read({ month: MONTH })) check += e.seq & 1;
            },
          },
        ];
        // The builder alone, over the month's entries already in memory.
        const inMemory: JournalEntry[] = [];
        for await (const e of journal.read({ month: MONTH })) inMemory.push(e);
        variants.push({
          label: 'MonthlyRecapBuilder alone (entries in memory)',
          runs: 3,
          samples: [],
          cpu: [],
          fn: async () => {
            check += buildMonthlyRecap(recapCtx, inMemory).totals.visits & 1;
          },
        });
        let lastRecap: MonthlyRecap | undefined;
        const recap = {
          label: 'recapFromJournal(journal, { month })',
          runs: 5,
          samples: [] as number[],
          cpu: [] as number[],
          fn: async () => {
            const result = await recapFromJournal(journal, recapCtx);
            check += result.totals.visits & 1;
            lastRecap = result;
          },
        };

        // Warm up once each, then interleave the runs.
        for (const v of [...variants, recap]) await v.fn();
        const rounds = Math.max(...[...variants, recap].map((v) => v.runs));
        for (let r = 0; r < rounds; r++) {
          for (const v of [...variants, recap]) {
            if (r >= v.runs) continue;
            collectGarbage();
            const c = process.cpuUsage();
            t0 = performance.now();
            await v.fn();
            v.samples.push(performance.now() - t0);
            v.cpu.push(cpuMsSince(c));
          }
        }
        inMemory.length = 0;

        const parse = summarise(variants[1]!.samples).median;
        const all = [...variants, recap];
        log(
          table([
            [
              'pass over the month',
              'runs',
              'median',
              'max (p99)',
              'CPU median',
              'ratio vs lines+parse',
              'per entry',
            ],
            ...all.map((v) => {
              const s = summarise(v.samples);
              return [
                v.label,
                String(s.n),
                fmt.ms(s.median, 1),
                fmt.ms(s.max, 1),
                fmt.ms(summarise(v.cpu).median, 1),
                fmt.ratio(s.median / parse),
                fmt.us(s.median / Math.max(1, lastRecap?.entries.read ?? 1)),
              ];
            }),
          ]),
        );
        if (lastRecap) {
          const t = lastRecap.totals;
          log(
            `  recap: ${fmt.int(lastRecap.entries.read)} entries read, ${fmt.int(t.visits)} visits, ${fmt.int(t.checkedOut)} checked out, ` +
              `${lastRecap.doors.reduce((s, d) => s + d.entries + d.exits, 0).toLocaleString('en-US')} door passages, ` +
              `${lastRecap.denials.reduce((s, d) => s + d.count, 0).toLocaleString('en-US')} denials (check ${check % 10})`,
          );
        }
        const s = summarise(recap.samples);
        const cpu = summarise(recap.cpu).median;
        return [
          {
            benchmark: `Monthly recap: \`recapFromJournal\` (the API's and CLI's path), ${fmt.int(visits)} visits + ${fmt.int(traffic.doorEvents)} door events (${fmt.int(lastRecap?.entries.read ?? 0)} lines)`,
            figure: `${fmt.ms(s.median, 0)} median of ${s.n} (max ${fmt.ms(s.max, 0)}; CPU ${fmt.ms(cpu, 0)}; ${fmt.ratio(s.median / parse)} reading + JSON.parse alone)`,
            goal: '< 1 s',
            met: s.median < 1_000,
          },
        ];
      } finally {
        await journal.close();
      }
    });
  },
};
