// The HTTP API, area "auth and system": login (rate limit, per-user lockout), logout,
// who am I, users, machine tokens, /healthz, /metrics and the OpenAPI reference at /docs.
// Every route: the happy path, 400 naming the field, 404/409 where they apply, and a refused
// request changes nothing. Who may call each route (401 without credentials or with forged
// ones, 403 for each role not admitted): authz-matrix.test.ts.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, PASSWORD, TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const SYSTEM = { kind: 'system', id: 'test' } as const;

let t: TestGateway;
const as = {} as Record<Role, string>;
let userSeq = 0;
let addrSeq = 0;
/** Every login comes from its own address, so the per-address login limit is only hit on purpose. */
const nextAddress = () => `10.1.${Math.floor(++addrSeq / 250)}.${(addrSeq % 250) + 1}`;

async function addUser(role: Role, hostId = 'kabag-umum'): Promise<string> {
  const username = `${role}-${++userSeq}`;
  await t.gateway.accounts.addUser(
    { username, role, password: PASSWORD, ...(role === 'host' ? { hostId } : {}) },
    SYSTEM,
  );
  return username;
}

function login(username: string, password = PASSWORD, remoteAddress = nextAddress()) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
    remoteAddress,
  });
}

function cookieOf(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'pintu_session');
  if (!c) throw new Error(`no session cookie: ${res.statusCode} ${res.body}`);
  return `pintu_session=${c.value}`;
}

async function loginAs(role: Role): Promise<string> {
  return cookieOf(await login(await addUser(role)));
}

const { api, seq } = new TestApi(() => t, '10.1.255');
async function usersSnapshot() {
  return { seq: seq(), users: (await api('GET', '/users', as.admin)).json() };
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
});
afterAll(() => t?.close());

// ------------------------------------------------------------------ login, logout, me

describe('POST /auth/login', () => {
  it('sets an httpOnly, SameSite=Strict session cookie and says who logged in', async () => {
    const username = await addUser('security');
    const res = await login(username);
    expect(res.statusCode).toBe(200);
    const c = res.cookies.find((x) => x.name === 'pintu_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Strict');
    expect(c.path).toBe('/');
    expect(res.json()).toMatchObject({
      username,
      role: 'security',
      actor: { kind: 'user', role: 'security' },
    });
    expect(res.json()).not.toHaveProperty('passwordHash');
    const me = await api('GET', '/auth/me', cookieOf(res));
    expect(me.json()).toMatchObject({ username, role: 'security' });
  });

  it('is public, and a login changes nothing in the journal', async () => {
    const username = await addUser('receptionist');
    const before = seq();
    expect((await login(username)).statusCode).toBe(200);
    expect(seq()).toBe(before);
  });

  it('401 for a wrong password and for an unknown user, without telling which', async () => {
    const username = await addUser('receptionist');
    const wrong = await login(username, 'not the password');
    const unknown = await login('no-such-user', PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.cookies).toHaveLength(0);
  });

  it.each([
    ['missing username', { password: PASSWORD }, 'username'],
    ['missing password', { username: 'someone' }, 'password'],
    ['empty username', { username: '', password: PASSWORD }, 'username'],
    ['password of the wrong type', { username: 'someone', password: { x: 1 } }, 'password'],
    ['unknown property', { username: 'someone', password: PASSWORD, remember: true }, 'remember'],
  ])('400 for %s names the field', async (_what, payload, field) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload,
      remoteAddress: nextAddress(),
    });
    expect400(res, field);
    expect(res.json().error).toBe('bad_request');
  });

  it('locks a user name out after 5 wrong passwords from one address: that address only, until the window passes', async () => {
    const username = await addUser('receptionist');
    const other = await addUser('receptionist');
    const attacker = nextAddress();
    for (let i = 0; i < 5; i++)
      expect((await login(username, `wrong password ${i}`, attacker)).statusCode).toBe(401);
    // 6th and later from that address: refused without a check, even with the right password.
    const refused = await login(username, PASSWORD, attacker);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(username.toUpperCase(), PASSWORD, attacker)).statusCode).toBe(429);
    // Another user name from the same address is not affected.
    expect((await login(other, PASSWORD, attacker)).statusCode).toBe(200);
    // After the lockout window (15 minutes) the right password works again there too.
    t.clock.now += 16 * 60_000;
    expect((await login(username, PASSWORD, attacker)).statusCode).toBe(200);
  });

  it("an outsider cannot lock the admin out: wrong passwords from elsewhere leave the admin's desk alone", async () => {
    // Issue 11: 5 wrong logins locked any user, admin too, for 15 minutes from anywhere.
    const username = await addUser('admin');
    const desk = nextAddress();
    for (let a = 0; a < 3; a++) {
      const attacker = nextAddress();
      for (let i = 0; i < 6; i++) await login(username, `guess ${a}-${i}`, attacker);
    }
    expect((await login(username, PASSWORD, desk)).statusCode).toBe(200);
  });

  it('fewer than 5 failures do not lock, and a success resets the count', async () => {
    const username = await addUser('security');
    for (let i = 0; i < 4; i++) expect((await login(username, 'wrong wrong')).statusCode).toBe(401);
    expect((await login(username)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(username, 'wrong wrong')).statusCode).toBe(401);
    expect((await login(username)).statusCode).toBe(200);
  });

  it('limits login attempts per address: eventually 429, even with the right password; other addresses still log in', async () => {
    const username = await addUser('receptionist');
    const address = '10.250.0.1';
    const statuses: number[] = [];
    for (let i = 0; i < 12 && !statuses.includes(429); i++) {
      statuses.push((await login(`nobody-${i}`, 'wrong', address)).statusCode);
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401)).toBe(true);
    // Configured max 5 per user -> the route allows 2 x 5 per address and window.
    expect(statuses.indexOf(429)).toBe(10);
    const blocked = await login(username, PASSWORD, address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.cookies).toHaveLength(0);
    expect((await login(username, PASSWORD, '10.250.0.2')).statusCode).toBe(200);
  });
});

describe('POST /auth/logout', () => {
  it('invalidates the session: the same cookie is 401 afterwards, and the cookie is cleared', async () => {
    const cookie = await loginAs('receptionist');
    expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(200);
    const out = await api('POST', '/auth/logout', cookie);
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ ok: true });
    const cleared = out.cookies.find((c) => c.name === 'pintu_session');
    expect(cleared?.value).toBe('');
    expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(401);
    expect((await api('GET', '/visits', cookie)).statusCode).toBe(401);
    expect((await api('POST', '/auth/logout', cookie)).statusCode).toBe(401);
  });

  it('logs out one session only', async () => {
    const username = await addUser('security');
    const a = cookieOf(await login(username));
    const b = cookieOf(await login(username));
    await api('POST', '/auth/logout', a);
    expect((await api('GET', '/auth/me', a)).statusCode).toBe(401);
    expect((await api('GET', '/auth/me', b)).statusCode).toBe(200);
  });

  it("a login beyond http.maxSessionsPerUser ends that user's oldest session, and only that one", async () => {
    const username = await addUser('receptionist');
    const max = t.config.http.maxSessionsPerUser;
    const cookies: string[] = [];
    for (let i = 0; i <= max; i++) {
      cookies.push(cookieOf(await login(username)));
      t.clock.now += 1; // distinct expiries: "oldest" is well defined
    }
    expect((await api('GET', '/auth/me', cookies[0]!)).statusCode).toBe(401);
    for (const c of cookies.slice(1)) expect((await api('GET', '/auth/me', c)).statusCode).toBe(200);
    // Other users keep theirs.
    expect((await api('GET', '/auth/me', as.receptionist)).statusCode).toBe(200);
  }, 60_000);
});

describe('GET /auth/me', () => {
  it('gives role, user name and actor; a host login carries its host id', async () => {
    const me = await api('GET', '/auth/me', as.host);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      role: 'host',
      hostId: 'kabag-umum',
      actor: { kind: 'user', role: 'host' },
    });
    expect(me.json().username).toMatch(/^host-/);
  });

  it('a session expires after sessionTtlMinutes', async () => {
    const cookie = await loginAs('facilities');
    expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(200);
    const saved = t.clock.now;
    t.clock.now += t.config.http.sessionTtlMinutes * 60_000 + 1;
    try {
      expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(401);
    } finally {
      t.clock.now = saved;
    }
    // Expired sessions are dropped, not revived by turning the clock back.
    expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(401);
  });
});

// ------------------------------------------------------------------ users

describe('users (admin)', () => {
  it('GET /users lists users without password hashes', async () => {
    const res = await api('GET', '/users', as.admin);
    expect(res.statusCode).toBe(200);
    const users = res.json() as Array<Record<string, unknown>>;
    expect(users.length).toBeGreaterThanOrEqual(5);
    for (const u of users) {
      expect(u).toHaveProperty('username');
      expect(u).toHaveProperty('role');
      expect(u).not.toHaveProperty('passwordHash');
    }
    expect(users.some((u) => u.role === 'host' && u.hostId === 'kabag-umum')).toBe(true);
  });

  it('POST /users creates a user (201, journaled) who can then log in', async () => {
    const before = seq();
    const res = await api('POST', '/users', as.admin, {
      username: 'desk.two',
      displayName: 'Meja Dua',
      role: 'receptionist',
      password: 'long enough password',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ username: 'desk.two', displayName: 'Meja Dua', role: 'receptionist' });
    expect(res.json()).not.toHaveProperty('passwordHash');
    expect(seq()).toBe(before + 1);
    const [entry] = (await api('GET', '/events?limit=1', as.admin)).json().events;
    expect(entry).toMatchObject({
      type: 'user.added',
      payload: { username: 'desk.two', role: 'receptionist' },
    });
    expect(entry.actor).toMatchObject({ kind: 'user', role: 'admin' });
    // The password the admin typed is not the user's: one-time, changed at the first login.
    const first = await login('desk.two', 'long enough password');
    expect(first.statusCode).toBe(200);
    expect(first.json().mustChangePassword).toBe(true);
  });

  it('POST /users with temporary: false (an account a machine logs in with) keeps the password', async () => {
    const res = await api('POST', '/users', as.admin, {
      username: 'kiosk.one',
      role: 'security',
      password: 'long enough password',
      temporary: false,
    });
    expect(res.statusCode, res.body).toBe(201);
    const first = await login('kiosk.one', 'long enough password');
    expect(first.statusCode).toBe(200);
    expect(first.json().mustChangePassword).toBeUndefined();
  });

  it('POST /users creates a host login bound to a host', async () => {
    const res = await api('POST', '/users', as.admin, {
      username: 'host.two',
      role: 'host',
      hostId: 'kabag-umum',
      password: 'long enough password',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().hostId).toBe('kabag-umum');
  });

  it.each([
    ['missing username', { role: 'receptionist', password: 'long enough password' }, 'username'],
    ['missing password', { username: 'abc', role: 'receptionist' }, 'password'],
    ['missing role', { username: 'abc', password: 'long enough password' }, 'role'],
    [
      'username of the wrong type',
      { username: { a: 1 }, role: 'receptionist', password: 'long enough password' },
      'username',
    ],
    [
      'username not matching the pattern',
      { username: 'Bad Name', role: 'receptionist', password: 'long enough password' },
      'username',
    ],
    ['unknown role', { username: 'abc', role: 'guard', password: 'long enough password' }, 'role'],
    ['short password', { username: 'abc', role: 'receptionist', password: 'short' }, 'password'],
    [
      'unknown property',
      { username: 'abc', role: 'receptionist', password: 'long enough password', admin: true },
      'admin',
    ],
    [
      'a host login without a host',
      { username: 'abc', role: 'host', password: 'long enough password' },
      'hostId',
    ],
    [
      'a host login with an unknown host',
      { username: 'abc', role: 'host', hostId: 'nobody', password: 'long enough password' },
      'hostId',
    ],
  ])('400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = await usersSnapshot();
    expect400(await api('POST', '/users', as.admin, payload), field);
    expect(await usersSnapshot()).toEqual(before);
  });

  it('409 for a user name that exists, and nothing changes', async () => {
    const existing = await addUser('security');
    const before = await usersSnapshot();
    const res = await api('POST', '/users', as.admin, {
      username: existing,
      role: 'admin',
      password: 'long enough password',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().field).toBe('username');
    expect(await usersSnapshot()).toEqual(before);
  });

  it('DELETE /users/:id removes by user name: their sessions end and they cannot log in', async () => {
    const username = await addUser('facilities');
    const cookie = cookieOf(await login(username));
    const before = seq();
    const res = await api('DELETE', `/users/${username}`, as.admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(seq()).toBe(before + 1);
    expect((await api('GET', '/auth/me', cookie)).statusCode).toBe(401);
    expect((await login(username)).statusCode).toBe(401);
    const users = (await api('GET', '/users', as.admin)).json() as Array<{ username: string }>;
    expect(users.map((u) => u.username)).not.toContain(username);
  });

  it('DELETE /users/:id: 404 for an unknown user, nothing changes', async () => {
    const before = await usersSnapshot();
    const res = await api('DELETE', '/users/no-such-user', as.admin);
    expect(res.statusCode).toBe(404);
    expect(await usersSnapshot()).toEqual(before);
  });

  it('DELETE /users/:id: 409 for the last admin, nothing changes', async () => {
    const me = (await api('GET', '/auth/me', as.admin)).json().username as string;
    const users = (await api('GET', '/users', as.admin)).json() as Array<{ username: string; role: string }>;
    for (const u of users.filter((x) => x.role === 'admin' && x.username !== me)) {
      expect((await api('DELETE', `/users/${u.username}`, as.admin)).statusCode).toBe(200);
    }
    const before = await usersSnapshot();
    const res = await api('DELETE', `/users/${me}`, as.admin);
    expect(res.statusCode).toBe(409);
    expect(await usersSnapshot()).toEqual(before);
    expect((await api('GET', '/auth/me', as.admin)).statusCode).toBe(200);
  });
});

// ------------------------------------------------------------------ tokens

describe('bearer tokens (admin)', () => {
  it('POST /tokens returns the value once; the token authenticates with its role; DELETE revokes it', async () => {
    const before = seq();
    const created = await api('POST', '/tokens', as.admin, { name: 'desk-app', role: 'receptionist' });
    expect(created.statusCode, created.body).toBe(201);
    const { id, token, name, role } = created.json();
    expect(name).toBe('desk-app');
    expect(role).toBe('receptionist');
    expect(token).toMatch(/^pintu_/);
    expect(seq()).toBe(before + 1);

    const bearer = { bearer: token as string };
    const me = await api('GET', '/auth/me', bearer);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      role: 'receptionist',
      actor: { kind: 'token', id, role: 'receptionist' },
    });

    // It may do what a receptionist may do, and the journal names the token as the actor.
    const arrived = await api('POST', '/visits', bearer, {
      guest: { name: 'Budi Santoso', institution: 'PT Contoh' },
      purpose: 'Antar dokumen',
      hostId: 'kabag-umum',
    });
    expect(arrived.statusCode).toBe(201);
    expect(arrived.json().history[0].actor).toEqual({ kind: 'token', id, role: 'receptionist' });
    // ...and not what it may not.
    expect((await api('GET', '/users', bearer)).statusCode).toBe(403);
    expect((await api('POST', '/doors/pintu-utama/unlock', bearer, {})).statusCode).toBe(403);

    const revoked = await api('DELETE', `/tokens/${id}`, as.admin);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ ok: true });
    expect((await api('GET', '/auth/me', bearer)).statusCode).toBe(401);
    expect((await api('GET', '/visits', bearer)).statusCode).toBe(401);
  });

  it('a facilities token may watch doors but not run the desk', async () => {
    const { token } = (await api('POST', '/tokens', as.admin, { name: 'ha', role: 'facilities' })).json();
    expect((await api('GET', '/doors', { bearer: token })).statusCode).toBe(200);
    expect((await api('GET', '/metrics', { bearer: token })).statusCode).toBe(200);
    expect((await api('GET', '/visits', { bearer: token })).statusCode).toBe(403);
  });

  it('the bearer header wins over a cookie: a bad bearer with a good cookie is 401', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: as.admin, authorization: 'Bearer pintu_forged' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('logout with a bearer token is harmless and the token stays valid', async () => {
    const { token } = (
      await api('POST', '/tokens', as.admin, { name: 'desk-app-2', role: 'receptionist' })
    ).json();
    expect((await api('POST', '/auth/logout', { bearer: token })).statusCode).toBe(200);
    expect((await api('GET', '/auth/me', { bearer: token })).statusCode).toBe(200);
  });

  it.each([
    ['missing name', { role: 'receptionist' }, 'name'],
    ['missing role', { name: 'x' }, 'role'],
    ['empty name', { name: '', role: 'receptionist' }, 'name'],
    ['name of the wrong type', { name: { a: 1 }, role: 'receptionist' }, 'name'],
    ['unknown role', { name: 'x', role: 'root' }, 'role'],
    ['unknown property', { name: 'x', role: 'receptionist', expires: 1 }, 'expires'],
  ])('POST /tokens: 400 for %s names the field and changes nothing', async (_what, payload, field) => {
    const before = seq();
    expect400(await api('POST', '/tokens', as.admin, payload), field);
    expect(seq()).toBe(before);
  });

  it('DELETE /tokens/:id: 404 for an unknown token, nothing changes', async () => {
    const before = seq();
    expect((await api('DELETE', '/tokens/00000000-0000-0000-0000-000000000000', as.admin)).statusCode).toBe(
      404,
    );
    expect(seq()).toBe(before);
  });
});

// ------------------------------------------------------------------ system

describe('GET /healthz and GET /health', () => {
  it('/healthz is public and says ok or degraded, nothing more (issue 11: it showed broker counts)', async () => {
    const res = await api('GET', '/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    // A forged cookie does not matter on a public route.
    expect((await api('GET', '/healthz', 'pintu_session=forged')).statusCode).toBe(200);
  });

  it('/health gives the details to admin, security and facilities', async () => {
    for (const role of ['admin', 'security', 'facilities'] as const) {
      const res = await api('GET', '/health', as[role]);
      expect(res.statusCode, role).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', journalSeq: seq() });
      expect(typeof res.json().uptimeSeconds).toBe('number');
    }
    expect((await api('GET', '/health')).statusCode).toBe(401);
    expect((await api('GET', '/health', as.receptionist)).statusCode).toBe(403);
  });
});

describe('GET /metrics', () => {
  it('returns Prometheus text with the access decision counter', async () => {
    const tap = await api('POST', '/taps', as.receptionist, { reader: 'pintu-utama-in', uid: 'DEADBEEF' });
    expect(tap.json()).toMatchObject({ kind: 'door', granted: false, reason: 'unknown_badge' });
    const res = await api('GET', '/metrics', as.admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE pintu_access_decisions_total counter');
    expect(res.body).toMatch(
      /pintu_access_decisions_total\{result="denied",reason="unknown_badge",door="pintu-utama"\} 1/,
    );
    expect(res.body).toContain('pintu_login_failures_total');
  });
});

describe('GET /docs (OpenAPI)', () => {
  it('requires a login: 401 without, 200 HTML with', async () => {
    expect((await api('GET', '/docs')).statusCode).toBe(401);
    expect((await api('GET', '/docs/json')).statusCode).toBe(401);
    expect((await api('GET', '/docs/static/index.html')).statusCode).toBe(401);
    const res = await api('GET', '/docs', as.host);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('/docs/json is the OpenAPI document listing every /api/v1 path', async () => {
    const res = await api('GET', '/docs/json', as.facilities);
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Pintu API');
    expect(doc.components.securitySchemes).toHaveProperty('session');
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const apiPaths = Object.keys(doc.paths)
      .filter((p) => p.startsWith('/api/v1/'))
      .sort();
    expect(apiPaths).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/auth/me',
        '/api/v1/auth/password',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/visits',
        '/api/v1/visits/{id}',
        '/api/v1/visits/{id}/screening',
        '/api/v1/visits/{id}/guestbook',
        '/api/v1/visits/{id}/decision',
        '/api/v1/visits/{id}/grant',
        '/api/v1/visits/{id}/badge',
        '/api/v1/visits/{id}/checkout',
        '/api/v1/visits/{id}/document-returned',
        '/api/v1/visits/{id}/cancel',
        '/api/v1/sync/visits',
        '/api/v1/guests',
        '/api/v1/guests/{id}/export',
        '/api/v1/guests/{id}/erase',
        '/api/v1/doors',
        '/api/v1/doors/{id}/unlock',
        '/api/v1/doors/{id}/lockdown',
        '/api/v1/taps',
        '/api/v1/desk/next-tap',
        '/api/v1/badges',
        '/api/v1/badges/{id}/lost',
        '/api/v1/hosts',
        '/api/v1/hosts/{id}',
        '/api/v1/events',
        '/api/v1/events/stream',
        '/api/v1/reports/monthly',
        '/api/v1/reports/yearly',
      ]),
    );
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/metrics']));
    expect(doc.paths['/api/v1/visits'].post.requestBody).toBeDefined();
  });
});
