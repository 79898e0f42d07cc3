// The HTTP API, area "appointments" (issue 14, item 1): a host books their own expected guest
// (pre-approved), the desk any; the desk lists today's, opens one by its code and turns it into
// an arrival with one action, once; a visit rescheduled at SOP step 5b becomes an appointment
// on its proposed date; a window over without an arrival is a no-show; the state survives a
// restart. Who may call each route: authz-matrix.test.ts.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi } from '../support/api.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.14.0');
let otherHost: string;

/** Monday 2026-11-30 in Jakarta (the test gateway's clock). */
const TODAY = '2026-11-30';
const TOMORROW = '2026-12-01';

function booking(over: Record<string, unknown> = {}) {
  return {
    guest: { name: 'Sri Wahyuni', institution: 'Bappeda Kota Malang', phone: '0812 1111 2222' },
    hostId: 'kabag-umum',
    date: TODAY,
    from: '10:00',
    until: '11:00',
    purposeCategory: 'rapat',
    purpose: 'Rapat anggaran',
    ...over,
  };
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ['admin', 'receptionist', 'security', 'host'] as const) as[role] = await loginAs(role);
  const res = await api('PUT', '/hosts/sekda', as.admin, {
    name: 'Sekretaris Daerah',
    unit: 'Setda',
    rooms: [],
  });
  expect(res.statusCode, res.body).toBe(200);
  otherHost = await loginAs('host', 'sekda');
});
afterAll(async () => t?.close());

describe('registering', () => {
  it('a host books their own guest, pre-approved; the desk books for any host, not pre-approved', async () => {
    const mine = await post(as.host, '/appointments', booking({ hostId: undefined }));
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json()).toMatchObject({
      hostId: 'kabag-umum',
      preApproved: true,
      status: 'expected',
      guestName: 'Sri Wahyuni',
    });
    expect(mine.json().id).toMatch(/^TJ-[0-9A-Z]{16}$/);
    const desk = await post(as.receptionist, '/appointments', booking({ hostId: 'sekda' }));
    expect(desk.statusCode, desk.body).toBe(201);
    expect(desk.json().preApproved).toBe(false);
  });

  it("a host may not book for another host, nor see another host's appointment", async () => {
    const before = seq();
    const res = await post(as.host, '/appointments', booking({ hostId: 'sekda' }));
    expect(res.statusCode).toBe(403);
    expect(seq()).toBe(before);
    const theirs = await post(as.receptionist, '/appointments', booking({ hostId: 'sekda' }));
    expect((await api('GET', `/appointments/${theirs.json().id}`, as.host)).statusCode).toBe(404);
    expect((await api('GET', `/appointments/${theirs.json().id}`, otherHost)).statusCode).toBe(200);
  });

  it('refuses a bad window or date by rule, and writes nothing', async () => {
    const before = seq();
    const guests = t.gateway.core.guests.all.length;
    for (const [over, field, rule] of [
      [{ date: '2026-11-29' }, 'date', 'date_past'],
      [{ from: '11:00', until: '10:00' }, 'until', 'window_order'],
      [{ from: '07:00', until: '08:00' }, 'until', 'window_past'],
      [{ date: '2027-06-01' }, 'date', 'date_too_far'],
      [{ purposeCategory: 'nope' }, 'purposeCategory', undefined],
    ] as const) {
      const res = await post(as.receptionist, '/appointments', booking(over));
      expect400(res, field);
      if (rule) expect(res.json().rule).toBe(rule);
    }
    expect(seq()).toBe(before);
    expect(t.gateway.core.guests.all.length).toBe(guests);
  });
});

describe('the invitation', () => {
  it('goes to the webhook, signed, with the code as a QR', async () => {
    const received: Array<{ body: string; event?: string; signature?: string }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          body,
          event: req.headers['x-pintu-event'] as string,
          signature: req.headers['x-pintu-signature'] as string,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`;
      const set = await api('PUT', '/admin/settings', as.admin, {
        webhookUrl: url,
        webhookSecret: 'rahasia-webhook',
      });
      expect(set.statusCode, set.body).toBe(200);
      const a = (await post(as.host, '/appointments', booking({ hostId: undefined, date: TOMORROW }))).json();
      await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const got = received.at(-1)!;
      expect(got.event).toBe('appointment_invitation');
      expect(got.signature).toBe(
        `sha256=${createHmac('sha256', 'rahasia-webhook').update(got.body).digest('hex')}`,
      );
      const msg = JSON.parse(got.body);
      expect(msg).toMatchObject({
        event: 'appointment_invitation',
        appointmentId: a.id,
        date: TOMORROW,
        from: '10:00',
        until: '11:00',
        timezone: 'Asia/Jakarta',
        host: { id: 'kabag-umum' },
        // display.guestName defaults to initials; the phone is how the notifier reaches the guest.
        guest: { name: 'S. W.', institution: 'Bappeda Kota Malang', phone: '0812 1111 2222' },
        preApproved: true,
      });
      expect(msg.qrSvg).toMatch(
        /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*><rect [^>]*\/><path d="M[^"]+" fill="#000"\/><\/svg>$/,
      );
      await post(as.receptionist, `/appointments/${a.id}/cancel`, {});
    } finally {
      await api('PUT', '/admin/settings', as.admin, { webhookUrl: null });
      await new Promise((r) => hook.close(r));
    }
  });
});

describe('today at the desk', () => {
  it('lists today by window start; the code opens one; one action makes the arrival, once', async () => {
    const early = (
      await post(as.receptionist, '/appointments', booking({ from: '09:30', until: '12:00' }))
    ).json();
    const list = (await api('GET', '/appointments?date=today', as.receptionist)).json() as Array<{
      id: string;
      from: string;
    }>;
    expect(list.map((a) => a.from)).toEqual([...list.map((a) => a.from)].sort());
    expect(list.some((a) => a.id === early.id)).toBe(true);
    // The scanner types the code; a lower-case copy works too.
    const opened = await api('GET', `/appointments/${early.id.toLowerCase()}`, as.receptionist);
    expect(opened.json().id).toBe(early.id);

    const arrived = await post(as.receptionist, `/appointments/${early.id}/arrival`, {});
    expect(arrived.statusCode, arrived.body).toBe(201);
    expect(arrived.json()).toMatchObject({
      state: 'arrived',
      appointmentId: early.id,
      guestName: 'Sri Wahyuni',
      institution: 'Bappeda Kota Malang',
      hostId: 'kabag-umum',
      purposeCategory: 'rapat',
      purpose: 'Rapat anggaran',
    });
    const after = (await api('GET', `/appointments/${early.id}`, as.receptionist)).json();
    expect(after).toMatchObject({ status: 'arrived', visitId: arrived.json().id });

    const before = seq();
    const twice = await Promise.all([
      post(as.receptionist, `/appointments/${early.id}/arrival`, {}),
      post(as.admin, `/appointments/${early.id}/arrival`, {}),
    ]);
    expect(twice.map((r) => r.statusCode)).toEqual([409, 409]);
    expect(seq()).toBe(before);
    expect((await post(as.receptionist, `/appointments/${early.id}/cancel`, {})).statusCode).toBe(409);
  });

  it('an appointment booked without a purpose in words arrives with its category name', async () => {
    const { purpose: _p, ...bare } = booking();
    const a = (await post(as.receptionist, '/appointments', bare)).json();
    const v = await post(as.receptionist, `/appointments/${a.id}/arrival`, {});
    expect(v.json()).toMatchObject({ purposeCategory: 'rapat', purpose: 'Rapat' });
  });

  it('two desks racing for one appointment make one visit', async () => {
    const a = (await post(as.receptionist, '/appointments', booking())).json();
    const r = await Promise.all([
      post(as.receptionist, `/appointments/${a.id}/arrival`, {}),
      post(as.admin, `/appointments/${a.id}/arrival`, {}),
    ]);
    expect(r.map((x) => x.statusCode).sort()).toEqual([201, 409]);
  });

  it('refuses an arrival on another day, and after a cancellation', async () => {
    const later = (await post(as.receptionist, '/appointments', booking({ date: TOMORROW }))).json();
    const res = await post(as.receptionist, `/appointments/${later.id}/arrival`, {});
    expect(res.statusCode).toBe(400);
    expect(res.json().rule).toBe('not_today');
    const c = await post(as.host, `/appointments/${later.id}/cancel`, { reason: 'rapat diundur' });
    expect(c.json().status).toBe('cancelled');
  });

  it('a window over without an arrival is a no-show, computed', async () => {
    const a = (
      await post(as.receptionist, '/appointments', booking({ from: '13:00', until: '14:00' }))
    ).json();
    const before = seq();
    t.clock.now = MONDAY_9AM + 5 * 3_600_000; // 14:00 in Jakarta
    try {
      expect((await api('GET', `/appointments/${a.id}`, as.receptionist)).json().status).toBe('no_show');
      expect(seq()).toBe(before);
    } finally {
      t.clock.now = MONDAY_9AM;
    }
  });
});

describe('a reschedule (SOP step 5b)', () => {
  it('becomes an appointment on the proposed date within office hours', async () => {
    const v = await post(as.receptionist, '/visits', {
      guest: { name: 'Andi Pratama', institution: 'Universitas Airlangga' },
      purpose: 'Konsultasi magang',
      purposeCategory: 'konsultasi',
      hostId: 'kabag-umum',
    });
    const id = v.json().id;
    expect((await post(as.security, `/visits/${id}/screening`, { passed: true })).statusCode).toBe(200);
    expect((await post(as.receptionist, `/visits/${id}/guestbook`, {})).statusCode).toBe(200);
    const d = await post(as.receptionist, `/visits/${id}/decision`, {
      outcome: 'host_absent',
      proposedDate: TOMORROW,
    });
    expect(d.statusCode, d.body).toBe(200);
    const list = (await api('GET', `/appointments?date=${TOMORROW}`, as.receptionist)).json() as Array<
      Record<string, unknown>
    >;
    const a = list.find((x) => x.fromVisitId === id);
    expect(a).toMatchObject({
      guestName: 'Andi Pratama',
      institution: 'Universitas Airlangga',
      hostId: 'kabag-umum',
      purposeCategory: 'konsultasi',
      from: t.config.access.officeHours.open,
      until: t.config.access.officeHours.close,
      preApproved: false,
      status: 'expected',
    });
  });
});

describe('durability', () => {
  it('appointments outlive a restart, and a day gone by leaves the saved state', async () => {
    const a = (await post(as.receptionist, '/appointments', booking({ date: TOMORROW }))).json();
    const dir = t.dir;
    await t.app.close();
    await t.gateway.close();
    t = await startTestGateway({ dir, now: MONDAY_9AM });
    as.receptionist = await loginAs('receptionist');
    expect((await api('GET', `/appointments/${a.id}`, as.receptionist)).json().status).toBe('expected');
    // Two days on, a save drops it: the journal keeps it.
    t.clock.now = MONDAY_9AM + 2 * 86_400_000;
    await t.gateway.core.saveNow();
    // (The session has expired by then: the state is looked at directly.)
    expect(t.gateway.core.state.appointments.has(a.id)).toBe(false);
    expect(t.gateway.core.state.toPersisted().appointments?.some((x) => x.id === a.id)).toBe(false);
  });
});

describe('the recap', () => {
  it("counts next month's appointments registered this month, and their no-shows", async () => {
    // 2026-12-02 09:00 Jakarta: the appointments of 1 December are over. Two were made in
    // November (the reschedule and the one that outlived the restart); one more was cancelled.
    t.clock.now = MONDAY_9AM + 2 * 86_400_000;
    const desk = await loginAs('receptionist');
    const res = await api('GET', '/reports/monthly?month=2026-12&format=json', desk);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().totals).toMatchObject({ visits: 0, expected: 0, walkIn: 0, noShows: 2 });
    const nov = (await api('GET', '/reports/monthly?month=2026-11&format=json', desk)).json();
    expect(nov.totals.expected).toBeGreaterThanOrEqual(2);
    expect(nov.totals.expected + nov.totals.walkIn).toBe(nov.totals.visits);
  });
});
