// The HTTP API, area "events": the paged journal (GET /events), the live feed as
// Server-Sent Events on a real listening server (GET /events/stream, resumable with
// Last-Event-ID) and the monthly recap (GET /reports/monthly, JSON and CSV). Every route:
// the happy path, 400 naming the field. Who may call each route (401, 403 per role):
// authz-matrix.test.ts.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventually } from '../support/lab-tools.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, seq } = new TestApi(() => t, '10.5.0');
let base = '';

/** A denied tap at the entrance: journals one access.denied (asynchronously). */
const deniedTap = () => api('POST', '/taps', as.receptionist, { reader: 'pintu-utama-in', uid: 'DEADBEEF' });
const unlock = () => api('POST', '/doors/ruang-kabag/unlock', as.facilities, { ms: 100 });
/** Wait until every journal append so far is durable (record() resolves after fsync). */
async function settled() {
  const target = seq();
  await eventually(async () =>
    expect((await api('GET', '/events?limit=1', as.admin)).json().events[0]?.seq ?? 0).toBeGreaterThanOrEqual(
      target,
    ),
  );
}

interface JournalEvent {
  seq: number;
  at: number;
  type: string;
  actor: { kind: string; id: string; role?: string };
  payload: Record<string, unknown>;
  prev: string;
  hash: string;
}

// ------------------------------------------------------------------ an SSE client

interface SseEvent {
  id?: number;
  event?: string;
  data?: JournalEvent;
}
interface Stream {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  retry?: number;
  until(pred: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}
const openStreams = new Set<Stream>();

async function openStream(
  cookie: string | undefined,
  opts: { lastEventId?: number; type?: string } = {},
): Promise<Stream> {
  const ctrl = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (cookie) headers.cookie = cookie;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId);
  const res = await fetch(
    `${base}/api/v1/events/stream${opts.type ? `?type=${encodeURIComponent(opts.type)}` : ''}`,
    {
      headers,
      signal: ctrl.signal,
    },
  );
  const events: SseEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  let waiters: Array<() => void> = [];
  let ended = false;
  const stream: Stream = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    async until(pred, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (ended) throw new Error(`stream ended; got ${JSON.stringify(events.map((e) => [e.id, e.event]))}`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`timed out; got ${JSON.stringify(events.map((e) => [e.id, e.event]))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return events;
    },
    close() {
      ctrl.abort();
      openStreams.delete(stream);
    },
  };
  openStreams.add(stream);
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = {};
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [key, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (key === 'retry') {
              stream.retry = Number(value);
              continue;
            }
            if (key === 'id') e.id = Number(value);
            else if (key === 'event') e.event = value;
            else if (key === 'data') e.data = JSON.parse(value);
            else continue;
            any = true;
          }
          if (any) events.push(e);
          cut = buffer.indexOf('\n\n');
        }
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  })();
  return stream;
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of [...openStreams]) s.close();
  // Keep-alive sockets of fetch() would hold app.close() for seconds.
  t?.app.server.closeAllConnections();
  await t?.close();
});

// ------------------------------------------------------------------ GET /events

describe('GET /events', () => {
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      expect((await unlock()).statusCode).toBe(200);
      expect((await deniedTap()).statusCode).toBe(200);
    }
    await settled();
  });

  it('newest first, limit entries, with nextBeforeSeq while older ones exist', async () => {
    const res = await api('GET', '/events?limit=3', as.security);
    expect(res.statusCode).toBe(200);
    const page = res.json() as { events: JournalEvent[]; nextBeforeSeq?: number };
    expect(page.events).toHaveLength(3);
    expect(page.events[0]!.seq).toBe(seq());
    expect(page.events.map((e) => e.seq)).toEqual([seq(), seq() - 1, seq() - 2]);
    expect(page.nextBeforeSeq).toBe(page.events[2]!.seq);
    for (const e of page.events) {
      expect(e).toEqual(
        expect.objectContaining({
          type: expect.any(String),
          at: expect.any(Number),
          prev: expect.any(String),
          hash: expect.any(String),
        }),
      );
    }
  });

  it('paging with beforeSeq = nextBeforeSeq walks the whole journal, no gap, no duplicate', async () => {
    const top = seq();
    const seen: number[] = [];
    let url = '/events?limit=4';
    for (let pages = 0; pages < 100; pages++) {
      const page = (await api('GET', url, as.facilities)).json() as {
        events: JournalEvent[];
        nextBeforeSeq?: number;
      };
      expect(page.events.length).toBeLessThanOrEqual(4);
      seen.push(...page.events.map((e) => e.seq));
      if (page.nextBeforeSeq === undefined) break;
      url = `/events?limit=4&beforeSeq=${page.nextBeforeSeq}`;
    }
    expect(seen).toEqual(Array.from({ length: top }, (_, i) => top - i));
  });

  it('the default limit is 50', async () => {
    const page = (await api('GET', '/events', as.admin)).json();
    expect(page.events).toHaveLength(Math.min(50, seq()));
  });

  it('filters by type (one, or a comma-separated list), paging within the filter', async () => {
    const unlocked = (await api('GET', '/events?type=door.unlocked&limit=500', as.admin)).json()
      .events as JournalEvent[];
    expect(unlocked.length).toBeGreaterThanOrEqual(4);
    expect(unlocked.every((e) => e.type === 'door.unlocked')).toBe(true);

    const first = (await api('GET', '/events?type=door.unlocked&limit=2', as.admin)).json();
    expect(first.events.map((e: JournalEvent) => e.seq)).toEqual(unlocked.slice(0, 2).map((e) => e.seq));
    const second = (
      await api('GET', `/events?type=door.unlocked&limit=2&beforeSeq=${first.nextBeforeSeq}`, as.admin)
    ).json();
    expect(second.events.map((e: JournalEvent) => e.seq)).toEqual(unlocked.slice(2, 4).map((e) => e.seq));

    const both = (await api('GET', '/events?type=door.unlocked,access.denied&limit=500', as.admin)).json()
      .events as JournalEvent[];
    expect(new Set(both.map((e) => e.type))).toEqual(new Set(['door.unlocked', 'access.denied']));
    expect(both.filter((e) => e.type === 'access.denied').length).toBeGreaterThanOrEqual(4);
    const denied = both.find((e) => e.type === 'access.denied')!;
    expect(denied.payload).toMatchObject({ readerId: 'pintu-utama-in', reason: 'unknown_badge' });
    expect(denied.actor).toEqual({ kind: 'device', id: 'pintu-utama-in' });

    expect((await api('GET', '/events?type=no.such.type', as.admin)).json()).toEqual({ events: [] });
  });

  it('an unlock is journaled with the user who asked', async () => {
    const me = (await api('GET', '/auth/me', as.facilities)).json();
    const [e] = (await api('GET', '/events?type=door.unlocked&limit=1', as.admin)).json().events;
    expect(e.actor).toEqual({ kind: 'user', id: me.actor.id, role: 'facilities' });
    expect(e.payload).toEqual({ doorId: 'ruang-kabag', ms: 100 });
  });

  it.each([
    ['/events?limit=0', 'limit'],
    ['/events?limit=501', 'limit'],
    ['/events?limit=many', 'limit'],
    ['/events?beforeSeq=0', 'beforeSeq'],
    ['/events?beforeSeq=1.5', 'beforeSeq'],
    [`/events?type=${'x'.repeat(201)}`, 'type'],
    ['/events?afterSeq=3', 'afterSeq'],
  ])('400 for %s names the field', async (url, field) => {
    const before = seq();
    expect400(await api('GET', url, as.admin), field);
    expect(seq()).toBe(before);
  });
});

// ------------------------------------------------------------------ GET /events/stream

describe('GET /events/stream (SSE on a listening server)', () => {
  it('401 without a cookie, 403 for a host', async () => {
    const anon = await fetch(`${base}/api/v1/events/stream`);
    expect(anon.status).toBe(401);
    const host = await fetch(`${base}/api/v1/events/stream`, { headers: { cookie: as.host } });
    expect(host.status).toBe(403);
  });

  it('streams live journal entries: a tap is seen as event: access.denied', async () => {
    const s = await openStream(as.security);
    expect(s.status).toBe(200);
    expect(s.contentType).toContain('text/event-stream');
    const res = await deniedTap();
    expect(res.json()).toMatchObject({ granted: false, reason: 'unknown_badge' });
    const events = await s.until((es) => es.some((e) => e.event === 'access.denied'));
    const e = events.find((x) => x.event === 'access.denied')!;
    expect(e.id).toBe(e.data!.seq);
    expect(e.data).toMatchObject({
      type: 'access.denied',
      payload: { readerId: 'pintu-utama-in', reason: 'unknown_badge' },
    });
    expect(s.retry).toBe(2000);
    s.close();
  });

  it('resumes after Last-Event-ID: the missed entries in order, then live ones, no duplicates', async () => {
    const a = await openStream(as.admin);
    await deniedTap();
    const seen = await a.until((es) => es.length >= 1);
    const lastId = seen.at(-1)!.id!;
    a.close();

    // Missed while disconnected.
    await unlock();
    await deniedTap();
    await unlock();
    await settled();
    const missedTo = seq();
    expect(missedTo).toBeGreaterThanOrEqual(lastId + 3);

    const b = await openStream(as.admin, { lastEventId: lastId });
    await b.until((es) => es.some((e) => e.id === missedTo));
    // And live after the replay.
    await deniedTap();
    const all = await b.until((es) => es.some((e) => e.id === missedTo + 1));
    const ids = all.map((e) => e.id!);
    expect(ids).toEqual(Array.from({ length: missedTo + 1 - lastId }, (_, i) => lastId + 1 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.map((e) => e.event)).toEqual(all.map((e) => e.data!.type));
    expect(all.filter((e) => e.event === 'door.unlocked')).toHaveLength(2);
    // Nothing more arrives (no duplicate sent late): a later event is the sentinel.
    await deniedTap();
    await settled();
    const sentinel = seq();
    await b.until((es) => es.some((e) => e.id === sentinel));
    expect(b.events.map((e) => e.id)).toEqual([...ids, sentinel]);
    b.close();
  });

  it('replays and follows only the requested types', async () => {
    const from = seq();
    await unlock();
    await deniedTap();
    await settled();
    const s = await openStream(as.facilities, { lastEventId: from, type: 'door.unlocked' });
    await unlock();
    await deniedTap();
    const events = await s.until((es) => es.length >= 2);
    // The sentinel: a later unlock; the denied tap before it would have come first.
    await unlock();
    const sentinel = seq();
    await s.until((es) => es.some((e) => e.id === sentinel));
    expect(s.events).toHaveLength(3);
    expect(s.events.every((e) => e.event === 'door.unlocked')).toBe(true);
    expect(s.events[0]!.id!).toBeLessThan(events[1]!.id!);
    s.close();
  });

  it('without Last-Event-ID nothing old is replayed', async () => {
    const top = seq();
    const s = await openStream(as.receptionist);
    await deniedTap();
    const events = await s.until((es) => es.length >= 1);
    expect(events.every((e) => e.id! > top)).toBe(true);
    s.close();
  });
});

// ------------------------------------------------------------------ reports

describe('GET /reports/monthly', () => {
  beforeAll(async () => {
    const r = await api('POST', '/visits', as.receptionist, {
      guest: { name: 'Yusuf Maulana', institution: 'Dispendik' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    });
    expect(r.statusCode).toBe(201);
  });

  it('JSON: the recap of the month', async () => {
    const res = await api('GET', '/reports/monthly?month=2026-11', as.admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const r = res.json();
    expect(r).toMatchObject({ month: '2026-11', timezone: 'Asia/Jakarta' });
    expect(r.totals.visits).toBe(1);
    expect(r.byHost).toEqual([expect.objectContaining({ key: 'kabag-umum', count: 1 })]);
  });

  it('a month without any journal is an empty recap', async () => {
    const r = (await api('GET', '/reports/monthly?month=2025-01&format=json', as.receptionist)).json();
    expect(r.month).toBe('2025-01');
    expect(r.totals.visits).toBe(0);
  });

  it('CSV: text/csv with a UTF-8 BOM, as an attachment, in Bahasa Indonesia by default', async () => {
    const res = await api('GET', '/reports/monthly?month=2026-11&format=csv', as.receptionist);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="rekap-kunjungan-2026-11.csv"');
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(
      res.body.replace(/^\uFEFF/, '').startsWith('Rekapitulasi Kunjungan Tamu Biro Umum - November 2026'),
    ).toBe(true);
    expect(res.body).toContain('\r\n');
  });

  it('CSV in English with lang=en', async () => {
    const res = await api('GET', '/reports/monthly?month=2026-11&format=csv&lang=en', as.admin);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Guest Visit Recap, Biro Umum');
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it.each([
    ['/reports/monthly', 'month'],
    ['/reports/monthly?month=2026-13', 'month'],
    ['/reports/monthly?month=2026-1', 'month'],
    ['/reports/monthly?month=November', 'month'],
    ['/reports/monthly?month=2026-11&format=docx', 'format'],
    ['/reports/monthly?month=2026-11&lang=fr', 'lang'],
    ['/reports/monthly?month=2026-11&unit=umum', 'unit'],
  ])('400 for %s names the field', async (url, field) => {
    const before = seq();
    const res = await api('GET', url, as.admin);
    expect400(res, field);
    expect(res.json().error).toBe('bad_request');
    expect(seq()).toBe(before);
  });
});

describe('GET /reports/yearly', () => {
  it('JSON: the twelve months added up, one row per month', async () => {
    const monthly = (await api('GET', '/reports/monthly?month=2026-11', as.admin)).json();
    const res = await api('GET', '/reports/yearly?year=2026', as.receptionist);
    expect(res.statusCode).toBe(200);
    const y = res.json();
    expect(y).toMatchObject({ year: '2026', timezone: 'Asia/Jakarta' });
    expect(y.byMonth.map((m: { month: string }) => m.month)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    );
    expect(y.byMonth[10].totals).toEqual(monthly.totals);
    expect(y.totals.visits).toBe(monthly.totals.visits);
    expect(y.byHost).toEqual(monthly.byHost);
  });

  it('CSV: an attachment named for the year, in English with lang=en', async () => {
    const res = await api('GET', '/reports/yearly?year=2026&format=csv', as.admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="rekap-kunjungan-2026.csv"');
    expect(
      res.body.replace(/^\uFEFF/, '').startsWith('Rekapitulasi Tahunan Kunjungan Tamu Biro Umum 2026'),
    ).toBe(true);
    const en = await api('GET', '/reports/yearly?year=2026&format=csv&lang=en', as.admin);
    expect(en.body).toContain('\r\nNovember 2026,');
  });

  it.each([
    ['/reports/yearly', 'year'],
    ['/reports/yearly?year=26', 'year'],
    ['/reports/yearly?year=1969', 'year'],
    ['/reports/yearly?year=2026-11', 'year'],
    ['/reports/yearly?year=2026&format=pdf', 'format'],
    ['/reports/yearly?year=2026&month=2026-11', 'month'],
  ])('400 for %s names the field', async (url, field) => {
    const before = seq();
    const res = await api('GET', url, as.admin);
    expect400(res, field);
    expect(seq()).toBe(before);
  });
});
