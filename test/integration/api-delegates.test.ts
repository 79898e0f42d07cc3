// Host delegates (issue 14, item 4) through the API: a host names delegates (other host logins: a
// secretary, an aide); a delegate sees the host's visits (list, one visit, the host feed), decides
// for the host, recorded as themselves with onBehalfOf the host; a host who is not a delegate sees
// nothing; the approval webhook names who is asked, and an absent host's requests go to the
// delegates. Who may call the route: authz-matrix.test.ts.
import { type ClientRequest, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.14.1');
let admin: string;
let desk: string;
let kabag: string;
/** The secretary: a host login of host `sekretaris`, named a delegate of `kabag-umum`. */
let secretary: string;
/** Another host's login, not a delegate. */
let stranger: string;

async function awaitingHost(name: string): Promise<string> {
  const v = await post(desk, '/visits', {
    guest: { name, institution: 'Dinas Kominfo' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
  });
  const id = v.json().id as string;
  expect((await post(desk, `/visits/${id}/screening`, { passed: true })).statusCode).toBe(200);
  expect((await post(desk, `/visits/${id}/guestbook`, {})).statusCode).toBe(200);
  return id;
}

beforeAll(async () => {
  t = await startTestGateway();
  admin = await loginAs('admin');
  desk = await loginAs('receptionist');
  kabag = await loginAs('host');
  for (const id of ['sekretaris', 'sekda']) {
    const r = await api('PUT', `/hosts/${id}`, admin, { name: id, unit: 'Setda', rooms: [] });
    expect(r.statusCode, r.body).toBe(200);
  }
  secretary = await loginAs('host', 'sekretaris');
  stranger = await loginAs('host', 'sekda');
});
afterAll(async () => t?.close());

const usernameOf = async (cookie: string) => (await api('GET', '/auth/me', cookie)).json().username as string;

describe('naming delegates', () => {
  it('a host names their own; another host may not; bad names are refused by rule', async () => {
    const sec = await usernameOf(secretary);
    const before = seq();
    const other = await api('PUT', '/hosts/kabag-umum/delegates', stranger, { delegates: [sec] });
    expect(other.statusCode).toBe(403);
    for (const [names, rule] of [
      [['nobody'], 'unknown_user'],
      [[await usernameOf(desk)], 'not_host'],
      [[await usernameOf(kabag)], 'own_login'],
      [[sec, sec], 'repeat'],
    ] as const) {
      const r = await api('PUT', '/hosts/kabag-umum/delegates', kabag, { delegates: names });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ field: 'delegates', rule });
    }
    expect(seq()).toBe(before);
    const ok = await api('PUT', '/hosts/kabag-umum/delegates', kabag, { delegates: [sec] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'kabag-umum', delegateNames: [sec] });
    expect(ok.json().delegates).toHaveLength(1);
  });
});

describe('a delegate', () => {
  it("sees the host's visits and decides for the host, journaled as themselves", async () => {
    const id = await awaitingHost('Bambang Sutrisno');
    const list = (await api('GET', '/visits?date=today', secretary)).json() as Array<{ id: string }>;
    expect(list.map((v) => v.id)).toContain(id);
    expect((await api('GET', `/visits/${id}`, stranger)).statusCode).toBe(404);
    expect((await api('GET', '/visits', stranger)).json()).toEqual([]);
    expect(
      (await post(stranger, `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] })).statusCode,
    ).toBe(404);

    const r = await post(secretary, `/visits/${id}/decision`, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(r.statusCode, r.body).toBe(200);
    const step = r.json().visit.history.at(-1);
    expect(step).toMatchObject({
      action: 'decide',
      onBehalfOf: 'kabag-umum',
      actor: { kind: 'user', role: 'host' },
    });
    const me = (await api('GET', '/auth/me', secretary)).json();
    expect(step.actor.id).toBe(me.actor.id);
    const entry = (await api('GET', '/events?limit=5', admin))
      .json()
      .events.find((e: { type: string }) => e.type === 'visit.decided');
    expect(entry).toMatchObject({
      actor: { id: me.actor.id },
      payload: { visitId: id, onBehalfOf: 'kabag-umum' },
    });
    // The host deciding for themselves records no onBehalfOf.
    const own = await awaitingHost('Citra Lestari');
    const d = await post(kabag, `/visits/${own}/decision`, { outcome: 'refused' });
    expect(d.json().visit.history.at(-1).onBehalfOf).toBeUndefined();
  });

  it('books an expected guest for the host, pre-approved; a stranger may not', async () => {
    const body = {
      guest: { name: 'Gita Savitri', institution: 'Bank Jatim' },
      hostId: 'kabag-umum',
      date: '2026-12-01',
      from: '09:00',
      until: '10:00',
      purposeCategory: 'rapat',
    };
    const r = await post(secretary, '/appointments', body);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ hostId: 'kabag-umum', preApproved: true });
    expect((await post(stranger, '/appointments', body)).statusCode).toBe(403);
    expect((await api('GET', `/appointments/${r.json().id}`, stranger)).statusCode).toBe(404);
    const list = (await api('GET', '/appointments?date=2026-12-01', secretary)).json() as Array<{
      id: string;
    }>;
    expect(list.map((a) => a.id)).toContain(r.json().id);
  });

  it('loses the visits when the host takes them off the list', async () => {
    const id = await awaitingHost('Dedi Kurniawan');
    expect((await api('PUT', '/hosts/kabag-umum/delegates', kabag, { delegates: [] })).statusCode).toBe(200);
    expect((await api('GET', `/visits/${id}`, secretary)).statusCode).toBe(404);
    const sec = await usernameOf(secretary);
    expect((await api('PUT', '/hosts/kabag-umum/delegates', admin, { delegates: [sec] })).statusCode).toBe(
      200,
    );
    expect((await api('GET', `/visits/${id}`, secretary)).statusCode).toBe(200);
  });
});

describe("the host's live feed", () => {
  it("carries a delegate the visits of the hosts who named them, and no other host's", async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(address).port);
    const held: ClientRequest[] = [];
    /** A feed's text so far, and a wait for a text to appear in it. */
    const feed = (cookie: string) =>
      new Promise<{ text: () => string; until: (s: string) => Promise<void> }>((resolve, reject) => {
        let text = '';
        const waits: Array<() => void> = [];
        const req = request(
          { host: '127.0.0.1', port, path: '/api/v1/host/stream', agent: false, headers: { cookie } },
          (res: IncomingMessage) => {
            expect(res.statusCode).toBe(200);
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
              for (const w of waits.splice(0)) w();
            });
            resolve({
              text: () => text,
              until: async (s) => {
                while (!text.includes(s)) await new Promise<void>((r) => waits.push(r));
              },
            });
          },
        );
        held.push(req);
        req.once('error', reject);
        req.end();
      });
    try {
      const sec = await feed(secretary);
      const other = await feed(stranger);
      const id = await awaitingHost('Hendra Wijaya');
      await sec.until(id);
      // The stranger's own host gets a visit: once its feed shows that, it has had its chance at
      // the first one, and must not have shown it.
      const theirs = await post(desk, '/visits', {
        guest: { name: 'Indah Permata', institution: 'Warga' },
        purpose: 'Audiensi',
        hostId: 'sekda',
      });
      await other.until(theirs.json().id);
      expect(other.text()).not.toContain(id);
    } finally {
      for (const r of held) r.destroy();
    }
  });
});

describe('the approval request', () => {
  it('names the delegates; an absent host leaves it to them', async () => {
    const received: string[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/n`;
      expect((await api('PUT', '/admin/settings', admin, { webhookUrl: url })).statusCode).toBe(200);
      const sec = await usernameOf(secretary);
      const present = await awaitingHost('Eko Prasetyo');
      await expect.poll(() => received.some((b) => b.includes(present)), { timeout: 10_000 }).toBe(true);
      const first = JSON.parse(received.find((b) => b.includes(present))!);
      expect(first.recipients).toEqual({ host: true, delegates: [{ username: sec, name: sec }] });

      const kabagHost = (await api('GET', '/hosts', admin))
        .json()
        .find((h: { id: string }) => h.id === 'kabag-umum');
      const put = await api('PUT', '/hosts/kabag-umum', admin, {
        name: kabagHost.name,
        unit: kabagHost.unit,
        rooms: kabagHost.rooms,
        absent: true,
      });
      expect(put.statusCode, put.body).toBe(200);
      const absent = await awaitingHost('Fitri Handayani');
      await expect.poll(() => received.some((b) => b.includes(absent)), { timeout: 10_000 }).toBe(true);
      const second = JSON.parse(received.find((b) => b.includes(absent))!);
      expect(second.host.absent).toBe(true);
      expect(second.recipients).toEqual({ host: false, delegates: [{ username: sec, name: sec }] });
    } finally {
      await api('PUT', '/admin/settings', admin, { webhookUrl: null });
      await new Promise((r) => hook.close(r));
    }
  });
});
