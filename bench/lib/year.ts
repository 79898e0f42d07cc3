// A year of the Bureau's data, as the issue sizes it: 250 working days, 40 visits a day, each
// visit through every SOP step with 6 door events. Written as the gateway writes it (the
// journal by Journal.append, closed visits by Archive.append, state.json and guests.json as
// the durable files) into a data folder that `pintu start` opens as it is.
//
// The year is the calendar year 2025 (261 weekdays less 11 holidays), so its yearly recap is
// a whole year and a gateway started on it today has nothing open from it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Guest, Visit } from '../../src/domain/types.js';
import { emptyState, type PersistedState } from '../../src/service/live-state.js';
import { Archive } from '../../src/store/archive.js';
import { Journal } from '../../src/store/journal.js';
import {
  appendAll,
  between,
  buildingConfig,
  doorTraffic,
  foldVisit,
  jakartaMonth,
  makeHosts,
  makeTokens,
  makeUsers,
  planVisit,
  rng,
  type TimedEvent,
  TZ,
  uidOf,
  workdays,
} from './fixtures.js';

export const YEAR = '2025';
const YEAR_MONTHS = Array.from({ length: 12 }, (_, i) => `${YEAR}-${String(i + 1).padStart(2, '0')}`);
const MIN = 60_000;

export interface YearOfData {
  dir: string;
  /** The configuration file the gateway is started with. */
  configFile: string;
  days: number;
  visits: number;
  journalEntries: number;
  doorEvents: number;
  guests: number;
}

/** The year's working days: every weekday of 2025 but one in 24 (public holidays). */
export function workingDays(count = 250): number[] {
  const all = YEAR_MONTHS.flatMap((m) => workdays(m));
  const holidays = all.length - count;
  const step = all.length / Math.max(1, holidays);
  const dropped = new Set(
    Array.from({ length: Math.max(0, holidays) }, (_, k) => Math.floor(k * step + step / 2)),
  );
  return all.filter((_, i) => !dropped.has(i));
}

/**
 * Writes the year into `dir` (which must be empty or absent). `scale` shrinks the visits a day
 * for a smoke run. The live state holds the building's hosts, 50 badges, users and tokens.
 */
export async function writeYearOfData(
  dir: string,
  opts: { scale?: number; visitsPerDay?: number; doorEventsPerVisit?: number } = {},
): Promise<YearOfData> {
  const perDay = Math.max(1, Math.round((opts.visitsPerDay ?? 40) * (opts.scale ?? 1)));
  const doorPerVisit = opts.doorEventsPerVisit ?? 6;
  const r = rng(2025);
  const hosts = makeHosts(20);
  const days = workingDays();
  const journal = await Journal.open(path.join(dir, 'journal'), { monthOf: jakartaMonth });
  const archive = new Archive<Visit>(path.join(dir, 'archive'));
  const guests = new Map<string, Guest>();
  let visits = 0;
  let doorEvents = 0;
  try {
    // Day by day, so that memory holds one day's events; the archive gets each month's visits
    // in batches as Core.persist would.
    let month = '';
    let closed: Visit[] = [];
    const flush = async () => {
      if (closed.length) await archive.append(month, closed);
      closed = [];
    };
    for (const day of days) {
      const events: TimedEvent[] = [];
      for (let k = 0; k < perDay; k++) {
        const i = visits++;
        const arrivedAt = Math.round(day + between(r, 7.5, 14.5) * 60 * MIN);
        const plan = planVisit(r, i, arrivedAt, hosts, 'closed');
        // Returning guests: about two visits in five are by someone seen before.
        const guestId = `guest-${r() < 0.4 && i > 0 ? Math.floor(r() * i) : i}`;
        (plan.sop[0]!.event.payload as { guestId: string }).guestId = guestId;
        events.push(...plan.sop);
        const traffic = doorTraffic(r, plan, doorPerVisit);
        events.push(...traffic);
        doorEvents += traffic.length;
        const visit = foldVisit(plan, `Tamu ${guestId}`);
        const g = guests.get(guestId);
        if (g) g.lastSeenAt = arrivedAt;
        else
          guests.set(guestId, {
            id: guestId,
            name: `Tamu Nomor ${i}`,
            institution: (plan.sop[0]!.event.payload as { institution: string }).institution,
            phone: `+62 812 ${String(1000_0000 + i).slice(0, 4)} ${String(i).padStart(4, '0')}`,
            documentMasked: `35**********${String(i % 10_000).padStart(4, '0')}`,
            firstSeenAt: arrivedAt,
            lastSeenAt: arrivedAt,
          });
        const m = jakartaMonth(visit.createdAt);
        if (m !== month) {
          await flush();
          month = m;
        }
        closed.push(visit);
      }
      events.sort((a, b) => a.at - b.at);
      await appendAll(journal, events);
      if (closed.length >= 200) await flush();
    }
    await flush();
  } finally {
    await journal.close();
  }

  const badges = Array.from({ length: 50 }, (_, i) => ({
    id: `badge-${i}`,
    label: `TAMU-${String(i + 1).padStart(2, '0')}`,
    uid: uidOf(i),
    status: 'available' as const,
  }));
  const state: PersistedState = {
    ...emptyState(),
    journalSeq: journal.lastSeq,
    users: makeUsers(),
    tokens: makeTokens(),
    hosts,
    badges,
  };
  await writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
  await writeFile(
    path.join(dir, 'guests.json'),
    JSON.stringify({ version: 1, guests: [...guests.values()] }),
  );
  const { doors, readers } = buildingConfig();
  const configFile = path.join(dir, 'pintu.json');
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir: dir,
      timezone: TZ,
      doors,
      readers,
      badges: [],
      hosts: [],
      // Guests are kept for the year (the default retention would erase most of 2025 at start).
      retention: { guestDays: 0 },
    }),
  );
  return {
    dir,
    configFile,
    days: days.length,
    visits,
    journalEntries: journal.lastSeq,
    doorEvents,
    guests: guests.size,
  };
}
