import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closeOfDay,
  daysInMonth,
  isValidMonth,
  isValidTimeZone,
  isWithinHours,
  localParts,
  monthOf,
  monthRange,
  parseHHMM,
  zonedTimeToEpoch,
  zoneOffsetMs,
} from '../../src/domain/time.js';
import type { OfficeHours } from '../../src/domain/types.js';

const JKT = 'Asia/Jakarta';
const NY = 'America/New_York';
const iso = (s: string) => Date.parse(s);
const OFFICE: OfficeHours = { days: [1, 2, 3, 4, 5], open: '08:00', close: '16:00' };

describe('localParts / monthOf (Asia/Jakarta, UTC+7)', () => {
  it('2026-11-30T17:30Z is 2026-12-01 00:30 local, a Tuesday, month 2026-12', () => {
    const at = iso('2026-11-30T17:30:00Z');
    expect(localParts(at, JKT)).toEqual({
      year: 2026,
      month: 12,
      day: 1,
      hour: 0,
      minute: 30,
      second: 0,
      weekday: 2,
      date: '2026-12-01',
      yearMonth: '2026-12',
    });
    expect(monthOf(at, JKT)).toBe('2026-12');
    expect(monthOf(at, 'UTC')).toBe('2026-11');
    expect(monthOf(iso('2026-11-30T16:59:59.999Z'), JKT)).toBe('2026-11');
  });

  it('gives ISO weekdays 1 (Monday) .. 7 (Sunday)', () => {
    // 2026-11-30 is a Monday
    const days = [0, 1, 2, 3, 4, 5, 6].map((i) =>
      localParts(iso(`2026-11-30T03:00:00Z`) + i * 86_400_000, JKT),
    );
    expect(days.map((p) => p.weekday)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(days.map((p) => p.date)).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
  });

  it('handles instants before 1970 and leap days', () => {
    expect(localParts(iso('1969-12-31T17:00:00Z'), JKT).date).toBe('1970-01-01');
    expect(localParts(iso('2028-02-28T17:00:00Z'), JKT).date).toBe('2028-02-29');
    expect(zoneOffsetMs(iso('2026-06-01T00:00:00Z'), JKT)).toBe(7 * 3_600_000);
  });

  it('follows DST, including a transition in the middle of a UTC hour (Adelaide, +9:30 -> +10:30)', () => {
    // DST starts 2026-10-04 02:00 ACST = 2026-10-03T16:30Z
    expect(localParts(iso('2026-10-03T16:29:59Z'), 'Australia/Adelaide')).toMatchObject({
      date: '2026-10-04',
      hour: 1,
      minute: 59,
      second: 59,
    });
    expect(localParts(iso('2026-10-03T16:30:00Z'), 'Australia/Adelaide')).toMatchObject({
      date: '2026-10-04',
      hour: 3,
      minute: 0,
    });
    expect(localParts(iso('2026-07-01T12:00:00Z'), NY)).toMatchObject({ hour: 8 });
    expect(localParts(iso('2026-12-01T12:00:00Z'), NY)).toMatchObject({ hour: 7 });
  });

  it('rejects bad input', () => {
    expect(() => localParts(Number.NaN, JKT)).toThrow(RangeError);
    expect(() => localParts(0, 'Mars/Olympus_Mons')).toThrow(/time zone/);
  });
});

describe('property: matches Intl for any instant and zone', () => {
  const zones = [
    JKT,
    'Asia/Makassar',
    'Asia/Jayapura',
    NY,
    'Europe/London',
    'Australia/Adelaide',
    'Asia/Kathmandu',
  ];
  it('localParts agrees with Intl.DateTimeFormat', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: iso('1971-01-01T00:00:00Z'), max: iso('2099-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        (at, tz) => {
          const f = new Intl.DateTimeFormat('en-CA', {
            timeZone: tz,
            hourCycle: 'h23',
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
          });
          const get = (t: string) => f.formatToParts(at).find((p) => p.type === t)?.value;
          const p = localParts(at, tz);
          expect(p.date).toBe(`${get('year')}-${get('month')}-${get('day')}`);
          expect(p.hour).toBe(Number(get('hour')));
          expect(p.minute).toBe(Number(get('minute')));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('zonedTimeToEpoch', () => {
  it('converts Jakarta wall time to the instant', () => {
    expect(zonedTimeToEpoch('2026-12-01', '00:30', JKT)).toBe(iso('2026-11-30T17:30:00Z'));
    expect(zonedTimeToEpoch('2026-12-01', '08:00', JKT)).toBe(iso('2026-12-01T01:00:00Z'));
    expect(zonedTimeToEpoch('2026-12-01', '24:00', JKT)).toBe(zonedTimeToEpoch('2026-12-02', '00:00', JKT));
  });

  it('round-trips through localParts', () => {
    const at = zonedTimeToEpoch('2027-01-15', '13:45', JKT);
    const p = localParts(at, JKT);
    expect([p.date, p.hour, p.minute]).toEqual(['2027-01-15', 13, 45]);
  });

  it('resolves DST: a gap moves forward, an overlap takes the earlier instant', () => {
    expect(zonedTimeToEpoch('2026-03-08', '02:30', NY)).toBe(iso('2026-03-08T07:30:00Z')); // 03:30 EDT
    expect(zonedTimeToEpoch('2026-11-01', '01:30', NY)).toBe(iso('2026-11-01T05:30:00Z')); // 01:30 EDT
    expect(zonedTimeToEpoch('2026-11-01', '02:30', NY)).toBe(iso('2026-11-01T07:30:00Z')); // EST
    expect(zonedTimeToEpoch('2026-07-01', '09:00', NY)).toBe(iso('2026-07-01T13:00:00Z'));
  });

  it('rejects malformed or impossible dates and times', () => {
    expect(() => zonedTimeToEpoch('2026-02-29', '08:00', JKT)).toThrow(RangeError);
    expect(() => zonedTimeToEpoch('2026-13-01', '08:00', JKT)).toThrow(RangeError);
    expect(() => zonedTimeToEpoch('2026-12-01', '8:00', JKT)).toThrow(RangeError);
    expect(() => zonedTimeToEpoch('2026-12-01', '24:01', JKT)).toThrow(RangeError);
    expect(() => zonedTimeToEpoch('2026-12-01', '12:60', JKT)).toThrow(RangeError);
    expect(() => zonedTimeToEpoch('2026-12-01', '08:00', 'Nowhere/Land')).toThrow(RangeError);
  });

  const pad = (n: number) => String(n).padStart(2, '0');
  const dateArb = fc
    .record({
      y: fc.integer({ min: 1970, max: 2099 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 31 }),
    })
    .filter(({ y, m, d }) => d <= new Date(Date.UTC(y, m, 0)).getUTCDate())
    .map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);
  const timeArb = fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }) });

  it('property: localParts(zonedTimeToEpoch(d, t)) gives back d and t (Jakarta)', () => {
    fc.assert(
      fc.property(dateArb, timeArb, (date, { h, mi }) => {
        const p = localParts(zonedTimeToEpoch(date, `${pad(h)}:${pad(mi)}`, JKT), JKT);
        expect([p.date, p.hour, p.minute]).toEqual([date, h, mi]);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: the same holds in a DST zone, except in a spring-forward gap (moved forward)', () => {
    fc.assert(
      fc.property(dateArb, timeArb, (date, { h, mi }) => {
        const at = zonedTimeToEpoch(date, `${pad(h)}:${pad(mi)}`, NY);
        const p = localParts(at, NY);
        if (p.date === date && p.hour === h && p.minute === mi) return;
        // only a non-existent time may come back different: one hour later, same day
        expect(zoneOffsetMs(at - 3_600_000, NY)).not.toBe(zoneOffsetMs(at, NY));
        expect([p.date, p.hour, p.minute]).toEqual([date, h + 1, mi]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('monthRange / daysInMonth / isValidMonth', () => {
  it('gives the local month as [start, end)', () => {
    expect(monthRange('2026-12', JKT)).toEqual({
      start: iso('2026-11-30T17:00:00Z'),
      end: iso('2026-12-31T17:00:00Z'),
    });
    expect(monthRange('2026-03', NY)).toEqual({
      start: iso('2026-03-01T05:00:00Z'),
      end: iso('2026-04-01T04:00:00Z'),
    });
  });

  it('knows month lengths and rejects bad months', () => {
    expect(daysInMonth('2026-02')).toBe(28);
    expect(daysInMonth('2028-02')).toBe(29);
    expect(daysInMonth('2026-12')).toBe(31);
    expect(isValidMonth('2026-12')).toBe(true);
    expect(isValidMonth('2026-13')).toBe(false);
    expect(isValidMonth('2026-1')).toBe(false);
    expect(() => monthRange('2026-00', JKT)).toThrow(RangeError);
  });
});

describe('isWithinHours (Mon-Fri 08:00-16:00 Jakarta)', () => {
  const local = (date: string, time: string) => zonedTimeToEpoch(date, time, JKT);

  it('opens at 08:00 and closes at 16:00 sharp', () => {
    // 2026-12-01 is a Tuesday
    expect(isWithinHours(local('2026-12-01', '08:00') - 1, OFFICE, JKT)).toBe(false);
    expect(isWithinHours(local('2026-12-01', '08:00'), OFFICE, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-01', '12:00'), OFFICE, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-01', '16:00') - 1, OFFICE, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-01', '16:00'), OFFICE, JKT)).toBe(false);
  });

  it('uses the local day, not the UTC one', () => {
    // Monday 2026-11-30 20:00 UTC is Tuesday 03:00 local (closed)
    expect(isWithinHours(iso('2026-11-30T20:00:00Z'), OFFICE, JKT)).toBe(false);
    expect(isWithinHours(iso('2026-12-01T01:00:00Z'), OFFICE, JKT)).toBe(true);
    expect(isWithinHours(iso('2026-12-04T08:59:59Z'), OFFICE, JKT)).toBe(true); // Friday 15:59:59 local
    expect(isWithinHours(iso('2026-12-05T01:30:00Z'), OFFICE, JKT)).toBe(false); // Saturday 08:30 local
    expect(isWithinHours(iso('2026-12-06T23:30:00Z'), OFFICE, JKT)).toBe(false); // Sunday UTC, Monday 06:30 local
    expect(isWithinHours(iso('2026-12-07T01:30:00Z'), OFFICE, JKT)).toBe(true); // Monday 08:30 local
  });

  it('is closed on days not listed (weekend)', () => {
    expect(isWithinHours(local('2026-12-04', '10:00'), OFFICE, JKT)).toBe(true); // Friday
    expect(isWithinHours(local('2026-12-05', '10:00'), OFFICE, JKT)).toBe(false); // Saturday
    expect(isWithinHours(local('2026-12-06', '10:00'), OFFICE, JKT)).toBe(false); // Sunday
    expect(isWithinHours(local('2026-12-06', '10:00'), { ...OFFICE, days: [7] }, JKT)).toBe(true);
  });

  it('supports an overnight window owned by the day it opens, and 24:00', () => {
    const night: OfficeHours = { days: [5], open: '22:00', close: '06:00' }; // Friday night
    expect(isWithinHours(local('2026-12-04', '23:00'), night, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-05', '05:59'), night, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-05', '06:00'), night, JKT)).toBe(false);
    expect(isWithinHours(local('2026-12-03', '23:00'), night, JKT)).toBe(false); // Thursday
    expect(isWithinHours(local('2026-12-04', '05:00'), night, JKT)).toBe(false); // Thursday's night
    const allDay: OfficeHours = { days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00' };
    expect(isWithinHours(local('2026-12-06', '23:59'), allDay, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-06', '00:00'), allDay, JKT)).toBe(true);
    expect(isWithinHours(local('2026-12-06', '10:00'), { ...allDay, close: '00:00' }, JKT)).toBe(false);
  });

  it('is not fooled by a non-finite instant and rejects malformed hours', () => {
    expect(isWithinHours(Number.NaN, OFFICE, JKT)).toBe(false);
    expect(() => isWithinHours(0, { ...OFFICE, open: '8am' }, JKT)).toThrow(RangeError);
    expect(parseHHMM('07:30')).toBe(450);
  });

  it('is fast on the hot path (many taps in the same hours)', () => {
    const start = local('2026-12-01', '07:00');
    const t0 = performance.now();
    let open = 0;
    for (let i = 0; i < 200_000; i++) if (isWithinHours(start + i * 250, OFFICE, JKT)) open++;
    const ms = performance.now() - t0;
    // 07:00 .. 20:53 local, one tap every 250 ms: open exactly for the 8 hours 08:00-16:00
    expect(open).toBe(8 * 3600 * 4);
    expect(ms).toBeLessThan(1_000);
  });
});

describe('closeOfDay', () => {
  it("gives that local day's close, even just after local midnight", () => {
    expect(closeOfDay(zonedTimeToEpoch('2026-12-01', '10:00', JKT), OFFICE, JKT)).toBe(
      iso('2026-12-01T09:00:00Z'),
    );
    // 2026-11-30T17:30Z is already 2026-12-01 locally
    expect(closeOfDay(iso('2026-11-30T17:30:00Z'), OFFICE, JKT)).toBe(iso('2026-12-01T09:00:00Z'));
    expect(closeOfDay(iso('2026-11-30T16:59:00Z'), OFFICE, JKT)).toBe(iso('2026-11-30T09:00:00Z'));
  });

  it('for an overnight window, the close of the window in progress', () => {
    const night = { open: '22:00', close: '06:00' };
    expect(closeOfDay(zonedTimeToEpoch('2026-12-04', '23:00', JKT), night, JKT)).toBe(
      zonedTimeToEpoch('2026-12-05', '06:00', JKT),
    );
    expect(closeOfDay(zonedTimeToEpoch('2026-12-05', '02:00', JKT), night, JKT)).toBe(
      zonedTimeToEpoch('2026-12-05', '06:00', JKT),
    );
  });

  it('works in other zones (never hard-coded to Jakarta)', () => {
    expect(closeOfDay(iso('2026-07-01T15:00:00Z'), OFFICE, NY)).toBe(iso('2026-07-01T20:00:00Z'));
    expect(closeOfDay(iso('2026-12-01T15:00:00Z'), OFFICE, NY)).toBe(iso('2026-12-01T21:00:00Z'));
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and rejects anything else', () => {
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Asia/Atlantis')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(7)).toBe(false);
  });
});
