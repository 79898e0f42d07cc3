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
import { DomainError } from './errors.js';
import { isValidMonth, localParts, monthRange, zonedTimeToEpoch } from './time.js';
import type { DocumentType, PurposeCategory, Visit } from './types.js';

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
 * The register of the period: the visits that arrived in it, in arrival order (then id, so the
 * order is the same whatever order the records come in). A visit given twice (archived and
 * still in live state) counts once: the later record in `visits` wins.
 */
export function buildRegister(ctx: RegisterContext, visits: Iterable<Visit>): GuestRegister {
  const range = periodRange(ctx.period, ctx.timezone);
  if (!(Number.isInteger(ctx.retentionDays) && ctx.retentionDays >= 0)) {
    throw new DomainError('invalid', `invalid retention: ${ctx.retentionDays}`, 'retentionDays');
  }
  const byId = new Map<string, Visit>();
  for (const v of visits) if (v.createdAt >= range.start && v.createdAt < range.end) byId.set(v.id, v);
  const ordered = [...byId.values()].sort(
    (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
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
    };
  });
  return {
    period: ctx.period,
    timezone: ctx.timezone,
    range,
    generatedAt: ctx.now,
    retentionDays: ctx.retentionDays,
    rows,
    withheld,
  };
}
