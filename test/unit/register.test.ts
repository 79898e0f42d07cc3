// The guest-book register's rows (domain/register.ts), built from visit records without I/O:
// the period (a day, a month, local time), arrival order, time out per SOP outcome (a visit
// across midnight, refused, cancelled, rescheduled, still inside, expired), a synced visit,
// badge labels and document types, and what retention leaves of the guest's name.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  buildRegister,
  type RegisterContext,
  type RegisterPeriod,
  registerPeriod,
} from '../../src/domain/register.js';
import { computeIkm, SURVEY_ELEMENT_IDS, type SurveyAnswers } from '../../src/domain/survey.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import type { Visit, VisitAction, VisitState } from '../../src/domain/types.js';
import { SYSTEM } from '../../src/domain/types.js';

const TZ = 'Asia/Jakarta';

function t(date: string, hhmm: string): number {
  return zonedTimeToEpoch(date, hhmm, TZ);
}

/** A visit record as the archive or live state holds it, with its SOP history. */
function visit(
  id: string,
  arrived: number,
  state: VisitState,
  steps: Array<[VisitAction, number]> = [],
  extra: Partial<Visit> = {},
): Visit {
  return {
    id,
    guestId: `g-${id}`,
    guestName: `Tamu ${id.toUpperCase()}`,
    institution: 'Dinas Kominfo',
    purpose: 'Koordinasi',
    hostId: 'h1',
    state,
    createdAt: arrived,
    rooms: [],
    history: [
      { action: 'arrive', from: null, to: 'arrived', at: arrived, actor: SYSTEM },
      ...steps.map(([action, at]) => ({ action, from: null, to: state, at, actor: SYSTEM })),
    ],
    ...extra,
  };
}

function ctx(period: RegisterPeriod, over: Partial<RegisterContext> = {}): RegisterContext {
  return {
    period,
    timezone: TZ,
    now: t('2026-12-03', '12:00'),
    retentionDays: 90,
    hosts: new Map([
      ['h1', { name: 'Bapak Andi Wijaya' }],
      ['h2', { name: 'Ibu Sari Dewi' }],
    ]),
    badges: new Map([
      ['b1', { label: 'TAMU-01' }],
      ['b2', { label: 'TAMU-02' }],
    ]),
    ...over,
  };
}

const DAY: RegisterPeriod = { kind: 'day', day: '2026-12-01' };

describe('guest-book register rows', () => {
  it('takes the visits that arrived on the local day, in arrival order', () => {
    const visits = [
      visit('c', t('2026-12-01', '10:00'), 'closed', [['checkout', t('2026-12-01', '11:00')]]),
      visit('a', t('2026-12-01', '00:00'), 'closed', [['checkout', t('2026-12-01', '01:00')]]),
      // 23:59 the day before, and 00:00 the day after: not this day (Jakarta, not UTC).
      visit('x', t('2026-11-30', '23:59'), 'closed', [['checkout', t('2026-12-01', '08:00')]]),
      visit('y', t('2026-12-02', '00:00'), 'closed', [['checkout', t('2026-12-02', '08:00')]]),
      visit('b', t('2026-12-01', '08:30'), 'closed', [['checkout', t('2026-12-01', '09:00')]]),
    ];
    const r = buildRegister(ctx(DAY), visits);
    expect(r.rows.map((row) => [row.no, row.visitId, row.date])).toEqual([
      [1, 'a', '2026-12-01'],
      [2, 'b', '2026-12-01'],
      [3, 'c', '2026-12-01'],
    ]);
    expect(r.range).toEqual({ start: t('2026-12-01', '00:00'), end: t('2026-12-02', '00:00') });
  });

  it('a month takes every day of it; the same visit given twice counts once, the later record', () => {
    const open = visit('a', t('2026-12-01', '09:00'), 'badged', [], { badgeId: 'b1' });
    const closed = visit('a', t('2026-12-01', '09:00'), 'closed', [['checkout', t('2026-12-01', '10:00')]], {
      badgeId: 'b1',
    });
    const last = visit('z', t('2026-12-31', '23:30'), 'awaiting_host');
    const r = buildRegister(ctx({ kind: 'month', month: '2026-12' }, { now: t('2027-01-01', '00:10') }), [
      open,
      last,
      closed,
    ]);
    expect(r.rows.map((row) => [row.visitId, row.outcome])).toEqual([
      ['a', 'checked_out'],
      ['z', 'in_progress'],
    ]);
  });

  it('a visit across midnight is in the register of the day it arrived, with its time out', () => {
    const v = visit('n', t('2026-12-01', '23:30'), 'closed', [['checkout', t('2026-12-02', '00:45')]], {
      badgeId: 'b2',
      collateral: { type: 'ktp', masked: '35**********0001' },
    });
    const [row] = buildRegister(ctx(DAY), [v]).rows;
    expect(row).toMatchObject({
      date: '2026-12-01',
      timeIn: t('2026-12-01', '23:30'),
      timeOut: t('2026-12-02', '00:45'),
      badge: 'TAMU-02',
      documentType: 'ktp',
      outcome: 'checked_out',
    });
    expect(buildRegister(ctx({ kind: 'day', day: '2026-12-02' }), [v]).rows).toEqual([]);
    // Never the document number, masked or not.
    expect(JSON.stringify(row)).not.toContain('0001');
  });

  it('ends refused, rescheduled and cancelled visits at the step that ended them', () => {
    const at = (hhmm: string) => t('2026-12-01', hhmm);
    const r = buildRegister(ctx(DAY), [
      visit('s', at('08:00'), 'screening_refused', [['screen', at('08:03')]]),
      visit('h', at('08:10'), 'host_refused', [
        ['screen', at('08:11')],
        ['guestbook', at('08:12')],
        ['decide', at('08:20')],
      ]),
      visit('r', at('08:30'), 'rescheduled', [['decide', at('08:40')]]),
      visit('c', at('08:50'), 'cancelled', [
        ['screen', at('08:51')],
        ['cancel', at('09:05')],
      ]),
    ]);
    expect(r.rows.map((row) => [row.visitId, row.outcome, row.timeOut])).toEqual([
      ['s', 'screening_refused', at('08:03')],
      ['h', 'host_refused', at('08:20')],
      ['r', 'rescheduled', at('08:40')],
      ['c', 'cancelled', at('09:05')],
    ]);
    expect(r.rows.every((row) => row.badge === null && row.documentType === null)).toBe(true);
  });

  it('an open visit is inside while its access lasts, expired without checkout after', () => {
    const at = (hhmm: string) => t('2026-12-01', hhmm);
    const visits = [
      visit('i', at('09:00'), 'badged', [], { badgeId: 'b1', validUntil: at('16:00') }),
      visit('w', at('09:30'), 'awaiting_host'),
      visit('k', at('09:40'), 'checked_out', [['checkout', at('10:10')]], { badgeId: 'b2' }),
    ];
    const during = buildRegister(ctx(DAY, { now: at('12:00') }), visits);
    expect(during.rows.map((row) => [row.visitId, row.outcome, row.timeOut])).toEqual([
      ['i', 'inside', null],
      ['w', 'in_progress', null],
      // Checked out with the document still at the desk: the guest has left.
      ['k', 'checked_out', at('10:10')],
    ]);
    const after = buildRegister(ctx(DAY, { now: at('16:00') }), visits);
    expect(after.rows[0]).toMatchObject({ outcome: 'expired', timeOut: null });
  });

  it('marks a visit pushed by the desk application', () => {
    const r = buildRegister(ctx(DAY), [
      visit('d', t('2026-12-01', '09:00'), 'accepted', [], { externalId: 'DESK-7', hostId: 'h2' }),
      visit('p', t('2026-12-01', '09:05'), 'awaiting_host'),
    ]);
    expect(r.rows.map((row) => [row.visitId, row.synced, row.hostName])).toEqual([
      ['d', true, 'Ibu Sari Dewi'],
      ['p', false, 'Bapak Andi Wijaya'],
    ]);
  });

  it('withholds names past retention or erased, with one pseudonym per guest', () => {
    const now = t('2026-12-03', '12:00');
    const old = (id: string, guestId: string, date: string) =>
      visit(id, t(date, '09:00'), 'closed', [['checkout', t(date, '10:00')]], { guestId });
    const visits = [
      old('o1', 'g-ana', '2026-08-01'), // more than 90 days before now
      old('o2', 'g-budi', '2026-08-02'),
      old('o3', 'g-ana', '2026-08-03'),
      // Within retention, but the guest was erased on request: nothing to show but a pseudonym.
      { ...old('e1', 'g-cici', '2026-11-20'), guestName: '' },
      old('k1', 'g-dedi', '2026-11-21'),
    ];
    const aug = buildRegister(ctx({ kind: 'month', month: '2026-08' }, { now }), visits);
    expect(aug.rows.map((row) => [row.guest, row.guestAlias, row.institution])).toEqual([
      [null, 1, 'Dinas Kominfo'],
      [null, 2, 'Dinas Kominfo'],
      [null, 1, 'Dinas Kominfo'],
    ]);
    expect(aug.withheld).toBe(3);
    const nov = buildRegister(ctx({ kind: 'month', month: '2026-11' }, { now }), visits);
    expect(nov.rows.map((row) => [row.guest, row.guestAlias])).toEqual([
      [null, 1],
      ['Tamu K1', null],
    ]);
    // Retention 0 keeps names forever.
    const forever = buildRegister(
      ctx({ kind: 'month', month: '2026-08' }, { now, retentionDays: 0 }),
      visits,
    );
    expect(forever.rows.map((row) => row.guest)).toEqual(['Tamu O1', 'Tamu O2', 'Tamu O3']);
  });

  it('parses the period: one of day or month, real dates only', () => {
    expect(registerPeriod({ day: '2026-12-01' })).toEqual({ kind: 'day', day: '2026-12-01' });
    expect(registerPeriod({ month: '2026-12' })).toEqual({ kind: 'month', month: '2026-12' });
    for (const bad of [
      { day: '2026-02-30' },
      { month: '2026-13' },
      {},
      { day: '2026-12-01', month: '2026-12' },
    ]) {
      expect(() => registerPeriod(bad)).toThrow(DomainError);
    }
  });
});

describe('register: appointments, groups, escorts and the IKM (issue 14)', () => {
  const at = (hhmm: string) => t('2026-12-01', hhmm);
  const badged = (id: string, arrived: string, extra: Partial<Visit> = {}) =>
    visit(
      id,
      at(arrived),
      'closed',
      [
        ['issue_badge', at(arrived) + 5 * 60_000],
        ['checkout', at(arrived) + 60 * 60_000],
      ],
      extra,
    );

  it('says how each guest came: the appointment code or a walk-in, the group, the escort', () => {
    const group = (index: number) => ({ group: { id: 'g1', leader: index === 0, index } });
    const r = buildRegister(ctx(DAY), [
      badged('a', '08:00', { appointmentId: 'TJ-0123456789ABCDEF' }),
      badged('w', '08:10'),
      badged('l', '09:00', { ...group(0), institution: 'Pemkab Malang', guestName: 'Budi Leader' }),
      badged('m1', '09:00', { ...group(1), institution: 'Pemkab Malang' }),
      badged('m2', '09:00', { ...group(2), institution: 'Pemkab Malang' }),
      // Escorted 3.5 minutes after the badge (issued at 10:05).
      badged('e', '10:00', {
        escortedAt: at('10:08') + 30_000,
        escortedBy: { id: 'esc1', name: 'Pak Joko' },
        firstEntryAt: at('10:06'),
      }),
      // Escorted before escorts were named: the time, no name.
      badged('o', '10:30', { escortedAt: at('10:40') }),
    ]);
    const by = new Map(r.rows.map((row) => [row.visitId, row]));
    expect(by.get('a')?.appointment).toBe('TJ-0123456789ABCDEF');
    expect(by.get('w')?.appointment).toBeNull();
    expect(by.get('w')?.group).toBeNull();
    expect(by.get('w')?.escort).toBeNull();
    expect(by.get('l')?.group).toEqual({
      id: 'g1',
      name: 'Pemkab Malang',
      leader: true,
      leaderName: 'Budi Leader',
      leaderAlias: null,
      persons: 3,
    });
    expect(by.get('m2')?.group).toMatchObject({ leader: false, leaderName: 'Budi Leader', persons: 3 });
    expect(by.get('e')?.escort).toEqual({ name: 'Pak Joko', at: at('10:08') + 30_000, minutes: 3.5 });
    expect(by.get('o')?.escort).toEqual({ name: null, at: at('10:40'), minutes: 5 });
    expect(r.summary).toMatchObject({
      visits: 7,
      expected: 1,
      walkIn: 6,
      groups: 1,
      groupPersons: 3,
      escorted: 2,
    });
  });

  it('lists a group leader first, then the members in the desk order, whatever their ids', () => {
    // One arrival writes every person at the same instant; the ids are random.
    const person = (id: string, index: number) =>
      badged(id, '09:00', { group: { id: 'g1', leader: index === 0, index } });
    const r = buildRegister(ctx(DAY), [person('zz-leader', 0), person('mm-two', 2), person('aa-one', 1)]);
    expect(r.rows.map((row) => row.visitId)).toEqual(['zz-leader', 'aa-one', 'mm-two']);
  });

  it("a withheld leader's name stays withheld in the members' rows", () => {
    const now = t('2027-06-01', '12:00');
    const group = (index: number) => ({ group: { id: 'g1', leader: index === 0, index } });
    const r = buildRegister(ctx(DAY, { now, retentionDays: 30 }), [
      badged('l', '09:00', group(0)),
      badged('m', '09:00', group(1)),
    ]);
    expect(JSON.stringify(r.rows)).not.toContain('Tamu L');
    expect(r.rows[1]?.group).toMatchObject({ leaderName: null, leaderAlias: 1 });
  });

  it('counts no-shows: dated in the period, not cancelled, window over by the end or now, no arrival', () => {
    const appointments = [
      { id: 'TJ-ARRIVED', date: '2026-12-01', until: '10:00', cancelled: false },
      { id: 'TJ-NOSHOW', date: '2026-12-01', until: '10:00', cancelled: false },
      { id: 'TJ-CANCEL', date: '2026-12-01', until: '10:00', cancelled: true },
      // The window is not over at `now` (12:00): still expected.
      { id: 'TJ-LATER', date: '2026-12-01', until: '15:00', cancelled: false },
      // Another day.
      { id: 'TJ-OTHER', date: '2026-12-02', until: '10:00', cancelled: false },
      // The same appointment given twice (two journal months) counts once.
      { id: 'TJ-NOSHOW', date: '2026-12-01', until: '10:00', cancelled: false },
    ];
    const visits = [badged('a', '08:00', { appointmentId: 'TJ-ARRIVED' })];
    const noon = buildRegister(ctx(DAY, { now: at('12:00'), appointments }), visits);
    expect(noon.summary).toMatchObject({ expected: 1, walkIn: 0, noShows: 1 });
    const evening = buildRegister(ctx(DAY, { now: at('18:00'), appointments }), visits);
    expect(evening.summary.noShows).toBe(2);
    const month = buildRegister(
      ctx({ kind: 'month', month: '2026-12' }, { now: t('2026-12-05', '00:00'), appointments }),
      visits,
    );
    expect(month.summary.noShows).toBe(3);
  });

  it("carries the period's IKM and respondents as given; none without answers", () => {
    const result = computeIkm([
      { ratings: Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, 4])) as SurveyAnswers['ratings'] },
      { ratings: Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, 3])) as SurveyAnswers['ratings'] },
    ]);
    const r = buildRegister(ctx(DAY, result ? { survey: { respondents: 2, result } } : {}), []);
    expect(r.summary.survey).toEqual({
      respondents: 2,
      ikm: 87.5,
      category: { grade: 'B', name: 'Baik', nameEn: 'Good' },
    });
    expect(buildRegister(ctx(DAY), []).summary.survey).toEqual({ respondents: 0, ikm: null, category: null });
  });
});
