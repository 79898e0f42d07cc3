// Appointments (issue 14, item 1): the registration rules one by one, then properties where
// rules combine: over random registrations, clocks and sequences of arrivals and cancellations,
// an appointment turns into at most one arrival, only on its date and never after a
// cancellation, and a no-show is exactly "window over, no arrival, not cancelled", and stays so.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  type Appointment,
  type AppointmentInput,
  applyAppointmentEvent,
  appointmentCode,
  appointmentStatus,
  cancelAppointment,
  checkAppointmentArrival,
  isAppointmentCode,
  registerAppointment,
} from '../../src/domain/appointment.js';
import { DomainError } from '../../src/domain/errors.js';
import { DAY, jkt, MINUTE, RECEPTIONIST, ruleOf, TZ } from './fixtures/domain.js';

const CODE = appointmentCode(new Uint8Array(16).fill(7));
const ctx = (now: number, maxDays = 90) => ({
  now,
  timezone: TZ,
  maxDays,
  hosts: new Map([['kabag-umum', {}]]),
  purposeCategories: ['rapat', 'lainnya'],
});
const input = (overrides: Partial<AppointmentInput> = {}): AppointmentInput => ({
  appointmentId: CODE,
  guestId: 'g1',
  institution: 'Dinas Kominfo',
  hostId: 'kabag-umum',
  date: '2025-03-04',
  from: '09:00',
  until: '10:00',
  purposeCategory: 'rapat',
  preApproved: false,
  ...overrides,
});

function registered(i: AppointmentInput, at: number): Appointment {
  return applyAppointmentEvent(undefined, registerAppointment(i, ctx(at)), at, RECEPTIONIST, 'Budi');
}

describe('appointment code', () => {
  it('is the prefix and 16 base32 symbols; another shape is not one', () => {
    expect(CODE).toMatch(/^TJ-[0-9A-Z]{16}$/);
    expect(isAppointmentCode(CODE)).toBe(true);
    expect(isAppointmentCode('TJ-0000')).toBe(false);
    expect(isAppointmentCode('TJ-IIIIIIIIIIIIIIII')).toBe(false);
  });
});

describe('registerAppointment', () => {
  const mon = jkt('2025-03-03', '09:00');
  it('takes a window from today to maxDays ahead', () => {
    expect(ruleOf(() => registerAppointment(input({ date: '2025-03-03' }), ctx(mon)))).toBe('ok');
    expect(ruleOf(() => registerAppointment(input({ date: '2025-03-02' }), ctx(mon)))).toBe('date_past');
    expect(ruleOf(() => registerAppointment(input({ date: '2025-04-02' }), ctx(mon, 30)))).toBe('ok');
    expect(ruleOf(() => registerAppointment(input({ date: '2025-04-03' }), ctx(mon, 30)))).toBe(
      'date_too_far',
    );
    expect(ruleOf(() => registerAppointment(input({ date: '2025-02-30' }), ctx(mon)))).toBe('date_format');
  });
  it('refuses a window that ends before it starts, or is over already today', () => {
    expect(ruleOf(() => registerAppointment(input({ from: '10:00', until: '10:00' }), ctx(mon)))).toBe(
      'window_order',
    );
    expect(ruleOf(() => registerAppointment(input({ from: '9:00' }), ctx(mon)))).toBe('time_format');
    expect(
      ruleOf(() =>
        registerAppointment(input({ date: '2025-03-03', from: '07:00', until: '09:00' }), ctx(mon)),
      ),
    ).toBe('window_past');
  });
  it('refuses an unknown host or purpose category', () => {
    expect(ruleOf(() => registerAppointment(input({ hostId: 'nobody' }), ctx(mon)))).toBe('not_found');
    expect(ruleOf(() => registerAppointment(input({ purposeCategory: 'x' }), ctx(mon)))).toBe('invalid');
  });
});

describe('appointment status and arrival', () => {
  const a = registered(input(), jkt('2025-03-03', '09:00'));
  it('is expected until the window ends, then a no-show', () => {
    expect(appointmentStatus(a, jkt('2025-03-04', '09:59'), TZ)).toBe('expected');
    expect(appointmentStatus(a, jkt('2025-03-04', '10:00'), TZ)).toBe('no_show');
  });
  it('arrives on its date only, once', () => {
    expect(ruleOf(() => checkAppointmentArrival(a, jkt('2025-03-03', '09:30'), TZ))).toBe('not_today');
    expect(ruleOf(() => checkAppointmentArrival(a, jkt('2025-03-04', '13:00'), TZ))).toBe('ok');
    const arrived = applyAppointmentEvent(
      a,
      { type: 'visit.arrived', payload: { visitId: 'v1', appointmentId: a.id } },
      jkt('2025-03-04', '09:10'),
      RECEPTIONIST,
    );
    expect(appointmentStatus(arrived, jkt('2025-03-05', '09:00'), TZ)).toBe('arrived');
    expect(ruleOf(() => checkAppointmentArrival(arrived, jkt('2025-03-04', '09:30'), TZ))).toBe('conflict');
    expect(ruleOf(() => cancelAppointment(arrived, undefined))).toBe('illegal_transition');
  });
});

// ---------------------------------------------------------------- properties

type Step = { kind: 'arrive' | 'cancel'; at: number };

const arbInput = fc.record({
  dayOffset: fc.integer({ min: 0, max: 10 }),
  fromMin: fc.integer({ min: 0, max: 1439 }),
  length: fc.integer({ min: 1, max: 600 }),
});
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const BASE = jkt('2025-03-03', '00:00');

describe('appointment properties', () => {
  test.prop([
    arbInput,
    fc.integer({ min: 0, max: 2 * DAY }),
    fc.array(
      fc.record({
        kind: fc.constantFrom<'arrive' | 'cancel'>('arrive', 'cancel'),
        after: fc.integer({ min: 0, max: 12 * DAY }),
      }),
      { maxLength: 8 },
    ),
  ])(
    'one appointment turns into at most one arrival, on its date, never after a cancel',
    (g, regOffset, raw) => {
      const until = Math.min(g.fromMin + g.length, 1440);
      const date = new Date(BASE + 7 * 3_600_000 + g.dayOffset * DAY).toISOString().slice(0, 10);
      const i = input({ date, from: hhmm(g.fromMin), until: until === 1440 ? '24:00' : hhmm(until) });
      const regAt = BASE + regOffset;
      let a: Appointment;
      try {
        a = registered(i, regAt);
      } catch (e) {
        // Refused registrations are refused for a rule, and only these.
        expect(e).toBeInstanceOf(DomainError);
        expect(['date_past', 'window_past', 'window_order']).toContain((e as DomainError).detail.rule);
        return;
      }
      const steps: Step[] = raw
        .map((s) => ({ kind: s.kind, at: regAt + s.after }))
        .sort((x, y) => x.at - y.at);
      let arrivals = 0;
      let cancelled = false;
      for (const s of steps) {
        try {
          if (s.kind === 'arrive') {
            checkAppointmentArrival(a, s.at, TZ);
            expect(new Date(s.at + 7 * 3_600_000).toISOString().slice(0, 10)).toBe(a.date);
            expect(cancelled).toBe(false);
            a = applyAppointmentEvent(
              a,
              { type: 'visit.arrived', payload: { visitId: `v${arrivals}` } },
              s.at,
              RECEPTIONIST,
            );
            arrivals++;
          } else {
            a = applyAppointmentEvent(a, cancelAppointment(a, undefined), s.at, RECEPTIONIST);
            expect(arrivals).toBe(0);
            cancelled = true;
          }
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
        }
      }
      expect(arrivals).toBeLessThanOrEqual(1);
      expect(arrivals > 0 && cancelled).toBe(false);
    },
  );

  test.prop([arbInput, fc.integer({ min: 0, max: 14 * DAY }), fc.integer({ min: 0, max: 3 * DAY })])(
    'a no-show is the window over without an arrival or a cancel, and stays one',
    (g, t, later) => {
      const until = Math.min(g.fromMin + g.length, 1440);
      const date = new Date(BASE + 7 * 3_600_000 + g.dayOffset * DAY).toISOString().slice(0, 10);
      const i = input({ date, from: hhmm(g.fromMin), until: until === 1440 ? '24:00' : hhmm(until) });
      const a = registered(i, BASE);
      const end = jkt(date, '00:00') + until * MINUTE;
      const now = BASE + t;
      expect(appointmentStatus(a, now, TZ)).toBe(now >= end ? 'no_show' : 'expected');
      if (appointmentStatus(a, now, TZ) === 'no_show')
        expect(appointmentStatus(a, now + later, TZ)).toBe('no_show');
    },
  );
});
