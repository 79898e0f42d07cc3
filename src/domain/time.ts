// Local time in a configured IANA time zone. Pure: no I/O, no clock; Intl is the only source of
// zone rules. Instants are epoch milliseconds (UTC) everywhere else in Pintu; these helpers are
// how the domain asks "which local day / hour / month is this?" and "when is 16:00 there?".
//
// Speed: the access decision calls isWithinHours on every tap. A zone's UTC offset is computed with
// Intl (formatToParts) once per zone per UTC hour and cached; everything else is integer arithmetic
// on "local milliseconds" (epoch + offset), with no Date objects and no string parsing per call.

import type { OfficeHours } from './types.js';

/** The zone Pintu is deployed in by default. Configuration passes the zone; helpers never assume it. */
export const DEFAULT_TIMEZONE = 'Asia/Jakarta';

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Wall-clock fields of an instant in a zone. */
export interface LocalParts {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 0..23 */
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday .. 7 = Sunday. */
  weekday: number;
  /** 'YYYY-MM-DD' */
  date: string;
  /** 'YYYY-MM' */
  yearMonth: string;
}

// ---------------------------------------------------------------- zone cache

interface Zone {
  readonly tz: string;
  readonly dtf: Intl.DateTimeFormat;
  /** UTC hour number -> offset in ms for that whole hour, or NaN when a transition falls inside it. */
  readonly buckets: Map<number, number>;
  lastBucket: number;
  lastOffset: number;
}

/** Bound on cached hours per zone (about a year of distinct hours); the map is cleared when full. */
const MAX_BUCKETS = 8_760;
const zones = new Map<string, Zone>();

function zone(tz: string): Zone {
  const cached = zones.get(tz);
  if (cached !== undefined) return cached;
  if (typeof tz !== 'string' || tz.length === 0) throw new RangeError(`invalid time zone: ${String(tz)}`);
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`invalid time zone: ${tz}`);
  }
  const z: Zone = { tz, dtf, buckets: new Map(), lastBucket: Number.NaN, lastOffset: 0 };
  zones.set(tz, z);
  return z;
}

/** True when `tz` is an IANA time zone this runtime knows (e.g. "Asia/Jakarta", "UTC"). */
export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    zone(tz);
    return true;
  } catch {
    return false;
  }
}

/** Offset (local - UTC, ms) at `t`, straight from Intl. Second precision, as the tz database has. */
function rawOffset(z: Zone, t: number): number {
  const parts = z.dtf.formatToParts(t);
  let y = 0;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      default:
        break;
    }
  }
  const wall = daysFromCivil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * MINUTE_MS + s * SECOND_MS;
  return wall - (t - mod(t, SECOND_MS));
}

/** Offset (ms) at instant `t`, cached per UTC hour. */
function offsetAt(z: Zone, t: number): number {
  const bucket = Math.floor(t / HOUR_MS);
  if (bucket === z.lastBucket) return z.lastOffset;
  let o = z.buckets.get(bucket);
  if (o === undefined) {
    const start = bucket * HOUR_MS;
    const first = rawOffset(z, start);
    // Offsets change at most once in an hour: equal ends mean one offset for the whole hour.
    o = rawOffset(z, start + HOUR_MS - SECOND_MS) === first ? first : Number.NaN;
    if (z.buckets.size >= MAX_BUCKETS) z.buckets.clear();
    z.buckets.set(bucket, o);
  }
  if (Number.isNaN(o)) return rawOffset(z, t); // the rare hour holding a transition
  z.lastBucket = bucket;
  z.lastOffset = o;
  return o;
}

/** The zone's UTC offset at `at`, in ms (Jakarta: 25,200,000). */
export function zoneOffsetMs(at: number, tz: string): number {
  assertInstant(at);
  return offsetAt(zone(tz), at);
}

/**
 * The instant of a local wall-clock time (ms since the epoch, as if the wall clock were UTC).
 * Ambiguous times (a DST fall-back overlap) take the earlier instant; non-existent times (a
 * spring-forward gap) move forward by the gap length, as Temporal's "compatible" does.
 */
function wallToEpoch(z: Zone, wall: number): number {
  const before = offsetAt(z, wall - DAY_MS);
  const after = offsetAt(z, wall + DAY_MS);
  const c1 = wall - before;
  if (before === after && offsetAt(z, c1) === before) return c1;
  const c2 = wall - after;
  const v1 = offsetAt(z, c1) === before;
  const v2 = offsetAt(z, c2) === after;
  if (v1 && v2) return Math.min(c1, c2);
  if (v1) return c1;
  if (v2) return c2;
  return c1; // gap: wall time read with the offset in force before it
}

// ---------------------------------------------------------------- calendar arithmetic

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function monthLength(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return n >= 0 && n < 1000 ? String(n).padStart(4, '0') : String(n);
}

function assertInstant(at: number): void {
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new RangeError(`invalid instant: ${String(at)}`);
}

// ---------------------------------------------------------------- parsing (validated, cached)

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;
const HHMM_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;

function parseDate(date: string): { y: number; m: number; d: number } {
  const match = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (match) {
    const y = Number(match[1]);
    const m = Number(match[2]);
    const d = Number(match[3]);
    if (m >= 1 && m <= 12 && d >= 1 && d <= monthLength(y, m)) return { y, m, d };
  }
  throw new RangeError(`invalid date (expected YYYY-MM-DD): ${String(date)}`);
}

function parseMonth(month: string): { y: number; m: number } {
  const match = typeof month === 'string' ? MONTH_RE.exec(month) : null;
  if (match) {
    const y = Number(match[1]);
    const m = Number(match[2]);
    if (m >= 1 && m <= 12) return { y, m };
  }
  throw new RangeError(`invalid month (expected YYYY-MM): ${String(month)}`);
}

/** True for 'YYYY-MM' with a month 01..12. */
export function isValidMonth(month: unknown): month is string {
  if (typeof month !== 'string') return false;
  const match = MONTH_RE.exec(month);
  if (!match) return false;
  const m = Number(match[2]);
  return m >= 1 && m <= 12;
}

const hhmmCache = new Map<string, number>();

/** Minutes after local midnight of "HH:MM" (00:00 .. 24:00). Throws RangeError otherwise. */
export function parseHHMM(time: string): number {
  const cached = hhmmCache.get(time);
  if (cached !== undefined) return cached;
  const match = typeof time === 'string' ? HHMM_RE.exec(time) : null;
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : -1;
  if (minutes < 0 || minutes > 1440) throw new RangeError(`invalid time (expected HH:MM): ${String(time)}`);
  if (hhmmCache.size >= 1024) hhmmCache.clear();
  hhmmCache.set(time, minutes);
  return minutes;
}

// ---------------------------------------------------------------- public helpers

/** Wall-clock fields of `at` in `tz`. */
export function localParts(at: number, tz: string): LocalParts {
  assertInstant(at);
  const local = at + offsetAt(zone(tz), at);
  const days = Math.floor(local / DAY_MS);
  const msOfDay = local - days * DAY_MS;
  const { y, m, d } = civilFromDays(days);
  const yearMonth = `${pad4(y)}-${pad2(m)}`;
  return {
    year: y,
    month: m,
    day: d,
    hour: Math.floor(msOfDay / HOUR_MS),
    minute: Math.floor((msOfDay % HOUR_MS) / MINUTE_MS),
    second: Math.floor((msOfDay % MINUTE_MS) / SECOND_MS),
    weekday: mod(days + 3, 7) + 1, // 1970-01-01 was a Thursday (ISO 4)
    date: `${yearMonth}-${pad2(d)}`,
    yearMonth,
  };
}

/** The local month of `at`, 'YYYY-MM'. */
export function monthOf(at: number, tz: string): string {
  assertInstant(at);
  const { y, m } = civilFromDays(Math.floor((at + offsetAt(zone(tz), at)) / DAY_MS));
  return `${pad4(y)}-${pad2(m)}`;
}

/** The local date of `at`, 'YYYY-MM-DD'. */
export function dateOf(at: number, tz: string): string {
  return localParts(at, tz).date;
}

/**
 * The instant at which the local wall clock in `tz` shows `date` `time` ('YYYY-MM-DD', 'HH:MM';
 * '24:00' is midnight at the end of the day). See wallToEpoch for DST gaps and overlaps.
 */
export function zonedTimeToEpoch(date: string, time: string, tz: string): number {
  const { y, m, d } = parseDate(date);
  const minutes = parseHHMM(time);
  return wallToEpoch(zone(tz), daysFromCivil(y, m, d) * DAY_MS + minutes * MINUTE_MS);
}

/** Number of days in a 'YYYY-MM' month. */
export function daysInMonth(month: string): number {
  const { y, m } = parseMonth(month);
  return monthLength(y, m);
}

/** The local month as a half-open range of instants: start <= at < end. */
export function monthRange(month: string, tz: string): { start: number; end: number } {
  const { y, m } = parseMonth(month);
  const z = zone(tz);
  const next = m === 12 ? { y: y + 1, m: 1 } : { y, m: m + 1 };
  return {
    start: wallToEpoch(z, daysFromCivil(y, m, 1) * DAY_MS),
    end: wallToEpoch(z, daysFromCivil(next.y, next.m, 1) * DAY_MS),
  };
}

/**
 * Whether `at` falls inside opening hours: on a listed ISO weekday, open <= local time < close
 * (minute resolution). close < open is an overnight window belonging to the day it opens on;
 * open === close is never open. Allocation-free once the zone's hour is cached.
 */
export function isWithinHours(at: number, hours: OfficeHours, tz: string): boolean {
  if (!Number.isFinite(at)) return false;
  const local = at + offsetAt(zone(tz), at);
  const days = Math.floor(local / DAY_MS);
  const minute = Math.floor((local - days * DAY_MS) / MINUTE_MS);
  const weekday = mod(days + 3, 7) + 1;
  const open = parseHHMM(hours.open);
  const close = parseHHMM(hours.close);
  if (open < close) return minute >= open && minute < close && hours.days.includes(weekday);
  if (open === close) return false;
  if (minute >= open) return hours.days.includes(weekday);
  if (minute < close) return hours.days.includes(weekday === 1 ? 7 : weekday - 1);
  return false;
}

/**
 * The instant of the close of opening hours on the local day of `at` (whether or not that day is
 * an opening day). For an overnight window (close < open) it is the close of the window `at` is
 * in, or of the one opening that day when `at` is in neither.
 */
export function closeOfDay(at: number, hours: Pick<OfficeHours, 'open' | 'close'>, tz: string): number {
  assertInstant(at);
  const z = zone(tz);
  const local = at + offsetAt(z, at);
  let days = Math.floor(local / DAY_MS);
  const minute = Math.floor((local - days * DAY_MS) / MINUTE_MS);
  const open = parseHHMM(hours.open);
  const close = parseHHMM(hours.close);
  if (close < open && minute >= close) days += 1;
  return wallToEpoch(z, days * DAY_MS + close * MINUTE_MS);
}
