// The guest-book register (SOP step 3, "buku tamu"): every visit of a day or a month as one row,
// in the order the guests arrived. Pure: the visit records (the month's archive and the open
// visits, which hold the names the journal never does) go in, the rows come out.
//
// Rules:
// - A visit belongs to the period its arrival (createdAt) falls in, local time in the zone.
// - Time in is the arrival; time out is the checkout, or the refusal, reschedule or
//   cancellation that ended the visit at the desk; none while the guest is still inside.
// - Personal data as retention leaves it (UU 27/2022, domain/privacy.ts): a visit that arrived
//   more than `retentionDays` ago, or whose guest was erased, shows no name but a pseudonym
//   ("Tamu 1"), numbered in order of first appearance, the same number for the same guest within
//   one register. Phone numbers and document numbers are never in a row, masked or not: the
//   document's type is.
// - How the guest came (issue 14): by appointment (its code, TJ-...) or as a walk-in; in a group
//   (rombongan: named by its institution, its leader as the leader's row shows the name, and the
//   persons of the group in this register); with an escort where a room door needed one (the
//   escort's name, and SOP step 6's minutes from the badge to the escorted entry).
// - The summary: expected (arrivals by appointment), walk-ins, no-shows (appointments dated in
//   the period, not cancelled, whose window ended by the period's end or by `now`, with no
//   arrival), groups and their persons, escorted visits, and the period's satisfaction index
//   (IKM, domain/survey.ts) with its respondents, as given: anonymous answers have no visit.
import { DomainError } from './errors.js';
import type { IkmCategory, IkmResult } from './survey.js';
import { isValidMonth, localParts, monthRange, zonedTimeToEpoch } from './time.js';
import type { DocumentType, PurposeCategory, Visit } from './types.js';
import { stepTimings } from './visit.js';

export type RegisterPeriod = { kind: 'day'; day: string } | { kind: 'month'; month: string };

/** How the visit ended by the SOP, or where it stands when the register is made. */
export type RegisterOutcome =
  /** Step 7 done: checked out at the desk. */
  | 'checked_out'
  /** Step 2: refused by security at screening. */
  | 'screening_refused'
  /** Step 4: refused by the host. */
  | 'host_refused'
  /** Step 4/5b: host absent, advised to come back. */
  | 'rescheduled'
  /** Left before a badge was issued. */
  | 'cancelled'
  /** Accepted, access still valid, not checked out. */
  | 'inside'
  /** Accepted, access window over, never checked out. */
  | 'expired'
  /** At the desk: screening, guest book or waiting for the host. */
  | 'in_progress';

export const REGISTER_OUTCOMES: readonly RegisterOutcome[] = [
  'checked_out',
  'screening_refused',
  'host_refused',
  'rescheduled',
  'cancelled',
  'inside',
  'expired',
  'in_progress',
];

export interface RegisterRow {
  /** 1-based, in arrival order. */
  no: number;
  visitId: string;
  /** Local date of arrival, 'YYYY-MM-DD'. */
  date: string;
  /** Epoch ms of arrival. */
  timeIn: number;
  /** Epoch ms the visit ended at the desk; null while it has not. */
  timeOut: number | null;
  /** The guest's name; null when retention withholds it (see guestAlias). */
  guest: string | null;
  /** When the name is withheld: the guest's number within this register ("Tamu 3"). */
  guestAlias: number | null;
  institution: string;
  purpose: string;
  /** The purpose's category (config visits.purposes); null for a visit recorded without one. */
  purposeCategory: PurposeCategory | null;
  hostId: string;
  /** "Pihak yang ditemui": the host's name (the id when the host is gone). */
  hostName: string;
  /** The badge's printed label ("TAMU-02"); null when none was issued. */
  badge: string | null;
  /** Type of the identity document held at the desk; never its number. */
  documentType: DocumentType | null;
  outcome: RegisterOutcome;
  /** Pushed by the desk application (sync API): its SOP steps were done there. */
  synced: boolean;
  /** The appointment's code the guest came by (tamu terjadwal); null: a walk-in. */
  appointment: string | null;
  /** The group (rombongan) the guest came in; null: alone. */
  group: RegisterGroup | null;
  /** The escort who let the guest in at an escort door (SOP step 6); null: none was needed. */
  escort: RegisterEscort | null;
}

export interface RegisterGroup {
  id: string;
  /** A group has no name of its own: the institution it came from names it. */
  name: string;
  /** This person leads the group (holds the Surat Tugas). */
  leader: boolean;
  /** The leader's name as the leader's row shows it; null when withheld (see leaderAlias). */
  leaderName: string | null;
  leaderAlias: number | null;
  /** The group's persons in this register, the leader included. */
  persons: number;
}

export interface RegisterEscort {
  /** The staff member's name; null for a visit recorded before escorts were named. */
  name: string | null;
  /** When the escort's card completed the entry (epoch ms). */
  at: number;
  /** SOP step 6: minutes from the badge to the escorted entry; null when the badge step was not timed here. */
  minutes: number | null;
}

/** An appointment as the no-shows need it (from the journal: registered, cancelled). */
export interface RegisterAppointment {
  id: string;
  /** 'YYYY-MM-DD' and 'HH:MM' local: the window's end. */
  date: string;
  until: string;
  cancelled: boolean;
}

export interface RegisterSummary {
  visits: number;
  /** Arrivals by appointment. */
  expected: number;
  walkIn: number;
  /** Appointments of the period, not cancelled, window over by the period's end or now, no arrival. */
  noShows: number;
  groups: number;
  /** Persons who came in a group (each also a visit). */
  groupPersons: number;
  /** Visits let in by an escort at an escort door. */
  escorted: number;
  /** The satisfaction survey of the period (answers are anonymous: none is tied to a row). */
  survey: { respondents: number; ikm: number | null; category: IkmCategory | null };
}

export interface GuestRegister {
  period: RegisterPeriod;
  timezone: string;
  /** The period in epoch ms, start inclusive, end exclusive. */
  range: { start: number; end: number };
  /** When the register was made (outcomes 'inside' / 'expired' are as of this instant). */
  generatedAt: number;
  /** The retention in force (0: kept forever). */
  retentionDays: number;
  rows: RegisterRow[];
  /** Rows whose guest name retention withholds. */
  withheld: number;
  summary: RegisterSummary;
}

export interface RegisterContext {
  period: RegisterPeriod;
  timezone: string;
  now: number;
  /** Days guest identity data is kept after a visit (retention.guestDays); 0 keeps it forever. */
  retentionDays: number;
  hosts: ReadonlyMap<string, { name: string }>;
  /** Badge id -> printed label. */
  badges: ReadonlyMap<string, { label: string }>;
  /** config visits.purposes, for the names of the visits' categories (absent: none named). */
  purposes?: readonly PurposeCategory[];
  /** Appointments that may be dated in the period, for the no-shows (absent: none counted). */
  appointments?: Iterable<RegisterAppointment>;
  /** The period's survey: respondents and the IKM (absent: no answers). */
  survey?: { respondents: number; result?: IkmResult };
}

const DAY_MS = 86_400_000;

/** A real calendar date 'YYYY-MM-DD' (2026-02-30 is not one). */
export function isValidDay(day: unknown): day is string {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** The period from exactly one of `day` ('YYYY-MM-DD') or `month` ('YYYY-MM'). */
export function registerPeriod(input: {
  day?: string | undefined;
  month?: string | undefined;
}): RegisterPeriod {
  const { day, month } = input;
  if (day !== undefined && month !== undefined) {
    throw new DomainError('invalid', 'give day or month, not both', 'day');
  }
  if (day !== undefined) {
    if (!isValidDay(day)) throw new DomainError('invalid', 'day must be a date YYYY-MM-DD', 'day');
    return { kind: 'day', day };
  }
  if (month !== undefined) {
    if (!isValidMonth(month)) throw new DomainError('invalid', 'month must be YYYY-MM', 'month');
    return { kind: 'month', month };
  }
  throw new DomainError('invalid', 'day (YYYY-MM-DD) or month (YYYY-MM) is required', 'day');
}

/** 'YYYY-MM' the period lies in: the archive month file to read. */
export function periodMonth(period: RegisterPeriod): string {
  return period.kind === 'day' ? period.day.slice(0, 7) : period.month;
}

/** The period as a half-open range of instants in the zone. */
export function periodRange(period: RegisterPeriod, tz: string): { start: number; end: number } {
  if (period.kind === 'month') return monthRange(period.month, tz);
  return { start: zonedTimeToEpoch(period.day, '00:00', tz), end: zonedTimeToEpoch(period.day, '24:00', tz) };
}

/** When the visit ended at the desk, from its history. */
function endedAt(v: Visit): number | null {
  const last = (action: Visit['history'][number]['action']) =>
    v.history.findLast((s) => s.action === action)?.at ?? null;
  switch (v.state) {
    case 'checked_out':
    case 'closed':
      return last('checkout');
    case 'screening_refused':
      return last('screen');
    case 'host_refused':
    case 'rescheduled':
      return last('decide');
    case 'cancelled':
      return last('cancel');
    default:
      return null;
  }
}

function outcomeOf(v: Visit, now: number): RegisterOutcome {
  switch (v.state) {
    case 'checked_out':
    case 'closed':
      return 'checked_out';
    case 'screening_refused':
    case 'host_refused':
    case 'rescheduled':
    case 'cancelled':
      return v.state;
    case 'accepted':
    case 'badged':
      return v.validUntil !== undefined && v.validUntil <= now ? 'expired' : 'inside';
    default:
      return 'in_progress';
  }
}

/**
 * The register of the period: the visits that arrived in it, in arrival order (a group's persons
 * in the desk's order; then id, so the order is the same whatever order the records come in).
 * A visit given twice (archived and
 * still in live state) counts once: the later record in `visits` wins.
 */
export function buildRegister(ctx: RegisterContext, visits: Iterable<Visit>): GuestRegister {
  const range = periodRange(ctx.period, ctx.timezone);
  if (!(Number.isInteger(ctx.retentionDays) && ctx.retentionDays >= 0)) {
    throw new DomainError('invalid', `invalid retention: ${ctx.retentionDays}`, 'retentionDays');
  }
  const byId = new Map<string, Visit>();
  for (const v of visits) if (v.createdAt >= range.start && v.createdAt < range.end) byId.set(v.id, v);
  // A group's persons arrive in one write, at one instant, with random ids: the desk's order
  // (leader first) keeps them as the group was entered.
  const ordered = [...byId.values()].sort(
    (a, b) =>
      a.createdAt - b.createdAt ||
      (a.group && a.group.id === b.group?.id ? a.group.index - b.group.index : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const keptSince = ctx.retentionDays > 0 ? ctx.now - ctx.retentionDays * DAY_MS : Number.NEGATIVE_INFINITY;
  const aliases = new Map<string, number>();
  let withheld = 0;
  const rows = ordered.map((v, i): RegisterRow => {
    const named = v.guestName !== '' && v.createdAt >= keptSince;
    let alias: number | null = null;
    if (!named) {
      withheld++;
      // A guest with no id (never expected) still gets a number of its own.
      const key = v.guestId || `visit:${v.id}`;
      alias = aliases.get(key) ?? aliases.size + 1;
      aliases.set(key, alias);
    }
    const escort: RegisterEscort | null =
      v.escortedAt === undefined
        ? null
        : {
            name: v.escortedBy?.name ?? null,
            at: v.escortedAt,
            minutes: stepTimings(v, v.escortedAt).find((st) => st.step === 'escort')?.minutes ?? null,
          };
    return {
      no: i + 1,
      visitId: v.id,
      date: localParts(v.createdAt, ctx.timezone).date,
      timeIn: v.createdAt,
      timeOut: endedAt(v),
      guest: named ? v.guestName : null,
      guestAlias: alias,
      institution: v.institution,
      purpose: v.purpose,
      purposeCategory: ctx.purposes?.find((p) => p.id === v.purposeCategory) ?? null,
      hostId: v.hostId,
      hostName: ctx.hosts.get(v.hostId)?.name ?? v.hostId,
      badge: v.badgeId === undefined ? null : (ctx.badges.get(v.badgeId)?.label ?? v.badgeId),
      documentType: v.collateral?.type ?? null,
      outcome: outcomeOf(v, ctx.now),
      synced: v.externalId !== undefined,
      appointment: v.appointmentId ?? null,
      group: null,
      escort,
    };
  });
  // Each group's rows, once: a month of group visits stays linear.
  const groups = new Map<string, { rows: RegisterRow[]; leader?: RegisterRow }>();
  for (const row of rows) {
    const g = byId.get(row.visitId)?.group;
    if (!g) continue;
    const entry = groups.get(g.id) ?? { rows: [] };
    entry.rows.push(row);
    if (g.leader) entry.leader = row;
    groups.set(g.id, entry);
  }
  for (const [id, g] of groups) {
    const head = g.leader ?? g.rows[0];
    for (const row of g.rows) {
      row.group = {
        id,
        name: head?.institution ?? row.institution,
        leader: row === g.leader,
        leaderName: head?.guest ?? null,
        leaderAlias: head?.guestAlias ?? null,
        persons: g.rows.length,
      };
    }
  }
  return {
    period: ctx.period,
    timezone: ctx.timezone,
    range,
    generatedAt: ctx.now,
    retentionDays: ctx.retentionDays,
    rows,
    withheld,
    summary: summarise(ctx, range, rows),
  };
}

function summarise(
  ctx: RegisterContext,
  range: { start: number; end: number },
  rows: readonly RegisterRow[],
): RegisterSummary {
  const arrived = new Set(rows.flatMap((r) => (r.appointment ? [r.appointment] : [])));
  const cutoff = Math.min(range.end, ctx.now);
  const seen = new Set<string>();
  let noShows = 0;
  for (const a of ctx.appointments ?? []) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    const end = zonedTimeToEpoch(a.date, a.until, ctx.timezone);
    const dated = zonedTimeToEpoch(a.date, '00:00', ctx.timezone);
    if (dated < range.start || dated >= range.end) continue;
    if (!a.cancelled && end <= cutoff && !arrived.has(a.id)) noShows++;
  }
  const expected = rows.filter((r) => r.appointment !== null).length;
  const result = ctx.survey?.result;
  return {
    visits: rows.length,
    expected,
    walkIn: rows.length - expected,
    noShows,
    groups: new Set(rows.flatMap((r) => (r.group ? [r.group.id] : []))).size,
    groupPersons: rows.filter((r) => r.group !== null).length,
    escorted: rows.filter((r) => r.escort !== null).length,
    survey: {
      respondents: ctx.survey?.respondents ?? 0,
      ikm: result?.ikm ?? null,
      category: result?.category ?? null,
    },
  };
}
