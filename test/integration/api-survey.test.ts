// The HTTP API, area "survey" (issue 14, item 7): the desk gets a visit's one-time survey token
// (the same one when asked again); the form behind it is public and anonymous (the journal's
// answer holds no visit or guest id), takes one answer per visit, also after a restart, and
// refuses bad ratings and an ended token. Who may call each route: authz-matrix.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_ELEMENT_IDS } from '../../src/domain/survey.js';
import type { Role } from '../../src/domain/types.js';
import { expect400, TestApi } from '../support/api.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.14.7');
const DAY = 86_400_000;

const all = (v: number) => Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, v]));

async function visit(): Promise<string> {
  const res = await post(as.receptionist, '/visits', {
    guest: { name: 'Rina Marlina', institution: 'Dinas Kominfo', phone: '0812 3456 7890' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function tokenOf(visitId: string): Promise<{ token: string; path: string; until: number }> {
  const res = await post(as.receptionist, `/visits/${visitId}/survey-token`);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ['admin', 'receptionist'] as const) as[role] = await loginAs(role);
});
afterAll(async () => t?.close());

describe('the token', () => {
  it('is the same for the same visit, another for another, and ends survey.tokenDays after arrival', async () => {
    const a = await visit();
    const first = await tokenOf(a);
    expect(first.path).toBe(`/#/survey/${first.token}`);
    expect(first.until).toBe(t.gateway.core.state.visits.get(a)!.createdAt + 7 * DAY);
    expect((await tokenOf(a)).token).toBe(first.token);
    expect((await tokenOf(await visit())).token).not.toBe(first.token);
    expect((await post(as.receptionist, '/visits/nope/survey-token')).statusCode).toBe(404);
  });
});

describe('the form', () => {
  it('opens without a login and lists the nine elements', async () => {
    const { token, until } = await tokenOf(await visit());
    const res = await api('GET', `/survey/${token}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().elements.map((e: { id: string }) => e.id)).toEqual(SURVEY_ELEMENT_IDS);
    expect(res.json()).toMatchObject({ until, saranMaxChars: 500 });
  });

  it('refuses a forged or altered token, and writes nothing', async () => {
    const { token } = await tokenOf(await visit());
    const [key, end, mac] = token.split('.') as [string, string, string];
    const before = seq();
    for (const bad of [
      `${key}.${(Number.parseInt(end, 36) + DAY).toString(36)}.${mac}`, // a later end
      `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}.${end}.${mac}`, // another visit's key
      'abc.def.ghi',
      'nothing',
    ]) {
      expect((await api('GET', `/survey/${bad}`)).statusCode).toBe(404);
      expect((await api('POST', `/survey/${bad}`, undefined, { ratings: all(4) })).statusCode).toBe(404);
    }
    expect(seq()).toBe(before);
  });

  it('takes one anonymous answer per visit; a second is refused (409 answered)', async () => {
    const visitId = await visit();
    const { token } = await tokenOf(visitId);
    const res = await api('POST', `/survey/${token}`, undefined, {
      ratings: all(3),
      saran: ' Ruang tunggu dingin ',
    });
    expect(res.statusCode, res.body).toBe(204);
    const entry = (await api('GET', '/events?limit=1&type=survey.', as.admin)).json().events[0];
    expect(entry.type).toBe('survey.answered');
    // The saran itself is in the saran file, by retention (survey-saran.test.ts): only its fact here.
    expect(entry.payload).toMatchObject({ ratings: all(3), saranRef: { month: '2026-11' } });
    expect(entry.payload.saran).toBeUndefined();
    // Anonymous: nothing in the entry names the visit or the guest.
    const text = JSON.stringify(entry);
    expect(text).not.toContain(visitId);
    expect(text).not.toContain(t.gateway.core.state.visits.get(visitId)!.guestId);
    expect(entry.actor).toEqual({ kind: 'system', id: 'survey' });
    // The key that spent the token is not shown either.
    expect(entry.payload.key).toBeUndefined();

    const before = seq();
    const again = await api('POST', `/survey/${token}`, undefined, { ratings: all(1) });
    expect(again.statusCode).toBe(409);
    expect(again.json().state).toBe('answered');
    expect((await api('GET', `/survey/${token}`)).json().state).toBe('answered');
    expect(seq()).toBe(before);
  });

  it('two answers racing with one token: exactly one is written', async () => {
    const { token } = await tokenOf(await visit());
    const before = seq();
    const codes = (
      await Promise.all([1, 2, 3].map(() => api('POST', `/survey/${token}`, undefined, { ratings: all(4) })))
    ).map((r) => r.statusCode);
    expect(codes.sort()).toEqual([204, 409, 409]);
    expect(seq()).toBe(before + 1);
  });

  it('refuses a missing or out-of-range rating, an unknown element and a long saran', async () => {
    const { token } = await tokenOf(await visit());
    const before = seq();
    const { sarana: _, ...eight } = all(3);
    for (const body of [
      { ratings: eight },
      { ratings: { ...all(3), waktu: 5 } },
      { ratings: { ...all(3), waktu: 0 } },
      { ratings: { ...all(3), parkir: 4 } },
      { ratings: all(3), extra: 1 },
    ]) {
      expect((await api('POST', `/survey/${token}`, undefined, body)).statusCode).toBe(400);
    }
    expect400(
      await api('POST', `/survey/${token}`, undefined, { ratings: all(3), saran: 'x'.repeat(501) }),
      'saran',
    );
    expect(seq()).toBe(before);
    // Still unanswered: the refusals spent nothing.
    expect((await api('POST', `/survey/${token}`, undefined, { ratings: all(3) })).statusCode).toBe(204);
  });
});

describe('the end of a token, and a restart', () => {
  it('an answered token stays spent after a restart; an ended one is refused (409 ended)', async () => {
    const answered = await tokenOf(await visit());
    expect((await api('POST', `/survey/${answered.token}`, undefined, { ratings: all(2) })).statusCode).toBe(
      204,
    );
    const open = await tokenOf(await visit());
    const dir = t.dir;
    await t.app.close();
    await t.gateway.close();
    t = await startTestGateway({ dir, now: MONDAY_9AM });
    const again = await api('POST', `/survey/${answered.token}`, undefined, { ratings: all(4) });
    expect(again.statusCode).toBe(409);
    expect(again.json().state).toBe('answered');

    t.clock.now = open.until;
    const ended = await api('POST', `/survey/${open.token}`, undefined, { ratings: all(4) });
    expect(ended.statusCode).toBe(409);
    expect(ended.json().state).toBe('ended');
    // Past its end, the spent key leaves the saved state at the next save.
    await t.gateway.core.saveNow();
    expect(Object.keys(t.gateway.core.state.toPersisted().surveys ?? {})).toEqual([]);
  });
});

describe('the report', () => {
  it("carries the month's and the year's IKM per element, category, respondents and saran", async () => {
    // The answers above, all on 2026-11-30: all 3 (with a saran), all 4, all 3, all 2. Every
    // element: total 12 over 4 respondents, NRR 3.00; IKM = 25 x 108 / 36 = 75.00: C, Kurang Baik.
    const desk = await loginAs('receptionist');
    for (const period of ['2026-11', '2026']) {
      const res = await api('GET', `/reports/survey?period=${period}`, desk);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        period,
        respondents: 4,
        result: { ikm: 75, index: 3, category: { grade: 'C', name: 'Kurang Baik' } },
        saran: ['Ruang tunggu dingin'],
      });
      expect(res.json().result.elements).toHaveLength(9);
    }
    const csv = await api('GET', '/reports/survey?period=2026-11&format=csv', desk);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-disposition']).toContain('survei-kepuasan-2026-11.csv');
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines).toContain('No,Unsur pelayanan,Jumlah nilai,NRR per unsur,NRR tertimbang (x 1/9)');
    expect(lines).toContain('U1,Persyaratan,12,3,0.333');
    expect(lines).toContain('U9,Sarana dan prasarana,12,3,0.333');
    expect(lines).toContain('IKM (konversi x 25),,,,75');
    expect(lines).toContain('Mutu pelayanan,,,,C');
    expect(lines).toContain('Kinerja unit pelayanan,,,,Kurang Baik');
    expect(lines).toContain('Jumlah responden,,,,4');
    expect(lines).toContain('1,Ruang tunggu dingin');
    // The monthly and yearly recaps (JSON) carry the same survey.
    const monthly = (await api('GET', '/reports/monthly?month=2026-11&format=json', desk)).json();
    expect(monthly.survey).toMatchObject({ period: '2026-11', respondents: 4, result: { ikm: 75 } });
    const yearly = (await api('GET', '/reports/yearly?year=2026', desk)).json();
    expect(yearly.survey).toMatchObject({ period: '2026', respondents: 4, saran: ['Ruang tunggu dingin'] });
    // A month without answers says so, with no index.
    const empty = (await api('GET', '/reports/survey?period=2026-10', desk)).json();
    expect(empty).toEqual({ period: '2026-10', respondents: 0, saran: [] });
    expect((await api('GET', '/reports/survey?period=2026-13', desk)).statusCode).toBe(400);
  });
});
