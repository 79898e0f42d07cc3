// The monthly recap (SOP step 8): what the Kasubbag receives. Pure: the journal of a month streams
// through MonthlyRecapBuilder.add one entry at a time and result() summarises it. Nothing but
// counters, per-step duration samples and the still-open visits is kept, so a month of 100,000
// journal lines never sits in memory.
//
// Rules:
// - Only entries whose time falls inside the month (local time in the configured zone) count;
//   everything else is skipped, including door traffic.
// - Appointments count by their date, whatever the entry's time (registered weeks ahead): an
//   arrival naming one is "expected", another a walk-in; one dated in the month, not cancelled,
//   whose window ended by the month's end (or by `now`) without an arrival is a no-show.
// - A visit counts when its visit.arrived falls inside the month. Visit events of visits not seen
//   arriving in the stream are ignored; door entries/exits and denials count whatever the visit.
// - "By the end of the month's events": a badge still out when the stream ends is not returned.
// - SOP step times come from event times per visit (first occurrence of each event):
//   screening = arrived -> screened, guestbook = screened -> guestbook, confirmation = guestbook ->
//   decided, badge = decided (accepted) -> badge_issued, escort = badge_issued -> the visit's first
//   entry completed with an escort's card at an escort door (access.granted 'in' with escortId);
//   a visit that passed no escort door: -> its first granted access with direction 'in' (taken
//   at its checkout, or as the recap is read while it is open). A step whose earlier event is
//   missing is not measured.
// - Escort waits (awaiting_escort, awaiting_guest) are half of a pair, no refusal: not in denials.
// - A step that starts or ends with an event marked doneElsewhere (screening, guest book or
//   decision done in the desk application and pushed through the sync API, all at the push's
//   time) is not measured either: it is counted in `synced` instead of as 0 minutes.
// - A fleet (README "Fleet"): the desk counts the door gateways' taps it recorded
//   (fleet.access, in the month the desk recorded them) as its own, their doors keyed
//   `<gateway>/<door>`; a door gateway does not count the desk's visits it holds (external id
//   `fleet:`) as arrivals of its own: their visits are the desk's, their taps are its doors'.

import { DomainError } from './errors.js';
import type { EventType, JournalEntry } from './events.js';
import { FLEET_EXTERNAL_PREFIX } from './fleet.js';
import {
  daysInMonth,
  isValidMonth,
  isValidTimeZone,
  localParts,
  monthRange,
  zonedTimeToEpoch,
} from './time.js';
import type { DocumentType, PurposeCategory, ScreeningReason, SopStep } from './types.js';
import {
  DEFAULT_PURPOSE_CATEGORIES,
  ESCORT_WAITS,
  SCREENING_REASONS,
  SOP_STANDARD_MINUTES,
  SOP_STEPS,
} from './types.js';

export { SOP_STANDARD_MINUTES, SOP_STEPS, type SopStep };

/** The journal entry types the recap reads; a reader may skip the others before parsing. */
export const RECAP_EVENT_TYPES: readonly EventType[] = [
  'visit.arrived',
  'visit.screened',
  'visit.guestbook',
  'visit.decided',
  'visit.badge_issued',
  'visit.checked_out',
  'visit.document_returned',
  'visit.cancelled',
  'access.granted',
  'access.denied',
  'fleet.access',
  'appointment.registered',
  'appointment.cancelled',
];

/**
 * Appointment entries count by the appointment's date, not the entry's time: one for a day of
 * this month may have been registered (or cancelled) in an earlier month, so a reader feeds
 * these types from the months before too (as far back as an appointment can be made ahead).
 */
export const RECAP_APPOINTMENT_TYPES: readonly EventType[] = [
  'appointment.registered',
  'appointment.cancelled',
];

// ---------------------------------------------------------------- the recap (JSON-friendly)

/** One row of a breakdown. label: display name (host's or door's name; the key where none). */
export interface RecapItem {
  key: string;
  label: string;
  /** The English name, where the label is a configured Indonesian one (purpose categories). */
  labelEn?: string;
  count: number;
}

export interface RecapDoorItem {
  /** Door id. */
  key: string;
  /** Door name. */
  label: string;
  /** Granted taps at in-readers. */
  entries: number;
  /** Granted taps at out-readers. */
  exits: number;
}

export interface RecapStepStats {
  step: SopStep;
  standardMinutes: number;
  /** Visits for which the step was measured. */
  count: number;
  /** Minutes, 2 decimals; null when count is 0. */
  meanMinutes: number | null;
  medianMinutes: number | null;
  /** Nearest-rank 90th percentile. */
  p90Minutes: number | null;
  /** Measurements strictly longer than the standard. */
  overStandard: number;
}

export interface RecapBadgeNotReturned {
  visitId: string;
  badgeId: string;
  /** The printed label ("TAMU-02"): what the desk looks for; the id when the badge is gone. */
  badgeLabel: string;
  hostId: string;
  hostName: string;
  /** Epoch ms the badge was handed over. */
  issuedAt: number;
  /** checkout: checked out without the badge; open: badged and not checked out by month end. */
  reason: 'checkout' | 'open';
}

export interface RecapDocumentNotReturned {
  visitId: string;
  documentType: DocumentType | null;
  hostId: string;
  hostName: string;
  /** Epoch ms of the checkout that left the document at the desk. */
  checkedOutAt: number;
}

export interface MonthlyRecap {
  /** 'YYYY-MM' */
  month: string;
  timezone: string;
  /** The month in epoch ms, start inclusive, end exclusive. */
  period: { start: number; end: number };
  /** Journal entries read, and of those the ones inside the month. */
  entries: { read: number; inMonth: number };
  totals: {
    /** Arrivals in the month (SOP step 1). */
    visits: number;
    screeningRefused: number;
    hostRefused: number;
    /** Host absent: advised to come back (step 5b). */
    rescheduled: number;
    cancelled: number;
    accepted: number;
    /** visit.badge_issued events (a re-issued badge counts again). */
    badgesIssued: number;
    checkedOut: number;
    /** Arrivals that fulfilled an appointment (tamu terjadwal). */
    expected: number;
    /** Arrivals without an appointment. */
    walkIn: number;
    /**
     * Appointments dated in the month, not cancelled, whose window ended (by the end of the
     * month, or by now for the current month) without an arrival.
     */
    noShows: number;
    /** Group visits (rombongan) that arrived in the month: one per leader's arrival. */
    groups: number;
    /** Persons who arrived in a group (leaders and members; each also counts in `visits`). */
    groupPersons: number;
  };
  /** Refused-at-screening visits per reason, in SOP order (shoes, attire, belongings, other); a
   * visit refused for several reasons counts under each. */
  screeningReasons: RecapItem[];
  byHost: RecapItem[];
  byUnit: RecapItem[];
  byInstitution: RecapItem[];
  /** Per purpose category (key: its id; label: its name, labelEn: its English name); visits
   * without a category, or with one no longer configured, count under the last category. */
  byPurpose: RecapItem[];
  /** Every day of the month in order: key 'YYYY-MM-DD', label day of month. Local arrival date. */
  byDay: RecapItem[];
  /** Hours 00..23 in order: key 'HH', label 'HH:00'. Local arrival hour. */
  byHour: RecapItem[];
  /** Mean badge issued -> checked out, minutes (2 decimals); null when no visit completed both. */
  averageVisitMinutes: number | null;
  /** Visits the average is over. */
  visitDurationCount: number;
  /** Configured doors and any other door seen; by entries + exits desc, then name. */
  doors: RecapDoorItem[];
  /** access.denied per reason (label = reason code). */
  denials: RecapItem[];
  badgesNotReturned: RecapBadgeNotReturned[];
  documentsNotReturned: RecapDocumentNotReturned[];
  /** SOP order. */
  steps: RecapStepStats[];
  /** Visits whose steps were done in the desk application (sync API): left out of `steps`. */
  synced: RecapSynced;
}

export interface RecapSynced {
  /** Visits of the month with a step done elsewhere. */
  visits: number;
  /** Per SOP step, the measurements left out because the step was done elsewhere. */
  excludedSteps: Record<SopStep, number>;
}

export interface RecapContext {
  /** 'YYYY-MM' */
  month: string;
  /** IANA zone, e.g. 'Asia/Jakarta'. */
  timezone: string;
  hosts: ReadonlyMap<string, { name: string; unit: string }>;
  doors: ReadonlyMap<string, { name: string }>;
  /** The badge pool by id, for the labels of badges not returned (absent: ids only). */
  badges?: ReadonlyMap<string, { label: string }>;
  /** Defaults to SOP_STANDARD_MINUTES, per step. */
  standardsMinutes?: Partial<Record<SopStep, number>>;
  /** config visits.purposes (defaults to DEFAULT_PURPOSE_CATEGORIES); never empty. */
  purposes?: readonly PurposeCategory[];
  /** The clock: an appointment whose window ends after it is no no-show yet (default: month end). */
  now?: number;
}

// ---------------------------------------------------------------- the builder

/** What is kept of a visit while it may still change a figure. */
interface OpenVisit {
  hostId: string;
  arrivedAt: number;
  screenedAt: number;
  guestbookAt: number;
  decidedAt: number;
  accepted: boolean;
  badgeAt: number;
  badgeId: string;
  documentType: DocumentType | null;
  /** The escort step is measured (an escort's entry, or the fallback at checkout). */
  escorted: boolean;
  /** The first granted entry after the badge: the escort step's end where no escort door was passed. */
  firstEntryAt: number;
  /** The events recorded for steps done in the desk application. */
  elsewhere: { screened: boolean; guestbook: boolean; decided: boolean };
}

export interface Counter {
  label: string;
  labelEn?: string;
  count: number;
}

// Made at the first recap, not when the module loads: the CLI's bundle (the door path) loads
// this module, and an ICU collator costs a start about 6 ms of CPU before "doors ready".
let collator: Intl.Collator | undefined;

function compareText(a: string, b: string): number {
  collator ??= new Intl.Collator('id', { sensitivity: 'base', numeric: true });
  const c = collator.compare(a, b);
  if (c !== 0) return c;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Count desc, then label, then key: deterministic whatever the arrival order. */
function byCountThenName(a: RecapItem, b: RecapItem): number {
  return b.count - a.count || compareText(a.label, b.label) || compareText(a.key, b.key);
}

/** Free text grouped case- and space-insensitively; the first spelling seen is the label. */
function normaliseText(s: unknown): { key: string; label: string } {
  const label = typeof s === 'string' ? s.trim().replace(/\s+/g, ' ') : '';
  return { key: label.toLowerCase(), label };
}

export function bump(map: Map<string, Counter>, key: string, label: string, by = 1, labelEn?: string): void {
  const c = map.get(key);
  if (c) c.count += by;
  else map.set(key, { label, count: by, ...(labelEn !== undefined ? { labelEn } : {}) });
}

export function items(map: ReadonlyMap<string, Counter>): RecapItem[] {
  return [...map]
    .map(([key, c]) => ({
      key,
      label: c.label,
      ...(c.labelEn !== undefined ? { labelEn: c.labelEn } : {}),
      count: c.count,
    }))
    .sort(byCountThenName);
}

/** A breakdown in the language asked for: the English name where an item has one. */
export function inLanguage(list: readonly RecapItem[], lang: 'id' | 'en'): RecapItem[] {
  return list.map((it) => (lang === 'en' && it.labelEn !== undefined ? { ...it, label: it.labelEn } : it));
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export class MonthlyRecapBuilder {
  private readonly month: string;
  private readonly timezone: string;
  private readonly start: number;
  private readonly end: number;
  private readonly hosts: RecapContext['hosts'];
  private readonly doorNames: RecapContext['doors'];
  private readonly badges: NonNullable<RecapContext['badges']>;
  private readonly standards: Record<SopStep, number>;
  private readonly purposes: ReadonlyMap<string, PurposeCategory>;
  /** Where visits without a (still configured) category count: the list's last category. */
  private readonly otherPurpose: PurposeCategory;

  private read = 0;
  private inMonth = 0;
  private readonly totals: MonthlyRecap['totals'] = {
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
    groups: 0,
    groupPersons: 0,
    noShows: 0,
  };
  /** Appointments dated in the month: the instant their window ends. */
  private readonly appointmentEnds = new Map<string, number>();
  /** Appointments cancelled, or fulfilled by an arrival (ids). */
  private readonly appointmentsDone = new Set<string>();
  private readonly cutoff: number;
  private readonly reasons = new Map<ScreeningReason, number>();
  private readonly hostCounts = new Map<string, Counter>();
  private readonly unitCounts = new Map<string, Counter>();
  private readonly institutionCounts = new Map<string, Counter>();
  private readonly purposeCounts = new Map<string, Counter>();
  private readonly dayCounts: number[];
  private readonly hourCounts: number[] = new Array<number>(24).fill(0);
  private durationSum = 0;
  private durationCount = 0;
  private readonly doorCounts = new Map<string, { entries: number; exits: number }>();
  /** A fleet's desk: `<gateway>/<door>` -> "door name (gateway)", as the gateway named it. */
  private readonly remoteDoorNames = new Map<string, string>();
  private readonly denialCounts = new Map<string, Counter>();
  private readonly badgesOut: RecapBadgeNotReturned[] = [];
  /** Checked out with the document still at the desk, until a visit.document_returned. */
  private readonly documentsHeld = new Map<string, RecapDocumentNotReturned>();
  private readonly samples: Record<SopStep, number[]> = {
    screening: [],
    guestbook: [],
    confirmation: [],
    badge: [],
    escort: [],
  };
  private syncedVisits = 0;
  private readonly excluded: Record<SopStep, number> = {
    screening: 0,
    guestbook: 0,
    confirmation: 0,
    badge: 0,
    escort: 0,
  };
  /** Every visit seen arriving in the month (ids only), so repeats are not counted twice. */
  private readonly seen = new Set<string>();
  /** Visits that can still change a figure; dropped when they reach a terminal state. */
  private readonly open = new Map<string, OpenVisit>();

  constructor(ctx: RecapContext) {
    if (!isValidMonth(ctx.month)) throw new DomainError('invalid', `invalid month: ${ctx.month}`, 'month');
    if (!isValidTimeZone(ctx.timezone)) {
      throw new DomainError('invalid', `invalid time zone: ${ctx.timezone}`, 'timezone');
    }
    this.month = ctx.month;
    this.timezone = ctx.timezone;
    const range = monthRange(ctx.month, ctx.timezone);
    this.start = range.start;
    this.end = range.end;
    this.hosts = ctx.hosts;
    this.doorNames = ctx.doors;
    this.badges = ctx.badges ?? new Map();
    const purposes = ctx.purposes ?? DEFAULT_PURPOSE_CATEGORIES;
    const last = purposes.at(-1);
    if (!last) throw new DomainError('invalid', 'no purpose categories', 'purposes');
    this.purposes = new Map(purposes.map((p) => [p.id, p]));
    this.otherPurpose = last;
    this.standards = { ...SOP_STANDARD_MINUTES };
    for (const step of SOP_STEPS) {
      const v = ctx.standardsMinutes?.[step];
      if (v !== undefined) {
        if (!(Number.isFinite(v) && v >= 0)) {
          throw new DomainError('invalid', `invalid standard for ${step}: ${v}`, 'standardsMinutes');
        }
        this.standards[step] = v;
      }
    }
    this.cutoff = Math.min(this.end, ctx.now ?? this.end);
    this.dayCounts = new Array<number>(daysInMonth(ctx.month)).fill(0);
    for (const id of ctx.doors.keys()) this.doorCounts.set(id, { entries: 0, exits: 0 });
  }

  /** Appointments of the month whose window ended by the cutoff without an arrival or a cancel. */
  private noShows(): number {
    let n = 0;
    for (const [id, end] of this.appointmentEnds)
      if (end <= this.cutoff && !this.appointmentsDone.has(id)) n++;
    return n;
  }

  /** Sum (ms) and count of the visit lengths measured, for a yearly recap's exact mean. */
  visitDurations(): { sumMs: number; count: number } {
    return { sumMs: this.durationSum, count: this.durationCount };
  }

  /**
   * The durations (ms) measured for one SOP step so far: for a yearly recap's exact median. The
   * escort step also counts the open visits that entered without an escort's entry so far (their
   * checkout would count them), without keeping them.
   */
  stepSamples(step: SopStep): readonly number[] {
    if (step !== 'escort') return this.samples[step];
    const open = [...this.open.values()]
      .filter((v) => !v.escorted && !Number.isNaN(v.firstEntryAt))
      .map((v) => v.firstEntryAt - v.badgeAt);
    return open.length === 0 ? this.samples.escort : [...this.samples.escort, ...open];
  }

  add(entry: JournalEntry): void {
    this.read++;
    const at = entry.at;
    const inMonth = at >= this.start && at < this.end;
    if (inMonth) this.inMonth++;
    if (entry.type === 'appointment.registered') {
      const p = entry.payload;
      if (p.date.startsWith(`${this.month}-`) && !this.appointmentEnds.has(p.appointmentId)) {
        this.appointmentEnds.set(p.appointmentId, zonedTimeToEpoch(p.date, p.until, this.timezone));
      }
      return;
    }
    if (entry.type === 'appointment.cancelled') {
      this.appointmentsDone.add(entry.payload.appointmentId);
      return;
    }
    if (!inMonth) return;

    switch (entry.type) {
      case 'visit.arrived': {
        const p = entry.payload;
        if (this.seen.has(p.visitId) || p.externalId?.startsWith(FLEET_EXTERNAL_PREFIX)) return;
        this.seen.add(p.visitId);
        this.open.set(p.visitId, {
          hostId: p.hostId,
          arrivedAt: at,
          screenedAt: Number.NaN,
          guestbookAt: Number.NaN,
          decidedAt: Number.NaN,
          accepted: false,
          badgeAt: Number.NaN,
          badgeId: '',
          documentType: null,
          escorted: false,
          firstEntryAt: Number.NaN,
          elsewhere: { screened: false, guestbook: false, decided: false },
        });
        this.totals.visits++;
        if (p.appointmentId) {
          this.totals.expected++;
          this.appointmentsDone.add(p.appointmentId);
        } else this.totals.walkIn++;
        if (p.group) {
          this.totals.groupPersons++;
          if (p.group.leader) this.totals.groups++;
        }
        bump(this.hostCounts, p.hostId, this.hosts.get(p.hostId)?.name ?? p.hostId);
        const unit = normaliseText(p.unit || this.hosts.get(p.hostId)?.unit);
        bump(this.unitCounts, unit.key, unit.label);
        const inst = normaliseText(p.institution);
        bump(this.institutionCounts, inst.key, inst.label);
        const purpose = (p.purposeCategory && this.purposes.get(p.purposeCategory)) || this.otherPurpose;
        bump(this.purposeCounts, purpose.id, purpose.name, 1, purpose.nameEn);
        const local = localParts(at, this.timezone);
        this.dayCounts[local.day - 1] = (this.dayCounts[local.day - 1] ?? 0) + 1;
        this.hourCounts[local.hour] = (this.hourCounts[local.hour] ?? 0) + 1;
        return;
      }
      case 'visit.screened': {
        const v = this.open.get(entry.payload.visitId);
        if (!v || !Number.isNaN(v.screenedAt)) return;
        v.screenedAt = at;
        this.markElsewhere(v, 'screened', entry.payload.doneElsewhere);
        this.sample('screening', v.arrivedAt, at, v.elsewhere.screened);
        if (!entry.payload.passed) {
          this.totals.screeningRefused++;
          const reasons = new Set<ScreeningReason>();
          for (const r of entry.payload.reasons ?? [])
            reasons.add(SCREENING_REASONS.includes(r) ? r : 'other');
          if (reasons.size === 0) reasons.add('other');
          for (const r of reasons) this.reasons.set(r, (this.reasons.get(r) ?? 0) + 1);
          this.open.delete(entry.payload.visitId);
        }
        return;
      }
      case 'visit.guestbook': {
        const v = this.open.get(entry.payload.visitId);
        if (!v || !Number.isNaN(v.guestbookAt)) return;
        v.guestbookAt = at;
        this.markElsewhere(v, 'guestbook', entry.payload.doneElsewhere);
        this.sample('guestbook', v.screenedAt, at, v.elsewhere.screened || v.elsewhere.guestbook);
        return;
      }
      case 'visit.decided': {
        const v = this.open.get(entry.payload.visitId);
        if (!v || !Number.isNaN(v.decidedAt)) return;
        v.decidedAt = at;
        this.markElsewhere(v, 'decided', entry.payload.doneElsewhere);
        this.sample('confirmation', v.guestbookAt, at, v.elsewhere.guestbook || v.elsewhere.decided);
        switch (entry.payload.outcome) {
          case 'accepted':
            v.accepted = true;
            this.totals.accepted++;
            break;
          case 'refused':
            this.totals.hostRefused++;
            this.open.delete(entry.payload.visitId);
            break;
          case 'host_absent':
            this.totals.rescheduled++;
            this.open.delete(entry.payload.visitId);
            break;
        }
        return;
      }
      case 'visit.badge_issued': {
        const v = this.open.get(entry.payload.visitId);
        if (!v) return;
        this.totals.badgesIssued++;
        v.badgeId = entry.payload.badgeId;
        v.documentType = entry.payload.collateral?.type ?? v.documentType;
        if (!Number.isNaN(v.badgeAt)) return; // a re-issue: times run from the first badge
        v.badgeAt = at;
        if (v.accepted) this.sample('badge', v.decidedAt, at, v.elsewhere.decided);
        return;
      }
      case 'visit.checked_out': {
        const p = entry.payload;
        const v = this.open.get(p.visitId);
        if (!v) return;
        this.totals.checkedOut++;
        // Out without an escort's entry: the step ended at its first entry, if it made one.
        if (!v.escorted && !Number.isNaN(v.firstEntryAt)) {
          v.escorted = true;
          this.sample('escort', v.badgeAt, v.firstEntryAt);
        }
        const hostName = this.hosts.get(v.hostId)?.name ?? v.hostId;
        if (!Number.isNaN(v.badgeAt)) {
          if (at >= v.badgeAt) {
            this.durationSum += at - v.badgeAt;
            this.durationCount++;
          }
          if (!p.badgeReturned) {
            const badgeId = p.badgeId ?? v.badgeId;
            this.badgesOut.push({
              visitId: p.visitId,
              badgeId,
              badgeLabel: this.badgeLabel(badgeId),
              hostId: v.hostId,
              hostName,
              issuedAt: v.badgeAt,
              reason: 'checkout',
            });
          }
        }
        if (!p.documentReturned) {
          this.documentsHeld.set(p.visitId, {
            visitId: p.visitId,
            documentType: v.documentType,
            hostId: v.hostId,
            hostName,
            checkedOutAt: at,
          });
        }
        this.open.delete(p.visitId);
        return;
      }
      case 'visit.document_returned':
        this.documentsHeld.delete(entry.payload.visitId);
        return;
      case 'visit.cancelled': {
        const v = this.open.get(entry.payload.visitId);
        if (!v) return;
        this.totals.cancelled++;
        // The SOP cancels before a badge; a badged visit stays open until its checkout.
        if (Number.isNaN(v.badgeAt)) this.open.delete(entry.payload.visitId);
        return;
      }
      case 'fleet.access': {
        const p = entry.payload;
        const doorId = p.access.doorId !== undefined ? `${p.gateway}/${p.access.doorId}` : undefined;
        if (doorId !== undefined && !this.remoteDoorNames.has(doorId))
          this.remoteDoorNames.set(doorId, `${p.doorName ?? p.access.doorId} (${p.gateway})`);
        const access = { ...p.access, ...(doorId !== undefined ? { doorId } : {}) };
        this.add({
          ...entry,
          type: p.granted ? 'access.granted' : 'access.denied',
          payload: access,
        });
        // Counted once: as the access entry it stands for.
        this.read--;
        if (inMonth) this.inMonth--;
        return;
      }
      case 'access.granted': {
        const p = entry.payload;
        if (p.doorId !== undefined && (p.direction === 'in' || p.direction === 'out')) {
          let d = this.doorCounts.get(p.doorId);
          if (!d) {
            d = { entries: 0, exits: 0 };
            this.doorCounts.set(p.doorId, d);
          }
          if (p.direction === 'in') d.entries++;
          else d.exits++;
        }
        if (p.direction === 'in' && p.visitId !== undefined) {
          const v = this.open.get(p.visitId);
          if (v && !v.escorted && !Number.isNaN(v.badgeAt)) {
            if (p.escortId !== undefined) {
              v.escorted = true;
              this.sample('escort', v.badgeAt, at);
            } else if (Number.isNaN(v.firstEntryAt) && at >= v.badgeAt) v.firstEntryAt = at;
          }
        }
        return;
      }
      case 'access.denied': {
        const reason = entry.payload.reason ?? 'unknown';
        if (ESCORT_WAITS.includes(reason as (typeof ESCORT_WAITS)[number])) return;
        // A summary of refusals left out of the journal counts as the taps it stands for.
        bump(this.denialCounts, reason, reason, entry.payload.suppressed ?? 1);
        return;
      }
      default:
        return;
    }
  }

  private badgeLabel(badgeId: string): string {
    return this.badges.get(badgeId)?.label ?? badgeId;
  }

  /** Records one step duration when both ends are known and in order, and done here. */
  private sample(step: SopStep, from: number, to: number, elsewhere = false): void {
    if (Number.isNaN(from) || to < from) return;
    if (elsewhere) this.excluded[step]++;
    else this.samples[step].push(to - from);
  }

  private markElsewhere(v: OpenVisit, event: keyof OpenVisit['elsewhere'], done: true | undefined): void {
    if (done !== true) return;
    if (!v.elsewhere.screened && !v.elsewhere.guestbook && !v.elsewhere.decided) this.syncedVisits++;
    v.elsewhere[event] = true;
  }

  /** The recap so far. Does not change the builder: more entries may follow. */
  result(): MonthlyRecap {
    const badgesNotReturned: RecapBadgeNotReturned[] = [...this.badgesOut];
    for (const [visitId, v] of this.open) {
      // Checked-out visits have left `open`: a badged one still here has its badge out.
      if (!Number.isNaN(v.badgeAt)) {
        badgesNotReturned.push({
          visitId,
          badgeId: v.badgeId,
          badgeLabel: this.badgeLabel(v.badgeId),
          hostId: v.hostId,
          hostName: this.hosts.get(v.hostId)?.name ?? v.hostId,
          issuedAt: v.badgeAt,
          reason: 'open',
        });
      }
    }
    badgesNotReturned.sort((a, b) => a.issuedAt - b.issuedAt || compareText(a.visitId, b.visitId));
    const documentsNotReturned = [...this.documentsHeld.values()].sort(
      (a, b) => a.checkedOutAt - b.checkedOutAt || compareText(a.visitId, b.visitId),
    );

    const doors: RecapDoorItem[] = [...this.doorCounts]
      .map(([key, c]) => ({
        key,
        label: this.doorNames.get(key)?.name ?? this.remoteDoorNames.get(key) ?? key,
        entries: c.entries,
        exits: c.exits,
      }))
      .sort(
        (a, b) =>
          b.entries + b.exits - (a.entries + a.exits) ||
          compareText(a.label, b.label) ||
          compareText(a.key, b.key),
      );

    return {
      month: this.month,
      timezone: this.timezone,
      period: { start: this.start, end: this.end },
      entries: { read: this.read, inMonth: this.inMonth },
      totals: { ...this.totals, noShows: this.noShows() },
      screeningReasons: SCREENING_REASONS.map((r) => ({ key: r, label: r, count: this.reasons.get(r) ?? 0 })),
      byHost: items(this.hostCounts),
      byUnit: items(this.unitCounts),
      byInstitution: items(this.institutionCounts),
      byPurpose: items(this.purposeCounts),
      byDay: this.dayCounts.map((count, i) => ({
        key: `${this.month}-${pad2(i + 1)}`,
        label: String(i + 1),
        count,
      })),
      byHour: this.hourCounts.map((count, h) => ({ key: pad2(h), label: `${pad2(h)}:00`, count })),
      averageVisitMinutes:
        this.durationCount === 0 ? null : round2(this.durationSum / this.durationCount / 60_000),
      visitDurationCount: this.durationCount,
      doors,
      denials: items(this.denialCounts),
      badgesNotReturned,
      documentsNotReturned,
      steps: SOP_STEPS.map((step) => stepStats(step, this.standards[step], this.stepSamples(step))),
      synced: { visits: this.syncedVisits, excludedSteps: { ...this.excluded } },
    };
  }
}

export function stepStats(
  step: SopStep,
  standardMinutes: number,
  samples: readonly number[],
): RecapStepStats {
  const n = samples.length;
  if (n === 0) {
    return {
      step,
      standardMinutes,
      count: 0,
      meanMinutes: null,
      medianMinutes: null,
      p90Minutes: null,
      overStandard: 0,
    };
  }
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  let over = 0;
  const limit = standardMinutes * 60_000;
  for (const d of sorted) {
    sum += d;
    if (d > limit) over++;
  }
  const mid = n >> 1;
  const median = n % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  const p90 = sorted[Math.ceil(0.9 * n) - 1] ?? 0;
  return {
    step,
    standardMinutes,
    count: n,
    meanMinutes: round2(sum / n / 60_000),
    medianMinutes: round2(median / 60_000),
    p90Minutes: round2(p90 / 60_000),
    overStandard: over,
  };
}

/** Runs a whole stream through a builder. */
export function buildMonthlyRecap(ctx: RecapContext, entries: Iterable<JournalEntry>): MonthlyRecap {
  const b = new MonthlyRecapBuilder(ctx);
  for (const e of entries) b.add(e);
  return b.result();
}

/** Same, for an async stream (e.g. journal lines parsed as they are read). */
export async function buildMonthlyRecapAsync(
  ctx: RecapContext,
  entries: AsyncIterable<JournalEntry> | Iterable<JournalEntry>,
): Promise<MonthlyRecap> {
  const b = new MonthlyRecapBuilder(ctx);
  for await (const e of entries) b.add(e);
  return b.result();
}
