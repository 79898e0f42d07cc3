// Several desks, each bound to its own desk reader: a tap on a desk reader goes to the one
// request that waits on that reader (GET /desk/next-tap, POST /visits/:id/badge nextTap), and to
// no other. A second desk asking for a reader another desk holds gets 409 reader_busy; the same
// browser session asking again takes its own wait over (the older answers 409 superseded).
// Waits are bounded per login and overall (http.limits.deskWaitsPerUser, deskWaits).
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi } from '../support/api.js';
import { deskWaiting, startTestGateway, type TestGateway } from '../support/gateway.js';

const CONFIG = `
mqtt: { mode: off }
readers:
  - { id: desk-a, role: desk }
  - { id: desk-b, role: desk }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in }
  - { id: pintu-utama-out, role: door, door: pintu-utama, direction: out }
  - { id: ruang-kabag-in, role: door, door: ruang-kabag, direction: in, keypad: true }
`;

const KTP = { type: 'ktp', number: '3578014107900001' };
const uidOf = (n: number) => `04A1B2C3D4E5${n.toString(16).toUpperCase().padStart(2, '0')}`;

let dir: string;
let t: TestGateway;
const { loginAs, api, post } = new TestApi(() => t, '10.13.2');

/** Resolves once the gateway holds a wait on `reader` (the request reached it): the sentinel. */
const waiting = (reader: string, gone = false) => deskWaiting(t, reader, gone);

/** A visit accepted by its host, waiting for its badge. */
async function accepted(cookie: string, name: string): Promise<string> {
  const id = (
    await post(cookie, '/visits', {
      guest: { name, institution: 'Diskominfo' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    })
  ).json().id as string;
  await post(cookie, `/visits/${id}/screening`, { passed: true });
  await post(cookie, `/visits/${id}/guestbook`, {});
  const d = await post(cookie, `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] });
  expect(d.statusCode, d.body).toBe(200);
  return id;
}

const tap = (cookie: string, reader: string, uid: string) => post(cookie, '/taps', { reader, uid });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-desks-'));
  const file = join(dir, 'pintu.yaml');
  writeFileSync(file, CONFIG);
  t = await startTestGateway({ file });
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('two desks on two readers', () => {
  it('a tap on reader A binds the badge of desk A; desk B, waiting on reader B, gets only its own tap', async () => {
    const deskA = await loginAs('receptionist');
    const deskB = await loginAs('receptionist');
    const visitA = await accepted(deskA, 'Tamu Meja A');
    const bindA = post(deskA, `/visits/${visitA}/badge`, {
      nextTap: true,
      reader: 'desk-a',
      waitSeconds: 30,
      collateral: KTP,
    });
    const pollB = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-b', deskB);
    await waiting('desk-a');
    await waiting('desk-b');

    expect((await tap(deskA, 'desk-a', uidOf(1))).json()).toMatchObject({ kind: 'desk' });
    const bound = await bindA;
    expect(bound.statusCode, bound.body).toBe(200);
    expect(bound.json()).toMatchObject({ id: visitA, state: 'badged' });
    // Desk B still waits (its reader saw nothing); its answer is the next tap on ITS reader.
    expect(t.gateway.access.desk.holder('desk-b')).toBeDefined();
    await tap(deskB, 'desk-b', uidOf(2));
    const b = await pollB;
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json()).toMatchObject({ kind: 'desk', uid: uidOf(2) });
  });

  it('a tap on a reader nobody waits on goes to nobody (journaled only)', async () => {
    const deskA = await loginAs('receptionist');
    const pollA = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', deskA);
    await waiting('desk-a');
    await tap(deskA, 'desk-b', uidOf(3));
    await tap(deskA, 'desk-a', uidOf(4));
    expect((await pollA).json()).toMatchObject({ uid: uidOf(4) });
  });

  it('400 (field reader) when several desk readers exist and none is named', async () => {
    const desk = await loginAs('receptionist');
    expect400(await api('GET', '/desk/next-tap?waitSeconds=5', desk), 'reader');
    const id = await accepted(desk, 'Tamu Tanpa Pembaca');
    expect400(await post(desk, `/visits/${id}/badge`, { nextTap: true, collateral: KTP }), 'reader');
  });

  it.each([
    ['an unknown reader', 'garasi', 404],
    ['a door reader', 'pintu-utama-in', 400],
  ])('%s is refused, naming the field reader', async (_what, reader, status) => {
    const desk = await loginAs('receptionist');
    const res = await api('GET', `/desk/next-tap?waitSeconds=5&reader=${reader}`, desk);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().field).toBe('reader');
  });
});

describe('two desks on one reader', () => {
  it('the second desk gets 409 reader_busy; the tap goes to the first only', async () => {
    const deskA = await loginAs('receptionist');
    const deskB = await loginAs('admin');
    const visitA = await accepted(deskA, 'Tamu Pertama');
    const bindA = post(deskA, `/visits/${visitA}/badge`, {
      nextTap: true,
      reader: 'desk-a',
      waitSeconds: 30,
      collateral: KTP,
    });
    await waiting('desk-a');
    const busy = await api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', deskB);
    expect(busy.statusCode, busy.body).toBe(409);
    expect(busy.json()).toMatchObject({ error: 'reader_busy', field: 'reader' });
    expect(busy.json().message).toMatch(/in use by another desk/);
    // A badge binding from desk B on the same reader is refused before it waits, too.
    const visitB = await accepted(deskB, 'Tamu Kedua');
    const bindB = await post(deskB, `/visits/${visitB}/badge`, {
      nextTap: true,
      reader: 'desk-a',
      collateral: KTP,
    });
    expect(bindB.statusCode, bindB.body).toBe(409);
    expect(bindB.json().error).toBe('reader_busy');

    await tap(deskA, 'desk-a', uidOf(5));
    expect((await bindA).json()).toMatchObject({ id: visitA, state: 'badged' });
    // The reader is free again: desk B may wait on it now.
    const pollB = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', deskB);
    await waiting('desk-a');
    await tap(deskA, 'desk-a', uidOf(6));
    expect((await pollB).json()).toMatchObject({ uid: uidOf(6) });
    expect((await api('GET', `/visits/${visitB}`, deskB)).json().state).toBe('accepted');
  });

  it('the same session asking again takes its wait over: the older answers 409 superseded', async () => {
    const desk = await loginAs('receptionist');
    const first = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-b', desk);
    await waiting('desk-b');
    const second = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-b', desk);
    const old = await first;
    expect(old.statusCode, old.body).toBe(409);
    expect(old.json().error).toBe('superseded');
    await waiting('desk-b');
    await tap(desk, 'desk-b', uidOf(7));
    expect((await second).json()).toMatchObject({ uid: uidOf(7) });
  });

  it('a desk whose connection closes frees the reader for another desk', async () => {
    const deskA = await loginAs('receptionist');
    const deskB = await loginAs('receptionist');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const req = request({
      host: '127.0.0.1',
      port: address.port,
      path: '/api/v1/desk/next-tap?waitSeconds=60&reader=desk-a',
      headers: { cookie: deskA },
    });
    req.on('error', () => undefined);
    req.end();
    await waiting('desk-a');
    req.destroy();
    await waiting('desk-a', true);
    const pollB = api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', deskB);
    await waiting('desk-a');
    await tap(deskB, 'desk-a', uidOf(8));
    expect((await pollB).json()).toMatchObject({ uid: uidOf(8) });
  });
});

describe('bounds (http.limits.deskWaitsPerUser, http.limits.deskWaits)', () => {
  let small: TestGateway;
  const s = new TestApi(() => small, '10.13.3');
  beforeAll(async () => {
    small = await startTestGateway({
      file: join(dir, 'pintu.yaml'),
      env: {
        PINTU_CONFIG_HTTP__LIMITS__DESK_WAITS_PER_USER: '1',
        PINTU_CONFIG_HTTP__LIMITS__DESK_WAITS: '1',
      },
    });
  });
  afterAll(() => small?.close());

  it('429 over the per-user and the overall bound, naming the key; nothing waits for it', async () => {
    const as: Partial<Record<Role, string>> = {};
    as.admin = await s.loginAs('admin');
    as.receptionist = await s.loginAs('receptionist');
    const held = s.api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', as.admin);
    await deskWaiting(small, 'desk-a');
    const mine: LightMyRequestResponse = await s.api(
      'GET',
      '/desk/next-tap?waitSeconds=30&reader=desk-b',
      as.admin,
    );
    expect(mine.statusCode, mine.body).toBe(429);
    expect(mine.json().message).toContain('http.limits.deskWaitsPerUser');
    const other = await s.api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-b', as.receptionist);
    expect(other.statusCode, other.body).toBe(429);
    expect(other.json().message).toContain('http.limits.deskWaits');
    expect(small.gateway.access.desk.holder('desk-b')).toBeUndefined();
    // At its bound, the same session asking again on its own reader takes its wait over.
    const again = s.api('GET', '/desk/next-tap?waitSeconds=30&reader=desk-a', as.admin);
    const first = await Promise.race([
      held.then((r) => ['held', r] as const),
      again.then((r) => ['again', r] as const),
    ]);
    expect(first[0], first[1].body).toBe('held');
    expect(first[1].statusCode).toBe(409);
    expect(first[1].json().error).toBe('superseded');
    await deskWaiting(small, 'desk-a');
    await s.post(as.admin, '/taps', { reader: 'desk-a', uid: uidOf(9) });
    expect((await again).json()).toMatchObject({ uid: uidOf(9) });
  });
});
