// A host's one-time link is for the one visit it was made for (issue 11: a link sent for one
// visit accepted a different visit with all the host's rooms and showed its keypad code).
// The session it opens sees that visit and decides it, nothing else; it lives hours, once.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

const SYSTEM = { kind: 'system', id: 'test' } as const;
let t: TestGateway;
const { api, loginAs } = new TestApi(() => t, '10.8.0');
let desk: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { PINTU_CONFIG_HTTP__HOST_LINK_HOURS: '1' } });
  desk = await loginAs('receptionist');
});
afterAll(() => t?.close());

async function awaitingHost(name: string): Promise<string> {
  const v = await t.gateway.visits.arrive(
    { guest: { name, institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
    SYSTEM,
  );
  await t.gateway.visits.screen(v.id, { passed: true }, SYSTEM);
  await t.gateway.visits.guestbook(v.id, {}, SYSTEM);
  return v.id;
}

async function linkSession(visitId: string): Promise<string> {
  const made = await api('POST', `/visits/${visitId}/host-link`, desk, {});
  expect(made.statusCode, made.body).toBe(201);
  const redeem = await api('POST', '/host-links/redeem', undefined, { token: made.json().token });
  expect(redeem.statusCode, redeem.body).toBe(200);
  return `pintu_session=${redeem.cookies.find((c) => c.name === 'pintu_session')?.value}`;
}

describe("a host's one-time link", () => {
  it('opens a session for its own visit only: another visit of the host is not found', async () => {
    const mine = await awaitingHost('Tamu Link');
    const other = await awaitingHost('Tamu Lain');
    const session = await linkSession(mine);

    const list = (await api('GET', '/visits', session)).json() as Array<{ id: string }>;
    expect(list.map((v) => v.id)).toEqual([mine]);
    const today = (await api('GET', '/visits?date=today', session)).json() as Array<{ id: string }>;
    expect(today.map((v) => v.id)).toEqual([mine]);
    expect((await api('GET', `/visits/${other}`, session)).statusCode).toBe(404);
    const stolen = await api('POST', `/visits/${other}/decision`, session, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(stolen.statusCode).toBe(404);
    expect(t.gateway.visits.get(other)?.state).toBe('awaiting_host');

    const decided = await api('POST', `/visits/${mine}/decision`, session, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json().accessCode).toMatch(/^\d{6}$/);
    // No other host action, not even on its own visit.
    expect((await api('POST', `/visits/${mine}/grant`, session, { rooms: ['ruang-kabag'] })).statusCode).toBe(
      403,
    );
  });

  it('lives at most http.hostLinkHours: a longer link is a 400, the session ends with it', async () => {
    const id = await awaitingHost('Tamu Lama');
    const long = await api('POST', `/visits/${id}/host-link`, desk, { ttlMinutes: 61 });
    expect(long.statusCode).toBe(400);
    expect(long.json().field).toBe('ttlMinutes');
    const session = await linkSession(id);
    expect((await api('GET', `/visits/${id}`, session)).statusCode).toBe(200);
    t.clock.now += 60 * 60_000 + 1;
    expect((await api('GET', `/visits/${id}`, session)).statusCode).toBe(401);
  });

  it('is one-time, even when redeemed twice at once', async () => {
    const id = await awaitingHost('Tamu Sekali');
    const { token } = (await api('POST', `/visits/${id}/host-link`, desk, {})).json();
    const both = await Promise.all([
      api('POST', '/host-links/redeem', undefined, { token }),
      api('POST', '/host-links/redeem', undefined, { token }),
    ]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 403]);
  });
});

describe('when host-links.json is lost (a disk fault)', () => {
  let g: TestGateway | undefined;
  const lost = new TestApi(() => g!, '10.8.1');
  const env = { PINTU_CONFIG_HTTP__HOST_LINK_HOURS: '1' };

  it('a link redeemed before the restart is a 403 saying why; a new link works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-links-lost-'));
    try {
      g = await startTestGateway({ dir, env });
      const id = (
        await g.gateway.visits.arrive(
          { guest: { name: 'Tamu Rusak', institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
          SYSTEM,
        )
      ).id;
      await g.gateway.visits.screen(id, { passed: true }, SYSTEM);
      await g.gateway.visits.guestbook(id, {}, SYSTEM);
      const made = await lost.api('POST', `/visits/${id}/host-link`, await lost.loginAs('receptionist'), {});
      const { token } = made.json();
      expect((await lost.api('POST', '/host-links/redeem', undefined, { token })).statusCode).toBe(200);
      await g.close();
      g = undefined;
      await writeFile(join(dir, 'host-links.json'), '{"used":{"');

      g = await startTestGateway({ dir, env, now: MONDAY_9AM + 60_000 });
      const again = await lost.api('POST', '/host-links/redeem', undefined, { token });
      expect(again.statusCode).toBe(403);
      expect(again.json()).toMatchObject({
        error: 'forbidden',
        message: expect.stringMatching(/issued before .* ask the receptionist for a new link/),
      });
      const desk = await lost.loginAs('receptionist');
      const fresh = (await lost.api('POST', `/visits/${id}/host-link`, desk, {})).json().token;
      expect((await lost.api('POST', '/host-links/redeem', undefined, { token: fresh })).statusCode).toBe(
        200,
      );
    } finally {
      await g?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
