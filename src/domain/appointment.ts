// Appointments (tamu terjadwal, issue 14): a guest expected on a day within a time window. A
// host or the desk registers one; a visit rescheduled at SOP step 5b becomes one; the desk turns
// one into an arrival (SOP step 1) on its day. Pure: the service journals what these functions
// return and folds it back with applyAppointmentEvent, live and when replaying.
//
// Rules:
// - The window is "HH:MM".."HH:MM" local time, start before end; the date is a calendar date
//   from today (site time zone) to at most maxDays ahead; on today the window has not ended.
// - One appointment turns into one arrival, on its own date, and never after a cancellation.
// - A no-show is computed, never recorded: the window ended and no arrival came.
import { DomainError } from './errors.js';
import type { AppointmentEvent, AppointmentRegistered } from './events.js';
import { dateOf, localParts, parseHHMM, zonedTimeToEpoch } from './time.js';
import type { Actor } from './types.js';

/** The code's prefix: a USB scanner at the desk types it like a keyboard, the panel spots it. */
export const APPOINTMENT_CODE_PREFIX = 'TJ-';
/** Crockford base32 (no I, L, O, U): nothing a scanner or a person can misread. */
export const APPOINTMENT_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 symbols of 5 bits: 80 random bits, unguessable by trying. */
export const APPOINTMENT_CODE_LENGTH = 16;
const CODE_RE = new RegExp(
  `^${APPOINTMENT_CODE_PREFIX}[${APPOINTMENT_CODE_ALPHABET}]{${APPOINTMENT_CODE_LENGTH}}$`,
);

export function isAppointmentCode(code: string): boolean {
  return CODE_RE.test(code);
}

/** A fresh code from `random` bytes (at least APPOINTMENT_CODE_LENGTH of them). */
export function appointmentCode(random: Uint8Array): string {
  if (random.length < APPOINTMENT_CODE_LENGTH) throw new RangeError('not enough random bytes');
  let out = APPOINTMENT_CODE_PREFIX;
  for (let i = 0; i < APPOINTMENT_CODE_LENGTH; i++) out += APPOINTMENT_CODE_ALPHABET[(random[i] ?? 0) & 31];
  return out;
}

/** A registration as checked: the payload it is journalled as. */
export type AppointmentInput = AppointmentRegistered['payload'];

/** What a registration fixes: its journal payload without the code (events.ts, AppointmentRegistered). */
export type AppointmentTerms = Omit<AppointmentInput, 'appointmentId'>;

export interface Appointment extends AppointmentTerms {
  /** The appointment's code (APPOINTMENT_CODE_PREFIX + 16 base32): its id and its QR. */
  id: string;
  /** From the guest book (names stay out of the journal); erased with the guest. */
  guestName: string;
  createdAt: number;
  createdBy: Actor;
  /** The visit the appointment turned into. */
  visitId?: string;
  arrivedAt?: number;
  cancelledAt?: number;
}

export type AppointmentStatus = 'expected' | 'arrived' | 'no_show' | 'cancelled';
export const APPOINTMENT_STATUSES: readonly AppointmentStatus[] = [
  'expected',
  'arrived',
  'no_show',
  'cancelled',
];

/** An appointment as the API shows it: with where it stands now. */
export type AppointmentView = Appointment & { status: AppointmentStatus };

export interface AppointmentContext {
  now: number;
  timezone: string;
  /** The latest date is today + maxDays. */
  maxDays: number;
  hosts: ReadonlyMap<string, unknown>;
  /** The purpose categories' ids (config visits.purposes). */
  purposeCategories: readonly string[];
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

function text(value: string | undefined, field: string, max: number): string {
  const v = value?.trim() ?? '';
  if (!v) throw new DomainError('invalid', `${field} is required`, field);
  if (v.length > max) throw new DomainError('invalid', `${field} is longer than ${max} characters`, field);
  return v;
}

/** The instant the appointment's window ends. */
export function windowEnd(a: Pick<Appointment, 'date' | 'until'>, timezone: string): number {
  return zonedTimeToEpoch(a.date, a.until, timezone);
}

/** Check a registration and return the event that records it. Throws DomainError (nothing changes). */
export function registerAppointment(input: AppointmentInput, ctx: AppointmentContext): AppointmentEvent {
  if (!isAppointmentCode(input.appointmentId)) {
    throw new DomainError('invalid', 'not an appointment code', 'appointmentId');
  }
  if (!ctx.hosts.has(input.hostId))
    throw new DomainError('not_found', `unknown host "${input.hostId}"`, 'hostId');
  if (!ctx.purposeCategories.includes(input.purposeCategory)) {
    throw new DomainError(
      'invalid',
      `unknown purpose category "${input.purposeCategory}"`,
      'purposeCategory',
    );
  }
  if (!isCalendarDate(input.date)) {
    throw new DomainError('invalid', 'date must be a calendar date YYYY-MM-DD', 'date', {
      rule: 'date_format',
    });
  }
  if (!HHMM.test(input.from) || !HHMM.test(input.until)) {
    throw new DomainError('invalid', 'from and until are HH:MM', 'from', { rule: 'time_format' });
  }
  if (parseHHMM(input.from) >= parseHHMM(input.until)) {
    throw new DomainError(
      'invalid',
      `the window ${input.from}-${input.until} ends before it starts`,
      'until',
      {
        rule: 'window_order',
      },
    );
  }
  const today = dateOf(ctx.now, ctx.timezone);
  if (input.date < today) {
    throw new DomainError(
      'invalid',
      `date ${input.date} is before today (${today}, ${ctx.timezone})`,
      'date',
      {
        rule: 'date_past',
      },
    );
  }
  const last = addDays(today, ctx.maxDays);
  if (input.date > last) {
    throw new DomainError(
      'invalid',
      `date ${input.date} is after ${last}, ${ctx.maxDays} days from today`,
      'date',
      {
        rule: 'date_too_far',
      },
    );
  }
  if (windowEnd(input, ctx.timezone) <= ctx.now) {
    throw new DomainError(
      'invalid',
      `the window ${input.from}-${input.until} today is already over`,
      'until',
      {
        rule: 'window_past',
      },
    );
  }
  const purpose = input.purpose?.trim() ? text(input.purpose, 'purpose', 500) : undefined;
  return {
    type: 'appointment.registered',
    payload: {
      appointmentId: input.appointmentId,
      guestId: input.guestId,
      institution: text(input.institution, 'institution', 200),
      hostId: input.hostId,
      date: input.date,
      from: input.from,
      until: input.until,
      purposeCategory: input.purposeCategory,
      ...(purpose ? { purpose } : {}),
      preApproved: input.preApproved,
      ...(input.fromVisitId ? { fromVisitId: input.fromVisitId } : {}),
    },
  };
}

/** Where the appointment stands at `now`: a no-show is its window over without an arrival. */
export function appointmentStatus(a: Appointment, now: number, timezone: string): AppointmentStatus {
  if (a.visitId !== undefined) return 'arrived';
  if (a.cancelledAt !== undefined) return 'cancelled';
  return now >= windowEnd(a, timezone) ? 'no_show' : 'expected';
}

/**
 * May the guest arrive now under this appointment? On its date only (early or late within the
 * day: a late guest is still the one expected), once, and not after a cancellation.
 */
export function checkAppointmentArrival(a: Appointment, now: number, timezone: string): void {
  if (a.visitId !== undefined) {
    throw new DomainError('conflict', 'this appointment has already turned into a visit', 'appointmentId', {
      state: 'arrived',
    });
  }
  if (a.cancelledAt !== undefined) {
    throw new DomainError('conflict', 'this appointment was cancelled', 'appointmentId', {
      state: 'cancelled',
    });
  }
  const today = localParts(now, timezone).date;
  if (a.date !== today) {
    throw new DomainError(
      'invalid',
      `this appointment is for ${a.date}, not today (${today})`,
      'appointmentId',
      {
        rule: 'not_today',
      },
    );
  }
}

/** Cancel an appointment that has not turned into a visit. */
export function cancelAppointment(a: Appointment, reason: string | undefined): AppointmentEvent {
  if (a.visitId !== undefined || a.cancelledAt !== undefined) {
    throw new DomainError(
      'illegal_transition',
      `cannot cancel an appointment that is ${a.visitId !== undefined ? 'arrived' : 'cancelled'}`,
    );
  }
  const r = reason?.trim();
  return {
    type: 'appointment.cancelled',
    payload: { appointmentId: a.id, ...(r ? { reason: r.slice(0, 500) } : {}) },
  };
}

/**
 * Fold an appointment event, or the arrival that fulfils it (a visit.arrived naming it), into
 * the appointment. `guestName` is needed for a registration only.
 */
export function applyAppointmentEvent(
  a: Appointment | undefined,
  event: AppointmentEvent | { type: 'visit.arrived'; payload: { visitId: string; appointmentId?: string } },
  at: number,
  actor: Actor,
  guestName = '',
): Appointment {
  if (event.type === 'appointment.registered') {
    if (a) throw new DomainError('conflict', `appointment ${a.id} exists`);
    const { appointmentId, ...p } = event.payload;
    return { id: appointmentId, ...p, guestName, createdAt: at, createdBy: actor };
  }
  if (!a) throw new DomainError('not_found', 'appointment not found');
  if (event.type === 'appointment.cancelled') {
    if (a.visitId !== undefined || a.cancelledAt !== undefined) {
      throw new DomainError('illegal_transition', `appointment ${a.id} cannot be cancelled now`);
    }
    return { ...a, cancelledAt: at };
  }
  if (a.visitId !== undefined || a.cancelledAt !== undefined) {
    throw new DomainError('illegal_transition', `appointment ${a.id} cannot turn into a visit now`);
  }
  return { ...a, visitId: event.payload.visitId, arrivedAt: at };
}
