// The guest-book register's issue-14 columns through the HTTP API (fastify.inject): an expected
// guest (an appointment turned into an arrival) and a walk-in, a group (leader and members), a
// guest let into an escort door by an escort's card, a no-show, and a survey answer; the JSON
// rows and summary, the CSV columns, and the roles that may read it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestRegister } from '../../src/domain/register.js';
import { SURVEY_ELEMENT_IDS } from '../../src/domain/survey.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import type { Role } from '../../src/domain/types.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const poppler = requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext'));

const TZ = 'Asia/Jakarta';
const DAY = '2026-11-30';
const DOOR = 'ruang-kabag';

describe('register: appointments, groups, escorts and the IKM over the API', () => {
  let t: TestGateway;
  let desk: string;
  let code: string;
  let noShow: string;
  const at = (hhmm: string) => {
    t.clock.now = zonedTimeToEpoch(DAY, hhmm, TZ);
  };
  const actor = { kind: 'system' as const, id: 'test' };

  beforeAll(async () => {
    t = await startTestGateway({
      now: zonedTimeToEpoch(DAY, '07:00', TZ),
      env: { PINTU_CONFIG_DOORS__1__ESCORT: 'required' },
    });
    desk = await t.login('receptionist');
    const g = t.gateway;
    const book = async (name: string, from: string, until: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/appointments',
        headers: { cookie: desk },
        payload: {
          guest: { name, institution: 'Bappeda' },
          hostId: 'kabag-umum',
          date: DAY,
          from,
          until,
          purposeCategory: 'rapat',
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    code = await book('Rina Terjadwal', '08:00', '09:00');
    noShow = await book('Tono Absen', '08:00', '09:00');
    await book('Wati Nanti', '15:00', '16:00');

    at('08:10');
    const arrival = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appointments/${code}/arrival`,
      headers: { cookie: desk },
      payload: {},
    });
    expect(arrival.statusCode, arrival.body).toBe(201);

    // A walk-in, badged, let into the escort door by an escort's card 3 minutes after the badge.
    at('09:00');
    const escort = await g.escorts.enrol({ name: 'Ani Staf Protokol', uid: '04E5C0A7000001' }, actor);
    const v = await g.visits.arrive(
      { guest: { name: 'Joko Jalan', institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
      actor,
    );
    await g.visits.screen(v.id, { passed: true }, actor);
    await g.visits.guestbook(v.id, {}, actor);
    await g.visits.decide(v.id, { outcome: 'accepted', rooms: [DOOR] }, actor);
    at('09:02');
    await g.visits.issueBadge(
      v.id,
      { badge: 'TAMU-01', collateral: { type: 'ktp', number: '3578014107900001' } },
      actor,
    );
    at('09:05');
    const badge = [...g.core.state.badges.values()].find((b) => b.label === 'TAMU-01');
    const guestTap = g.access.simulate(`${DOOR}-in`, 'nfc', badge?.uid ?? '');
    if (guestTap.kind !== 'door') throw new Error(guestTap.kind);
    await guestTap.recorded;
    const escortTap = g.access.simulate(`${DOOR}-in`, 'nfc', escort.uid);
    if (escortTap.kind !== 'door') throw new Error(escortTap.kind);
    await escortTap.recorded;

    // A group of three.
    at('10:00');
    await g.groups.arrive(
      {
        leader: { name: 'Pak Ketua' },
        members: [{ name: 'Anggota Satu' }, { name: 'Anggota Dua' }],
        institution: 'Pemkab Malang',
        purpose: 'Studi banding',
        hostId: 'kabag-umum',
      },
      actor,
    );

    // One survey answer (anonymous): all 4 but one element 3.
    const token = g.survey.tokenFor(v.id).token;
    const ratings = Object.fromEntries(SURVEY_ELEMENT_IDS.map((id, i) => [id, i === 0 ? 3 : 4]));
    await g.survey.answer(token, { ratings });
    at('12:00');
  });
  afterAll(() => t?.close());

  const get = (url: string, cookie = desk) =>
    t.app.inject({ method: 'GET', url: `/api/v1/reports/register${url}`, headers: { cookie } });

  it('shows per guest the appointment or walk-in, the group and the escort', async () => {
    const res = await get(`?day=${DAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as GuestRegister;
    expect(r.rows.map((row) => [row.guest, row.appointment, row.group?.persons ?? null])).toEqual([
      ['Rina Terjadwal', code, null],
      ['Joko Jalan', null, null],
      ['Pak Ketua', null, 3],
      ['Anggota Satu', null, 3],
      ['Anggota Dua', null, 3],
    ]);
    expect(r.rows[3]?.group).toMatchObject({ name: 'Pemkab Malang', leader: false, leaderName: 'Pak Ketua' });
    expect(r.rows[1]?.escort).toEqual({
      name: 'Ani Staf Protokol',
      at: zonedTimeToEpoch(DAY, '09:05', TZ),
      minutes: 3,
    });
    expect(r.rows.filter((row) => row.escort !== null)).toHaveLength(1);
  });

  it("summarises expected, walk-in, no-shows, groups, escorted and the day's IKM", async () => {
    const r = (await get(`?day=${DAY}`)).json() as GuestRegister;
    expect(r.summary).toEqual({
      visits: 5,
      expected: 1,
      walkIn: 4,
      // Tono's window ended at 09:00 without him; Wati's (15:00-16:00) is not over at noon.
      noShows: 1,
      groups: 1,
      groupPersons: 3,
      escorted: 1,
      survey: {
        respondents: 1,
        ikm: 97.22,
        category: { grade: 'A', name: 'Sangat Baik', nameEn: 'Very good' },
      },
    });
    expect(JSON.stringify(r)).not.toContain(noShow);
    const month = (await get('?month=2026-11')).json() as GuestRegister;
    expect(month.summary).toMatchObject({ noShows: 1, expected: 1, survey: { respondents: 1 } });
    // Another day: none of it.
    const other = (await get('?day=2026-11-29')).json() as GuestRegister;
    expect(other.summary).toMatchObject({ visits: 0, noShows: 0, survey: { respondents: 0, ikm: null } });
  });

  it('exports the three columns in the CSV', async () => {
    const res = await get(`?day=${DAY}&format=csv&lang=en`);
    expect(res.statusCode).toBe(200);
    const lines = res.body.slice(1).split('\r\n');
    expect(lines[0]?.endsWith(',Came,Group,Escort')).toBe(true);
    expect(lines[1]).toContain(code);
    expect(lines[2]).toContain('Walk-in,,"Ani Staf Protokol, 3 min"');
    expect(lines[3]).toContain('"(leader) Pemkab Malang, leader: Pak Ketua (3 persons)"');
    expect(lines[4]).toContain('Walk-in,"Pemkab Malang, leader: Pak Ketua (3 persons)",');
  });

  it('prints the columns and the summary in the workbook', async () => {
    const res = await get(`?day=${DAY}&format=xlsx`);
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    const texts: string[] = [];
    wb.getWorksheet('Buku tamu')?.eachRow((row) => {
      row.eachCell((cell) => {
        texts.push(String(cell.value));
      });
    });
    for (const want of ['Kedatangan', 'Pendamping', 'Ani Staf Protokol, 3 menit', code]) {
      expect(texts).toContain(want);
    }
    expect(texts).toContain('Tidak datang: 1');
    expect(texts).toContain('IKM: 97,22 (A, Sangat Baik), 1 responden');
  });

  it.skipIf(!poppler)(
    'prints them in the PDF: one column for the three, the summary under the rows',
    async () => {
      const res = await get(`?day=${DAY}&format=pdf`);
      expect(res.statusCode).toBe(200);
      const dir = await mkdtemp(join(tmpdir(), 'pintu-register-'));
      try {
        const file = join(dir, 'register.pdf');
        await writeFile(file, res.rawPayload);
        const { stdout } = await run('pdftotext', ['-layout', file, '-']);
        for (const want of [
          'Pendamping',
          'Ani Staf',
          'Tanpa janji',
          code,
          'Pemkab Malang',
          'Tidak datang: 1',
        ]) {
          expect(stdout).toContain(want);
        }
        expect(stdout).toContain('IKM: 97,22 (A, Sangat Baik), 1 responden');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('is for the desk and the admin only', async () => {
    const want: Record<Role, number> = {
      admin: 200,
      receptionist: 200,
      security: 403,
      host: 403,
      facilities: 403,
    };
    for (const [role, status] of Object.entries(want) as Array<[Role, number]>) {
      const res = await get(`?day=${DAY}`, await t.login(role));
      expect(res.statusCode, role).toBe(status);
    }
    expect((await get(`?day=${DAY}`, '')).statusCode).toBe(401);
  });
});
