// The first admin's password is one-time: until it is changed, nothing but changing it works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('one-time password of the first admin', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  const login = (username: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  const cookieOf = (res: Awaited<ReturnType<typeof login>>) =>
    `pintu_session=${res.cookies.find((c) => c.name === 'pintu_session')!.value}`;

  it('must be changed before anything else, and then works as a normal login', async () => {
    const first = t.gateway.firstAdmin!;
    expect(first.username).toBe('admin');
    const res = await login('admin', first.password);
    expect(res.statusCode).toBe(200);
    expect(res.json().mustChangePassword).toBe(true);
    const cookie = cookieOf(res);

    const blocked = await t.app.inject({ method: 'GET', url: '/api/v1/visits', headers: { cookie } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('password_change_required');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
    ).toBe(200);

    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie },
      payload: { current: 'not it at all', password: 'a much better secret' },
    });
    expect(wrong.statusCode).toBe(403);
    const short = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie },
      payload: { current: first.password, password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().field).toBe('password');

    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie },
      payload: { current: first.password, password: 'a much better secret' },
    });
    expect(changed.statusCode).toBe(200);
    // The session that changed it goes on; the one-time password is gone.
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/visits', headers: { cookie } })).statusCode,
    ).toBe(200);
    expect((await login('admin', first.password)).statusCode).toBe(401);
    const again = await login('admin', 'a much better secret');
    expect(again.statusCode).toBe(200);
    expect(again.json().mustChangePassword).toBeUndefined();
  });
});
