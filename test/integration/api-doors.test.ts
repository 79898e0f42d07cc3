// The HTTP API, area "doors": lock states, remote unlock and lockdown, simulated taps, the
// desk reader. Who may call each route (401, 403 per role): authz-matrix.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi } from '../support/api.js';
import { deskWaiting, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventually } from '../support/lab-tools.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const DOORS = ['pintu-utama', 'ruang-kabag'] as const;

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq, lastEntry: lastEntryAs } = new TestApi(() => t, '10.3.0');
const lastEntry = () => lastEntryAs(as.admin);

const tap = (payload: Record<string, string>) => post(as.receptionist, '/taps', payload);

async function snapshot() {
  return {
    seq: seq(),
    pulses: DOORS.map((d) => t.lock(d).pulses),
    doors: (await api('GET', '/doors', as.admin)).json(),
  };
}
async function expectUnchanged(before: Awaited<ReturnType<typeof snapshot>>) {
  expect(await snapshot()).toEqual(before);
}

let sentinels = 0;
/**
 * Nothing changed, proved by a sentinel: a denied tap after the request, answered once its
 * journal entry is durable, so after anything the request had set going. A new UID each time
 * (the reader's debounce would count a repeat once).
 */
async function expectUnchangedAfterSentinel(before: Awaited<ReturnType<typeof snapshot>>) {
  const uid = `0A0B0C${(++sentinels).toString(16).padStart(2, '0').toUpperCase()}`;
  const denied = await tap({ reader: 'pintu-utama-in', uid });
  expect(denied.json()).toMatchObject({ granted: false, reason: 'unknown_badge' });
  expect(await lastEntry()).toMatchObject({ type: 'access.denied', payload: { readerId: 'pintu-utama-in' } });
  expect(await snapshot()).toEqual({ ...before, seq: before.seq + 1 });
}

/** A badged guest with the room granted: their badge UID and keypad code. */
let guest: { visitId: string; uid: string; badgeId: string; code: string };

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
  const d = as.receptionist;
  const id = (
    await post(d, '/visits', {
      guest: { name: 'Dewi Lestari', institution: 'Diskominfo' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    })
  ).json().id as string;
  await post(as.security, `/visits/${id}/screening`, { passed: true });
  await post(d, `/visits/${id}/guestbook`, {});
  const decided = await post(as.host, `/visits/${id}/decision`, {
    outcome: 'accepted',
    rooms: ['ruang-kabag'],
  });
  const badged = await post(d, `/visits/${id}/badge`, {
    badge: 'TAMU-05',
    collateral: { type: 'ktp', number: '3578014107900005' },
  });
  expect(badged.statusCode, badged.body).toBe(200);
  const badge = (await api('GET', '/badges', as.admin))
    .json()
    .find((b: { label: string }) => b.label === 'TAMU-05');
  guest = { visitId: id, uid: badge.uid, badgeId: badge.id, code: decided.json().accessCode };
});
afterAll(() => t?.close());

// ------------------------------------------------------------------ doors

describe('GET /doors', () => {
  it('lists every door with its lock state and lockdown', async () => {
    const res = await api('GET', '/doors', as.host);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      expect.objectContaining({ id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance', lockdown: false }),
      expect.objectContaining({ id: 'ruang-kabag', kind: 'room', lockdown: false }),
    ]);
    for (const d of res.json()) expect(typeof d.locked).toBe('boolean');
  });
});

describe('POST /doors/:id/unlock', () => {
  it('pulses the lock and journals door.unlocked with the user as actor', async () => {
    const me = (await api('GET', '/auth/me', as.facilities)).json();
    const pulses = t.lock('pintu-utama').pulses;
    const before = seq();
    const res = await post(as.facilities, '/doors/pintu-utama/unlock', {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(t.lock('pintu-utama').pulses).toBe(pulses + 1);
    expect(t.lock('pintu-utama').state().locked).toBe(false);
    expect(seq()).toBe(before + 1);
    const entry = await lastEntry();
    expect(entry).toMatchObject({ type: 'door.unlocked', payload: { doorId: 'pintu-utama', ms: 3000 } });
    expect(entry.actor).toEqual({ kind: 'user', id: me.actor.id, role: 'facilities' });
  });

  it('honours ms: the lock closes again after the pulse', async () => {
    const res = await post(as.security, '/doors/ruang-kabag/unlock', { ms: 100 });
    expect(res.statusCode).toBe(200);
    expect((await lastEntry()).payload).toEqual({ doorId: 'ruang-kabag', ms: 100 });
    expect(t.lock('ruang-kabag').state().locked).toBe(false);
    await eventually(() => expect(t.lock('ruang-kabag').state().locked).toBe(true));
  });

  // A POST without a body is an empty object (app.ts preValidation): curl -X POST unlocks.
  it('a plain POST without a body unlocks (ms is optional)', async () => {
    const res = await api('POST', '/doors/pintu-utama/unlock', as.admin);
    expect(res.statusCode, res.body).toBe(200);
  });

  it.each([
    ['ms below the minimum', { ms: 50 }, 'ms'],
    ['ms above the maximum', { ms: 60_001 }, 'ms'],
    ['ms of the wrong type', { ms: 'long' }, 'ms'],
    ['ms not an integer', { ms: 150.5 }, 'ms'],
    ['unknown property', { ms: 500, force: true }, 'force'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await snapshot();
    expect400(await post(as.admin, '/doors/pintu-utama/unlock', payload), field);
    await expectUnchanged(before);
  });

  it('404 for an unknown door, nothing changes', async () => {
    const before = await snapshot();
    const res = await post(as.admin, '/doors/gudang/unlock', {});
    expect(res.statusCode).toBe(404);
    await expectUnchanged(before);
  });
});

// ------------------------------------------------------------------ lockdown

describe('POST /doors/:id/lockdown', () => {
  it('one door: its taps are denied with "lockdown", the other door still works; unlock is 409; release restores', async () => {
    const entrance = t.lock('pintu-utama');
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toMatchObject({
      granted: true,
      doorId: 'pintu-utama',
    });
    expect(entrance.state().locked).toBe(false);

    const on = await post(as.security, '/doors/pintu-utama/lockdown', { active: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(await lastEntry()).toMatchObject({
      type: 'door.lockdown',
      payload: { doorId: 'pintu-utama' },
      actor: { role: 'security' },
    });
    // The lock is shut at once, even mid-pulse.
    expect(entrance.state().locked).toBe(true);
    const doors = (await api('GET', '/doors', as.facilities)).json();
    expect(doors.map((d: { id: string; lockdown: boolean }) => [d.id, d.lockdown])).toEqual([
      ['pintu-utama', true],
      ['ruang-kabag', false],
    ]);

    const pulses = entrance.pulses;
    for (const reader of ['pintu-utama-in', 'pintu-utama-out']) {
      expect((await tap({ reader, uid: guest.uid })).json()).toMatchObject({
        kind: 'door',
        granted: false,
        reason: 'lockdown',
      });
    }
    expect(entrance.pulses).toBe(pulses);
    // Another door is not in lockdown.
    expect((await tap({ reader: 'ruang-kabag-in', pin: guest.code })).json()).toMatchObject({
      granted: true,
      doorId: 'ruang-kabag',
    });

    // Remote unlock during lockdown: 409, no pulse, nothing journaled.
    const before = await snapshot();
    const unlock = await post(as.admin, '/doors/pintu-utama/unlock', {});
    expect(unlock.statusCode).toBe(409);
    await expectUnchanged(before);

    // Life safety: facilities may set a lockdown but, unless configured, not release it.
    const refused = await post(as.facilities, '/doors/pintu-utama/lockdown', { active: false });
    expect(refused.statusCode).toBe(403);
    await expectUnchanged(before);
    const off = await post(as.security, '/doors/pintu-utama/lockdown', { active: false });
    expect(off.statusCode).toBe(200);
    expect(await lastEntry()).toMatchObject({ type: 'door.released', payload: { doorId: 'pintu-utama' } });
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toMatchObject({ granted: true });
    expect(entrance.pulses).toBe(pulses + 1);
    expect((await post(as.admin, '/doors/pintu-utama/unlock', {})).statusCode).toBe(200);
  });

  it("'*': every door is in lockdown, every tap denied, unlock is 409; release restores", async () => {
    const on = await post(as.admin, '/doors/*/lockdown', { active: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(await lastEntry()).toMatchObject({
      type: 'door.lockdown',
      payload: { doorId: '*', global: true },
    });
    const doors = (await api('GET', '/doors', as.admin)).json() as Array<{
      lockdown: boolean;
      locked: boolean;
    }>;
    expect(doors.every((d) => d.lockdown && d.locked)).toBe(true);

    const pulses = DOORS.map((d) => t.lock(d).pulses);
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toMatchObject({
      granted: false,
      reason: 'lockdown',
    });
    expect((await tap({ reader: 'ruang-kabag-in', pin: guest.code })).json()).toMatchObject({
      granted: false,
      reason: 'lockdown',
    });
    expect(DOORS.map((d) => t.lock(d).pulses)).toEqual(pulses);

    for (const door of DOORS) {
      const before = await snapshot();
      expect((await post(as.facilities, `/doors/${door}/unlock`, {})).statusCode).toBe(409);
      await expectUnchanged(before);
    }

    // Releasing one door does not lift the global lockdown.
    await post(as.admin, '/doors/pintu-utama/lockdown', { active: false });
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toMatchObject({
      granted: false,
      reason: 'lockdown',
    });

    expect((await post(as.admin, '/doors/*/lockdown', { active: false })).statusCode).toBe(200);
    expect(await lastEntry()).toMatchObject({
      type: 'door.released',
      payload: { doorId: '*', global: true },
    });
    expect(
      ((await api('GET', '/doors', as.admin)).json() as Array<{ lockdown: boolean }>).some((d) => d.lockdown),
    ).toBe(false);
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toMatchObject({ granted: true });
    expect((await tap({ reader: 'ruang-kabag-in', pin: guest.code })).json()).toMatchObject({
      granted: true,
    });
  });

  it('404 for an unknown door, nothing changes', async () => {
    const before = await snapshot();
    expect((await post(as.admin, '/doors/gudang/lockdown', { active: true })).statusCode).toBe(404);
    await expectUnchanged(before);
  });

  it.each([
    ['missing active', {}, 'active'],
    ['active of the wrong type', { active: 'very' }, 'active'],
    ['unknown property', { active: true, minutes: 5 }, 'minutes'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await snapshot();
    expect400(await post(as.admin, '/doors/pintu-utama/lockdown', payload), field);
    await expectUnchanged(before);
  });
});

// ------------------------------------------------------------------ taps

describe('POST /taps', () => {
  it('on the desk reader: kind desk with the badge and its visit; nothing opens', async () => {
    const before = DOORS.map((d) => t.lock(d).pulses);
    const res = await tap({ reader: 'desk', uid: guest.uid.toLowerCase().match(/../g)!.join(':') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      kind: 'desk',
      uid: guest.uid,
      badgeId: guest.badgeId,
      visitId: guest.visitId,
    });
    expect(DOORS.map((d) => t.lock(d).pulses)).toEqual(before);
    // The desk tap is journaled once durable (asynchronously).
    const entry = await eventually(async () => {
      const e = await lastEntry();
      expect(e?.type).toBe('desk.tap');
      return e;
    });
    expect(entry).toMatchObject({
      type: 'desk.tap',
      payload: { readerId: 'desk', uid: guest.uid, badgeId: guest.badgeId },
    });
  });

  it('on a door reader: granted for the badged guest, denied for an unknown badge', async () => {
    const pulses = t.lock('pintu-utama').pulses;
    expect((await tap({ reader: 'pintu-utama-in', uid: guest.uid })).json()).toEqual({
      kind: 'door',
      granted: true,
      doorId: 'pintu-utama',
      direction: 'in',
      visitId: guest.visitId,
      badgeId: guest.badgeId,
      seq: seq(), // answered once its journal entry is durable: the newest one
    });
    expect(t.lock('pintu-utama').pulses).toBe(pulses + 1);
    const denied = await tap({ reader: 'pintu-utama-in', uid: '01020304' });
    expect(denied.json()).toMatchObject({
      kind: 'door',
      granted: false,
      reason: 'unknown_badge',
      doorId: 'pintu-utama',
    });
    expect(t.lock('pintu-utama').pulses).toBe(pulses + 1);
  });

  it('a PIN: granted at the keypad of the granted room, refused on a reader without keypad', async () => {
    expect((await tap({ reader: 'ruang-kabag-in', pin: guest.code })).json()).toMatchObject({
      granted: true,
      doorId: 'ruang-kabag',
    });
    expect((await tap({ reader: 'pintu-utama-in', pin: guest.code })).json()).toMatchObject({
      granted: false,
      reason: 'no_keypad',
    });
  });

  it.each([
    ['missing reader', { uid: '04A1B2C3D4E501' }, 'reader'],
    ['reader of the wrong type', { reader: { id: 'desk' }, uid: '04A1B2C3D4E501' }, 'reader'],
    ['a uid too short', { reader: 'desk', uid: '0102' }, 'uid'],
    ['a pin not matching the pattern', { reader: 'ruang-kabag-in', pin: '12ab' }, 'pin'],
    ['unknown property', { reader: 'desk', uid: '04A1B2C3D4E501', rssi: -40 }, 'rssi'],
    ['both uid and pin', { reader: 'ruang-kabag-in', uid: '04A1B2C3D4E501', pin: '123456' }, 'uid'],
    ['neither uid nor pin', { reader: 'desk' }, 'uid'],
    ['a uid that is not hex', { reader: 'pintu-utama-in', uid: 'zzzzzzzzzz' }, 'uid'],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await snapshot();
    expect400(await tap(payload as Record<string, string>), field);
    await expectUnchangedAfterSentinel(before);
  });

  it('404 for an unknown reader (field reader), nothing changes', async () => {
    const before = await snapshot();
    const res = await tap({ reader: 'garasi-in', uid: '04A1B2C3D4E501' });
    expect(res.statusCode).toBe(404);
    expect(res.json().field).toBe('reader');
    await expectUnchangedAfterSentinel(before);
  });
});

// ------------------------------------------------------------------ desk long poll

describe('GET /desk/next-tap', () => {
  it('answers with the next badge tapped on the desk reader', async () => {
    const pending = api('GET', '/desk/next-tap?waitSeconds=10', as.receptionist);
    await deskWaiting(t);
    await tap({ reader: 'desk', uid: '04A1B2C3D4E502' });
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'desk', uid: '04A1B2C3D4E502' });
    expect(res.json().badgeId).toEqual(expect.any(String));
  });

  it('408 after waitSeconds with no desk tap; a tap at a door does not count', async () => {
    const started = Date.now();
    const pending = api('GET', '/desk/next-tap?waitSeconds=1', as.admin);
    await deskWaiting(t);
    await tap({ reader: 'pintu-utama-in', uid: '01020304' });
    const res = await pending;
    expect(res.statusCode).toBe(408);
    expect(res.json().error).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it.each([
    ['/desk/next-tap?waitSeconds=0', 'waitSeconds'],
    ['/desk/next-tap?waitSeconds=121', 'waitSeconds'],
    ['/desk/next-tap?waitSeconds=soon', 'waitSeconds'],
    ['/desk/next-tap?waitSeconds=1&reader=', 'reader'],
    ['/desk/next-tap?waitSeconds=1&desk=desk', 'desk'],
  ])('400 for %s names the field', async (url, field) => {
    const before = await snapshot();
    expect400(await api('GET', url, as.receptionist), field);
    await expectUnchanged(before);
  });
});
