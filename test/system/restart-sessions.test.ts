// Sessions outlive the process (issue 13): a desk logged in before a clean stop (SIGTERM) or
// a kill -9 is still logged in after the restart, with the same cookie; a session ended
// before the restart (logout, password change, an admin's reset, user removed) stays ended; and the data
// folder holds only hashes of session ids, never an id itself.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startGatewayProcess, stopProcess } from '../support/process.js';

describe('sessions across a restart of the built gateway', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;
  let token = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-sessions-'));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<void> {
    child = await startGatewayProcess(
      { PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port) },
      { built: true },
    );
    token = (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
  }

  const url = (path: string) => `http://127.0.0.1:${port}/api/v1${path}`;

  async function admin(method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(url(path), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Logs in; the session cookie (name=value). */
  async function login(username: string, password: string): Promise<string> {
    const res = await fetch(url('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pintu_session='));
    expect(cookie).toBeDefined();
    return cookie!.split(';')[0]!;
  }

  async function withCookie(cookie: string, method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(url(path), {
      method,
      headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await res.arrayBuffer();
    return res.status;
  }

  const me = (cookie: string) => withCookie(cookie, 'GET', '/auth/me');

  it('keeps live sessions and keeps ended ones ended, through SIGTERM and kill -9', async () => {
    await start();
    for (const username of ['desk1', 'desk2', 'desk3', 'desk4']) {
      expect(
        await admin('POST', '/users', {
          username,
          role: 'receptionist',
          password: 'sandi-meja-awal',
          temporary: false,
        }),
      ).toBe(201);
    }
    const kept = await login('desk1', 'sandi-meja-awal');
    const loggedOut = await login('desk1', 'sandi-meja-awal');
    expect(await withCookie(loggedOut, 'POST', '/auth/logout')).toBe(200);
    // desk2 changes its password: the session that changed it stays, the other one ends.
    const changer = await login('desk2', 'sandi-meja-awal');
    const stale = await login('desk2', 'sandi-meja-awal');
    expect(
      await withCookie(changer, 'POST', '/auth/password', {
        current: 'sandi-meja-awal',
        password: 'sandi-meja-baru',
      }),
    ).toBe(200);
    const removed = await login('desk3', 'sandi-meja-awal');
    expect(await admin('DELETE', '/users/desk3')).toBe(200);
    const reset = await login('desk4', 'sandi-meja-awal');
    expect(await admin('POST', '/users/desk4/password', { password: 'sandi-dari-admin' })).toBe(200);
    for (const c of [kept, changer]) expect(await me(c)).toBe(200);
    for (const c of [loggedOut, stale, removed, reset]) expect(await me(c)).toBe(401);

    await stopProcess(child!, 'SIGTERM');
    await start();
    expect(await me(kept)).toBe(200);
    expect(await me(changer)).toBe(200);
    for (const c of [loggedOut, stale, removed, reset]) expect(await me(c)).toBe(401);

    // A login acknowledged just before a kill -9, and a logout acknowledged just before it.
    const fresh = await login('desk1', 'sandi-meja-awal');
    const endedLate = await login('desk2', 'sandi-meja-baru');
    expect(await withCookie(endedLate, 'POST', '/auth/logout')).toBe(200);
    await stopProcess(child!, 'SIGKILL');
    await start();
    expect(await me(fresh)).toBe(200);
    expect(await me(kept)).toBe(200);
    expect(await me(changer)).toBe(200);
    for (const c of [loggedOut, stale, removed, reset, endedLate]) expect(await me(c)).toBe(401);

    // Only hashes on disk: no session id is in any file of the data folder.
    const ids = [kept, changer, fresh].map((c) => c.slice('pintu_session='.length));
    for (const name of await readdir(dir, { recursive: true })) {
      const text = await readFile(join(dir, name)).then(
        (b) => b.toString('latin1'),
        () => '',
      );
      for (const id of ids) expect(text.includes(id), `${name} holds a session id`).toBe(false);
    }
    await stopProcess(child!, 'SIGTERM');
  }, 120_000);
});
