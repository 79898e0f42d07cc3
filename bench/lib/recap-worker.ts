// One recap in a process of its own, for its peak memory: the process's high-water resident
// set (getrusage maxRSS) after the recap, against the same process that only opened the data
// (mode `none`). Prints one JSON line. Run by bench/year.ts:
//
//   node --import tsx bench/lib/recap-worker.ts <dataDir> none|month|year <YYYY-MM|YYYY>
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { monthOf } from '../../src/domain/time.js';
import type { Host } from '../../src/domain/types.js';
import { recapFromJournal, yearlyRecapFromJournal } from '../../src/service/reports.js';
import { Journal } from '../../src/store/journal.js';
import { buildingConfig, TZ } from './fixtures.js';

const [dir, mode, period] = process.argv.slice(2);
if (!dir || !mode || !['none', 'month', 'year'].includes(mode) || !period) {
  process.stderr.write('usage: recap-worker <dataDir> none|month|year <YYYY-MM|YYYY>\n');
  process.exit(2);
}
const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as { hosts: Host[] };
const hosts = new Map(state.hosts.map((h) => [h.id, h]));
const doors = new Map(buildingConfig().doors.map((d) => [d.id, { name: d.name }]));
const journal = await Journal.open(path.join(dir, 'journal'), {
  monthOf: (at) => monthOf(at, TZ),
  readOnly: true,
});
const t0 = performance.now();
let visits = 0;
if (mode === 'month') {
  visits = (await recapFromJournal(journal, { month: period, timezone: TZ, hosts, doors })).totals.visits;
} else if (mode === 'year') {
  visits = (await yearlyRecapFromJournal(journal, { year: period, timezone: TZ, hosts, doors })).totals
    .visits;
}
const ms = performance.now() - t0;
await journal.close();
process.stdout.write(
  `${JSON.stringify({ mode, ms, visits, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
