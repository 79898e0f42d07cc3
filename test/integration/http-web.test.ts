// Web and session hygiene (issue 11): cross-site state changes with the session cookie,
// sessions after a password change or reset, host tokens that must name their host, and the
// CSP of /docs. HTTP semantics through fastify.inject (Host is "localhost:80" there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_CSP } from '../../src/http/panel.js';
import { PASSWORD, TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const SYSTEM = { kind: 'system', id: 'test' } as const;
let t: TestGateway;
const { api, loginAs, seq } = new TestApi(() => t, '10.7.0');
let security: string;
let admin: string;

beforeAll(async () => {
  t = await startTestGateway();
  security = await loginAs('security');
  admin = await loginAs('admin');
});
afterAll(() => t?.close());

const unlock = (cookie: string, headers: Record<string, string>) =>
  api('POST', '/doors/pintu-utama/unlock', cookie, undefined, headers);

describe('cross-site state changes (CSRF)', () => {
  it('refuses a body-less POST from a page on another port of the same host (403), door untouched', async () => {
    const before = seq();
    // What fetch(..., {mode: 'no-cors', credentials: 'include'}) sends from http://localhost:9999.
    const res = await unlock(security, { origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toBe('cross_site');
    expect(seq()).toBe(before);
  });

  it('refuses Sec-Fetch-Site cross-site or same-site without Origin, and Origin null', async () => {
    const before = seq();
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: 'http://evil.example' },
    ]) {
      expect((await unlock(security, headers)).statusCode).toBe(403);
    }
    const del = await api('DELETE', '/badges/none', admin, undefined, { origin: 'http://evil.example' });
    expect(del.statusCode).toBe(403);
    const put = await api(
      'PUT',
      '/admin/settings',
      admin,
      { publicUrl: null },
      { origin: 'http://evil.example' },
    );
    expect(put.statusCode).toBe(403);
    expect(seq()).toBe(before);
  });

  it('refuses a login from a foreign page (login CSRF)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'nobody', password: 'whatever-long' },
      headers: { origin: 'http://evil.example' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('takes the same origin (the Host it came to), the panel address, and no-browser clients', async () => {
    expect((await unlock(security, { origin: 'http://localhost' })).statusCode).toBe(200);
    expect((await unlock(security, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    expect((await unlock(security, {})).statusCode).toBe(200);
    const set = await api('PUT', '/admin/settings', admin, { publicUrl: 'http://pintu.lan:8080' });
    expect(set.statusCode, set.body).toBe(200);
    expect((await unlock(security, { origin: 'http://pintu.lan:8080' })).statusCode).toBe(200);
    expect((await unlock(security, { origin: 'http://pintu.lan:9999' })).statusCode).toBe(403);
  });

  it('does not check bearer-token requests (not cookie-authenticated)', async () => {
    const { token } = (await api('POST', '/tokens', admin, { name: 'ha', role: 'facilities' })).json();
    const res = await api('POST', '/doors/pintu-utama/unlock', { bearer: token }, undefined, {
      origin: 'http://evil.example',
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('sessions after a password change', () => {
  it("changing one's own password ends one's other sessions, keeps the current one", async () => {
    const username = 'rotator';
    await t.gateway.accounts.addUser({ username, role: 'receptionist', password: PASSWORD }, SYSTEM);
    const session = async (n: number) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password: PASSWORD },
        remoteAddress: `10.7.9.${n}`,
      });
      return `pintu_session=${res.cookies.find((c) => c.name === 'pintu_session')?.value}`;
    };
    const here = await session(1);
    const stolen = await session(2);
    const changed = await api('POST', '/auth/password', here, {
      current: PASSWORD,
      password: 'a new long one!',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await api('GET', '/auth/me', here)).statusCode).toBe(200);
    expect((await api('GET', '/auth/me', stolen)).statusCode).toBe(401);
  });

  it("an admin's reset ends every session of that user", async () => {
    const a = await loginAs('receptionist');
    const me = (await api('GET', '/auth/me', a)).json();
    const res = await api('POST', `/users/${me.username}/password`, admin, { password: 'reset by admin 1' });
    expect(res.statusCode, res.body).toBe(200);
    expect((await api('GET', '/auth/me', a)).statusCode).toBe(401);
  });
});

describe('host tokens name their host', () => {
  it('POST /tokens with role host and no hostId is a 400 naming hostId', async () => {
    const before = seq();
    const res = await api('POST', '/tokens', admin, { name: 'host-app', role: 'host' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('hostId');
    expect(seq()).toBe(before);
  });

  it("a host token sees its own host's visits only; a stored one without hostId is refused", async () => {
    await t.gateway.directory.saveHost(
      { id: 'kasubag-tu', name: 'Kasubag TU', unit: 'Bagian Umum', rooms: [] },
      SYSTEM,
    );
    const guest = { name: 'Tamu Lain', institution: 'BPKAD' };
    await t.gateway.visits.arrive({ guest, purpose: 'Rapat', hostId: 'kasubag-tu' }, SYSTEM);
    await t.gateway.visits.arrive({ guest, purpose: 'Rapat', hostId: 'kabag-umum' }, SYSTEM);
    const made = await api('POST', '/tokens', admin, {
      name: 'kabag-app',
      role: 'host',
      hostId: 'kabag-umum',
    });
    expect(made.statusCode, made.body).toBe(201);
    const visits = (await api('GET', '/visits', { bearer: made.json().token })).json() as Array<{
      hostId: string;
    }>;
    expect(visits.length).toBeGreaterThan(0);
    expect(new Set(visits.map((v) => v.hostId))).toEqual(new Set(['kabag-umum']));
    // A token stored by an older version: role host, no host.
    const { token, record } = await t.gateway.accounts.createToken('old-host-app', 'receptionist', SYSTEM);
    t.gateway.core.state.tokens.set(record.id, { ...record, role: 'host' });
    expect((await api('GET', '/visits', { bearer: token })).statusCode).toBe(401);
  });
});

describe('/docs', () => {
  it('is served with the panel CSP', async () => {
    const res = await api('GET', '/docs', admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(PANEL_CSP);
  });
});
