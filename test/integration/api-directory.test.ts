// The HTTP API, area "directory": the badge pool, hosts, personal data requests. Who may call
// each route (401, 403 per role): authz-matrix.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi, UNKNOWN_ID } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const KTP = { type: 'ktp', number: '3578014107900001' } as const;

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq, lastEntry: lastEntryAs } = new TestApi(() => t, '10.4.0');
const lastEntry = () => lastEntryAs(as.admin);

interface BadgeBody {
  id: string;
  label: string;
  uid: string;
  status: string;
  visitId?: string;
}
const badges = async () => (await api('GET', '/badges', as.admin)).json() as BadgeBody[];
const badge = async (label: string) => (await badges()).find((b) => b.label === label)!;

async function snapshot(visitId?: string) {
  return {
    seq: seq(),
    badges: await badges(),
    hosts: (await api('GET', '/hosts', as.admin)).json(),
    visit: visitId ? (await api('GET', `/visits/${visitId}`, as.admin)).json() : undefined,
  };
}
async function expectUnchanged(before: Awaited<ReturnType<typeof snapshot>>, visitId?: string) {
  expect(await snapshot(visitId)).toEqual(before);
}

/** A visit through the SOP to the badge; returns the visit. */
async function badgedVisit(name: string, badgeLabel: string) {
  const v = (
    await post(as.receptionist, '/visits', {
      guest: { name, institution: 'Universitas Airlangga', phone: '081234000111' },
      purpose: 'Penelitian',
      hostId: 'kabag-umum',
    })
  ).json();
  await post(as.security, `/visits/${v.id}/screening`, { passed: true });
  await post(as.receptionist, `/visits/${v.id}/guestbook`, {});
  await post(as.host, `/visits/${v.id}/decision`, { outcome: 'accepted' });
  const res = await post(as.receptionist, `/visits/${v.id}/badge`, { badge: badgeLabel, collateral: KTP });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { id: string; guestId: string; guestName: string; badgeId: string };
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
});
afterAll(() => t?.close());

// ------------------------------------------------------------------ badges

describe('GET /badges and POST /badges', () => {
  it('the pool starts with TAMU-01..10, sorted, available', async () => {
    const list = await badges();
    expect(list.slice(0, 10).map((b) => b.label)).toEqual(
      Array.from({ length: 10 }, (_, i) => `TAMU-${String(i + 1).padStart(2, '0')}`),
    );
    expect(list.every((b) => b.status === 'available')).toBe(true);
    expect(list[0]!.uid).toBe('04A1B2C3D4E501');
  });

  it('201: a new badge, its UID normalised, journaled', async () => {
    const before = seq();
    const res = await post(as.receptionist, '/badges', { label: 'TAMU-11', uid: '04:aa:bb:cc:dd:ee:11' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ label: 'TAMU-11', uid: '04AABBCCDDEE11', status: 'available' });
    expect(seq()).toBe(before + 1);
    expect(await lastEntry()).toMatchObject({
      type: 'badge.added',
      payload: { label: 'TAMU-11', uid: '04AABBCCDDEE11' },
    });
    expect((await badges()).map((b) => b.label)).toContain('TAMU-11');
    // The new badge is recognised at the desk reader.
    const read = await post(as.receptionist, '/taps', { reader: 'desk', uid: '04AABBCCDDEE11' });
    expect(read.json()).toMatchObject({ kind: 'desk', badgeId: res.json().id });
  });

  it.each([
    ['missing label', { uid: '0A0B0C0D' }, 'label'],
    ['missing uid', { label: 'X-1' }, 'uid'],
    ['empty label', { label: '', uid: '0A0B0C0D' }, 'label'],
    ['label too long', { label: 'x'.repeat(41), uid: '0A0B0C0D' }, 'label'],
    ['label of the wrong type', { label: { a: 1 }, uid: '0A0B0C0D' }, 'label'],
    ['uid not matching the pattern', { label: 'X-1', uid: 'not-a-uid!' }, 'uid'],
    ['uid too short', { label: 'X-1', uid: '0A0B' }, 'uid'],
    ['an odd number of hex digits', { label: 'X-1', uid: '0A0B0C0D0' }, 'uid'],
    ['unknown property', { label: 'X-1', uid: '0A0B0C0D', color: 'red' }, 'color'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await snapshot();
    expect400(await post(as.admin, '/badges', payload), field);
    await expectUnchanged(before);
  });

  it.each([
    ['uid', { label: 'TAMU-99', uid: '04a1b2c3d4e501' }],
    ['label', { label: 'TAMU-01', uid: '0A0B0C0D0E0F' }],
  ])('409 for a duplicate %s (field named), nothing changes', async (field, payload) => {
    const before = await snapshot();
    const res = await post(as.admin, '/badges', payload);
    expect(res.statusCode).toBe(409);
    expect(res.json().field).toBe(field);
    await expectUnchanged(before);
  });
});

describe('POST /badges/:id/lost', () => {
  it('a lost badge is refused at the door; found again it is available', async () => {
    const b = await badge('TAMU-02');
    const lost = await post(as.receptionist, `/badges/${b.id}/lost`, { lost: true });
    expect(lost.statusCode, lost.body).toBe(200);
    expect(lost.json()).toMatchObject({ id: b.id, status: 'lost' });
    expect(await lastEntry()).toMatchObject({ type: 'badge.lost', payload: { badgeId: b.id } });
    const denied = await post(as.receptionist, '/taps', { reader: 'pintu-utama-in', uid: b.uid });
    expect(denied.json()).toMatchObject({ granted: false, reason: 'badge_lost' });
    const found = await post(as.admin, `/badges/${b.id}/lost`, { lost: false });
    expect(found.json()).toMatchObject({ status: 'available' });
    expect(
      (await post(as.receptionist, '/taps', { reader: 'pintu-utama-in', uid: b.uid })).json().reason,
    ).toBe('badge_not_assigned');
  });

  it('409 for an issued badge, nothing changes', async () => {
    const v = await badgedVisit('Ahmad Fauzi', 'TAMU-03');
    const before = await snapshot(v.id);
    const res = await post(as.receptionist, `/badges/${v.badgeId}/lost`, { lost: true });
    expect(res.statusCode).toBe(409);
    await expectUnchanged(before, v.id);
  });

  it('404 for an unknown badge, nothing changes', async () => {
    const before = await snapshot();
    expect((await post(as.receptionist, `/badges/${UNKNOWN_ID}/lost`, { lost: true })).statusCode).toBe(404);
    await expectUnchanged(before);
  });

  it.each([
    ['missing lost', {}, 'lost'],
    ['lost of the wrong type', { lost: 'perhaps' }, 'lost'],
    ['unknown property', { lost: true, where: 'lobby' }, 'where'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const b = await badge('TAMU-04');
    const before = await snapshot();
    expect400(await post(as.receptionist, `/badges/${b.id}/lost`, payload), field);
    await expectUnchanged(before);
  });
});

// ------------------------------------------------------------------ hosts

describe('GET /hosts and PUT /hosts/:id', () => {
  it('lists the hosts to every role', async () => {
    const res = await api('GET', '/hosts', as.facilities);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      expect.objectContaining({ id: 'kabag-umum', unit: 'Bagian Umum', rooms: ['ruang-kabag'] }),
    ]);
  });

  it('creates a host, updates it, and saving the same host twice journals nothing', async () => {
    const before = seq();
    const created = await api('PUT', '/hosts/kasubbag-tu', as.admin, {
      name: 'Kasubbag Tata Usaha',
      unit: 'Subbag TU',
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toEqual({
      id: 'kasubbag-tu',
      name: 'Kasubbag Tata Usaha',
      unit: 'Subbag TU',
      rooms: [],
    });
    expect(seq()).toBe(before + 1);
    expect(await lastEntry()).toMatchObject({ type: 'host.saved', payload: { hostId: 'kasubbag-tu' } });

    const body = {
      name: 'Kasubbag Tata Usaha',
      unit: 'Subbag TU',
      rooms: ['ruang-kabag'],
      contact: 'ext. 112',
      absent: true,
    };
    const updated = await api('PUT', '/hosts/kasubbag-tu', as.admin, body);
    expect(updated.json()).toEqual({ id: 'kasubbag-tu', ...body });
    const mid = seq();
    expect((await api('PUT', '/hosts/kasubbag-tu', as.admin, body)).statusCode).toBe(200);
    expect(seq()).toBe(mid);

    const hosts = (await api('GET', '/hosts', as.host)).json() as Array<{ id: string }>;
    expect(hosts.map((h) => h.id).sort()).toEqual(['kabag-umum', 'kasubbag-tu']);
    // A host login can be made for the new host.
    const user = await post(as.admin, '/users', {
      username: 'kasubbag',
      role: 'host',
      hostId: 'kasubbag-tu',
      password: 'long enough password',
    });
    expect(user.statusCode, user.body).toBe(201);
  });

  it.each([
    ['an id not matching the pattern', '/hosts/Kabag_Umum', { name: 'A', unit: 'B' }, 'id'],
    ['missing name', '/hosts/h-x', { unit: 'B' }, 'name'],
    ['missing unit', '/hosts/h-x', { name: 'A' }, 'unit'],
    ['empty name', '/hosts/h-x', { name: '', unit: 'B' }, 'name'],
    ['name of the wrong type', '/hosts/h-x', { name: { a: 1 }, unit: 'B' }, 'name'],
    ['rooms of the wrong type', '/hosts/h-x', { name: 'A', unit: 'B', rooms: { a: 1 } }, 'rooms'],
    ['absent of the wrong type', '/hosts/h-x', { name: 'A', unit: 'B', absent: 'often' }, 'absent'],
    ['unknown property', '/hosts/h-x', { name: 'A', unit: 'B', email: 'a@b' }, 'email'],
    ['an entrance as a room', '/hosts/h-x', { name: 'A', unit: 'B', rooms: ['pintu-utama'] }, 'rooms'],
    ['an unknown room', '/hosts/h-x', { name: 'A', unit: 'B', rooms: ['gudang'] }, 'rooms'],
  ])('400 for %s names the field and changes nothing', async (_what, url, payload, field) => {
    const before = await snapshot();
    expect400(await api('PUT', url, as.admin, payload), field);
    await expectUnchanged(before);
  });
});

// ------------------------------------------------------------------ privacy

describe('GET /guests/:id/export and POST /guests/:id/erase', () => {
  it('export returns the guest and their visits (open and archived), and is journaled', async () => {
    const first = await badgedVisit('Fitri Handayani', 'TAMU-06');
    await post(as.receptionist, `/visits/${first.id}/checkout`, {});
    const second = (
      await post(as.receptionist, '/visits', {
        guest: { name: 'Fitri Handayani', institution: 'Universitas Airlangga', guestId: first.guestId },
        purpose: 'Penelitian lanjutan',
        hostId: 'kabag-umum',
      })
    ).json();
    expect(second.guestId).toBe(first.guestId);

    const before = seq();
    const res = await api('GET', `/guests/${first.guestId}/export`, as.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.guest).toMatchObject({
      id: first.guestId,
      name: 'Fitri Handayani',
      institution: 'Universitas Airlangga',
    });
    expect(body.visits.map((v: { id: string }) => v.id).sort()).toEqual([first.id, second.id].sort());
    expect(body.visits.find((v: { id: string }) => v.id === first.id)).toMatchObject({
      state: 'closed',
      guestName: 'Fitri Handayani',
    });
    expect(typeof body.exportedAt).toBe('string');
    expect(seq()).toBe(before + 1);
    expect(await lastEntry()).toMatchObject({
      type: 'privacy.exported',
      payload: { guestIds: [first.guestId] },
    });
    expect(JSON.stringify(await lastEntry())).not.toContain('Fitri');
  });

  it('erase blanks the name in GET /visits/:id (open and archived) and in the export afterwards', async () => {
    const closed = await badgedVisit('Bambang Sutrisno', 'TAMU-07');
    await post(as.receptionist, `/visits/${closed.id}/checkout`, {});
    const open = (
      await post(as.receptionist, '/visits', {
        guest: { name: 'Bambang Sutrisno', institution: 'Universitas Airlangga', guestId: closed.guestId },
        purpose: 'Kunjungan kedua',
        hostId: 'kabag-umum',
      })
    ).json();
    expect((await api('GET', `/visits/${open.id}`, as.admin)).json().guestName).toBe('Bambang Sutrisno');
    expect((await api('GET', '/guests?q=Bambang', as.receptionist)).json()).toHaveLength(1);

    const before = seq();
    const res = await post(as.admin, `/guests/${closed.guestId}/erase`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(seq()).toBe(before + 1);
    expect(await lastEntry()).toMatchObject({
      type: 'privacy.erased',
      payload: { guestIds: [closed.guestId], reason: 'request' },
    });

    for (const id of [open.id, closed.id]) {
      const v = await api('GET', `/visits/${id}`, as.admin);
      expect(v.statusCode).toBe(200);
      expect(v.json().guestName).toBe('');
    }
    const listed = (await api('GET', '/visits', as.admin)).json() as Array<{ id: string; guestName: string }>;
    expect(listed.find((v) => v.id === open.id)?.guestName).toBe('');

    const exported = (await api('GET', `/guests/${closed.guestId}/export`, as.admin)).json();
    expect(exported.guest.name).toBe('');
    expect(exported.guest).not.toHaveProperty('phone');
    expect(exported.guest.erasedAt).toEqual(expect.any(Number));
    expect(exported.visits).toHaveLength(2);
    for (const v of exported.visits) expect(v.guestName).toBe('');
    expect(JSON.stringify(exported)).not.toContain('Bambang');

    // No longer suggested as a returning guest.
    expect((await api('GET', '/guests?q=Bambang', as.receptionist)).json()).toEqual([]);
  });

  it('404 for an unknown guest, nothing changes', async () => {
    const before = await snapshot();
    expect((await api('GET', `/guests/${UNKNOWN_ID}/export`, as.admin)).statusCode).toBe(404);
    expect((await post(as.admin, `/guests/${UNKNOWN_ID}/erase`)).statusCode).toBe(404);
    await expectUnchanged(before);
  });
});
