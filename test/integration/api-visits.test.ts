// The HTTP API, area "visits": the SOP routes (arrival, screening, guest book, decision,
// grant, badge, checkout, document returned, cancel), the desk application's sync and the
// returning-guest suggestions. Every route: the happy path, 400 naming the field, 404 for
// unknown ids, 409 for illegal SOP transitions, and a refused request changes nothing (the
// visit, the badge pool and the journal position). Who may call each route (401, 403 per
// role): authz-matrix.test.ts.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi, UNKNOWN_ID } from '../support/api.js';
import { deskWaiting, startTestGateway, type TestGateway } from '../support/gateway.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
/** A well-formed NIK: Kota Surabaya, a woman born 1 July 1990 (day + 40). */
const KTP = { type: 'ktp', number: '3578014107900001' } as const;

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.2.0');
/** A host login for the second host, `sekda`, who has no room to grant. */
let otherHost: string;

/** What a refused request must leave alone. */
async function snapshot(visitId?: string) {
  const visit = visitId ? await api('GET', `/visits/${visitId}`, as.admin) : undefined;
  return {
    seq: seq(),
    visit: visit ? { status: visit.statusCode, body: visit.json() } : undefined,
    badges: (await api('GET', '/badges', as.admin)).json(),
    open: (await api('GET', '/visits', as.admin))
      .json()
      .map((v: { id: string; state: string }) => `${v.id}:${v.state}`),
  };
}
async function expectUnchanged(before: Awaited<ReturnType<typeof snapshot>>, visitId?: string) {
  expect(await snapshot(visitId)).toEqual(before);
}

let guestN = 0;
function arrival(over: Record<string, unknown> = {}) {
  return {
    guest: { name: `Tamu Nomor ${++guestN}`, institution: 'Dinas Kominfo', phone: '0812 3456 7890' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
    ...over,
  };
}

type Stage = 'arrived' | 'screened' | 'awaiting_host' | 'accepted' | 'badged';
/** A fresh visit brought to `stage` through the API. */
async function visitAt(stage: Stage, opts: { hostId?: string; rooms?: string[] } = {}): Promise<string> {
  const res = await post(as.receptionist, '/visits', arrival({ hostId: opts.hostId ?? 'kabag-umum' }));
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const steps: Array<[Stage, () => Promise<LightMyRequestResponse>]> = [
    ['screened', () => post(as.security, `/visits/${id}/screening`, { passed: true })],
    ['awaiting_host', () => post(as.receptionist, `/visits/${id}/guestbook`, {})],
    [
      'accepted',
      () => post(as.admin, `/visits/${id}/decision`, { outcome: 'accepted', rooms: opts.rooms ?? [] }),
    ],
    [
      'badged',
      async () => post(as.receptionist, `/visits/${id}/badge`, { badge: await freeBadge(), collateral: KTP }),
    ],
  ];
  const order: Stage[] = ['arrived', 'screened', 'awaiting_host', 'accepted', 'badged'];
  for (const [to, run] of steps) {
    if (order.indexOf(to) > order.indexOf(stage)) break;
    const r = await run();
    expect(r.statusCode, r.body).toBe(200);
  }
  return id;
}

/** An available badge's label (pool seeded with TAMU-01..10; adds one when all are out). */
let extraBadges = 0;
async function freeBadge(): Promise<string> {
  const badges = (await api('GET', '/badges', as.admin)).json() as Array<{ label: string; status: string }>;
  const free = badges.find((b) => b.status === 'available');
  if (free) return free.label;
  const n = ++extraBadges;
  const res = await post(as.admin, '/badges', {
    label: `EXTRA-${n}`,
    uid: `0A0B0C${n.toString(16).padStart(2, '0')}`,
  });
  return res.json().label;
}
async function badgeOf(label: string) {
  const badges = (await api('GET', '/badges', as.admin)).json() as Array<{
    label: string;
    uid: string;
    status: string;
    id: string;
  }>;
  return badges.find((b) => b.label === label)!;
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
  const host = await api('PUT', '/hosts/sekda', as.admin, {
    name: 'Sekretaris Daerah',
    unit: 'Setda',
    rooms: [],
  });
  expect(host.statusCode, host.body).toBe(200);
  otherHost = await loginAs('host', 'sekda');
});
afterAll(() => t?.close());

// ------------------------------------------------------------------ arrival and reading

describe('POST /visits (arrival)', () => {
  it('201: the visit is arrived, journaled without the guest name, and readable', async () => {
    const before = seq();
    const body = arrival({ externalId: 'arr-ext-1' });
    const res = await post(as.receptionist, '/visits', body);
    expect(res.statusCode, res.body).toBe(201);
    const v = res.json();
    expect(v).toMatchObject({
      state: 'arrived',
      guestName: body.guest.name,
      institution: 'Dinas Kominfo',
      purpose: 'Koordinasi',
      hostId: 'kabag-umum',
      externalId: 'arr-ext-1',
      rooms: [],
      hasAccessCode: false,
    });
    expect(v).not.toHaveProperty('accessCode');
    expect(v.history).toEqual([
      expect.objectContaining({
        action: 'arrive',
        from: null,
        to: 'arrived',
        actor: expect.objectContaining({ kind: 'user', role: 'receptionist' }),
      }),
    ]);
    expect(seq()).toBe(before + 1);
    const events = (await api('GET', '/events?limit=1', as.admin)).json().events;
    expect(events[0]).toMatchObject({ type: 'visit.arrived', payload: { visitId: v.id } });
    expect(JSON.stringify(events[0])).not.toContain(body.guest.name);
    const read = await api('GET', `/visits/${v.id}`, as.security);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: v.id, state: 'arrived', guestName: body.guest.name });
  });

  it.each([
    ['missing guest', { purpose: 'x', hostId: 'kabag-umum' }, 'guest'],
    ['missing guest.name', { guest: { institution: 'X' }, purpose: 'x', hostId: 'kabag-umum' }, 'guest.name'],
    ['missing purpose', { guest: { name: 'A B', institution: 'X' }, hostId: 'kabag-umum' }, 'purpose'],
    ['missing hostId', { guest: { name: 'A B', institution: 'X' }, purpose: 'x' }, 'hostId'],
    ['guest of the wrong type', { guest: 'A B', purpose: 'x', hostId: 'kabag-umum' }, 'guest'],
    [
      'guest.name of the wrong type',
      { guest: { name: { a: 1 }, institution: 'X' }, purpose: 'x', hostId: 'kabag-umum' },
      'guest.name',
    ],
    [
      'empty guest.name',
      { guest: { name: '', institution: 'X' }, purpose: 'x', hostId: 'kabag-umum' },
      'guest.name',
    ],
    [
      'phone not matching the pattern',
      { guest: { name: 'A B', institution: 'X', phone: 'call me' }, purpose: 'x', hostId: 'kabag-umum' },
      'guest.phone',
    ],
    [
      'purpose too long',
      { guest: { name: 'A B', institution: 'X' }, purpose: 'x'.repeat(501), hostId: 'kabag-umum' },
      'purpose',
    ],
    [
      'unknown property',
      { guest: { name: 'A B', institution: 'X' }, purpose: 'x', hostId: 'kabag-umum', vip: true },
      'vip',
    ],
    [
      'unknown guest property',
      { guest: { name: 'A B', institution: 'X', nik: '1234' }, purpose: 'x', hostId: 'kabag-umum' },
      'guest.nik',
    ],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await snapshot();
    expect400(await post(as.receptionist, '/visits', payload), field);
    await expectUnchanged(before);
  });

  it('404 for an unknown host (field hostId), nothing changes', async () => {
    const before = await snapshot();
    const res = await post(as.receptionist, '/visits', arrival({ hostId: 'no-such-host' }));
    expect(res.statusCode).toBe(404);
    expect(res.json().field).toBe('hostId');
    await expectUnchanged(before);
  });

  it('409 for an externalId already in use, nothing changes', async () => {
    await post(as.receptionist, '/visits', arrival({ externalId: 'arr-dup' }));
    const before = await snapshot();
    const res = await post(as.receptionist, '/visits', arrival({ externalId: 'arr-dup' }));
    expect(res.statusCode).toBe(409);
    expect(res.json().field).toBe('externalId');
    await expectUnchanged(before);
  });

  it('400 for a blank (whitespace) purpose names the field and changes nothing', async () => {
    const before = await snapshot();
    const res = await post(as.receptionist, '/visits', arrival({ purpose: '   ' }));
    expect400(res, 'purpose');
    await expectUnchanged(before);
  });

  // The arrival is checked before the guest is written: a refusal leaves no personal data.
  it('a refused arrival (blank purpose) stores no guest record', async () => {
    const name = 'Refused Arrival Person';
    const res = await post(as.receptionist, '/visits', {
      guest: { name, institution: 'X' },
      purpose: '   ',
      hostId: 'kabag-umum',
    });
    expect(res.statusCode).toBe(400);
    const suggestions = (
      await api('GET', `/guests?q=${encodeURIComponent('Refused Arrival')}`, as.receptionist)
    ).json();
    expect(suggestions).toEqual([]);
  });
});

describe('GET /visits and GET /visits/:id', () => {
  let mine: string;
  let theirs: string;
  beforeAll(async () => {
    mine = await visitAt('arrived');
    theirs = await visitAt('awaiting_host', { hostId: 'sekda' });
  });

  it('lists open visits newest first, filtered by state and host', async () => {
    const all = (await api('GET', '/visits', as.receptionist)).json() as Array<{
      id: string;
      createdAt: number;
      state: string;
      hostId: string;
    }>;
    expect(all.map((v) => v.id)).toEqual(expect.arrayContaining([mine, theirs]));
    for (let i = 1; i < all.length; i++)
      expect(all[i - 1]!.createdAt).toBeGreaterThanOrEqual(all[i]!.createdAt);
    const waiting = (await api('GET', '/visits?state=awaiting_host', as.receptionist)).json() as typeof all;
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((v) => v.state === 'awaiting_host')).toBe(true);
    expect(waiting.map((v) => v.id)).toContain(theirs);
    const sekda = (await api('GET', '/visits?hostId=sekda', as.security)).json() as typeof all;
    expect(sekda.every((v) => v.hostId === 'sekda')).toBe(true);
    expect(sekda.map((v) => v.id)).toContain(theirs);
  });

  it('a host sees only their own visits, whatever hostId they ask for', async () => {
    for (const url of ['/visits', '/visits?hostId=kabag-umum']) {
      const list = (await api('GET', url, otherHost)).json() as Array<{ id: string; hostId: string }>;
      expect(list.map((v) => v.id)).toContain(theirs);
      expect(list.every((v) => v.hostId === 'sekda')).toBe(true);
    }
    const own = (await api('GET', '/visits', as.host)).json() as Array<{ id: string; hostId: string }>;
    expect(own.map((v) => v.id)).toContain(mine);
    expect(own.every((v) => v.hostId === 'kabag-umum')).toBe(true);
  });

  it('a visit for another host is 404 for a host', async () => {
    expect((await api('GET', `/visits/${theirs}`, otherHost)).statusCode).toBe(200);
    const res = await api('GET', `/visits/${mine}`, otherHost);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
    expect((await api('GET', `/visits/${theirs}`, as.host)).statusCode).toBe(404);
  });

  it('404 for an unknown id', async () => {
    expect((await api('GET', `/visits/${UNKNOWN_ID}`, as.admin)).statusCode).toBe(404);
  });

  it.each([
    ['/visits?state=bogus', 'state'],
    ['/visits?unknownProperty=1', 'unknownProperty'],
    ['/visits?date=2026-02-30', 'date'],
    ['/visits?date=2026-13-01', 'date'],
  ])('400 for %s names the field', async (url, field) => {
    expect400(await api('GET', url, as.receptionist), field);
  });
});

// ------------------------------------------------------------------ SOP steps

describe('POST /visits/:id/screening', () => {
  it('receptionist may pass a guest', async () => {
    const id = await visitAt('arrived');
    const res = await post(as.receptionist, `/visits/${id}/screening`, { passed: true, note: 'ok' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'screened',
      screening: { passed: true, reasons: [], note: 'ok' },
    });
  });

  it('receptionist may not refuse (403), and nothing changes', async () => {
    const id = await visitAt('arrived');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/screening`, {
      passed: false,
      reasons: ['attire'],
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('forbidden');
    await expectUnchanged(before, id);
  });

  it.each(['security', 'admin'] as const)(
    '%s may refuse: screening_refused, the visit leaves the open list',
    async (role) => {
      const id = await visitAt('arrived');
      const res = await post(as[role], `/visits/${id}/screening`, {
        passed: false,
        reasons: ['shoes', 'attire'],
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        state: 'screening_refused',
        screening: { passed: false, reasons: ['shoes', 'attire'] },
      });
      expect(res.json().history.at(-1).actor.role).toBe(role);
      const open = (await api('GET', '/visits', as.admin)).json() as Array<{ id: string }>;
      expect(open.map((v) => v.id)).not.toContain(id);
      const read = await api('GET', `/visits/${id}`, as.admin);
      expect(read.statusCode).toBe(200);
      expect(read.json().state).toBe('screening_refused');
    },
  );

  it.each([
    ['missing passed', {}, 'passed'],
    ['passed of the wrong type', { passed: 'maybe' }, 'passed'],
    ['unknown property', { passed: true, shoes: true }, 'shoes'],
    ['unknown reason', { passed: false, reasons: ['hat'] }, 'reasons.0'],
    ['reasons of the wrong type', { passed: false, reasons: { a: 1 } }, 'reasons'],
    ['a refusal without reasons', { passed: false }, 'reasons'],
    ['a pass with refusal reasons', { passed: true, reasons: ['shoes'] }, 'reasons'],
    ['reason "other" without a note', { passed: false, reasons: ['other'] }, 'note'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('arrived');
    const before = await snapshot(id);
    expect400(await post(as.security, `/visits/${id}/screening`, payload), field);
    await expectUnchanged(before, id);
  });

  it('404 for an unknown visit', async () => {
    const before = await snapshot();
    expect((await post(as.security, `/visits/${UNKNOWN_ID}/screening`, { passed: true })).statusCode).toBe(
      404,
    );
    await expectUnchanged(before);
  });

  it('409 for a visit already screened, nothing changes', async () => {
    const id = await visitAt('screened');
    const before = await snapshot(id);
    const res = await post(as.security, `/visits/${id}/screening`, { passed: true });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('illegal_transition');
    await expectUnchanged(before, id);
  });
});

describe('POST /visits/:id/guestbook', () => {
  it('moves a screened visit to awaiting_host', async () => {
    const id = await visitAt('screened');
    const res = await post(as.receptionist, `/visits/${id}/guestbook`, { note: 'buku tamu hal. 3' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'awaiting_host', guestbook: { note: 'buku tamu hal. 3' } });
  });

  it.each([
    ['note of the wrong type', { note: { a: 1 } }, 'note'],
    ['note too long', { note: 'x'.repeat(501) }, 'note'],
    ['unknown property', { page: 3 }, 'page'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('screened');
    const before = await snapshot(id);
    expect400(await post(as.receptionist, `/visits/${id}/guestbook`, payload), field);
    await expectUnchanged(before, id);
  });

  it('a POST without a body is an empty entry (the note is optional)', async () => {
    const id = await visitAt('screened');
    const res = await api('POST', `/visits/${id}/guestbook`, as.receptionist);
    expect(res.statusCode).toBe(200);
    expect(res.json().state).toBe('awaiting_host');
  });

  it('404 for an unknown visit; 409 before screening; nothing changes', async () => {
    const id = await visitAt('arrived');
    const before = await snapshot(id);
    expect((await post(as.receptionist, `/visits/${UNKNOWN_ID}/guestbook`)).statusCode).toBe(404);
    const res = await post(as.receptionist, `/visits/${id}/guestbook`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('illegal_transition');
    await expectUnchanged(before, id);
  });
});

describe('POST /visits/:id/decision', () => {
  it('the host accepts with their room: a 6-digit keypad code is returned once', async () => {
    const id = await visitAt('awaiting_host');
    const res = await post(as.host, `/visits/${id}/decision`, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.visit).toMatchObject({
      state: 'accepted',
      rooms: ['ruang-kabag'],
      hasAccessCode: true,
      decision: { outcome: 'accepted' },
    });
    expect(body.accessCode).toMatch(/^\d{6}$/);
    expect(typeof body.visit.validUntil).toBe('number');
    const read = (await api('GET', `/visits/${id}`, as.host)).json();
    expect(read).not.toHaveProperty('accessCode');
    expect(read.hasAccessCode).toBe(true);
  });

  it('accepted without rooms: no code', async () => {
    const id = await visitAt('awaiting_host');
    const res = await post(as.receptionist, `/visits/${id}/decision`, { outcome: 'accepted' });
    expect(res.statusCode).toBe(200);
    expect(res.json().visit).toMatchObject({ state: 'accepted', rooms: [], hasAccessCode: false });
    expect(res.json()).not.toHaveProperty('accessCode');
  });

  it('refused -> host_refused; host_absent with a date -> rescheduled', async () => {
    const a = await visitAt('awaiting_host');
    const refused = await post(as.host, `/visits/${a}/decision`, { outcome: 'refused', reason: 'rapat' });
    expect(refused.json().visit).toMatchObject({
      state: 'host_refused',
      decision: { outcome: 'refused', reason: 'rapat' },
    });
    const b = await visitAt('awaiting_host');
    const absent = await post(as.receptionist, `/visits/${b}/decision`, {
      outcome: 'host_absent',
      proposedDate: '2026-12-02',
    });
    expect(absent.json().visit).toMatchObject({
      state: 'rescheduled',
      decision: { outcome: 'host_absent', proposedDate: '2026-12-02' },
    });
  });

  it.each([
    ['missing outcome', {}, 'outcome'],
    ['unknown outcome', { outcome: 'maybe' }, 'outcome'],
    ['outcome of the wrong type', { outcome: { a: 1 } }, 'outcome'],
    [
      'proposedDate not matching the pattern',
      { outcome: 'host_absent', proposedDate: '2/12/2026' },
      'proposedDate',
    ],
    ['rooms of the wrong type', { outcome: 'accepted', rooms: { a: 1 } }, 'rooms'],
    ['duplicate rooms', { outcome: 'accepted', rooms: ['ruang-kabag', 'ruang-kabag'] }, 'rooms'],
    ['unknown property', { outcome: 'accepted', badge: 'TAMU-01' }, 'badge'],
    ['host_absent without a date', { outcome: 'host_absent' }, 'proposedDate'],
    ['rooms with a refusal', { outcome: 'refused', rooms: ['ruang-kabag'] }, 'rooms'],
    ['an unknown room', { outcome: 'accepted', rooms: ['gudang'] }, 'rooms'],
    ['an entrance as a room', { outcome: 'accepted', rooms: ['pintu-utama'] }, 'rooms'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('awaiting_host');
    const before = await snapshot(id);
    expect400(await post(as.host, `/visits/${id}/decision`, payload), field);
    await expectUnchanged(before, id);
  });

  it('host_absent: a date before today (Asia/Jakarta) is a 400 naming the field and the rule; today is fine', async () => {
    // The test gateway's clock: Monday 30 November 2026, 09:00 in Jakarta.
    for (const proposedDate of ['2020-01-01', '2026-11-29']) {
      const id = await visitAt('awaiting_host');
      const before = await snapshot(id);
      const res = await post(as.host, `/visits/${id}/decision`, { outcome: 'host_absent', proposedDate });
      expect400(res, 'proposedDate');
      expect(res.json()).toMatchObject({ error: 'invalid', rule: 'date_past' });
      expect(res.json().message).toContain('2026-11-30');
      await expectUnchanged(before, id);
    }
    const id = await visitAt('awaiting_host');
    const today = await post(as.host, `/visits/${id}/decision`, {
      outcome: 'host_absent',
      proposedDate: '2026-11-30',
    });
    expect(today.statusCode, today.body).toBe(200);
  });

  it('host_absent: a date beyond access.rescheduleMaxDays (90) is a 400 naming the field and the rule', async () => {
    const id = await visitAt('awaiting_host');
    const before = await snapshot(id);
    const res = await post(as.host, `/visits/${id}/decision`, {
      outcome: 'host_absent',
      proposedDate: '2099-01-01',
    });
    expect400(res, 'proposedDate');
    expect(res.json()).toMatchObject({ error: 'invalid', rule: 'date_too_far' });
    expect(res.json().message).toContain('2027-02-28');
    await expectUnchanged(before, id);
    // The last day allowed: 30 November 2026 + 90 days.
    const last = await post(as.host, `/visits/${id}/decision`, {
      outcome: 'host_absent',
      proposedDate: '2027-02-28',
    });
    expect(last.statusCode, last.body).toBe(200);
  });

  it('a host may not grant a room that is not theirs (403, field rooms), nothing changes', async () => {
    const id = await visitAt('awaiting_host', { hostId: 'sekda' });
    const before = await snapshot(id);
    const res = await post(otherHost, `/visits/${id}/decision`, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().field).toBe('rooms');
    await expectUnchanged(before, id);
    // Nor may the desk grant it on that host's behalf.
    expect(
      (await post(as.receptionist, `/visits/${id}/decision`, { outcome: 'accepted', rooms: ['ruang-kabag'] }))
        .statusCode,
    ).toBe(403);
    await expectUnchanged(before, id);
    // Without the room the host may accept.
    expect((await post(otherHost, `/visits/${id}/decision`, { outcome: 'accepted' })).statusCode).toBe(200);
  });

  it("a host deciding another host's visit gets 404, nothing changes", async () => {
    const id = await visitAt('awaiting_host');
    const before = await snapshot(id);
    const res = await post(otherHost, `/visits/${id}/decision`, { outcome: 'refused' });
    expect(res.statusCode).toBe(404);
    await expectUnchanged(before, id);
  });

  it('404 for an unknown visit; 409 when not awaiting the host; nothing changes', async () => {
    const id = await visitAt('screened');
    const before = await snapshot(id);
    expect((await post(as.admin, `/visits/${UNKNOWN_ID}/decision`, { outcome: 'accepted' })).statusCode).toBe(
      404,
    );
    const res = await post(as.admin, `/visits/${id}/decision`, { outcome: 'accepted' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('illegal_transition');
    await expectUnchanged(before, id);
    // Deciding twice is illegal too.
    const other = await visitAt('accepted');
    const before2 = await snapshot(other);
    expect((await post(as.admin, `/visits/${other}/decision`, { outcome: 'refused' })).statusCode).toBe(409);
    await expectUnchanged(before2, other);
  });
});

describe('POST /visits/:id/grant', () => {
  it('the host grants their room to an accepted visit: a code is issued once', async () => {
    const id = await visitAt('accepted');
    const res = await post(as.host, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().visit).toMatchObject({
      state: 'accepted',
      rooms: ['ruang-kabag'],
      hasAccessCode: true,
    });
    expect(res.json().accessCode).toMatch(/^\d{6}$/);
    // Granting again issues no new code.
    const again = await post(as.host, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] });
    expect(again.statusCode).toBe(200);
    expect(again.json()).not.toHaveProperty('accessCode');
  });

  it('works on a badged visit too', async () => {
    const id = await visitAt('badged');
    const res = await post(as.receptionist, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().visit).toMatchObject({ state: 'badged', rooms: ['ruang-kabag'] });
  });

  it('a host may not grant a room that is not theirs (403), nothing changes', async () => {
    const id = await visitAt('accepted', { hostId: 'sekda' });
    const before = await snapshot(id);
    const res = await post(otherHost, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] });
    expect(res.statusCode).toBe(403);
    expect(res.json().field).toBe('rooms');
    await expectUnchanged(before, id);
  });

  it("a host granting on another host's visit gets 404, nothing changes", async () => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    expect((await post(otherHost, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] })).statusCode).toBe(404);
    await expectUnchanged(before, id);
  });

  it.each([
    ['missing rooms', {}, 'rooms'],
    ['no rooms', { rooms: [] }, 'rooms'],
    ['rooms of the wrong type', { rooms: { a: 1 } }, 'rooms'],
    ['unknown property', { rooms: ['ruang-kabag'], code: '123456' }, 'code'],
    ['an unknown room', { rooms: ['gudang'] }, 'rooms'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    expect400(await post(as.host, `/visits/${id}/grant`, payload), field);
    await expectUnchanged(before, id);
  });

  it('404 for an unknown visit; 409 before acceptance; nothing changes', async () => {
    const id = await visitAt('awaiting_host');
    const before = await snapshot(id);
    expect((await post(as.admin, `/visits/${UNKNOWN_ID}/grant`, { rooms: ['ruang-kabag'] })).statusCode).toBe(
      404,
    );
    const res = await post(as.admin, `/visits/${id}/grant`, { rooms: ['ruang-kabag'] });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('illegal_transition');
    await expectUnchanged(before, id);
  });
});

describe('POST /visits/:id/badge', () => {
  it('issues a badge by label (or UID) against a masked document', async () => {
    const id = await visitAt('accepted');
    const label = await freeBadge();
    const badge = await badgeOf(label);
    const before = seq();
    const res = await post(as.receptionist, `/visits/${id}/badge`, { badge: label, collateral: KTP });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'badged',
      badgeId: badge.id,
      collateral: { type: 'ktp', masked: '35**********0001' },
    });
    expect(res.body).not.toContain('3578014107900001');
    expect(seq()).toBe(before + 1);
    expect(await badgeOf(label)).toMatchObject({ status: 'issued', visitId: id });

    const byUid = await visitAt('accepted');
    const other = await badgeOf(await freeBadge());
    const uid = other.uid.toLowerCase().match(/../g)!.join(':');
    const res2 = await post(as.admin, `/visits/${byUid}/badge`, {
      badge: uid,
      collateral: { type: 'sim', number: '1234-5678-9012' },
    });
    expect(res2.statusCode, res2.body).toBe(200);
    expect(res2.json().badgeId).toBe(other.id);
  });

  it('says when the badge opens no door now (issued after office hours), and not in office hours', async () => {
    const inHours = await post(as.receptionist, `/visits/${await visitAt('accepted')}/badge`, {
      badge: await freeBadge(),
      collateral: KTP,
    });
    expect(inHours.statusCode, inHours.body).toBe(200);
    expect(inHours.json().closedNow).toBeUndefined();
    const morning = t.clock.now;
    try {
      t.clock.now = morning + 10 * 60 * 60_000; // 19:00, the office closed at 16:00
      const res = await post(as.receptionist, `/visits/${await visitAt('accepted')}/badge`, {
        badge: await freeBadge(),
        collateral: KTP,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ state: 'badged', closedNow: { reason: 'outside_hours' } });
      expect(res.json().closedNow.doors).toContain('pintu-utama');
    } finally {
      t.clock.now = morning;
    }
  });

  it('409 for a visit not accepted yet, nothing changes', async () => {
    const id = await visitAt('awaiting_host');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/badge`, {
      badge: await freeBadge(),
      collateral: KTP,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('illegal_transition');
    await expectUnchanged(before, id);
  });

  it('409 when the visit already has a badge, nothing changes', async () => {
    const id = await visitAt('badged');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/badge`, {
      badge: await freeBadge(),
      collateral: KTP,
    });
    expect(res.statusCode).toBe(409);
    await expectUnchanged(before, id);
  });

  it('409 (field badge) when the badge is issued to another visit, nothing changes', async () => {
    const holder = await visitAt('badged');
    const taken = (await api('GET', `/visits/${holder}`, as.admin)).json().badgeId as string;
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/badge`, { badge: taken, collateral: KTP });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', field: 'badge' });
    await expectUnchanged(before, id);
  });

  it('404 for an unknown badge (field badge) and for an unknown visit, nothing changes', async () => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/badge`, { badge: 'TAMU-99', collateral: KTP });
    expect(res.statusCode).toBe(404);
    expect(res.json().field).toBe('badge');
    expect(
      (
        await post(as.receptionist, `/visits/${UNKNOWN_ID}/badge`, {
          badge: await freeBadge(),
          collateral: KTP,
        })
      ).statusCode,
    ).toBe(404);
    await expectUnchanged(before, id);
  });

  it.each([
    ['missing collateral', { badge: 'TAMU-01' }, 'collateral'],
    ['missing collateral.number', { badge: 'TAMU-01', collateral: { type: 'ktp' } }, 'collateral.number'],
    [
      'unknown document type',
      { badge: 'TAMU-01', collateral: { type: 'visa', number: '12345678' } },
      'collateral.type',
    ],
    ['collateral of the wrong type', { badge: 'TAMU-01', collateral: 'ktp' }, 'collateral'],
    [
      'document number too short',
      { badge: 'TAMU-01', collateral: { type: 'ktp', number: '12' } },
      'collateral.number',
    ],
    ['unknown property', { badge: 'TAMU-01', collateral: KTP, deposit: 1 }, 'deposit'],
    [
      'unknown collateral property',
      { badge: 'TAMU-01', collateral: { ...KTP, photo: 'x' } },
      'collateral.photo',
    ],
    ['nextTap of the wrong type', { nextTap: 'soon', collateral: KTP }, 'nextTap'],
    ['waitSeconds out of range', { nextTap: true, waitSeconds: 0, collateral: KTP }, 'waitSeconds'],
    ['neither badge nor nextTap', { collateral: KTP }, 'badge'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    expect400(await post(as.receptionist, `/visits/${id}/badge`, payload), field);
    await expectUnchanged(before, id);
  });

  it.each([
    ['ktp', 'abcd', 'nik_format'],
    ['ktp', '9978014107900001', 'nik_province'],
    ['ktp', '3578013207900001', 'nik_birth_date'],
    ['sim', '1234567890', 'sim_format'],
    ['passport', 'ABCDEFGH', 'passport_format'],
  ])('400 for a %s number %j that is not one (rule %s), nothing kept', async (type, number, rule) => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/badge`, {
      badge: await freeBadge(),
      collateral: { type, number },
    });
    expect400(res, 'collateral.number');
    expect(res.json()).toMatchObject({ error: 'invalid', rule });
    await expectUnchanged(before, id);
  });

  it('a passport (Indonesian or foreign) is taken as collateral', async () => {
    const id = await visitAt('accepted');
    const res = await post(as.receptionist, `/visits/${id}/badge`, {
      badge: await freeBadge(),
      collateral: { type: 'passport', number: 'X1234567' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().collateral).toEqual({ type: 'passport', masked: '******67' });
  });

  it('nextTap: true binds the badge next tapped on the desk reader', async () => {
    const id = await visitAt('accepted');
    const label = await freeBadge();
    const badge = await badgeOf(label);
    const pending = post(as.receptionist, `/visits/${id}/badge`, {
      nextTap: true,
      waitSeconds: 10,
      collateral: KTP,
    });
    await deskWaiting(t);
    await post(as.receptionist, '/taps', { reader: 'desk', uid: badge.uid });
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'badged', badgeId: badge.id });
    expect(await badgeOf(label)).toMatchObject({ status: 'issued', visitId: id });
  });

  it('nextTap: 408 after waitSeconds with no tap, nothing changes', async () => {
    const id = await visitAt('accepted');
    const before = await snapshot(id);
    const started = Date.now();
    const res = await post(as.receptionist, `/visits/${id}/badge`, {
      nextTap: true,
      waitSeconds: 1,
      collateral: KTP,
    });
    expect(res.statusCode).toBe(408);
    expect(res.json().error).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await expectUnchanged(before, id);
  });
});

describe('POST /visits/:id/checkout and /document-returned', () => {
  it('checkout of a badged visit closes it; the badge returns to the pool; access ends', async () => {
    const id = await visitAt('badged');
    const badgeId = (await api('GET', `/visits/${id}`, as.admin)).json().badgeId as string;
    const res = await post(as.receptionist, `/visits/${id}/checkout`, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'closed', badgeReturned: true, documentReturned: true });
    const badges = (await api('GET', '/badges', as.admin)).json() as Array<{ id: string; status: string }>;
    expect(badges.find((b) => b.id === badgeId)?.status).toBe('available');
    expect((await api('GET', `/visits/${id}`, as.admin)).json().state).toBe('closed');
  });

  it('document kept: checked_out, then document-returned closes it', async () => {
    const id = await visitAt('badged');
    const out = await post(as.receptionist, `/visits/${id}/checkout`, {
      badgeReturned: true,
      documentReturned: false,
    });
    expect(out.json().state).toBe('checked_out');
    const back = await api('POST', `/visits/${id}/document-returned`, as.receptionist);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ state: 'closed', documentReturned: true });
  });

  it('badge not returned: the badge is marked lost', async () => {
    const id = await visitAt('badged');
    const badgeId = (await api('GET', `/visits/${id}`, as.admin)).json().badgeId as string;
    await post(as.receptionist, `/visits/${id}/checkout`, { badgeReturned: false, documentReturned: true });
    const badges = (await api('GET', '/badges', as.admin)).json() as Array<{ id: string; status: string }>;
    expect(badges.find((b) => b.id === badgeId)?.status).toBe('lost');
  });

  it.each(['arrived', 'accepted'] as const)(
    '409 for checkout of a visit that is only %s, nothing changes',
    async (stage) => {
      const id = await visitAt(stage);
      const before = await snapshot(id);
      const res = await post(as.receptionist, `/visits/${id}/checkout`, {});
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('illegal_transition');
      await expectUnchanged(before, id);
    },
  );

  it('checkout of a closed visit is refused, nothing changes', async () => {
    const id = await visitAt('badged');
    await post(as.receptionist, `/visits/${id}/checkout`, {});
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/checkout`, {});
    // The service answers 404 ("not found or already closed") for a closed visit, not 409.
    expect([404, 409]).toContain(res.statusCode);
    await expectUnchanged(before, id);
  });

  it('409 for document-returned on a visit not checked out, nothing changes', async () => {
    const id = await visitAt('badged');
    const before = await snapshot(id);
    const res = await api('POST', `/visits/${id}/document-returned`, as.receptionist);
    expect(res.statusCode).toBe(409);
    await expectUnchanged(before, id);
  });

  it('404 for unknown visits', async () => {
    const before = await snapshot();
    expect((await post(as.receptionist, `/visits/${UNKNOWN_ID}/checkout`, {})).statusCode).toBe(404);
    expect((await api('POST', `/visits/${UNKNOWN_ID}/document-returned`, as.receptionist)).statusCode).toBe(
      404,
    );
    await expectUnchanged(before);
  });

  it.each([
    ['badgeReturned of the wrong type', { badgeReturned: 'yes please' }, 'badgeReturned'],
    ['documentReturned of the wrong type', { documentReturned: { a: 1 } }, 'documentReturned'],
    ['unknown property', { rating: 5 }, 'rating'],
  ])('checkout: 400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('badged');
    const before = await snapshot(id);
    expect400(await post(as.receptionist, `/visits/${id}/checkout`, payload), field);
    await expectUnchanged(before, id);
  });
});

describe('POST /visits/:id/cancel', () => {
  it('cancels a visit before the badge', async () => {
    const id = await visitAt('awaiting_host');
    const res = await post(as.receptionist, `/visits/${id}/cancel`, { reason: 'tamu pulang' });
    expect(res.statusCode).toBe(200);
    expect(res.json().state).toBe('cancelled');
    const open = (await api('GET', '/visits', as.admin)).json() as Array<{ id: string }>;
    expect(open.map((v) => v.id)).not.toContain(id);
  });

  it('409 for a badged visit, nothing changes', async () => {
    const id = await visitAt('badged');
    const before = await snapshot(id);
    const res = await post(as.receptionist, `/visits/${id}/cancel`, {});
    expect(res.statusCode).toBe(409);
    await expectUnchanged(before, id);
  });

  it.each([
    ['reason of the wrong type', { reason: { a: 1 } }, 'reason'],
    ['unknown property', { why: 'x' }, 'why'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const id = await visitAt('arrived');
    const before = await snapshot(id);
    expect400(await post(as.receptionist, `/visits/${id}/cancel`, payload), field);
    await expectUnchanged(before, id);
  });

  it('404 for an unknown visit', async () => {
    const before = await snapshot();
    expect((await post(as.receptionist, `/visits/${UNKNOWN_ID}/cancel`, {})).statusCode).toBe(404);
    await expectUnchanged(before);
  });
});

// ------------------------------------------------------------------ sync

describe('PUT /sync/visits', () => {
  const guest = (name: string) => ({ name, institution: 'Desk App Inc', phone: '+62 31 1234567' });
  const item = (externalId: string, status: string, extra: Record<string, unknown> = {}) => ({
    externalId,
    guest: guest(`Sync ${externalId}`),
    purpose: 'Rapat',
    hostId: 'kabag-umum',
    status,
    ...extra,
  });
  const sync = (visits: unknown) => api('PUT', '/sync/visits', as.receptionist, { visits });

  it('is idempotent: the same batch twice changes nothing the second time', async () => {
    const batch = [
      item('sx-1', 'awaiting_host'),
      item('sx-2', 'accepted', { rooms: ['ruang-kabag'] }),
      item('sx-3', 'host_refused'),
      item('sx-4', 'cancelled'),
    ];
    const first = await sync(batch);
    expect(first.statusCode, first.body).toBe(200);
    const r1 = first.json().results as Array<{
      externalId: string;
      visitId: string;
      state: string;
      changed: boolean;
    }>;
    expect(r1.map((r) => [r.externalId, r.state, r.changed])).toEqual([
      ['sx-1', 'awaiting_host', true],
      ['sx-2', 'accepted', true],
      ['sx-3', 'host_refused', true],
      ['sx-4', 'cancelled', true],
    ]);
    const v2 = (await api('GET', `/visits/${r1[1]!.visitId}`, as.admin)).json();
    expect(v2).toMatchObject({ externalId: 'sx-2', rooms: ['ruang-kabag'], guestName: 'Sync sx-2' });

    const before = seq();
    const second = await sync(batch);
    expect(second.statusCode).toBe(200);
    const r2 = second.json().results as typeof r1;
    expect(r2.every((r) => r.changed === false)).toBe(true);
    expect(r2.map((r) => r.visitId)).toEqual(r1.map((r) => r.visitId));
    expect(r2.map((r) => r.state)).toEqual(r1.map((r) => r.state));
    expect(seq()).toBe(before);
  });

  it('a second push moves an item from awaiting_host to accepted', async () => {
    const first = (await sync([item('sy-1', 'awaiting_host')])).json().results[0];
    expect(first).toMatchObject({ state: 'awaiting_host', changed: true });
    const second = (await sync([item('sy-1', 'accepted', { rooms: ['ruang-kabag'] })])).json().results[0];
    expect(second).toMatchObject({ visitId: first.visitId, state: 'accepted', changed: true });
    const v = (await api('GET', `/visits/${first.visitId}`, as.admin)).json();
    expect(v).toMatchObject({ state: 'accepted', rooms: ['ruang-kabag'], hasAccessCode: true });
    const third = (await sync([item('sy-1', 'accepted', { rooms: ['ruang-kabag'] })])).json().results[0];
    expect(third).toMatchObject({ state: 'accepted', changed: false });
  });

  it('a status that conflicts with the visit is a 409 for that item (field, state); the rest applies', async () => {
    const accepted = (await sync([item('sc-1', 'accepted')])).json().results[0];
    const refused = (await sync([item('sc-2', 'host_refused')])).json().results[0];
    const badgedExt = 'sc-3';
    // A visit arrived at the desk with an externalId, then badged: the desk app cancels it.
    const arrived = (await post(as.receptionist, '/visits', arrival({ externalId: badgedExt }))).json();
    for (const [path, body] of [
      [`/visits/${arrived.id}/screening`, { passed: true }],
      [`/visits/${arrived.id}/guestbook`, {}],
      [`/visits/${arrived.id}/decision`, { outcome: 'accepted' }],
      [`/visits/${arrived.id}/badge`, { badge: await freeBadge(), collateral: KTP }],
    ] as const) {
      const r = await post(as.admin, path, body);
      expect(r.statusCode, r.body).toBe(200);
    }
    const before = seq();
    const res = await sync([
      item('sc-1', 'host_refused'),
      item('sc-4', 'awaiting_host'),
      item('sc-2', 'accepted'),
      item(badgedExt, 'cancelled'),
    ]);
    expect(res.statusCode, res.body).toBe(207);
    const results = res.json().results;
    expect(results[0]).toMatchObject({
      externalId: 'sc-1',
      status: 409,
      visitId: accepted.visitId,
      state: 'accepted',
      changed: false,
      error: { error: 'conflict', field: 'status', state: 'accepted' },
    });
    expect(results[0].error.message).toMatch(/host_refused.*accepted/);
    expect(results[1]).toMatchObject({
      externalId: 'sc-4',
      status: 200,
      state: 'awaiting_host',
      changed: true,
    });
    expect(results[2]).toMatchObject({
      status: 409,
      visitId: refused.visitId,
      state: 'host_refused',
      error: { error: 'conflict', field: 'status', state: 'host_refused' },
    });
    expect(results[3]).toMatchObject({
      status: 409,
      visitId: arrived.id,
      state: 'badged',
      error: { field: 'status', state: 'badged' },
    });
    // Only sc-4 was written (arrival, screening, guest book); the conflicting visits stand.
    expect(seq()).toBe(before + 3);
    expect((await api('GET', `/visits/${accepted.visitId}`, as.admin)).json().state).toBe('accepted');
    expect((await api('GET', `/visits/${arrived.id}`, as.admin)).json().state).toBe('badged');
  });

  it('a batch without a conflict answers 200 with status 200 per item', async () => {
    const res = await sync([item('sd-1', 'awaiting_host')]);
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ status: 200, changed: true });
  });

  it('the steps the desk application did are marked done elsewhere (journal, history) and not timed', async () => {
    const from = seq();
    const r = (await sync([item('se-1', 'accepted')])).json().results[0];
    const v = (await api('GET', `/visits/${r.visitId}`, as.admin)).json();
    expect(
      v.history.map((h: { action: string; doneElsewhere?: boolean }) => [h.action, h.doneElsewhere ?? false]),
    ).toEqual([
      ['arrive', false],
      ['screen', true],
      ['guestbook', true],
      ['decide', true],
    ]);
    expect(v.timings).toEqual([]);
    const list = (await api('GET', '/events?limit=20&type=visit.', as.admin)).json().events as Array<{
      seq: number;
      type: string;
      payload: { visitId?: string; doneElsewhere?: boolean };
    }>;
    const mine = list.filter((e) => e.seq > from && e.payload.visitId === r.visitId);
    expect(mine.map((e) => [e.type, e.payload.doneElsewhere ?? false]).sort()).toEqual(
      [
        ['visit.arrived', false],
        ['visit.screened', true],
        ['visit.guestbook', true],
        ['visit.decided', true],
      ].sort(),
    );
  });

  it('an arrival with an externalId is picked up by sync', async () => {
    const arrived = (await post(as.receptionist, '/visits', arrival({ externalId: 'sz-1' }))).json();
    const r = (await sync([item('sz-1', 'awaiting_host')])).json().results[0];
    expect(r).toMatchObject({ visitId: arrived.id, state: 'awaiting_host', changed: true });
  });

  it('an unknown host: 404 for that item (field hostId); the items before and after it apply', async () => {
    const before = seq();
    const res = await sync([
      item('su-1', 'awaiting_host'),
      item('su-2', 'awaiting_host', { hostId: 'no-such-host' }),
      item('su-3', 'awaiting_host'),
    ]);
    expect(res.statusCode, res.body).toBe(207);
    const results = res.json().results;
    expect(results[1]).toMatchObject({
      externalId: 'su-2',
      status: 404,
      error: { error: 'not_found', field: 'hostId' },
    });
    expect(results[1].visitId).toBeUndefined();
    const open = (await api('GET', '/visits', as.admin)).json() as Array<{
      externalId?: string;
      state: string;
    }>;
    expect(open.find((v) => v.externalId === 'su-1')?.state).toBe('awaiting_host');
    expect(open.find((v) => v.externalId === 'su-3')?.state).toBe('awaiting_host');
    expect(open.some((v) => v.externalId === 'su-2')).toBe(false);
    expect(seq()).toBe(before + 6);
    // Retrying is safe: su-1 and su-3 are unchanged.
    const retry = (await sync([item('su-1', 'awaiting_host'), item('su-3', 'awaiting_host')])).json().results;
    expect(retry.map((r: { changed: boolean }) => r.changed)).toEqual([false, false]);
  });

  it('a room the host may not grant: 403 for that item, which says how far it got', async () => {
    const res = await sync([item('sr-1', 'accepted', { hostId: 'sekda', rooms: ['ruang-kabag'] })]);
    expect(res.statusCode, res.body).toBe(207);
    expect(res.json().results[0]).toMatchObject({
      status: 403,
      state: 'awaiting_host',
      changed: true,
      error: { error: 'forbidden', field: 'rooms' },
    });
    // Pushed again once the desk app has it right: accepted, nothing else repeated.
    const again = (await sync([item('sr-1', 'accepted', { hostId: 'sekda' })])).json().results[0];
    expect(again).toMatchObject({ status: 200, state: 'accepted', changed: true });
  });

  it('an unknown host as the only item changes nothing', async () => {
    const before = await snapshot();
    const res = await sync([item('sv-1', 'accepted', { hostId: 'no-such-host' })]);
    expect(res.statusCode).toBe(207);
    expect(res.json().results[0]).toMatchObject({ status: 404, error: { field: 'hostId' } });
    await expectUnchanged(before);
  });

  it.each([
    ['missing visits', undefined, 'visits'],
    ['an empty batch', [], 'visits'],
    // coerceTypes: 'array' wraps a scalar in an array, so the error is on its first item.
    ['visits of the wrong type', 'all of them', 'visits.0'],
    [
      'missing externalId',
      [{ guest: guest('A B'), purpose: 'x', hostId: 'kabag-umum', status: 'accepted' }],
      'visits.0.externalId',
    ],
    ['an unknown status', [item('sw-1', 'badged')], 'visits.0.status'],
    ['an unknown item property', [item('sw-1', 'accepted', { badge: 'TAMU-01' })], 'visits.0.badge'],
    [
      'a phone not matching the pattern',
      [{ ...item('sw-1', 'accepted'), guest: { ...guest('A B'), phone: 'n/a' } }],
      'visits.0.guest.phone',
    ],
    ['a bad second item', [item('sw-1', 'accepted'), item('sw-2', 'nope')], 'visits.1.status'],
  ])('400 for %s names the field and changes nothing', async (_what, visits, field) => {
    const before = await snapshot();
    const res = await api('PUT', '/sync/visits', as.receptionist, visits === undefined ? {} : { visits });
    expect400(res, field);
    await expectUnchanged(before);
  });

  it('400 for an unknown top-level property', async () => {
    expect400(
      await api('PUT', '/sync/visits', as.receptionist, { visits: [item('sw-9', 'accepted')], full: true }),
      'full',
    );
  });
});

// ------------------------------------------------------------------ returning guests

describe('GET /guests', () => {
  it('suggests a returning guest by name or phone prefix; an arrival with guestId reuses the record', async () => {
    const first = (
      await post(as.receptionist, '/visits', {
        guest: { name: 'Rahmat Hidayat', institution: 'Bappeda', phone: '081399887766' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      })
    ).json();
    const byName = await api('GET', '/guests?q=hidayat', as.receptionist);
    expect(byName.statusCode).toBe(200);
    expect(byName.json()).toEqual([
      expect.objectContaining({
        id: first.guestId,
        name: 'Rahmat Hidayat',
        institution: 'Bappeda',
        phone: '081399887766',
      }),
    ]);
    const byPhone = (await api('GET', '/guests?q=0813998', as.admin)).json();
    expect(byPhone.map((g: { id: string }) => g.id)).toEqual([first.guestId]);
    expect((await api('GET', '/guests?q=zzzz', as.receptionist)).json()).toEqual([]);

    const again = await post(as.receptionist, '/visits', {
      guest: { name: 'Rahmat Hidayat', institution: 'Bappeda Jatim', guestId: first.guestId },
      purpose: 'Rapat lanjutan',
      hostId: 'kabag-umum',
    });
    expect(again.json().guestId).toBe(first.guestId);
    const after = (await api('GET', '/guests?q=Rahmat', as.receptionist)).json();
    expect(after).toHaveLength(1);
    expect(after[0].institution).toBe('Bappeda Jatim');
  });

  it.each([
    ['/guests', 'q'],
    ['/guests?q=a', 'q'],
    [`/guests?q=${'a'.repeat(61)}`, 'q'],
    ['/guests?q=ab&limit=3', 'limit'],
  ])('400 for %s names the field', async (url, field) => {
    expect400(await api('GET', url, as.receptionist), field);
  });
});
