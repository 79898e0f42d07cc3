// The HTTP API, area "watchlist" (issue 14, item 5): security and admin keep the entries (a
// document number only as a keyed hash); every read and change is journaled with who did it; an
// arrival that matches (document, or a close name with the same institution) is answered with a
// flag and journaled for security's feed, which the desk and facilities do not see; entries
// past valid-until match nothing and the retention sweep purges them. Who may call each route:
// authz-matrix.test.ts.
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { TestApi } from '../support/api.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.14.5');
const DAY = 86_400_000;
const NIK = '3578012345670001';

const entry = (over: Record<string, unknown> = {}) => ({
  name: 'Budi Santoso',
  institution: 'PT Maju Jaya',
  documentNumber: NIK,
  reason: 'Mengancam petugas loket, Maret 2026',
  validUntil: MONDAY_9AM + 30 * DAY,
  ...over,
});
const arrival = (name: string, institution: string, documentNumber?: string) => ({
  guest: { name, institution, ...(documentNumber ? { documentNumber } : {}) },
  purpose: 'Koordinasi',
  hostId: 'kabag-umum',
});
const journalTail = async (n = 5) =>
  (await api('GET', `/events?limit=${n}`, as.admin)).json().events as Array<{
    type: string;
    actor: { id: string };
    payload: Record<string, unknown>;
  }>;

let budi: string;

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ['admin', 'receptionist', 'security', 'facilities'] as const)
    as[role] = await loginAs(role);
  const res = await post(as.security, '/watchlist', entry());
  expect(res.statusCode, res.body).toBe(201);
  budi = res.json().id;
});
afterAll(async () => t?.close());

describe('entries', () => {
  it('keep the document as a keyed hash only, and say only whether there is one', async () => {
    const res = await api('GET', `/watchlist/${budi}`, as.security);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'Budi Santoso',
      institution: 'PT Maju Jaya',
      hasDocument: true,
    });
    expect(res.body).not.toContain(NIK);
    expect(res.body).not.toContain('documentKey');
    const saved = JSON.stringify(t.gateway.core.state.toPersisted().watchlist);
    expect(saved).toContain('Budi Santoso');
    expect(saved).not.toContain(NIK);
  });

  it('journal every read and change with who did it, by id only', async () => {
    const securityId = (await api('GET', '/auth/me', as.security)).json().actor.id;
    expect((await api('GET', '/watchlist', as.security)).statusCode).toBe(200);
    const [read] = await journalTail(1);
    expect(read).toMatchObject({ type: 'watchlist.read', actor: { id: securityId } });
    expect(read?.payload.entryIds).toContain(budi);
    const changed = await api('PUT', `/watchlist/${budi}`, as.security, entry({ reason: 'Diperbarui' }));
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().hasDocument).toBe(true); // no documentNumber: the document stays
    const [change] = await journalTail(1);
    expect(change).toMatchObject({ type: 'watchlist.changed', payload: { entryIds: [budi] } });
    // Names and reasons never enter the journal.
    expect(JSON.stringify(await journalTail(10))).not.toMatch(/Budi|Diperbarui|Mengancam/);
  });

  it('refuse a name of titles only and a valid-until beyond watchlist.maxDays, writing nothing', async () => {
    const before = seq();
    const titles = await post(as.security, '/watchlist', entry({ name: 'Drs. H.' }));
    expect(titles.statusCode).toBe(400);
    expect(titles.json().rule).toBe('watchlist_name');
    const far = await post(as.security, '/watchlist', entry({ validUntil: MONDAY_9AM + 366 * DAY }));
    expect(far.statusCode).toBe(400);
    expect(far.json().rule).toBe('watchlist_valid_until');
    expect(seq()).toBe(before);
  });

  it('are for security and admin only', async () => {
    for (const who of [as.receptionist, as.facilities]) {
      expect((await api('GET', '/watchlist', who)).statusCode).toBe(403);
      expect((await post(who, '/watchlist', entry())).statusCode).toBe(403);
    }
  });
});

describe('arrivals', () => {
  it('a close name with the same institution is flagged, without the reason', async () => {
    const res = await post(as.receptionist, '/visits', arrival('Drs. Budi Santosa', 'Maju Jaya'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().watchlist).toBe(true);
    expect(res.body).not.toMatch(/Mengancam|Diperbarui|reason/);
    const [matched] = await journalTail(1);
    expect(matched).toMatchObject({
      type: 'watchlist.matched',
      payload: { visitId: res.json().id, entryIds: [budi], by: ['name'] },
    });
  });

  it('the same name from another institution is not; the same document under another name is', async () => {
    const other = await post(as.receptionist, '/visits', arrival('Budi Santoso', 'Dinas Kominfo'));
    expect(other.statusCode, other.body).toBe(201);
    expect(other.json().watchlist).toBeUndefined();
    const doc = await post(
      as.receptionist,
      '/visits',
      arrival('B. Santoso', 'CV Lain', '3578 0123 4567 0001'),
    );
    expect(doc.json().watchlist).toBe(true);
    const [matched] = await journalTail(1);
    expect(matched?.payload.by).toEqual(['document']);
  });

  it('the journal feed shows watchlist entries to security and admin, not to the desk or facilities', async () => {
    for (const [who, sees] of [
      [as.security, true],
      [as.admin, true],
      [as.receptionist, false],
      [as.facilities, false],
    ] as const) {
      const events = (await api('GET', '/events?limit=50&type=watchlist.', who)).json().events;
      expect(events.length > 0, `${sees}`).toBe(sees);
    }
  });
});

describe('retention', () => {
  it('an entry past valid-until matches nothing, and the sweep purges it (journaled)', async () => {
    const short = await post(
      as.security,
      '/watchlist',
      entry({ name: 'Andi Wijaya', validUntil: MONDAY_9AM + DAY }),
    );
    expect(short.statusCode, short.body).toBe(201);
    t.clock.now = MONDAY_9AM + DAY;
    const late = await post(await loginAs('receptionist'), '/visits', arrival('Andi Wijaya', 'PT Maju Jaya'));
    expect(late.json().watchlist).toBeUndefined();
    const admin = await loginAs('admin');
    const swept = await post(admin, '/admin/retention/sweep');
    expect(swept.json()).toMatchObject({ watchlistPurged: 1 });
    expect(t.gateway.core.state.watchlist.has(short.json().id)).toBe(false);
    expect(t.gateway.core.state.watchlist.has(budi)).toBe(true);
    const [removed] = (await api('GET', '/events?limit=1&type=watchlist.removed', admin)).json().events;
    expect(removed).toMatchObject({ payload: { entryIds: [short.json().id], reason: 'expired' } });
  });
});

describe('the live feed (real sockets: a stream never ends)', () => {
  /** Opens /events/stream; `until` resolves with the text received once it contains `marker`. */
  async function feed(cookie: string, port: number) {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/v1/events/stream', agent: false, headers: { cookie } },
        resolve,
      );
      req.once('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    return {
      until: (marker: string) =>
        new Promise<string>((resolve) => {
          const check = () => {
            if (!text.includes(marker)) return;
            res.off('data', check);
            resolve(text);
          };
          res.on('data', check);
          check();
        }),
      close: () => res.destroy(),
    };
  }

  it('sends a match to security, not to the desk (which sees the arrivals around it)', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(address).port);
    const desk = await loginAs('receptionist');
    const security = await loginAs('security');
    const deskFeed = await feed(desk, port);
    const securityFeed = await feed(security, port);
    const flagged = await post(desk, '/visits', arrival('Budi Santoso', 'PT Maju Jaya'));
    expect(flagged.json().watchlist).toBe(true);
    // The sentinel: a later arrival, which both feeds carry.
    const later = await post(desk, '/visits', arrival('Sinta Dewi', 'Dinas Kominfo'));
    const seenBySecurity = await securityFeed.until(later.json().id);
    const seenByDesk = await deskFeed.until(later.json().id);
    expect(seenBySecurity).toContain('event: watchlist.matched');
    expect(seenBySecurity).toContain(flagged.json().id);
    expect(seenByDesk).toContain(flagged.json().id); // its visit.arrived
    expect(seenByDesk).not.toContain('watchlist.');
    deskFeed.close();
    securityFeed.close();
  });
});

describe('the webhook', () => {
  it('alerts security with the visit and what matched, never the entry or its reason', async () => {
    const received: Array<{ event?: string; body: string }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ event: req.headers['x-pintu-event'] as string, body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const admin = await loginAs('admin');
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`;
      expect((await api('PUT', '/admin/settings', admin, { webhookUrl: url })).statusCode).toBe(200);
      const flagged = await post(
        await loginAs('receptionist'),
        '/visits',
        arrival('Budi Santoso', 'PT Maju Jaya'),
      );
      expect(flagged.json().watchlist).toBe(true);
      // The sentinel: the alert itself (delivery is off the request's path).
      await expect
        .poll(() => received.some((r) => r.event === 'watchlist_alert'), { timeout: 10_000 })
        .toBe(true);
      const alert = received.find((r) => r.event === 'watchlist_alert')!;
      expect(JSON.parse(alert.body)).toMatchObject({
        event: 'watchlist_alert',
        visitId: flagged.json().id,
        by: ['name'],
        source: 'arrival',
        recipients: { roles: ['security', 'admin'] },
        guest: { institution: 'PT Maju Jaya' },
      });
      expect(alert.body).not.toMatch(/Mengancam|Diperbarui|reason|entryIds/);
    } finally {
      hook.close();
    }
  });
});

describe('the other ways in: the sync API, group members, the collateral at badge issue', () => {
  /** The watchlist.matched entries journaled after `from`, as (visit, how, where, which desk). */
  async function matchesSince(from: number) {
    const out: Array<{ visitId: string; by: string[]; source?: string; desk?: string }> = [];
    for await (const e of t.gateway.core.journal.read({ fromSeq: from + 1 })) {
      if (e.type !== 'watchlist.matched') continue;
      const { visitId, by, source, desk } = e.payload;
      out.push({ visitId, by, ...(source ? { source } : {}), ...(desk ? { desk } : {}) });
    }
    return out;
  }
  const sync = (cookie: string, visits: unknown) => api('PUT', '/sync/visits', cookie, { visits });
  const syncItem = (externalId: string, name: string, institution: string) => ({
    externalId,
    guest: { name, institution },
    purpose: 'Rapat',
    hostId: 'kabag-umum',
    status: 'accepted',
  });

  it('a visit synced in from the desk application is checked once, when it arrives; a non-match is silent', async () => {
    const desk = await loginAs('receptionist');
    const deskName = (await api('GET', '/auth/me', desk)).json().username;
    const from = seq();
    const batch = [
      syncItem('wl-sync-1', 'Budi Santoso', 'PT Maju Jaya'),
      syncItem('wl-sync-2', 'Sinta Dewi', 'PT Maju Jaya'),
    ];
    const res = await sync(desk, batch);
    expect(res.statusCode, res.body).toBe(200);
    const [hit, miss] = res.json().results;
    expect(hit).toMatchObject({ externalId: 'wl-sync-1', status: 200, watchlist: true });
    expect(miss.watchlist).toBeUndefined();
    expect(res.body).not.toMatch(/Mengancam|Diperbarui|reason/);
    expect(await matchesSince(from)).toEqual([
      { visitId: hit.visitId, by: ['name'], source: 'sync', desk: deskName },
    ]);
    // The same batch again is the same visits: nothing new to check, nothing journaled again.
    const again = seq();
    const repeat = await sync(desk, batch);
    expect(repeat.statusCode, repeat.body).toBe(200);
    expect(repeat.json().results[0].watchlist).toBeUndefined();
    expect(await matchesSince(again)).toEqual([]);
  });

  it("a group's members are each checked at the group's arrival; the others are silent", async () => {
    const desk = await loginAs('receptionist');
    const from = seq();
    const res = await post(desk, '/groups', {
      leader: { name: 'Sinta Dewi' },
      members: [{ name: 'Rina Wati' }, { name: 'Drs. Budi Santosa' }, { name: 'Agus Salim' }],
      institution: 'PT Maju Jaya',
      purpose: 'Audiensi',
      hostId: 'kabag-umum',
    });
    expect(res.statusCode, res.body).toBe(201);
    const visits = res.json().visits as Array<{ id: string; guestName: string; watchlist?: boolean }>;
    expect(visits.filter((v) => v.watchlist).map((v) => v.guestName)).toEqual(['Drs. Budi Santosa']);
    const flagged = visits.find((v) => v.watchlist)!;
    expect(await matchesSince(from)).toMatchObject([{ visitId: flagged.id, by: ['name'], source: 'group' }]);
  });

  it('the document handed in as collateral is checked at badge issue; another document is silent', async () => {
    const ktp = '3578014107900001';
    const security = await loginAs('security');
    const added = await post(
      security,
      '/watchlist',
      entry({
        name: 'Rahmat Hidayat',
        institution: 'PT Sentosa',
        documentNumber: ktp,
        validUntil: t.clock.now + 30 * DAY,
      }),
    );
    expect(added.statusCode, added.body).toBe(201);
    const desk = await loginAs('receptionist');
    const admin = await loginAs('admin');
    /** A visit that matches nothing at its arrival, brought to accepted. */
    const accepted = async (name: string) => {
      const res = await post(desk, '/visits', arrival(name, 'Dinas Perhubungan'));
      expect(res.json().watchlist).toBeUndefined();
      const id = res.json().id as string;
      expect((await post(security, `/visits/${id}/screening`, { passed: true })).statusCode).toBe(200);
      expect((await post(desk, `/visits/${id}/guestbook`, {})).statusCode).toBe(200);
      expect(
        (await post(admin, `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] })).statusCode,
      ).toBe(200);
      return id;
    };
    const freeBadge = async () =>
      ((await api('GET', '/badges', admin)).json() as Array<{ label: string; status: string }>).find(
        (b) => b.status === 'available',
      )!.label;

    const other = await accepted('Yusuf Maulana');
    const quiet = seq();
    const plain = await post(desk, `/visits/${other}/badge`, {
      badge: await freeBadge(),
      collateral: { type: 'sim', number: '1234-5678-9012' },
    });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().watchlist).toBeUndefined();
    expect(await matchesSince(quiet)).toEqual([]);

    const id = await accepted('Hendra Gunawan');
    const from = seq();
    const res = await post(desk, `/visits/${id}/badge`, {
      badge: await freeBadge(),
      collateral: { type: 'ktp', number: ktp },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'badged', watchlist: true });
    expect(res.body).not.toContain(ktp);
    expect(await matchesSince(from)).toMatchObject([{ visitId: id, by: ['document'], source: 'collateral' }]);
  });

  it('a document typed at arrival and handed in as collateral alerts security once per entry', async () => {
    const ktp = '3578015508850002';
    let security = await loginAs('security');
    let desk = await loginAs('receptionist');
    let admin = await loginAs('admin');
    const add = async (institution: string) => {
      const res = await post(
        security,
        '/watchlist',
        entry({ name: 'Sari Wulandari', institution, documentNumber: ktp }),
      );
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const first = await add('CV Sinar');

    const from = seq();
    const arrived = await post(desk, '/visits', arrival('Sari Wulandari', 'CV Sinar', ktp));
    expect(arrived.json().watchlist).toBe(true);
    const id = arrived.json().id as string;
    expect((await post(security, `/visits/${id}/screening`, { passed: true })).statusCode).toBe(200);
    expect((await post(desk, `/visits/${id}/guestbook`, {})).statusCode).toBe(200);
    const decided = await post(admin, `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] });
    expect(decided.statusCode, decided.body).toBe(200);
    // What security was told outlives a restart (saved with the state).
    const { dir } = t;
    const now = t.clock.now;
    await t.app.close();
    await t.gateway.close();
    t = await startTestGateway({ dir, now });
    [security, desk, admin] = [
      await loginAs('security'),
      await loginAs('receptionist'),
      await loginAs('admin'),
    ];
    // An entry added meanwhile for the same document: news to security at badge issue.
    const second = await add('PT Lain');
    const badges = (await api('GET', '/badges', admin)).json() as Array<{ label: string; status: string }>;
    const badge = badges.find((b) => b.status === 'available')!.label;

    const res = await post(desk, `/visits/${id}/badge`, { badge, collateral: { type: 'ktp', number: ktp } });
    expect(res.statusCode, res.body).toBe(200);
    // The desk still sees its flag; security hears of each entry once for this visit.
    expect(res.json().watchlist).toBe(true);
    const matched: Array<{ source?: string; entryIds: string[] }> = [];
    for await (const e of t.gateway.core.journal.read({ fromSeq: from + 1 })) {
      if (e.type !== 'watchlist.matched' || e.payload.visitId !== id) continue;
      matched.push({ source: e.payload.source, entryIds: e.payload.entryIds });
    }
    expect(matched).toEqual([
      { source: 'arrival', entryIds: [first] },
      { source: 'collateral', entryIds: [second] },
    ]);
  });
});
