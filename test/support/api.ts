// Calling the API of a test gateway through fastify.inject: logins as each role (each from
// its own address, so the per-address login limit is only hit on purpose), requests with a
// session cookie or a bearer token, and the assertions every route test shares.
import type { Server } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import type { TestGateway } from './gateway.js';

export const PASSWORD = 'correct horse battery';
/** A visit or badge id that exists nowhere. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export type Creds = string | { bearer: string } | undefined;

export class TestApi {
  private users = 0;

  /** `gateway` is read at call time (tests assign it in beforeAll); `network` like "10.3.0". */
  constructor(
    private readonly gateway: () => TestGateway,
    private readonly network: string,
  ) {}

  /** A new user of this role (hosts act as `hostId`), logged in: its cookie header. */
  loginAs = async (role: Role, hostId = 'kabag-umum'): Promise<string> => {
    const t = this.gateway();
    const username = `${role}-${++this.users}`;
    await t.gateway.accounts.addUser(
      { username, role, password: PASSWORD, ...(role === 'host' ? { hostId } : {}) },
      { kind: 'system', id: 'test' },
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password: PASSWORD },
      remoteAddress: `${this.network}.${this.users}`,
    });
    const c = res.cookies.find((x) => x.name === 'pintu_session');
    if (!c) throw new Error(`login failed: ${res.body}`);
    return `pintu_session=${c.value}`;
  };

  /** A request under /api/v1 (or /docs, /metrics, /healthz as given). */
  api = (
    method: string,
    url: string,
    creds?: Creds,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const h: Record<string, string> = { ...headers };
    if (typeof creds === 'string') h.cookie = creds;
    else if (creds) h.authorization = `Bearer ${creds.bearer}`;
    return this.gateway().app.inject({
      method: method as 'GET',
      url: /^\/(docs|metrics|healthz)/.test(url) ? url : `/api/v1${url}`,
      headers: h,
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  };

  post = (cookie: string, url: string, payload: unknown = {}) => this.api('POST', url, cookie, payload);

  /** The journal's position: a refused request must not move it. */
  seq = () => this.gateway().gateway.core.journal.lastSeq;

  /** The newest journal entry, as the API shows it. */
  lastEntry = async (admin: string) => (await this.api('GET', '/events?limit=1', admin)).json().events[0];
}

export function expect400(res: LightMyRequestResponse, field: string): void {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json().field).toBe(field);
}

/** Resolves once `server` holds exactly `n` sockets (a close reaches it asynchronously). */
export async function serverHolds(server: Server, n: number): Promise<void> {
  for (;;) {
    const count = await new Promise<number>((resolve, reject) =>
      server.getConnections((err, c) => (err ? reject(err) : resolve(c))),
    );
    if (count === n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
