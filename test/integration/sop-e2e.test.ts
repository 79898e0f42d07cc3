// One SOP visit end to end through the API on simulated hardware: the door opens, the
// events are journaled and chained, and the recap counts the visit.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('one visit through the whole SOP', () => {
  let t: TestGateway;
  let desk: string;
  let security: string;
  let host: string;
  beforeAll(async () => {
    t = await startTestGateway();
    desk = await t.login('receptionist');
    security = await t.login('security');
    host = await t.login('host');
  });
  afterAll(() => t.close());

  const post = (cookie: string, url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload: payload as object });
  const tick = (minutes: number) => {
    t.clock.now += minutes * 60_000;
  };

  it('runs arrival to checkout, opens the doors it should and closes access at checkout', async () => {
    const arrived = await post(desk, '/visits', {
      guest: { name: 'Siti Rahayu', institution: 'Dinas Kominfo Kab. Sidoarjo', phone: '081234567890' },
      purpose: 'Koordinasi acara',
      hostId: 'kabag-umum',
    });
    expect(arrived.statusCode).toBe(201);
    const id = arrived.json().id as string;
    tick(1);
    expect((await post(security, `/visits/${id}/screening`, { passed: true })).json().state).toBe('screened');
    tick(1.5);
    expect((await post(desk, `/visits/${id}/guestbook`, {})).json().state).toBe('awaiting_host');

    // Before the host accepts, the guest's future badge opens nothing.
    tick(1);
    const decided = await post(host, `/visits/${id}/decision`, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.json().visit.state).toBe('accepted');
    const code = decided.json().accessCode as string;
    expect(code).toMatch(/^\d{6}$/);

    tick(0.5);
    const badged = await post(desk, `/visits/${id}/badge`, {
      badge: 'TAMU-03',
      collateral: { type: 'ktp', number: '3578014107900001' },
    });
    expect(badged.statusCode).toBe(200);
    expect(badged.json().collateral).toEqual({ type: 'ktp', masked: '35**********0001' });

    tick(1);
    const entrance = await post(desk, '/taps', { reader: 'pintu-utama-in', uid: '04:a1:b2:c3:d4:e5:03' });
    expect(entrance.json()).toMatchObject({
      kind: 'door',
      granted: true,
      doorId: 'pintu-utama',
      visitId: id,
    });
    expect(t.lock('pintu-utama').state().locked).toBe(false);
    expect(t.lock('pintu-utama').pulses).toBe(1);
    // The answer came once the tap's journal entry was durable, and names it.
    const tapped = (await t.gateway.core.journal.page({ limit: 1, afterSeq: entrance.json().seq - 1 }))
      .entries[0];
    expect(tapped).toMatchObject({ type: 'access.granted', payload: { visitId: id, doorId: 'pintu-utama' } });
    const room = await post(desk, '/taps', { reader: 'ruang-kabag-in', pin: code });
    expect(room.json()).toMatchObject({ granted: true, doorId: 'ruang-kabag' });

    tick(45);
    const out = await post(desk, `/visits/${id}/checkout`, { badgeReturned: true, documentReturned: true });
    expect(out.statusCode).toBe(200);
    expect(out.json().state).toBe('closed');
    const after = await post(desk, '/taps', { reader: 'pintu-utama-in', uid: '04A1B2C3D4E503' });
    expect(after.json()).toMatchObject({ granted: false, reason: 'checked_out' });
    const pinAfter = await post(desk, '/taps', { reader: 'ruang-kabag-in', pin: code });
    expect(pinAfter.json()).toMatchObject({ granted: false, reason: 'unknown_code' });

    // Journaled and chained.
    await t.gateway.core.saveNow();
    const verify = await Journal.verify(join(t.dir, 'journal'));
    expect(verify.ok).toBe(true);
    const types: string[] = [];
    for await (const e of t.gateway.core.journal.read({})) types.push(e.type);
    for (const type of [
      'visit.arrived',
      'visit.screened',
      'visit.guestbook',
      'visit.decided',
      'visit.badge_issued',
      'access.granted',
      'visit.checked_out',
      'access.denied',
    ]) {
      expect(types).toContain(type);
    }

    // The recap counts it.
    const recap = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/monthly?month=2026-11',
      headers: { cookie: desk },
    });
    expect(recap.statusCode).toBe(200);
    const r = recap.json();
    expect(r.totals.visits).toBe(1);
    expect(r.totals.badgesIssued).toBe(1);
    expect(r.totals.checkedOut).toBe(1);
    expect(r.doors.find((d: { key: string }) => d.key === 'pintu-utama').entries).toBe(1);
    expect(r.steps.find((s: { step: string }) => s.step === 'screening').count).toBe(1);
    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/monthly?month=2026-11&format=csv',
      headers: { cookie: desk },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('Rekapitulasi Kunjungan Tamu Biro Umum');
  });
});
