// Steps done elsewhere (issue 13, item 4): a visit the desk application pushes through the sync
// API gets its screening, guest book and host decision recorded at the push, all at once. Those
// steps are marked as done elsewhere in the journal entry and the visit's history, and the step
// times (the visit's own timings, the monthly and yearly recaps) leave them out instead of
// counting them as 0 minutes; the recap says how many visits that concerned.
import { describe, expect, it } from 'vitest';
import type { DomainEvent, JournalEntry } from '../../src/domain/events.js';
import { buildMonthlyRecap, MonthlyRecapBuilder, type RecapContext } from '../../src/domain/recap.js';
import { SYSTEM } from '../../src/domain/types.js';
import { stepTimings } from '../../src/domain/visit.js';
import { YearlyRecapBuilder } from '../../src/domain/yearly-recap.js';
import { recapToCsv, yearlyRecapToCsv } from '../../src/reports/csv.js';
import { ARRIVE, DESK_APP, drive, jkt, MINUTE, TZ, visitContext } from './fixtures/domain.js';

describe('a step done elsewhere, in the visit', () => {
  const ctx = visitContext();
  const at = (min: number) => ({ ...ctx, now: ctx.now + min * MINUTE, actor: DESK_APP });
  const synced = () => {
    let v = drive(undefined, ARRIVE, at(0)).visit;
    const screened = drive(v, { action: 'screen', passed: true, doneElsewhere: true }, at(0));
    v = screened.visit;
    const booked = drive(v, { action: 'guestbook', doneElsewhere: true }, at(0));
    v = booked.visit;
    const decided = drive(
      v,
      { action: 'decide', outcome: 'accepted', rooms: [], doneElsewhere: true },
      at(0),
    );
    return { visit: decided.visit, events: [screened.event, booked.event, decided.event] };
  };

  it('is marked in the journal entry and in the history', () => {
    const { visit, events } = synced();
    for (const e of events) expect(e.payload, e.type).toMatchObject({ doneElsewhere: true });
    expect(visit.history.map((h) => [h.action, h.doneElsewhere ?? false])).toEqual([
      ['arrive', false],
      ['screen', true],
      ['guestbook', true],
      ['decide', true],
    ]);
  });

  it('is left out of the step timings; the steps done here are timed', () => {
    const { visit } = synced();
    expect(stepTimings(visit, undefined, ctx.now + 30 * MINUTE)).toEqual([]);
    const badged = drive(
      visit,
      { action: 'issue_badge', badgeId: 'b-01', collateral: { type: 'ktp', masked: '35**********0001' } },
      at(20),
    ).visit;
    // The badge step starts at a decision made elsewhere: its start is not known here.
    expect(stepTimings(badged, ctx.now + 25 * MINUTE).map((s) => [s.step, s.minutes])).toEqual([
      ['escort', 5],
    ]);
  });

  it('a visit whose steps were done here is timed as before (no mark)', () => {
    let v = drive(undefined, ARRIVE, at(0)).visit;
    const s = drive(v, { action: 'screen', passed: true }, at(1));
    expect(s.event.payload).not.toHaveProperty('doneElsewhere');
    v = drive(s.visit, { action: 'guestbook' }, at(2)).visit;
    expect(v.history.some((h) => 'doneElsewhere' in h)).toBe(false);
    expect(stepTimings(v).map((x) => [x.step, x.minutes])).toEqual([
      ['screening', 1],
      ['guestbook', 1],
    ]);
  });
});

// ---------------------------------------------------------------- the recaps

let seq = 0;
function ev(type: DomainEvent['type'], at: number, payload: object): JournalEntry {
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
const t = (date: string, hhmm: string) => jkt(date, hhmm);
const recapCtx = (month: string): RecapContext => ({
  month,
  timezone: TZ,
  hosts: new Map([['h1', { name: 'Bapak Andi', unit: 'Bagian Umum' }]]),
  doors: new Map([['ruang-kabag', { name: 'Ruang Kabag' }]]),
});

/** One visit through every step; `elsewhere`: screening, guest book and decision pushed at `start`. */
function visit(id: string, date: string, elsewhere: boolean): JournalEntry[] {
  const mark = elsewhere ? { doneElsewhere: true } : {};
  const step = (min: number) => (elsewhere && min <= 3 ? t(date, '09:00') : t(date, '09:00') + min * MINUTE);
  return [
    ev('visit.arrived', t(date, '09:00'), {
      visitId: id,
      guestId: `g-${id}`,
      institution: 'Dinas',
      purpose: 'Rapat',
      hostId: 'h1',
      unit: 'Bagian Umum',
      ...(elsewhere ? { externalId: `ext-${id}` } : {}),
    }),
    ev('visit.screened', step(1), { visitId: id, passed: true, reasons: [], ...mark }),
    ev('visit.guestbook', step(2), { visitId: id, ...mark }),
    ev('visit.decided', step(3), { visitId: id, outcome: 'accepted', rooms: ['ruang-kabag'], ...mark }),
    ev('visit.badge_issued', t(date, '09:00') + 4 * MINUTE, {
      visitId: id,
      badgeId: `b-${id}`,
      collateral: { type: 'ktp', masked: '35**********0001' },
    }),
    ev('access.granted', t(date, '09:00') + 6 * MINUTE, {
      readerId: 'ruang-kabag-in',
      doorId: 'ruang-kabag',
      direction: 'in',
      kind: 'nfc',
      visitId: id,
    }),
    ev('visit.checked_out', t(date, '10:00'), { visitId: id, badgeReturned: true, documentReturned: true }),
  ];
}

describe('the monthly recap', () => {
  it('leaves steps done elsewhere out of the step times and counts the visits concerned', () => {
    const entries = [
      ...visit('A', '2026-12-01', false),
      ...visit('S', '2026-12-01', true),
      ...visit('T', '2026-12-02', true),
    ];
    const r = buildMonthlyRecap(recapCtx('2026-12'), entries);
    const steps = Object.fromEntries(r.steps.map((s) => [s.step, [s.count, s.meanMinutes]]));
    // Only A is timed for screening .. badge (1 minute each); escort is timed for all three.
    expect(steps).toEqual({
      screening: [1, 1],
      guestbook: [1, 1],
      confirmation: [1, 1],
      badge: [1, 1],
      escort: [3, 2],
    });
    expect(r.synced).toEqual({
      visits: 2,
      excludedSteps: { screening: 2, guestbook: 2, confirmation: 2, badge: 2, escort: 0 },
    });
    // Every other figure counts the synced visits as usual.
    expect(r.totals).toMatchObject({ visits: 3, accepted: 3, badgesIssued: 3, checkedOut: 3 });
  });

  it('the yearly recap adds the months up', () => {
    const entries = [
      ...visit('A', '2026-11-02', true),
      ...visit('S', '2026-12-01', true),
      ...visit('T', '2026-12-02', false),
    ];
    const y = new YearlyRecapBuilder('2026', TZ);
    for (const month of ['2026-11', '2026-12']) {
      const b = new MonthlyRecapBuilder(recapCtx(month));
      for (const e of entries) b.add(e);
      y.addMonth(b);
    }
    const r = y.result();
    expect(r.synced).toEqual({
      visits: 2,
      excludedSteps: { screening: 2, guestbook: 2, confirmation: 2, badge: 2, escort: 0 },
    });
    expect(r.byMonth.map((m) => m.synced)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(r.steps.find((s) => s.step === 'screening')?.count).toBe(1);
  });
});

describe('the recap exports', () => {
  it('say under the step times how many visits came from the desk application, only when some did', () => {
    const synced = buildMonthlyRecap(recapCtx('2026-12'), [
      ...visit('A', '2026-12-01', false),
      ...visit('S', '2026-12-01', true),
    ]);
    const csv = recapToCsv(synced);
    expect(csv).toContain(
      '\r\nKunjungan dari aplikasi meja tamu (langkah yang dikerjakan di sana tidak diukur),1\r\n',
    );
    expect(recapToCsv(synced, 'en')).toContain(
      '\r\nVisits from the desk application (steps done there are not timed),1\r\n',
    );
    const plain = buildMonthlyRecap(recapCtx('2026-12'), visit('A', '2026-12-01', false));
    expect(recapToCsv(plain)).not.toContain('aplikasi meja tamu');
    const y = new YearlyRecapBuilder('2026', TZ);
    const b = new MonthlyRecapBuilder(recapCtx('2026-12'));
    for (const e of visit('S', '2026-12-01', true)) b.add(e);
    y.addMonth(b);
    expect(yearlyRecapToCsv(y.result())).toContain(
      '\r\nKunjungan dari aplikasi meja tamu (langkah yang dikerjakan di sana tidak diukur),1\r\n',
    );
  });
});
