// The yearly recap: the twelve monthly recaps of a year (SOP step 8) added up, for the
// Bureau's annual report. Pure: YearlyRecapBuilder.addMonth takes each month's finished
// MonthlyRecapBuilder in turn and keeps only counters and the SOP step samples, so a year is
// read one month at a time and no month's recap outlives its turn.
//
// Rules (what the Kasubbag would get by adding the twelve monthly sheets, made exact where the
// sheets lose information):
// - Every count is the sum of the monthly counts: a visit counts in the month it arrived.
// - Breakdowns (host, unit, institution, purpose, hour, door, denial reason) are summed by key;
//   a label is the first one seen.
// - The mean visit length is over every visit measured in the year (weighted by the months'
//   counts); SOP step figures (mean, median, p90, over standard) are computed over the year's
//   samples, not averaged from the months'.
// - Badges and documents not returned are the monthly recaps' lists counted: a badge still out at
//   the end of January and returned in February counts once, as January's recap reported it.

import { DomainError } from './errors.js';
import {
  bump,
  type Counter,
  items,
  type MonthlyRecap,
  type MonthlyRecapBuilder,
  type RecapDoorItem,
  type RecapItem,
  type RecapStepStats,
  type RecapSynced,
  round2,
  SOP_STANDARD_MINUTES,
  SOP_STEPS,
  type SopStep,
  stepStats,
} from './recap.js';
import { monthRange } from './time.js';
import { SCREENING_REASONS } from './types.js';

export interface YearlyRecapMonth {
  /** 'YYYY-MM' */
  month: string;
  totals: MonthlyRecap['totals'];
  averageVisitMinutes: number | null;
  /** Granted taps at in-readers and out-readers, every door. */
  entries: number;
  exits: number;
  /** access.denied, every reason. */
  denied: number;
  badgesNotReturned: number;
  documentsNotReturned: number;
  /** Visits with steps done in the desk application (left out of the step times). */
  synced: number;
}

export interface YearlyRecap {
  /** 'YYYY' */
  year: string;
  timezone: string;
  /** The year in epoch ms, start inclusive, end exclusive. */
  period: { start: number; end: number };
  /** Journal entries read, and of those the ones inside the year. */
  entries: { read: number; inYear: number };
  totals: MonthlyRecap['totals'];
  /** January to December, every month present (zeros where nothing happened). */
  byMonth: YearlyRecapMonth[];
  screeningReasons: RecapItem[];
  byHost: RecapItem[];
  byUnit: RecapItem[];
  byInstitution: RecapItem[];
  byPurpose: RecapItem[];
  /** Hours 00..23 in order. */
  byHour: RecapItem[];
  averageVisitMinutes: number | null;
  visitDurationCount: number;
  doors: RecapDoorItem[];
  denials: RecapItem[];
  badgesNotReturned: number;
  documentsNotReturned: number;
  /** SOP order, over the year's measurements. */
  steps: RecapStepStats[];
  /** The months' `synced` added up. */
  synced: RecapSynced;
}

export function isValidYear(year: unknown): year is string {
  return typeof year === 'string' && /^\d{4}$/.test(year) && year >= '1970';
}

/** The twelve months of a year, 'YYYY-01' .. 'YYYY-12'. */
export function monthsOf(year: string): string[] {
  return Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
}

const ZERO_TOTALS = (): MonthlyRecap['totals'] => ({
  visits: 0,
  screeningRefused: 0,
  hostRefused: 0,
  rescheduled: 0,
  cancelled: 0,
  accepted: 0,
  badgesIssued: 0,
  checkedOut: 0,
  expected: 0,
  walkIn: 0,
  noShows: 0,
  groups: 0,
  groupPersons: 0,
});

function addInto(map: Map<string, Counter>, list: readonly RecapItem[]): void {
  for (const it of list) if (it.count > 0) bump(map, it.key, it.label, it.count, it.labelEn);
}

export class YearlyRecapBuilder {
  private readonly months: string[];
  private readonly done = new Map<string, YearlyRecapMonth>();
  private read = 0;
  private inYear = 0;
  private readonly totals = ZERO_TOTALS();
  private readonly screening = new Map<string, Counter>();
  private readonly hosts = new Map<string, Counter>();
  private readonly units = new Map<string, Counter>();
  private readonly institutions = new Map<string, Counter>();
  private readonly purposes = new Map<string, Counter>();
  private readonly hours = new Array<number>(24).fill(0);
  private readonly doors = new Map<string, RecapDoorItem>();
  private readonly denials = new Map<string, Counter>();
  private durationMs = 0;
  private durationCount = 0;
  private badgesOut = 0;
  private documentsHeld = 0;
  private readonly samples: Record<SopStep, number[]> = {
    screening: [],
    guestbook: [],
    confirmation: [],
    badge: [],
    escort: [],
  };
  private readonly standards = new Map<SopStep, number>();
  private readonly synced: RecapSynced = {
    visits: 0,
    excludedSteps: { screening: 0, guestbook: 0, confirmation: 0, badge: 0, escort: 0 },
  };

  constructor(
    readonly year: string,
    readonly timezone: string,
  ) {
    if (!isValidYear(year)) throw new DomainError('invalid', 'year must be YYYY', 'year');
    this.months = monthsOf(year);
  }

  /** Adds one month, given the builder that read its journal (finished: nothing more is added). */
  addMonth(builder: MonthlyRecapBuilder): void {
    const m = builder.result();
    if (!this.months.includes(m.month)) {
      throw new DomainError('invalid', `${m.month} is not a month of ${this.year}`, 'month');
    }
    if (this.done.has(m.month)) throw new DomainError('conflict', `${m.month} was added already`, 'month');
    this.read += m.entries.read;
    this.inYear += m.entries.inMonth;
    for (const k of Object.keys(this.totals) as Array<keyof MonthlyRecap['totals']>)
      this.totals[k] += m.totals[k];
    addInto(this.screening, m.screeningReasons);
    addInto(this.hosts, m.byHost);
    addInto(this.units, m.byUnit);
    addInto(this.institutions, m.byInstitution);
    addInto(this.purposes, m.byPurpose);
    m.byHour.forEach((h, i) => {
      this.hours[i] = (this.hours[i] ?? 0) + h.count;
    });
    let entries = 0;
    let exits = 0;
    for (const d of m.doors) {
      entries += d.entries;
      exits += d.exits;
      const door = this.doors.get(d.key);
      if (door) {
        door.entries += d.entries;
        door.exits += d.exits;
      } else this.doors.set(d.key, { ...d });
    }
    addInto(this.denials, m.denials);
    const durations = builder.visitDurations();
    this.durationMs += durations.sumMs;
    this.durationCount += durations.count;
    this.badgesOut += m.badgesNotReturned.length;
    this.documentsHeld += m.documentsNotReturned.length;
    this.synced.visits += m.synced.visits;
    for (const s of m.steps) {
      this.synced.excludedSteps[s.step] += m.synced.excludedSteps[s.step];
      this.standards.set(s.step, s.standardMinutes);
      for (const d of builder.stepSamples(s.step)) this.samples[s.step].push(d);
    }
    this.done.set(m.month, {
      month: m.month,
      totals: { ...m.totals },
      averageVisitMinutes: m.averageVisitMinutes,
      entries,
      exits,
      denied: m.denials.reduce((n, d) => n + d.count, 0),
      badgesNotReturned: m.badgesNotReturned.length,
      documentsNotReturned: m.documentsNotReturned.length,
      synced: m.synced.visits,
    });
  }

  result(): YearlyRecap {
    const first = monthRange(this.months[0]!, this.timezone);
    const last = monthRange(this.months[11]!, this.timezone);
    return {
      year: this.year,
      timezone: this.timezone,
      period: { start: first.start, end: last.end },
      entries: { read: this.read, inYear: this.inYear },
      totals: { ...this.totals },
      byMonth: this.months.map(
        (month) =>
          this.done.get(month) ?? {
            month,
            totals: ZERO_TOTALS(),
            averageVisitMinutes: null,
            entries: 0,
            exits: 0,
            denied: 0,
            badgesNotReturned: 0,
            documentsNotReturned: 0,
            synced: 0,
          },
      ),
      // In SOP order, every reason, as the monthly recap lists them.
      screeningReasons: SCREENING_REASONS.map((r) => ({
        key: r,
        label: r,
        count: this.screening.get(r)?.count ?? 0,
      })),
      byHost: items(this.hosts),
      byUnit: items(this.units),
      byInstitution: items(this.institutions),
      byPurpose: items(this.purposes),
      byHour: this.hours.map((count, h) => {
        const hh = String(h).padStart(2, '0');
        return { key: hh, label: `${hh}:00`, count };
      }),
      averageVisitMinutes:
        this.durationCount === 0 ? null : round2(this.durationMs / this.durationCount / 60_000),
      visitDurationCount: this.durationCount,
      doors: [...this.doors.values()].sort(
        (a, b) => b.entries + b.exits - (a.entries + a.exits) || a.label.localeCompare(b.label, 'id'),
      ),
      denials: items(this.denials),
      badgesNotReturned: this.badgesOut,
      documentsNotReturned: this.documentsHeld,
      steps: SOP_STEPS.map((step) =>
        stepStats(step, this.standards.get(step) ?? SOP_STANDARD_MINUTES[step], this.samples[step]),
      ),
      synced: { visits: this.synced.visits, excludedSteps: { ...this.synced.excludedSteps } },
    };
  }
}
