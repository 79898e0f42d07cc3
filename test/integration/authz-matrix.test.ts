// The authorisation matrix (issue 6): every route of the HTTP API and every topic of the MQTT
// contract, against every role and no role. Both tables below are the policy written down by
// hand (DESIGN.md, the ACL notes in src/mqtt/acl.ts and firmware-config/mosquitto/pintu.acl),
// never read from the code's route configuration: a test that read it would only test itself.
//
// HTTP: each route is called without credentials, with a forged session cookie and a forged
// bearer token, as each role with a session cookie and with a machine token, and as an admin
// who has not changed the one-time password yet. An admitted caller sends a harmless probe: a
// body of a media type no route accepts (415, after authorisation, before the handler), or for a
// GET a plain read or a query its schema refuses; a refused caller sends a JSON body (`{}`, or
// one the route would act on where `{}` is not). No request may move the journal or pulse a
// lock. A GET is also tried as HEAD (fastify adds one to every GET route). The table is checked
// both ways against the OpenAPI document and the router, so a new route without a row fails.
//
// MQTT: every topic of the contract, and a $SYS topic, one outside the base topic and one
// inside it but not in the contract, against every principal, for publish and receive, over
// real TCP connections to the embedded broker and to a real Mosquitto (external mode, with the
// shipped ACL).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/domain/types.js';
import { Topics } from '../../src/mqtt/topics.js';
import { type Creds, TestApi, UNKNOWN_ID } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { labSuite } from '../support/lab.js';
import {
  type Collected,
  client,
  connectCode,
  freePort,
  gatewayLogins,
  Mosquitto,
  type MqttGateway,
  mosquittoAcl,
  startMqttGateway,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';
import { journalSince, USERS } from './mqtt-contract.js';

// ================================================================== HTTP: the policy

/**
 * One row per route: method, path as the OpenAPI document writes it, then `public` or the roles
 * admitted in the order A(dmin) R(eceptionist) S(ecurity) H(ost) F(acilities), `.` for a role
 * refused. Then, optionally: the request URL (`/...`) or a query added to the path (`?...`);
 * the status an admitted caller's probe gets (default: 415 for a body, 200 for a GET);
 * `stream` for a route that answers with an event stream (probed over real HTTP);
 * `hidden` for a route the OpenAPI document leaves out. `{id}` is called with an id that
 * exists nowhere, `{username}` with a user that does not exist.
 */
const HTTP_POLICY = `
  method  path                                       A R S H F   request / probe
  # ---- login, the session, users and machine tokens
  POST    /api/v1/auth/login                         public
  POST    /api/v1/auth/logout                        A R S H F
  GET     /api/v1/auth/me                            A R S H F
  POST    /api/v1/auth/password                      A R S H F
  GET     /api/v1/users                              A . . . .
  POST    /api/v1/users                              A . . . .
  DELETE  /api/v1/users/{id}                         A . . . .
  POST    /api/v1/users/{username}/password          A . . . .
  POST    /api/v1/tokens                             A . . . .
  DELETE  /api/v1/tokens/{id}                        A . . . .
  # ---- the SOP: arrival to checkout; the desk application's sync
  POST    /api/v1/visits                             A R . . .
  GET     /api/v1/visits                             A R S H .
  GET     /api/v1/visits/{id}                        A R S H .   404
  POST    /api/v1/visits/{id}/screening              A R S . .
  POST    /api/v1/visits/{id}/guestbook              A R . . .
  POST    /api/v1/visits/{id}/decision               A R . H .
  POST    /api/v1/visits/{id}/grant                  A R . H .
  POST    /api/v1/visits/{id}/withdraw               A R . H .
  POST    /api/v1/visits/{id}/badge                  A R . . .
  POST    /api/v1/visits/{id}/checkout               A R . . .
  POST    /api/v1/visits/{id}/document-returned      A R . . .
  POST    /api/v1/visits/{id}/cancel                 A R . . .
  POST    /api/v1/visits/{id}/host-link              A R . . .
  PUT     /api/v1/sync/visits                        A R . . .
  GET     /api/v1/guests                             A R . . .   ?q=ab
  # ---- group visits (rombongan): the desk runs them, the host decides once for the group
  POST    /api/v1/groups                             A R . . .
  GET     /api/v1/groups/{id}                        A R S H .   404
  POST    /api/v1/groups/{id}/decision               A R . H .
  POST    /api/v1/groups/{id}/badge                  A R . . .
  POST    /api/v1/groups/{id}/checkout               A R . . .
  # ---- appointments (expected guests): a host books their own, the desk turns them into arrivals
  POST    /api/v1/appointments                       A R . H .
  GET     /api/v1/appointments                       A R S H .
  GET     /api/v1/appointments/{code}                A R . H .   /api/v1/appointments/TJ-0000000000000000 404
  POST    /api/v1/appointments/{code}/arrival        A R . . .   /api/v1/appointments/TJ-0000000000000000/arrival
  POST    /api/v1/appointments/{code}/cancel         A R . H .   /api/v1/appointments/TJ-0000000000000000/cancel
  # ---- the satisfaction survey: the desk gets a visit's token; the form behind it is public
  POST    /api/v1/visits/{id}/survey-token           A R . . .
  GET     /api/v1/survey/{token}                     public      /api/v1/survey/x.y.z 404
  POST    /api/v1/survey/{token}                     public      /api/v1/survey/x.y.z
  # ---- the watchlist (daftar perhatian): personal data, security and admin only
  GET     /api/v1/watchlist                          A . S . .   ?unknownProperty=1 400
  POST    /api/v1/watchlist                          A . S . .
  GET     /api/v1/watchlist/{id}                     A . S . .   404
  PUT     /api/v1/watchlist/{id}                     A . S . .
  DELETE  /api/v1/watchlist/{id}                     A . S . .
  # ---- doors, taps, the desk reader
  GET     /api/v1/doors                              A R S H F
  POST    /api/v1/doors/{id}/unlock                  A . S . F   /api/v1/doors/pintu-utama/unlock
  POST    /api/v1/doors/{id}/lockdown                A . S . F   /api/v1/doors/pintu-utama/lockdown
  POST    /api/v1/taps                               A R . . .
  GET     /api/v1/desk/next-tap                      A R . . .   ?waitSeconds=0 400
  GET     /api/v1/desk/outstanding                   A R S . .
  # ---- badges, hosts, personal data requests
  GET     /api/v1/badges                             A R S . .
  POST    /api/v1/badges                             A R . . .
  POST    /api/v1/badges/{id}/lost                   A R . . .
  POST    /api/v1/badges/personalise                 A R . . .
  POST    /api/v1/badges/recycle                     A R . . .
  DELETE  /api/v1/badges/{id}                        A R . . .
  # ---- escort cards (SOP step 6): the admin enrols staff cards
  GET     /api/v1/escorts                            A . . . .
  POST    /api/v1/escorts                            A . . . .
  DELETE  /api/v1/escorts/{id}                       A . . . .
  GET     /api/v1/hosts                              A R S H F
  PUT     /api/v1/hosts/{id}                         A . . . .   /api/v1/hosts/kabag-umum
  PUT     /api/v1/hosts/{id}/delegates               A . . H .   /api/v1/hosts/kabag-umum/delegates
  GET     /api/v1/guests/{id}/export                 A . . . .   404
  POST    /api/v1/guests/{id}/erase                  A . . . .
  # ---- the journal, the live feed, the recaps, the guest-book register
  GET     /api/v1/events                             A R S . F   ?limit=1
  GET     /api/v1/events/stream                      A R S . F   ?unknownProperty=1 400
  GET     /api/v1/reports/monthly                    A R . . .   ?month=2026-11
  GET     /api/v1/reports/yearly                     A R . . .   ?year=x 400
  GET     /api/v1/reports/register                   A R . . .   ?day=x 400
  GET     /api/v1/reports/survey                     A R . . .   ?period=2026-11
  # ---- the web panel's own routes; the host's one-time link
  GET     /api/v1/panel/bootstrap                    A R S H F
  GET     /api/v1/panel/clock                        A R S H F
  GET     /api/v1/presence                           A R S . F
  POST    /api/v1/host-links/redeem                  public
  GET     /api/v1/host/stream                        . . . H .   stream
  GET     /api/v1/admin/settings                     A . . . .
  PUT     /api/v1/admin/settings                     A . . . .
  POST    /api/v1/admin/webhook/test                 A . . . .
  POST    /api/v1/admin/retention/sweep              A . . . .
  # ---- system
  GET     /healthz                                   public
  GET     /api/v1/health                             A . S . F
  GET     /metrics                                   A . S . F
  # ---- the OpenAPI reference: anyone logged in
  GET     /docs                                      A R S H F   hidden
  GET     /docs/                                     A R S H F   hidden
  GET     /docs/json                                 A R S H F   hidden
  GET     /docs/yaml                                 A R S H F   hidden
  GET     /docs/static/index.html                    A R S H F   302 hidden
  GET     /docs/static/swagger-initializer.js        A R S H F   hidden
  GET     /docs/static/*                             A R S H F   /docs/static/index.css hidden
  # ---- the MQTT contract beside it: AsyncAPI, each payload's JSON Schema at its $id
  GET     /docs/asyncapi.json                        A R S H F   hidden
  GET     /schemas/mqtt/{file}                       A R S H F   /schemas/mqtt/event.json hidden
  # ---- the web panel's static files: public (its data comes from the API, behind a login)
  GET     /                                          public      hidden
  GET     /index.html                                public      hidden
  GET     /assets/*                                  public      /assets/app-ABCD1234.js hidden
  GET     /favicon.ico                               public      hidden
`;

/** What a user with a one-time password may still do (everything else: 403 password_change_required). */
const PASSWORD_CHANGE_ONLY = [
  'GET /api/v1/auth/me',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password',
];

/** A body a refused caller sends where `{}` would not be one the route acts on. */
const REFUSED_BODY: Record<string, unknown> = {
  'POST /api/v1/doors/{id}/lockdown': { active: true },
};

/** The table's role columns, in order. */
const COLUMNS: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];

interface HttpRow {
  /** `METHOD /path` as in the table. */
  route: string;
  method: string;
  path: string;
  admitted: 'public' | readonly Role[];
  url: string;
  /** What an admitted caller's probe gets: a status, or `200 stream`. */
  probe: string;
  hidden: boolean;
}

function parseHttpPolicy(table: string): HttpRow[] {
  const rows: HttpRow[] = [];
  for (const line of table.split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#') || text.startsWith('method ')) continue;
    const [method, path, ...rest] = text.split(/\s+/) as [string, string, ...string[]];
    const fail = (why: string) => new Error(`HTTP_POLICY, ${method} ${path}: ${why}`);
    let admitted: HttpRow['admitted'];
    if (rest[0] === 'public') {
      rest.shift();
      admitted = 'public';
    } else {
      const marks = rest.splice(0, COLUMNS.length);
      admitted = COLUMNS.filter((role, i) => {
        if (marks[i] === role[0]!.toUpperCase()) return true;
        if (marks[i] === '.') return false;
        throw fail(`"${marks[i]}" in the ${role} column`);
      });
    }
    let url = path.replaceAll('{id}', UNKNOWN_ID).replaceAll('{username}', 'nobody');
    let probe = method === 'GET' ? '200' : '415';
    let hidden = false;
    for (const word of rest) {
      if (word === 'hidden') hidden = true;
      else if (word === 'stream') probe = '200 stream';
      else if (/^\d{3}$/.test(word)) probe = word;
      else if (word.startsWith('?')) url += word;
      else if (word.startsWith('/')) url = word;
      else throw fail(`"${word}" is not a URL, a status, stream or hidden`);
    }
    if (url.includes('*')) throw fail('a wildcard route needs a request URL');
    rows.push({ route: `${method} ${path}`, method, path, admitted, url, probe, hidden });
  }
  return rows;
}

const HTTP_ROWS = parseHttpPolicy(HTTP_POLICY);

/**
 * The routes of the router's tree (fastify printRoutes: one node per line, a node's path is its
 * ancestors' labels joined), HEAD left out (fastify adds one to every GET). Parameters are
 * written `{}` whatever their name.
 */
function routerRoutes(tree: string): string[] {
  const labels: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = line.match(/^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    labels.length = depth;
    labels.push(m[2]!);
    const path = labels.join('').replace(/:[^/]+/g, '{}');
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out.sort();
}

// ================================================================== HTTP: the checks

describe('authorisation matrix: HTTP', () => {
  let t: TestGateway;
  let panelDir: string;
  let base: string;
  const cookie = {} as Record<Role, string>;
  const token = {} as Record<Role, string>;
  let pendingAdmin: string;
  const { loginAs, api } = new TestApi(() => t, '10.6.0');

  beforeAll(async () => {
    // A panel build of the test's own, so the static routes answer the same on every machine.
    panelDir = await mkdtemp(join(tmpdir(), 'pintu-authz-panel-'));
    await mkdir(join(panelDir, 'assets'));
    await writeFile(join(panelDir, 'index.html'), '<!doctype html><title>Pintu</title>');
    await writeFile(join(panelDir, 'assets', 'app-ABCD1234.js'), 'export {};');
    await writeFile(join(panelDir, 'assets', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const panelEnv = process.env.PINTU_PANEL_DIR;
    process.env.PINTU_PANEL_DIR = panelDir;
    try {
      t = await startTestGateway();
    } finally {
      if (panelEnv === undefined) delete process.env.PINTU_PANEL_DIR;
      else process.env.PINTU_PANEL_DIR = panelEnv;
    }
    // The event streams are probed over a real connection (inject would wait for their end).
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    for (const role of ROLES) {
      cookie[role] = await loginAs(role);
      const res = await api('POST', '/tokens', cookie.admin, {
        name: `authz-${role}`,
        role,
        // A host token names its host.
        ...(role === 'host' ? { hostId: 'kabag-umum' } : {}),
      });
      expect(res.statusCode, res.body).toBe(201);
      token[role] = res.json().token;
    }
    const first = t.gateway.firstAdmin!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: first.username, password: first.password },
      remoteAddress: '10.6.1.1',
    });
    expect(res.json().mustChangePassword, res.body).toBe(true);
    pendingAdmin = `pintu_session=${res.cookies.find((c) => c.name === 'pintu_session')!.value}`;
  });
  afterAll(async () => {
    // Keep-alive and stream sockets would hold app.close() for seconds.
    t?.app.server.closeAllConnections();
    await t?.close();
    await rm(panelDir, { recursive: true, force: true });
  });

  interface Caller {
    name: string;
    creds: () => Creds;
    /** The role it acts as, or none (not logged in). */
    role?: Role;
    /** An admin with a one-time password. */
    pending?: boolean;
  }
  const CALLERS: Caller[] = [
    { name: 'no credentials', creds: () => undefined },
    { name: 'forged cookie', creds: () => 'pintu_session=forged' },
    { name: 'forged bearer token', creds: () => ({ bearer: 'pintu_forged' }) },
    ...ROLES.flatMap((role): Caller[] => [
      { name: role, creds: () => cookie[role], role },
      { name: `${role} (token)`, creds: () => ({ bearer: token[role] }), role },
    ]),
    { name: 'admin (one-time password)', creds: () => pendingAdmin, role: 'admin', pending: true },
  ];

  /** What a caller must get: the probe's status when admitted, else 401 or 403 with the reason. */
  const expected = (row: HttpRow, c: Caller, head: boolean): { admitted: boolean; verdict: string } => {
    const refused = (status: number, error: string) => ({
      admitted: false,
      verdict: head ? String(status) : `${status} ${error}`,
    });
    if (row.admitted === 'public') return { admitted: true, verdict: row.probe };
    if (!c.role) return refused(401, 'unauthorized');
    if (c.pending && !PASSWORD_CHANGE_ONLY.includes(row.route))
      return refused(403, 'password_change_required');
    return row.admitted.includes(c.role) ? { admitted: true, verdict: row.probe } : refused(403, 'forbidden');
  };

  let addresses = 0;
  /** One request; its verdict: the status, with the error code of a 401 or 403, or `stream`. */
  async function call(row: HttpRow, c: Caller, method: string, admitted: boolean): Promise<string> {
    const headers: Record<string, string> = {};
    const creds = c.creds();
    if (typeof creds === 'string') headers.cookie = creds;
    else if (creds) headers.authorization = `Bearer ${creds.bearer}`;
    let payload: string | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      headers['content-type'] = admitted ? 'text/x-probe' : 'application/json';
      payload = admitted ? 'probe' : JSON.stringify(REFUSED_BODY[row.route] ?? {});
    }
    const verdict = (status: number, type: string, body: string) => {
      if (type.startsWith('text/event-stream')) return `${status} stream`;
      if ((status === 401 || status === 403) && body) return `${status} ${JSON.parse(body).error}`;
      return String(status);
    };
    if (row.probe.endsWith('stream')) {
      const abort = new AbortController();
      const res = await fetch(`${base}${row.url}`, { method, headers, signal: abort.signal });
      const type = res.headers.get('content-type') ?? '';
      const body = type.startsWith('text/event-stream') ? '' : await res.text();
      abort.abort();
      return verdict(res.status, type, body);
    }
    // Each request from its own address: the per-address limits of the public routes stay out of the way.
    const n = ++addresses;
    const res = await t.app.inject({
      method: method as 'GET',
      url: row.url,
      headers,
      remoteAddress: `10.7.${Math.floor(n / 250)}.${(n % 250) + 1}`,
      ...(payload !== undefined ? { payload } : {}),
    });
    return verdict(res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
  }

  /** What no request may change: the journal's position and the lock pulses. */
  const snapshot = () => ({
    seq: t.gateway.core.journal.lastSeq,
    pulses: ['pintu-utama', 'ruang-kabag'].map((d) => t.lock(d).pulses),
  });

  describe('the table', () => {
    it('has a column per role, in order', () => {
      expect(COLUMNS).toEqual(ROLES);
    });

    it('names every operation of the OpenAPI document, and no other', async () => {
      const res = await api('GET', '/docs/json', cookie.admin);
      expect(res.statusCode).toBe(200);
      const documented = Object.entries(res.json().paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const listed = HTTP_ROWS.filter((r) => !r.hidden)
        .map((r) => r.route)
        .sort();
      expect(listed).toEqual(documented);
    });

    it('names every route of the router (hidden ones too), and no other', () => {
      const tree = routerRoutes(t.app.printRoutes());
      expect(tree.length).toBeGreaterThan(HTTP_ROWS.length / 2);
      const listed = HTTP_ROWS.map((r) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, '{}')}`).sort();
      expect(listed).toEqual(tree);
      for (const r of HTTP_ROWS)
        expect(
          t.app.hasRoute({ method: r.method as 'GET', url: r.path.replace(/\{(\w+)\}/g, ':$1') }),
          r.route,
        ).toBe(true);
    });
  });

  for (const row of HTTP_ROWS) {
    const methods = row.method === 'GET' ? ['GET', 'HEAD'] : [row.method];
    for (const method of methods) {
      const title = `${method} ${row.path}`;
      it(`${title}: ${row.admitted === 'public' ? 'public' : row.admitted.join(', ') || 'nobody'}`, async () => {
        const before = snapshot();
        const want: Record<string, string> = {};
        const got: Record<string, string> = {};
        for (const c of CALLERS) {
          const e = expected(row, c, method === 'HEAD');
          want[c.name] = e.verdict;
          got[c.name] = await call(row, c, method, e.admitted);
        }
        expect(got).toEqual(want);
        expect(snapshot()).toEqual(before);
      });
    }
  }
});

// ================================================================== MQTT: the policy

/**
 * One row per topic, one column per principal: `none` (no credentials), `wrong-pw` (a known
 * user, a wrong password), `ctl-101` (the controller of room r101, the room of the rows
 * below), `ctl-102` (the controller of another room), `fac` (facilities), `ha` (Home
 * Assistant). Each cell: P (may publish) or -, then R (receives what is published there),
 * f (not delivered, though the subscription is accepted: the embedded broker checks each
 * message) or - (not delivered; the embedded broker refuses the subscription, SUBACK 0x80).
 * `embedded|mosquitto` where the two brokers differ (each difference is named below).
 * Mosquitto 2.0 accepts every subscription and applies its ACL per message: there f and -
 * are the same.
 */
const MQTT_POLICY = `
  topic                                        none  wrong-pw  ctl-101   ctl-102  fac        ha
  pintu/status                                 --    --        --        --       -R         -R
  pintu/events                                 --    --        --        --       -R         -R
  pintu/alerts                                 --    --        --        --       -R         --
  pintu/lockdown                               --    --        --        --       -R         -R
  pintu/doors/ruang-101/state                  --    --        --        --       -R         -R
  pintu/doors/ruang-101/set                    --    --        --        --       PR         -R
  pintu/doors/ruang-101/ha/set                 --    --        --        --       -R         PR
  pintu/visitors/inside                        --    --        --        --       -R         -R
  pintu/visitors/inside/list                   --    --        --        --       -R         --
  pintu/rooms/r101/tap                         --    --        PR        --       -f         --
  pintu/rooms/r101/command                     --    --        -R        --       -R         --
  pintu/rooms/r101/ack                         --    --        PR        --       -R         --
  pintu/rooms/r101/state                       --    --        PR        --       -R         --
  homeassistant/lock/pintu/ruang-101/config    --    --        --        --       -R         -R
  homeassistant/status                         --    --        --        --       -R         PR
  $SYS/broker/version                          --    --        --        --       -f         --
  elsewhere/status                             --    --        --        --       -f         --
  pintu/not-in-the-contract                    --    --        --        --       -R         --
`;
// The shipped Mosquitto ACL (firmware-config/mosquitto/pintu.acl) and the embedded broker
// (src/mqtt/acl.ts) agree on every cell: no `embedded|mosquitto` cell is left.

/** What each topic of the contract is (src/mqtt/topics.ts Route kinds), and the rows beyond it. */
const CONTRACT_KINDS = [
  'status',
  'events',
  'alerts',
  'lockdown',
  'door.state',
  'door.set',
  'door.ha_set',
  'visitors.inside',
  'visitors.list',
  'room.tap',
  'room.command',
  'room.ack',
  'room.state',
];

interface MqttPrincipal {
  name: string;
  /** Login; none for the client without credentials. */
  username?: string;
  password?: string;
}
const MQTT_PRINCIPALS: MqttPrincipal[] = [
  { name: 'none' },
  { name: 'wrong-pw', username: 'fac', password: 'not the password' },
  { name: 'ctl-101', username: 'ctl-101', password: TEST_PASSWORD },
  { name: 'ctl-102', username: 'ctl-102', password: TEST_PASSWORD },
  { name: 'fac', username: 'fac', password: TEST_PASSWORD },
  { name: 'ha', username: 'ha', password: TEST_PASSWORD },
];
/** Principals that must not even connect. */
const REFUSED_AT_CONNECT = ['none', 'wrong-pw'];

type BrokerKind = 'embedded' | 'mosquitto';
type MqttTable = Record<string, Record<string, string>>;

function parseMqttPolicy(table: string): { topics: string[]; cells: (kind: BrokerKind) => MqttTable } {
  const lines = table
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const header = lines.shift()!.split(/\s+/).slice(1);
  if (header.join(' ') !== MQTT_PRINCIPALS.map((p) => p.name).join(' '))
    throw new Error(
      `MQTT_POLICY: columns ${header.join(' ')}, principals ${MQTT_PRINCIPALS.map((p) => p.name)}`,
    );
  const rows = lines.map((l) => {
    const [topic, ...cells] = l.split(/\s+/) as [string, ...string[]];
    if (cells.length !== header.length) throw new Error(`MQTT_POLICY, ${topic}: ${cells.length} cells`);
    for (const c of cells)
      if (!/^[P-][Rf-](\|[P-][Rf-])?$/.test(c)) throw new Error(`MQTT_POLICY, ${topic}: cell "${c}"`);
    return { topic, cells };
  });
  return {
    topics: rows.map((r) => r.topic),
    cells: (kind) =>
      Object.fromEntries(
        rows.map((r) => [
          r.topic,
          Object.fromEntries(
            r.cells.map((c, i) => {
              const [embedded, mosquitto = embedded] = c.split('|') as [string, string?];
              // Mosquitto refuses no subscription: a message it does not deliver is just not delivered.
              const cell = kind === 'embedded' ? embedded : mosquitto.replace('f', '-');
              return [header[i]!, cell];
            }),
          ),
        ]),
      ),
  };
}

const MQTT = parseMqttPolicy(MQTT_POLICY);

/** A broker under test, with the gateway on it. */
interface MatrixBroker {
  kind: BrokerKind;
  g: MqttGateway;
  url: string;
  /** Publish as a party that may publish anything (what reaches whom is then the ACL's call). */
  inject(topic: string, payload: string): Promise<void>;
  /** What the broker accepted from clients: topic and payload. */
  accepted(): Array<{ topic: string; payload: string }>;
  /** Whether a party of the test's own that reads everything saw this topic (false: there is none). */
  observed(topic: string): boolean;
  close(): Promise<void>;
}

function mqttMatrix(start: () => Promise<MatrixBroker>): void {
  let b: MatrixBroker;
  const open: Collected[] = [];
  beforeAll(async () => {
    b = await start();
  });
  afterAll(async () => {
    for (const c of open.splice(0)) await c.end().catch(() => undefined);
    await b?.close();
  });

  it('refuses to connect a client without credentials or with a wrong password', async () => {
    for (const p of MQTT_PRINCIPALS.filter((x) => REFUSED_AT_CONNECT.includes(x.name))) {
      const code = await connectCode(b.url, {
        protocolVersion: 4,
        ...(p.username ? { username: p.username, password: p.password } : {}),
      });
      expect([4, 5], `${p.name}: CONNACK ${code}`).toContain(code);
    }
  });

  it('lets each principal publish and receive exactly what the table says, and changes nothing', async () => {
    const before = b.g.gateway.core.journal.lastSeq;
    const logins = MQTT_PRINCIPALS.filter((p) => !REFUSED_AT_CONNECT.includes(p.name));
    const connect = async (p: MqttPrincipal, clientId: string, subscribe: string[] = []) => {
      const c = await client(b.url, {
        username: p.username!,
        password: p.password!,
        clientId,
        protocolVersion: 4,
        subscribe,
      });
      open.push(c);
      return c;
    };
    // One subscriber per principal, to every topic of the table (one filter each).
    // One after the other: a login's first connection costs a password check, which the
    // gateway's password gate runs a few at a time per address; later ones are known.
    const subscribers: Record<string, Collected> = {};
    for (const p of logins) subscribers[p.name] = await connect(p, `${p.username}-authz-sub`, MQTT.topics);
    // Every topic once from the privileged party: who receives it is the ACL's delivery check.
    for (const topic of MQTT.topics) await b.inject(topic, `inject:${topic}`);
    // Every principal publishes on every topic, each from a connection of its own. Both brokers
    // acknowledge a refused publication and drop it (a device with a stray topic is not cut
    // off): every PUBACK comes, and every connection is still up.
    const publishers = await Promise.all(
      logins.flatMap((p) =>
        MQTT.topics.map(async (topic, i) => {
          const c = await connect(p, `${p.username}-authz-pub-${i}`);
          await c.client.publishAsync(topic, `probe:${p.name}:${topic}`, { qos: 1 });
          return c;
        }),
      ),
    );
    expect(publishers.filter((c) => !c.client.connected)).toEqual([]);

    const actual = (): MqttTable =>
      Object.fromEntries(
        MQTT.topics.map((topic) => [
          topic,
          Object.fromEntries(
            MQTT_PRINCIPALS.map((p) => {
              if (REFUSED_AT_CONNECT.includes(p.name)) return [p.name, '--'];
              const published = b
                .accepted()
                .some((m) => m.topic === topic && m.payload === `probe:${p.name}:${topic}`);
              const sub = subscribers[p.name]!;
              const received = sub.messages.some((m) => m.topic === topic)
                ? 'R'
                : b.kind === 'mosquitto' || sub.refused.includes(topic)
                  ? '-'
                  : 'f';
              return [p.name, `${published ? 'P' : '-'}${received}`];
            }),
          ),
        ]),
      );
    const want = MQTT.cells(b.kind);
    // What must not arrive is proved by a sentinel: for each subscriber, a message on a topic it
    // may read, injected after every probe was acknowledged. A broker delivers to a subscriber
    // in order, so a copy the ACL should have stopped would be there first. (Malformed: the
    // gateway journals nothing for it.)
    const sentinels = logins.flatMap((p) => {
      const topic = MQTT.topics.find((t) => want[t]?.[p.name]?.endsWith('R'));
      return topic ? [{ sub: subscribers[p.name]!, topic }] : [];
    });
    for (const topic of new Set(sentinels.map((x) => x.topic))) await b.inject(topic, 'sentinel');
    await until(() => {
      for (const { sub, topic } of sentinels)
        expect(
          sub.messages.some((m) => m.topic === topic && m.payload === 'sentinel'),
          topic,
        ).toBe(true);
    });
    await until(() => expect(actual()).toEqual(want));
    // Every topic went out (a "-" is the ACL's doing, not a message that never was).
    const unseen = MQTT.topics.filter(
      (topic) =>
        !b.observed(topic) &&
        !Object.values(subscribers).some((s) => s.messages.some((m) => m.topic === topic)),
    );
    expect(unseen).toEqual([]);
    // Every publication above was refused, ignored or dropped as malformed: nothing was journaled
    // (but the alarm the gateway raises on its own when no room controller is heard of 10 s
    // after it connected, which a slow run may reach).
    const journaled = (await journalSince(b.g, before)).filter(
      (e) => !(e.type === 'door.alarm' && (e.payload as { alarm?: string }).alarm === 'offline'),
    );
    expect(journaled).toEqual([]);
  });
}

describe('authorisation matrix: MQTT topics', () => {
  it('the table has a row for every kind of topic of the contract', () => {
    const topics = new Topics('pintu');
    const kinds = MQTT.topics.map((t) => topics.parse(t)?.kind).filter((k) => k !== undefined);
    expect(kinds.sort()).toEqual([...CONTRACT_KINDS].sort());
    expect(MQTT.topics).toContain(topics.homeAssistantStatus);
  });
});

describe('authorisation matrix: MQTT on the embedded broker', () => {
  mqttMatrix(async () => {
    // One connection per topic and login at once, all from 127.0.0.1.
    const g = await startMqttGateway({
      mqtt: {
        mode: 'embedded',
        port: await freePort(),
        limits: { connectionsPerUser: 100, connectionsPerAddress: 1000 },
      },
      users: USERS,
    });
    const broker = g.mqtt.broker!;
    // The discovery row names a config this gateway publishes.
    expect(g.mqtt.discoveryTopics()).toContain(MQTT.topics.find((t) => t.endsWith('/config')));
    const accepted: Array<{ topic: string; payload: string }> = [];
    // Everything the broker routed, the test's own injections included.
    const routed = new Set<string>();
    broker.aedes.on('publish', (packet, from) => {
      routed.add(packet.topic);
      if (from) accepted.push({ topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8') });
    });
    return {
      kind: 'embedded',
      g,
      url: g.url,
      inject: (topic, payload) =>
        broker.publish({ topic, payload: Buffer.from(payload), qos: 0, retain: false }),
      accepted: () => accepted,
      observed: (topic) => routed.has(topic),
      close: () => g.close(),
    };
  });
});

labSuite('authorisation matrix: MQTT on a real Mosquitto (external mode)', ['mosquitto'], () => {
  mqttMatrix(async () => {
    const gateway = { username: 'gateway', password: 'gateway secret 123' };
    // The test's own party that reads and writes everything. Mosquitto keeps $SYS to itself (it
    // drops a client's publication there): its own retained $SYS/broker/version is what readers get.
    const observer = { username: 'observer', password: 'observer secret 123' };
    const acl = `${mosquittoAcl({
      gateway: gateway.username,
      facilities: ['fac'],
      homeassistant: ['ha'],
      rooms: { 'ctl-101': 'r101', 'ctl-102': 'r102' },
    })}\nuser ${observer.username}\ntopic readwrite #\ntopic read $SYS/#\n`;
    const broker = await Mosquitto.start({
      users: [
        ...gatewayLogins(gateway),
        observer,
        ...USERS.map((u) => ({ username: u.username, password: TEST_PASSWORD })),
      ],
      acl,
    });
    let g: MqttGateway;
    try {
      g = await startMqttGateway({
        mqtt: { mode: 'external', url: broker.url, ...gateway, protocolVersion: 5 },
        url: broker.url,
        users: [],
      });
    } catch (err) {
      await broker.stop();
      throw err;
    }
    const watcher = await client(broker.url, { ...observer, protocolVersion: 4, subscribe: ['#', '$SYS/#'] });
    return {
      kind: 'mosquitto',
      g,
      url: broker.url,
      inject: async (topic, payload) => {
        await watcher.client.publishAsync(topic, payload, { qos: 1 });
      },
      accepted: () => watcher.messages,
      observed: (topic) => watcher.messages.some((m) => m.topic === topic),
      async close() {
        await watcher.end();
        await g.close();
        await broker.stop();
      },
    };
  });
});
