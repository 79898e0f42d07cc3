import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { DomainEvent, JournalEntry } from '../../src/domain/events.js';
import {
  buildMonthlyRecap,
  buildMonthlyRecapAsync,
  type MonthlyRecap,
  MonthlyRecapBuilder,
  type RecapContext,
} from '../../src/domain/recap.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { SYSTEM } from '../../src/domain/types.js';
import { monthsOf, YearlyRecapBuilder } from '../../src/domain/yearly-recap.js';
import { recapToCsv, yearlyRecapToCsv } from '../../src/reports/csv.js';
import { RECAP_LABELS } from '../../src/reports/labels.js';

const TZ = 'Asia/Jakarta';

type PayloadOf<T extends DomainEvent['type']> = DomainEvent extends infer E
  ? E extends { type: infer U; payload: infer P }
    ? T extends U
      ? P
      : never
    : never
  : never;

let seq = 0;
function ev<T extends DomainEvent['type']>(type: T, at: number, payload: PayloadOf<T>): JournalEntry {
  seq++;
  return {
    type,
    payload,
    seq,
    at,
    actor: SYSTEM,
    prev: '0'.repeat(64),
    hash: '0'.repeat(64),
  } as JournalEntry;
}

/** Local Jakarta time, with optional seconds. */
function t(date: string, hhmm: string, seconds = 0): number {
  return zonedTimeToEpoch(date, hhmm, TZ) + seconds * 1000;
}

const ctx: RecapContext = {
  month: '2026-12',
  timezone: TZ,
  hosts: new Map([
    ['h1', { name: 'Bapak Andi Wijaya', unit: 'Bagian Umum' }],
    ['h2', { name: 'Ibu Sari Dewi', unit: 'Subbagian Tata Usaha' }],
  ]),
  doors: new Map([
    ['lobby', { name: 'Lobi Utama' }],
    ['ruang-kabag', { name: 'Ruang Kabag' }],
    ['ruang-rapat', { name: 'Ruang Rapat' }],
  ]),
  badges: new Map([['B2', { label: 'TAMU-02' }]]),
  standardsMinutes: { screening: 2, guestbook: 2, confirmation: 2, badge: 1, escort: 2 },
};

const UNIT1 = 'Bagian Umum';
const UNIT2 = 'Subbagian Tata Usaha';
const KOMINFO = 'Dinas Kominfo, Prov. Jatim';

function arrive(id: string, at: number, hostId: string, institution: string, purpose: string, unit?: string) {
  return ev('visit.arrived', at, {
    visitId: id,
    guestId: `g-${id}`,
    institution,
    purpose,
    hostId,
    unit: unit ?? (hostId === 'h1' ? UNIT1 : UNIT2),
  });
}
const screen = (
  id: string,
  at: number,
  passed = true,
  reasons: ('shoes' | 'attire' | 'belongings' | 'other')[] = [],
) => ev('visit.screened', at, { visitId: id, passed, reasons });
const guestbook = (id: string, at: number) => ev('visit.guestbook', at, { visitId: id });
const decide = (id: string, at: number, outcome: 'accepted' | 'refused' | 'host_absent') =>
  ev('visit.decided', at, { visitId: id, outcome, rooms: outcome === 'accepted' ? ['ruang-kabag'] : [] });
const badge = (
  id: string,
  at: number,
  badgeId: string,
  type: 'ktp' | 'sim' | 'student_card' | 'surat_tugas',
) => ev('visit.badge_issued', at, { visitId: id, badgeId, collateral: { type, masked: '35**********0001' } });
const checkout = (id: string, at: number, badgeReturned: boolean, documentReturned: boolean) =>
  ev('visit.checked_out', at, { visitId: id, badgeReturned, documentReturned });
const tap = (doorId: string, direction: 'in' | 'out', at: number, visitId?: string) =>
  ev('access.granted', at, { readerId: `${doorId}-${direction}`, doorId, direction, kind: 'nfc', visitId });
const deny = (reason: 'outside_hours' | 'unknown_badge', at: number) =>
  ev('access.denied', at, { readerId: 'lobby-in', doorId: 'lobby', direction: 'in', kind: 'nfc', reason });

function journal(): JournalEntry[] {
  seq = 0;
  return [
    // November (local): ignored. V0 arrives 2026-11-30 23:50 local, which is still November in Jakarta.
    arrive('V0', t('2026-11-30', '23:50'), 'h1', 'Arsip Lama', 'Lain'),
    screen('V0', t('2026-11-30', '23:51')),
    deny('unknown_badge', t('2026-11-30', '23:55')),
    tap('lobby', 'in', t('2026-11-30', '23:58'), 'V0'),
    // V11 arrives 2026-11-30T17:30Z = 2026-12-01 00:30 local: December. Empty unit -> the host's unit.
    ev('visit.arrived', Date.parse('2026-11-30T17:30:00Z'), {
      visitId: 'V11',
      guestId: 'g11',
      institution: 'Warga',
      purpose: 'Pengaduan',
      hostId: 'h2',
      unit: '',
    }),
    // V1: every step, over the standard at confirmation (3 min) and escort (3 min); 60 min visit.
    arrive('V1', t('2026-12-01', '08:00'), 'h1', KOMINFO, 'Koordinasi'),
    screen('V1', t('2026-12-01', '08:01', 30)),
    guestbook('V1', t('2026-12-01', '08:03')),
    decide('V1', t('2026-12-01', '08:06'), 'accepted'),
    badge('V1', t('2026-12-01', '08:06', 30), 'B1', 'ktp'),
    tap('ruang-kabag', 'out', t('2026-12-01', '08:07')), // an exit is not the escort's end
    tap('lobby', 'in', t('2026-12-01', '08:30'), 'V0'), // a visit from November: door counts only
    tap('ruang-kabag', 'in', t('2026-12-01', '08:09', 30), 'V1'),
    tap('ruang-kabag', 'out', t('2026-12-01', '09:00'), 'V1'),
    checkout('V1', t('2026-12-01', '09:06', 30), true, true),
    // V2: refused at screening for shoes and attire (3 min, over).
    arrive('V2', t('2026-12-02', '09:00'), 'h2', 'PT Maju Jaya', 'Penawaran'),
    screen('V2', t('2026-12-02', '09:03'), false, ['shoes', 'attire']),
    // V3: refused by the host.
    arrive('V3', t('2026-12-02', '10:00'), 'h1', 'Universitas Airlangga', 'Penelitian'),
    screen('V3', t('2026-12-02', '10:01')),
    guestbook('V3', t('2026-12-02', '10:02')),
    decide('V3', t('2026-12-02', '10:03'), 'refused'),
    // V4: host absent -> rescheduled. Same institution and purpose, other spelling. 2 min: not over.
    arrive('V4', t('2026-12-03', '10:30'), 'h2', '  universitas   airlangga ', 'penelitian'),
    screen('V4', t('2026-12-03', '10:32')),
    guestbook('V4', t('2026-12-03', '10:33')),
    decide('V4', t('2026-12-03', '10:34'), 'host_absent'),
    // V5: badge not returned at checkout; 60 min visit.
    arrive('V5', t('2026-12-04', '13:00'), 'h1', 'PT Maju Jaya', 'Koordinasi'),
    screen('V5', t('2026-12-04', '13:01')),
    guestbook('V5', t('2026-12-04', '13:02')),
    decide('V5', t('2026-12-04', '13:03'), 'accepted'),
    badge('V5', t('2026-12-04', '13:04'), 'B2', 'sim'),
    tap('lobby', 'in', t('2026-12-04', '13:05'), 'V5'),
    tap('lobby', 'in', t('2026-12-04', '13:20'), 'V5'), // a second entry: escort already measured
    tap('lobby', 'out', t('2026-12-04', '14:00'), 'V5'),
    checkout('V5', t('2026-12-04', '14:04'), false, true),
    // V6: document not returned; badge step 2 min (over 1); no door tap (escort not measured).
    arrive('V6', t('2026-12-04', '15:00'), 'h2', KOMINFO, 'Koordinasi'),
    screen('V6', t('2026-12-04', '15:01')),
    guestbook('V6', t('2026-12-04', '15:02')),
    decide('V6', t('2026-12-04', '15:04'), 'accepted'),
    badge('V6', t('2026-12-04', '15:06'), 'B3', 'student_card'),
    checkout('V6', t('2026-12-04', '15:36'), true, false),
    // V7: document left at checkout, returned later: not listed. Institution starting with '@'.
    arrive('V7', t('2026-12-07', '11:00'), 'h1', '@Komunitas', 'Koordinasi'),
    screen('V7', t('2026-12-07', '11:01')),
    guestbook('V7', t('2026-12-07', '11:02')),
    decide('V7', t('2026-12-07', '11:03'), 'accepted'),
    badge('V7', t('2026-12-07', '11:04'), 'B4', 'ktp'),
    checkout('V7', t('2026-12-07', '11:34'), true, false),
    ev('visit.document_returned', t('2026-12-07', '11:40'), { visitId: 'V7', documentType: 'ktp' }),
    // V9: cancelled before a badge.
    arrive('V9', t('2026-12-07', '12:00'), 'h2', 'Warga', 'Pengaduan'),
    screen('V9', t('2026-12-07', '12:01')),
    ev('visit.cancelled', t('2026-12-07', '12:05'), { visitId: 'V9' }),
    // Denials, a door not configured, a checkout of a visit never seen arriving (ignored).
    deny('outside_hours', t('2026-12-05', '07:00')),
    deny('outside_hours', t('2026-12-06', '07:00')),
    deny('unknown_badge', t('2026-12-08', '09:00')),
    tap('gudang', 'in', t('2026-12-08', '09:05')),
    checkout('V0', t('2026-12-08', '10:00'), false, false),
    // V8: badged on the last day, checked out in January: badge still out by the end of December.
    arrive('V8', t('2026-12-31', '16:00'), 'h1', 'PT Maju Jaya', 'Rapat'),
    screen('V8', t('2026-12-31', '16:01')),
    guestbook('V8', t('2026-12-31', '16:02')),
    decide('V8', t('2026-12-31', '16:03'), 'accepted'),
    badge('V8', t('2026-12-31', '16:04'), 'B5', 'ktp'),
    checkout('V8', t('2027-01-01', '00:10'), true, true),
    arrive('V12', t('2027-01-01', '08:00'), 'h1', 'PT Maju Jaya', 'Rapat'),
  ];
}

describe('MonthlyRecapBuilder', () => {
  const entries = journal();
  const recap = buildMonthlyRecap(ctx, entries);

  it('counts the month: visits, refusals, reschedules, cancellations, badges', () => {
    expect(recap.month).toBe('2026-12');
    expect(recap.timezone).toBe(TZ);
    expect(recap.period).toEqual({
      start: Date.parse('2026-11-30T17:00:00Z'),
      end: Date.parse('2026-12-31T17:00:00Z'),
    });
    // 4 November entries and 2 January ones are skipped
    expect(recap.entries).toEqual({ read: entries.length, inMonth: entries.length - 6 });
    expect(recap.totals).toEqual({
      visits: 10,
      screeningRefused: 1,
      hostRefused: 1,
      rescheduled: 1,
      cancelled: 1,
      accepted: 5,
      badgesIssued: 5,
      checkedOut: 4,
      expected: 0,
      walkIn: 10,
      noShows: 0,
      groups: 0,
      groupPersons: 0,
    });
    expect(recap.screeningReasons).toEqual([
      { key: 'shoes', label: 'shoes', count: 1 },
      { key: 'attire', label: 'attire', count: 1 },
      { key: 'belongings', label: 'belongings', count: 0 },
      { key: 'other', label: 'other', count: 0 },
    ]);
  });

  it('breaks visits down by host, unit, institution and purpose (count desc, then name)', () => {
    expect(recap.byHost).toEqual([
      { key: 'h1', label: 'Bapak Andi Wijaya', count: 5 },
      { key: 'h2', label: 'Ibu Sari Dewi', count: 5 },
    ]);
    expect(recap.byUnit).toEqual([
      { key: 'bagian umum', label: UNIT1, count: 5 },
      { key: 'subbagian tata usaha', label: UNIT2, count: 5 },
    ]);
    expect(recap.byInstitution).toEqual([
      { key: 'pt maju jaya', label: 'PT Maju Jaya', count: 3 },
      { key: 'dinas kominfo, prov. jatim', label: KOMINFO, count: 2 },
      { key: 'universitas airlangga', label: 'Universitas Airlangga', count: 2 },
      { key: 'warga', label: 'Warga', count: 2 },
      { key: '@komunitas', label: '@Komunitas', count: 1 },
    ]);
    // Purposes count per category (config visits.purposes), not per sentence: these visits were
    // recorded without one, so all count under the last category (test/unit/purposes.test.ts).
    expect(recap.byPurpose).toEqual([{ key: 'lainnya', label: 'Lainnya', labelEn: 'Other', count: 10 }]);
  });

  it('breaks visits down by local day and hour of arrival', () => {
    expect(recap.byDay).toHaveLength(31);
    expect(recap.byDay[0]).toEqual({ key: '2026-12-01', label: '1', count: 2 });
    const days = Object.fromEntries(recap.byDay.filter((d) => d.count > 0).map((d) => [d.label, d.count]));
    expect(days).toEqual({ '1': 2, '2': 2, '3': 1, '4': 2, '7': 2, '31': 1 });
    expect(recap.byHour).toHaveLength(24);
    expect(recap.byHour[8]).toEqual({ key: '08', label: '08:00', count: 1 });
    const hours = Object.fromEntries(recap.byHour.filter((h) => h.count > 0).map((h) => [h.key, h.count]));
    expect(hours).toEqual({
      '00': 1,
      '08': 1,
      '09': 1,
      '10': 2,
      '11': 1,
      '12': 1,
      '13': 1,
      '15': 1,
      '16': 1,
    });
  });

  it('averages the visit duration from badge to checkout', () => {
    // V1 60, V5 60, V6 30, V7 30
    expect(recap.averageVisitMinutes).toBe(45);
    expect(recap.visitDurationCount).toBe(4);
  });

  it('counts entries and exits per door, and denials per reason', () => {
    expect(recap.doors).toEqual([
      { key: 'lobby', label: 'Lobi Utama', entries: 3, exits: 1 },
      { key: 'ruang-kabag', label: 'Ruang Kabag', entries: 1, exits: 2 },
      { key: 'gudang', label: 'gudang', entries: 1, exits: 0 },
      { key: 'ruang-rapat', label: 'Ruang Rapat', entries: 0, exits: 0 },
    ]);
    expect(recap.denials).toEqual([
      { key: 'outside_hours', label: 'outside_hours', count: 2 },
      { key: 'unknown_badge', label: 'unknown_badge', count: 1 },
    ]);
  });

  it('lists badges and documents not returned', () => {
    expect(recap.badgesNotReturned).toEqual([
      {
        visitId: 'V5',
        badgeId: 'B2',
        badgeLabel: 'TAMU-02',
        hostId: 'h1',
        hostName: 'Bapak Andi Wijaya',
        issuedAt: t('2026-12-04', '13:04'),
        reason: 'checkout',
      },
      {
        visitId: 'V8',
        badgeId: 'B5',
        // A badge no longer in the pool: its id is all there is.
        badgeLabel: 'B5',
        hostId: 'h1',
        hostName: 'Bapak Andi Wijaya',
        issuedAt: t('2026-12-31', '16:04'),
        reason: 'open',
      },
    ]);
    expect(recap.documentsNotReturned).toEqual([
      {
        visitId: 'V6',
        documentType: 'student_card',
        hostId: 'h2',
        hostName: 'Ibu Sari Dewi',
        checkedOutAt: t('2026-12-04', '15:36'),
      },
    ]);
  });

  it('measures SOP step times against the standards', () => {
    expect(recap.steps).toEqual([
      // V1 1.5, V2 3, V3..V9 1 each except V4 2: 1,1,1,1,1,1,1.5,2,3
      {
        step: 'screening',
        standardMinutes: 2,
        count: 9,
        meanMinutes: 1.39,
        medianMinutes: 1,
        p90Minutes: 3,
        overStandard: 1,
      },
      // V1 1.5, V3 V4 V5 V6 V7 V8 1
      {
        step: 'guestbook',
        standardMinutes: 2,
        count: 7,
        meanMinutes: 1.07,
        medianMinutes: 1,
        p90Minutes: 1.5,
        overStandard: 0,
      },
      // V1 3, V6 2, others 1
      {
        step: 'confirmation',
        standardMinutes: 2,
        count: 7,
        meanMinutes: 1.43,
        medianMinutes: 1,
        p90Minutes: 3,
        overStandard: 1,
      },
      // V1 0.5, V5 1, V6 2, V7 1, V8 1
      {
        step: 'badge',
        standardMinutes: 1,
        count: 5,
        meanMinutes: 1.1,
        medianMinutes: 1,
        p90Minutes: 2,
        overStandard: 1,
      },
      // V1 3 (first 'in' after the badge), V5 1
      {
        step: 'escort',
        standardMinutes: 2,
        count: 2,
        meanMinutes: 2,
        medianMinutes: 2,
        p90Minutes: 3,
        overStandard: 1,
      },
    ]);
  });

  it('ends the escort step at the escort door (issue 14), else at the first entry', () => {
    seq = 0;
    const day = '2026-12-10';
    const visit = (id: string, badgeAt: number) => [
      arrive(id, t(day, '09:00'), 'h1', 'Warga', 'Rapat'),
      screen(id, t(day, '09:01')),
      guestbook(id, t(day, '09:02')),
      decide(id, t(day, '09:03'), 'accepted'),
      badge(id, badgeAt, `b-${id}`, 'ktp'),
    ];
    const escorted = (at: number, visitId: string) =>
      ev('access.granted', at, {
        readerId: 'ruang-kabag-in',
        doorId: 'ruang-kabag',
        direction: 'in',
        kind: 'nfc',
        visitId,
        escortId: 'esc-ani',
      });
    const waits = (at: number) =>
      ev('access.denied', at, {
        readerId: 'ruang-kabag-in',
        doorId: 'ruang-kabag',
        direction: 'in',
        kind: 'nfc',
        visitId: 'E1',
        reason: 'awaiting_escort',
      });
    const b = new MonthlyRecapBuilder(ctx);
    for (const e of [
      // E1: through the entrance 1 min after the badge, with the escort at the room 4 min after it.
      ...visit('E1', t(day, '09:04')),
      tap('lobby', 'in', t(day, '09:05'), 'E1'),
      waits(t(day, '09:07')),
      escorted(t(day, '09:08'), 'E1'),
      tap('lobby', 'in', t(day, '09:30'), 'E1'),
      // E2: no escort door; its first entry 2 min after the badge, counted at its checkout.
      ...visit('E2', t(day, '10:00')),
      tap('lobby', 'in', t(day, '10:02'), 'E2'),
      checkout('E2', t(day, '11:00'), true, true),
      // E3: still in, entered 6 min after its badge, no escort door yet.
      ...visit('E3', t(day, '12:00')),
      tap('lobby', 'in', t(day, '12:06'), 'E3'),
    ])
      b.add(e);
    const escort = b.result().steps.find((x) => x.step === 'escort');
    expect(escort).toMatchObject({ count: 3, medianMinutes: 4, overStandard: 2 });
    // A wait for the escort is half of a pair, not a refusal.
    expect(b.result().denials).toEqual([]);
    // Read twice: the open visit is counted as the recap is read, not kept.
    expect(b.result().steps.find((x) => x.step === 'escort')?.count).toBe(3);
  });

  it('is JSON-friendly and result() does not consume the builder', () => {
    const b = new MonthlyRecapBuilder(ctx);
    for (const e of entries) b.add(e);
    const first = b.result();
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(b.result()).toEqual(first);
    b.add(arrive('V13', t('2026-12-09', '09:00'), 'h2', 'Warga', 'Pengaduan'));
    expect(b.result().totals.visits).toBe(11);
  });

  it('ignores every event of another month, and a visit arriving twice counts once', () => {
    const outside = journal().filter((e) => e.at < recap.period.start || e.at >= recap.period.end);
    expect(outside).toHaveLength(6);
    const empty = buildMonthlyRecap(ctx, outside);
    expect(empty.totals.visits).toBe(0);
    expect(empty.doors.every((d) => d.entries + d.exits === 0)).toBe(true);
    expect(empty.denials).toEqual([]);
    expect(empty.badgesNotReturned).toEqual([]);
    expect(empty.steps.every((s) => s.count === 0 && s.meanMinutes === null)).toBe(true);
    expect(empty.averageVisitMinutes).toBeNull();

    const a = arrive('X', t('2026-12-10', '09:00'), 'h1', 'Warga', 'Pengaduan');
    expect(buildMonthlyRecap(ctx, [a, a]).totals.visits).toBe(1);
  });

  it('orders breakdowns the same whatever the order visits arrive in', () => {
    const arrivals = ['A', 'B', 'C', 'D', 'E'].map((id, i) =>
      arrive(id, t('2026-12-10', `09:0${i}`), 'h1', ['Zeta', 'alpha', 'Beta', 'Zeta', 'beta'][i]!, 'x'),
    );
    const forward = buildMonthlyRecap(ctx, arrivals).byInstitution;
    const backward = buildMonthlyRecap(ctx, [...arrivals].reverse()).byInstitution;
    expect(forward.map((i) => [i.key, i.count])).toEqual([
      ['beta', 2],
      ['zeta', 2],
      ['alpha', 1],
    ]);
    expect(backward.map((i) => [i.key, i.count])).toEqual(forward.map((i) => [i.key, i.count]));
  });

  it('rejects a bad month or time zone', () => {
    expect(() => new MonthlyRecapBuilder({ ...ctx, month: '2026-13' })).toThrow(DomainError);
    expect(() => new MonthlyRecapBuilder({ ...ctx, timezone: 'Asia/Nowhere' })).toThrow(DomainError);
  });

  it('uses the configured zone, never Jakarta by default', () => {
    // 2026-12-01 00:30 in Jakarta is still November 30 in UTC
    const utc = buildMonthlyRecap({ ...ctx, timezone: 'UTC' }, journal());
    expect(utc.totals.visits).toBe(9); // V11 falls in November, V0 and V12 stay outside
  });

  it('streams 100,000 entries without keeping them', async () => {
    const visits = 20_000;
    async function* stream(): AsyncGenerator<JournalEntry> {
      const base = t('2026-12-01', '08:00');
      for (let i = 0; i < visits; i++) {
        const at = base + i * 120_000; // one arrival every 2 minutes, about 28 days
        const id = `S${i}`;
        yield arrive(id, at, i % 2 ? 'h1' : 'h2', `Instansi ${i % 50}`, `Keperluan ${i % 7}`);
        yield screen(id, at + 60_000);
        yield guestbook(id, at + 120_000);
        yield decide(id, at + 180_000, 'accepted');
        yield checkout(id, at + 200_000, true, true);
      }
    }
    const t0 = performance.now();
    const big: MonthlyRecap = await buildMonthlyRecapAsync(ctx, stream());
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(big.entries.read).toBe(100_000);
    expect(big.totals.visits).toBe(visits);
    expect(big.totals.checkedOut).toBe(visits);
    expect(big.byInstitution).toHaveLength(50);
    expect(big.steps[0]).toMatchObject({ count: visits, meanMinutes: 1, overStandard: 0 });
  });
});

// ---------------------------------------------------------------- CSV

/** A strict RFC 4180 reader for the checks below. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('last record not terminated by CRLF');
  return rows;
}

describe('recapToCsv', () => {
  const recap = buildMonthlyRecap(ctx, journal());
  const csv = recapToCsv(recap);

  it('starts with a UTF-8 BOM and ends every line with CRLF', () => {
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(/[^\r]\n/.test(csv)).toBe(false);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('speaks Bahasa Indonesia by default, with the month name in the title', () => {
    const rows = parseCsv(csv.slice(1));
    expect(rows[0]).toEqual(['Rekapitulasi Kunjungan Tamu Biro Umum - Desember 2026']);
    expect(rows[1]).toEqual(['Bulan', 'Desember 2026']);
    const firstCells = rows.map((r) => r[0]);
    for (const label of [
      'Jumlah kunjungan',
      'Ditolak saat pemeriksaan',
      'Alasan: alas kaki',
      'Alasan: pakaian',
      'Alasan: barang bawaan',
      'Alasan: lainnya',
      'Ditolak pihak yang ditemui',
      'Dijadwalkan ulang',
      'Kartu tamu diterbitkan',
      'Per pihak yang ditemui',
      'Per unit',
      'Per instansi',
      'Per keperluan',
      'Per hari',
      'Per jam',
      'Rata-rata lama kunjungan (menit)',
      'Masuk / keluar per pintu',
      'Kartu belum kembali',
      'Dokumen identitas belum dikembalikan',
      'Waktu langkah SOP vs standar',
    ]) {
      expect(firstCells, label).toContain(label);
    }
    const value = (label: string) => rows.find((r) => r[0] === label)?.slice(1);
    expect(value('Jumlah kunjungan')).toEqual(['10']);
    expect(value('Alasan: alas kaki')).toEqual(['1']);
    expect(value('Alasan: barang bawaan')).toEqual(['0']);
    expect(value('Ditolak pihak yang ditemui')).toEqual(['1']);
    expect(value('Dijadwalkan ulang')).toEqual(['1']);
    expect(value('Kartu tamu diterbitkan')).toEqual(['5']);
    expect(value('Rata-rata lama kunjungan (menit)')).toEqual(['45']);
    expect(value('Kartu belum kembali')).toEqual(['2']);
    expect(value('Dokumen identitas belum dikembalikan')).toEqual(['1']);
    expect(value('Bapak Andi Wijaya')).toEqual(['5']);
    expect(value('Lobi Utama')).toEqual(['3', '1']);
    expect(value('Di luar jam layanan')).toEqual(['2']);
    expect(value('Konfirmasi pihak yang ditemui')).toEqual(['2', '7', '1.43', '1', '3', '1']);
    expect(value('V5')).toEqual([
      'TAMU-02',
      'Bapak Andi Wijaya',
      '2026-12-04 13:04',
      'Tidak dikembalikan saat selesai bertamu',
    ]);
    expect(value('V8')).toEqual(['B5', 'Bapak Andi Wijaya', '2026-12-31 16:04', 'Belum selesai bertamu']);
    expect(value('V6')).toEqual(['Kartu pelajar/mahasiswa', 'Ibu Sari Dewi', '2026-12-04 15:36']);
    expect(value('2026-12-01')).toEqual(['2']);
    expect(value('08:00-08:59')).toEqual(['1']);
  });

  it('quotes a field holding a comma and defuses formula-like text', () => {
    expect(csv).toContain('\r\n"Dinas Kominfo, Prov. Jatim",2\r\n');
    expect(csv).toContain("\r\n'@Komunitas,1\r\n");
    const tricky = recapToCsv({
      ...recap,
      byInstitution: [
        { key: 'q', label: 'CV "Sinar", Tbk', count: 1 },
        { key: 'n', label: 'Baris\nbaru', count: 1 },
        { key: 'f', label: '=1+2', count: 1 },
        { key: 'e', label: '', count: 1 },
      ],
    });
    expect(tricky).toContain('\r\n"CV ""Sinar"", Tbk",1\r\n');
    expect(tricky).toContain('\r\n"Baris\nbaru",1\r\n');
    expect(tricky).toContain("\r\n'=1+2,1\r\n");
    expect(tricky).toContain('\r\n(tidak diisi),1\r\n');
    const rows = parseCsv(tricky.slice(1));
    expect(rows.some((r) => r[0] === 'CV "Sinar", Tbk' && r[1] === '1')).toBe(true);
    expect(rows.some((r) => r[0] === 'Baris\nbaru')).toBe(true);
  });

  it('writes English labels on request', () => {
    const en = recapToCsv(recap, 'en');
    const rows = parseCsv(en.slice(1));
    expect(rows[0]).toEqual(['Guest Visit Recap, Biro Umum - December 2026']);
    expect(en.startsWith('\uFEFF"Guest Visit Recap, Biro Umum - December 2026"\r\n')).toBe(true);
    const firstCells = rows.map((r) => r[0]);
    for (const label of [
      'Visits',
      'Refused at screening',
      'Reason: footwear',
      'By host',
      'SOP step times vs standard',
    ]) {
      expect(firstCells).toContain(label);
    }
    expect(en).not.toContain('Jumlah kunjungan');
  });

  it('keeps every label table complete in both languages', () => {
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(RECAP_LABELS.en)).toEqual(keys(RECAP_LABELS.id));
    expect(RECAP_LABELS.id.months).toHaveLength(12);
    expect(RECAP_LABELS.id.months[0]).toBe('Januari');
    expect(RECAP_LABELS.id.months[11]).toBe('Desember');
    for (const lang of ['id', 'en'] as const) {
      for (const [k, v] of Object.entries(RECAP_LABELS[lang])) {
        if (typeof v === 'object')
          expect(keys(v), `${lang}.${k}`).toEqual(keys(RECAP_LABELS.id[k as 'denyReasons']));
      }
    }
  });
});

// ---------------------------------------------------------------- the yearly recap

describe('YearlyRecapBuilder', () => {
  const monthBuilder = (month: string, entries: readonly JournalEntry[]) => {
    const b = new MonthlyRecapBuilder({ ...ctx, month });
    for (const e of entries) b.add(e);
    return b;
  };
  const year2026 = () => {
    const entries = journal();
    const y = new YearlyRecapBuilder('2026', TZ);
    for (const month of monthsOf('2026')) y.addMonth(monthBuilder(month, entries));
    return { entries, recap: y.result() };
  };

  it('adds up the months: totals, breakdowns, doors and denials; every month listed', () => {
    const { entries, recap } = year2026();
    const nov = buildMonthlyRecap({ ...ctx, month: '2026-11' }, entries);
    const dec = buildMonthlyRecap(ctx, entries);
    expect(recap.year).toBe('2026');
    expect(recap.period).toEqual({
      start: Date.parse('2025-12-31T17:00:00Z'),
      end: Date.parse('2026-12-31T17:00:00Z'),
    });
    expect(recap.totals.visits).toBe(nov.totals.visits + dec.totals.visits);
    expect(recap.totals.visits).toBe(11); // V0 in November, ten in December
    for (const k of Object.keys(recap.totals) as Array<keyof typeof recap.totals>)
      expect(recap.totals[k], k).toBe(nov.totals[k] + dec.totals[k]);
    expect(recap.byMonth.map((m) => m.month)).toEqual(monthsOf('2026'));
    expect(recap.byMonth.map((m) => m.totals.visits)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10]);
    expect(recap.byMonth[11]).toMatchObject({
      entries: dec.doors.reduce((n, d) => n + d.entries, 0),
      exits: dec.doors.reduce((n, d) => n + d.exits, 0),
      denied: 3,
      badgesNotReturned: 2,
      documentsNotReturned: 1,
    });
    expect(recap.byMonth[10]).toMatchObject({ entries: 1, denied: 1 });
    expect(recap.byHost.find((h) => h.key === 'h1')?.count).toBe(
      (nov.byHost.find((h) => h.key === 'h1')?.count ?? 0) +
        (dec.byHost.find((h) => h.key === 'h1')?.count ?? 0),
    );
    expect(recap.denials).toEqual([
      { key: 'outside_hours', label: 'outside_hours', count: 2 },
      { key: 'unknown_badge', label: 'unknown_badge', count: 2 },
    ]);
    expect(recap.doors.find((d) => d.key === 'lobby')).toMatchObject({ entries: 4, exits: 1 });
    expect(recap.byHour.reduce((n, h) => n + h.count, 0)).toBe(11);
    expect(recap.screeningReasons.map((r) => [r.key, r.count])).toEqual([
      ['shoes', 1],
      ['attire', 1],
      ['belongings', 0],
      ['other', 0],
    ]);
    expect(recap.badgesNotReturned).toBe(2);
    expect(recap.documentsNotReturned).toBe(1);
    expect(recap.entries.inYear).toBe(nov.entries.inMonth + dec.entries.inMonth);
    expect(JSON.parse(JSON.stringify(recap))).toEqual(recap);
  });

  it('computes SOP step figures and the mean visit over the year, not as a mean of months', () => {
    // November: one visit screened in 1 minute. December: nine (see the monthly test).
    const { recap } = year2026();
    const screening = recap.steps.find((s) => s.step === 'screening')!;
    expect(screening).toEqual({
      step: 'screening',
      standardMinutes: 2,
      count: 10,
      meanMinutes: 1.35, // (12.5 + 1) / 10
      medianMinutes: 1,
      p90Minutes: 2,
      overStandard: 1,
    });
    // Two months of one visit each: 10 min and 50 min, then 20 min: mean 26.67, not (10 + 35) / 2.
    const visit = (id: string, date: string, minutes: number) => [
      arrive(id, t(date, '09:00'), 'h1', 'X', 'Y'),
      badge(id, t(date, '09:10'), `B-${id}`, 'ktp'),
      checkout(id, t(date, '09:10') + minutes * 60_000, true, true),
    ];
    const y = new YearlyRecapBuilder('2026', TZ);
    y.addMonth(monthBuilder('2026-03', visit('M1', '2026-03-02', 10)));
    y.addMonth(monthBuilder('2026-04', [...visit('A1', '2026-04-01', 50), ...visit('A2', '2026-04-02', 20)]));
    const r = y.result();
    expect(r.visitDurationCount).toBe(3);
    expect(r.averageVisitMinutes).toBe(26.67);
    expect(r.byMonth[2]!.averageVisitMinutes).toBe(10);
    expect(r.byMonth[3]!.averageVisitMinutes).toBe(35);
  });

  it('refuses a month of another year, the same month twice, and a bad year', () => {
    const y = new YearlyRecapBuilder('2026', TZ);
    expect(() => y.addMonth(monthBuilder('2027-01', []))).toThrow(DomainError);
    y.addMonth(monthBuilder('2026-01', []));
    expect(() => y.addMonth(monthBuilder('2026-01', []))).toThrow(DomainError);
    for (const bad of ['26', '2026-01', 'abcd', '1969'])
      expect(() => new YearlyRecapBuilder(bad, TZ)).toThrow(DomainError);
    expect(y.result().totals.visits).toBe(0);
    expect(y.result().averageVisitMinutes).toBeNull();
  });

  fcTest.prop(
    [fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 28 })), { maxLength: 60 })],
    {
      numRuns: 200,
    },
  )('a visit counts once, in the month it arrived: months and year agree', (arrivals) => {
    seq = 0;
    const entries = arrivals.map(([m, d], i) =>
      arrive(`P${i}`, t(`2026-${pad(m + 1)}-${pad(d)}`, '10:00'), i % 2 ? 'h1' : 'h2', `I${i % 3}`, 'x'),
    );
    const y = new YearlyRecapBuilder('2026', TZ);
    for (const month of monthsOf('2026')) y.addMonth(monthBuilder(month, entries));
    const r = y.result();
    expect(r.totals.visits).toBe(arrivals.length);
    expect(r.byMonth.map((m) => m.totals.visits)).toEqual(
      monthsOf('2026').map((_, i) => arrivals.filter(([m]) => m === i).length),
    );
    expect(r.byInstitution.reduce((n, it) => n + it.count, 0)).toBe(arrivals.length);
    expect(r.byUnit.reduce((n, it) => n + it.count, 0)).toBe(arrivals.length);
  });
});

const pad = (n: number) => String(n).padStart(2, '0');

describe('yearlyRecapToCsv', () => {
  const entries = journal();
  const y = new YearlyRecapBuilder('2026', TZ);
  for (const month of monthsOf('2026')) {
    const b = new MonthlyRecapBuilder({ ...ctx, month });
    for (const e of entries) b.add(e);
    y.addMonth(b);
  }
  const recap = y.result();

  it('titles the year, then the sums, then one row per month (Bahasa Indonesia by default)', () => {
    const csv = yearlyRecapToCsv(recap);
    expect(csv.startsWith('\uFEFFRekapitulasi Tahunan Kunjungan Tamu Biro Umum 2026\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toContain('Jumlah kunjungan,11');
    const header = lines.indexOf('Per bulan');
    expect(lines[header + 1]!.startsWith('Bulan,Jumlah kunjungan,')).toBe(true);
    expect(lines.slice(header + 2, header + 14).map((l) => l.split(',')[0])).toEqual(
      RECAP_LABELS.id.months.map((m) => `${m} 2026`),
    );
    expect(lines[header + 13]!.split(',')[1]).toBe('10');
  });

  it('writes English labels on request', () => {
    const csv = yearlyRecapToCsv(recap, 'en');
    expect(csv).toContain('Yearly Guest Visit Recap, Biro Umum 2026');
    expect(csv).toContain('\r\nBy month\r\nMonth,Visits,');
    expect(csv).toContain('\r\nDecember 2026,10,');
  });
});

describe('appointments in the recap (issue 14)', () => {
  const reg = (id: string, at: number, date: string, until = '11:00') =>
    ev('appointment.registered', at, {
      appointmentId: id,
      guestId: `g-${id}`,
      institution: KOMINFO,
      hostId: 'h1',
      date,
      from: '09:00',
      until,
      purposeCategory: 'rapat',
      preApproved: true,
    });
  const came = (visitId: string, at: number, appointmentId: string) =>
    ev('visit.arrived', at, {
      visitId,
      guestId: `g-${visitId}`,
      institution: KOMINFO,
      purpose: 'Rapat',
      hostId: 'h1',
      unit: UNIT1,
      appointmentId,
    });

  it('counts expected vs walk-in arrivals, and no-shows by the appointment date', () => {
    seq = 0;
    const entries = [
      // Registered in November for December: read from the month before (lookback).
      reg('A1', t('2026-11-20', '10:00'), '2026-12-02'),
      reg('A2', t('2026-11-21', '10:00'), '2026-12-03'),
      reg('A3', t('2026-12-01', '10:00'), '2026-12-04'),
      reg('A4', t('2026-12-01', '10:00'), '2026-12-05'),
      // Dated in January: not this month's.
      reg('A5', t('2026-12-01', '10:00'), '2027-01-05'),
      // Late in the month, after `now`: not a no-show yet.
      reg('A6', t('2026-12-01', '10:00'), '2026-12-20'),
      came('V1', t('2026-12-02', '09:10'), 'A1'),
      arrive('V2', t('2026-12-02', '09:20'), 'h1', 'Warga', 'Lain'),
      ev('appointment.cancelled', t('2026-12-02', '10:00'), { appointmentId: 'A3' }),
    ];
    const recap = buildMonthlyRecap({ ...ctx, now: t('2026-12-10', '12:00') }, entries);
    expect(recap.totals).toMatchObject({ visits: 2, expected: 1, walkIn: 1, noShows: 2 });
    // Without a clock, the whole month is over: A6 is a no-show too.
    expect(buildMonthlyRecap(ctx, entries).totals.noShows).toBe(3);
    // The same registration read twice (lookback and month) counts once.
    expect(buildMonthlyRecap(ctx, [entries[0]!, ...entries]).totals.noShows).toBe(3);
  });

  it('adds up into the year', () => {
    seq = 0;
    const dec = new MonthlyRecapBuilder(ctx);
    for (const e of [
      reg('B1', t('2026-12-01', '08:00'), '2026-12-01'),
      came('W1', t('2026-12-01', '09:00'), 'B1'),
    ])
      dec.add(e);
    const year = new YearlyRecapBuilder('2026', TZ);
    year.addMonth(dec);
    expect(year.result().totals).toMatchObject({ expected: 1, walkIn: 0, noShows: 0 });
  });
});

describe('group visits (rombongan) in the recap', () => {
  const person = (id: string, at: number, index: number) =>
    ev('visit.arrived', at, {
      visitId: id,
      guestId: `g-${id}`,
      institution: 'Bappeda Jember',
      purpose: 'Studi banding',
      hostId: 'h1',
      unit: UNIT1,
      group: { id: `grp-${id.slice(0, 1)}`, leader: index === 0, index },
    });

  it('counts persons (each a visit) and groups (one per leader), in the month and the year', () => {
    seq = 0;
    const entries = [
      person('A0', t('2026-12-02', '09:00'), 0),
      person('A1', t('2026-12-02', '09:00'), 1),
      person('A2', t('2026-12-02', '09:00'), 2),
      person('B0', t('2026-12-03', '10:00'), 0),
      person('B1', t('2026-12-03', '10:00'), 1),
      arrive('W1', t('2026-12-03', '11:00'), 'h1', 'Warga', 'Lain'),
    ];
    const recap = buildMonthlyRecap(ctx, entries);
    expect(recap.totals).toMatchObject({ visits: 6, walkIn: 6, groups: 2, groupPersons: 5 });
    const dec = new MonthlyRecapBuilder(ctx);
    for (const e of entries) dec.add(e);
    const year = new YearlyRecapBuilder('2026', TZ);
    year.addMonth(dec);
    expect(year.result().totals).toMatchObject({ visits: 6, groups: 2, groupPersons: 5 });
  });
});

describe('a fleet in the recap (issue 17)', () => {
  const at = t('2026-12-03', '09:00');
  it("a door gateway counts the desk's visits it holds at its doors, not as arrivals of its own", () => {
    const b = new MonthlyRecapBuilder(ctx);
    b.add(
      ev('visit.arrived', at, {
        visitId: 'v9',
        externalId: 'fleet:v9',
        guestId: 'fleet:v9',
        institution: KOMINFO,
        purpose: 'Rapat',
        hostId: 'h1',
        unit: '',
      }),
    );
    b.add(ev('visit.screened', at, { visitId: 'v9', passed: true, reasons: [], doneElsewhere: true }));
    b.add(ev('visit.guestbook', at, { visitId: 'v9', doneElsewhere: true }));
    b.add(ev('visit.decided', at, { visitId: 'v9', outcome: 'accepted', rooms: [], doneElsewhere: true }));
    b.add(ev('visit.badge_issued', at, { visitId: 'v9', badgeId: 'B2' }));
    b.add(
      ev('access.granted', at + 60_000, {
        readerId: 'l-in',
        doorId: 'lobby',
        direction: 'in',
        visitId: 'v9',
      }),
    );
    const r = b.result();
    expect(r.totals).toMatchObject({ visits: 0, accepted: 0, badgesIssued: 0, walkIn: 0 });
    expect(r.byHost).toEqual([]);
    expect(r.badgesNotReturned).toEqual([]);
    expect(r.synced.visits).toBe(0);
    expect(r.doors.find((d) => d.key === 'lobby')).toMatchObject({ entries: 1 });
  });

  it("the desk counts its door gateways' taps at their doors, named with the gateway", () => {
    const b = new MonthlyRecapBuilder(ctx);
    const remote = (gatewaySeq: number, granted: boolean) =>
      ev('fleet.access', at, {
        gateway: 'samping',
        gatewaySeq,
        gatewayAt: at,
        granted,
        access: granted
          ? { readerId: 'l-in', doorId: 'lobby', direction: 'in' }
          : { readerId: 'l-in', doorId: 'lobby', direction: 'in', reason: 'unknown_badge' },
        doorName: 'Lobi Samping',
      });
    b.add(remote(1, true));
    b.add(remote(2, false));
    const r = b.result();
    expect(r.doors.find((d) => d.key === 'samping/lobby')).toEqual({
      key: 'samping/lobby',
      label: 'Lobi Samping (samping)',
      entries: 1,
      exits: 0,
    });
    // The desk's own door of the same id is another door.
    expect(r.doors.find((d) => d.key === 'lobby')).toMatchObject({ entries: 0 });
    expect(r.denials).toEqual([{ key: 'unknown_badge', label: 'unknown_badge', count: 1 }]);
    expect(r.entries).toEqual({ read: 2, inMonth: 2 });
  });
});
