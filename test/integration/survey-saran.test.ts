// Issue 14: a survey's suggestion (saran) is free text a guest typed, and may name someone; the
// append-only journal cannot erase it. The saran lives in a month file shaped by retention
// (retention.saranDays) and the journal keeps only the fact of it; a saran that an older
// journal entry still carries is read, and hidden from the recaps past its retention too.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_ELEMENT_IDS, type SurveyElementId, type SurveyRating } from '../../src/domain/survey.js';
import { TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let desk: string;
const { loginAs, api, post } = new TestApi(() => t, '10.14.8');
const DAY = 86_400_000;
const all = (v: SurveyRating) =>
  Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, v])) as Record<SurveyElementId, SurveyRating>;

/** Every file under the data folder, with its bytes. */
async function files(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const name = join(e.parentPath, e.name);
      out.push({ name, bytes: await readFile(name) });
    }
  }
  return out;
}

/** A period's survey report; a fresh login, as the clock moves past a session's life here. */
async function report(period: string) {
  return (await api('GET', `/reports/survey?period=${period}`, await loginAs('receptionist'))).json();
}

async function answer(saran: string): Promise<void> {
  const arrival = await post(desk, '/visits', {
    guest: { name: 'Rina Marlina', institution: 'Dinas Kominfo', phone: '0812 3456 7890' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
  });
  expect(arrival.statusCode, arrival.body).toBe(201);
  const { token } = (await post(desk, `/visits/${arrival.json().id}/survey-token`)).json();
  const res = await api('POST', `/survey/${token}`, undefined, { ratings: all(3), saran });
  expect(res.statusCode, res.body).toBe(204);
}

beforeAll(async () => {
  t = await startTestGateway({ env: { PINTU_CONFIG_RETENTION__SARAN_DAYS: '30' } });
  desk = await loginAs('receptionist');
});
afterAll(async () => t?.close());

describe('a saran', () => {
  it('is not in the journal, is in the recap, and is gone from every file after its retention', async () => {
    const saran = 'Pak Budi di loket 3 kurang ramah, HP saya 0811-2222-333';
    await answer(saran);
    const journal = await files(join(t.dir, 'journal'));
    expect(journal.length).toBeGreaterThan(0);
    for (const f of journal) expect(f.bytes.includes(saran), f.name).toBe(false);
    const entry = (await api('GET', '/events?limit=1&type=survey.', await loginAs('admin'))).json().events[0];
    expect(entry.payload.saran).toBeUndefined();
    expect(entry.payload.ratings).toEqual(all(3));

    const recap = await report('2026-11');
    expect(recap.saran).toEqual([saran]);

    // 31 days on, the daily sweep (run here as the gateway's timer runs it) erases it.
    t.clock.now += 31 * DAY;
    await t.gateway.survey.sweep();
    for (const f of await files(t.dir)) expect(f.bytes.includes(saran), f.name).toBe(false);
    const after = await report('2026-11');
    expect(after).toMatchObject({ respondents: 1, saran: [] });
  });

  it('an older journal entry that carries its saran is read, and hidden past retention', async () => {
    // As the gateway wrote answers before the saran file existed.
    const at = t.clock.now;
    await t.gateway.core.record(
      {
        type: 'survey.answered',
        payload: { key: 'legacy-key', until: at + 7 * DAY, ratings: all(4), saran: 'Toilet bersih' },
      },
      { kind: 'system', id: 'survey' },
    );
    const month = t.gateway.core.monthOf(at);
    const recap = await report(month);
    expect(recap).toMatchObject({ respondents: 1, saran: ['Toilet bersih'] });
    t.clock.now += 31 * DAY;
    const later = await report(month);
    expect(later).toMatchObject({ respondents: 1, saran: [] });
  });
});
