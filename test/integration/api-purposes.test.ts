// Purpose categories through the HTTP API (fastify.inject): the panel's bootstrap lists them;
// an arrival stores its category beside the free text, an unknown one is a 400 naming the
// field; the desk application's sync may send one (or none); the monthly recap counts per
// category (JSON in both languages, CSV, XLSX, PDF), visits without one under Lainnya / Other;
// the guest book's register writes the category before the purpose.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const poppler = requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext'));

const TZ = 'Asia/Jakarta';

describe('purpose categories over the API', () => {
  let t: TestGateway;
  let desk: string;
  beforeAll(async () => {
    t = await startTestGateway({ now: zonedTimeToEpoch('2026-11-30', '08:00', TZ) });
    desk = await t.login('receptionist');
  });
  afterAll(async () => t?.close());

  const arrive = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/v1/visits', headers: { cookie: desk }, payload });
  const guest = (name: string) => ({ name, institution: 'Dinas Kominfo Kab. Sidoarjo' });

  it('lists the configured categories in the panel bootstrap', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/panel/bootstrap',
      headers: { cookie: desk },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().purposes).toEqual(t.config.visits.purposes);
    expect(res.json().purposes.map((p: { id: string }) => p.id)).toEqual([
      'koordinasi',
      'rapat',
      'audiensi',
      'pengantaran',
      'konsultasi',
      'lainnya',
    ]);
  });

  it('stores the category of an arrival beside the free text', async () => {
    const res = await arrive({
      guest: guest('Siti Rahayu'),
      purpose: 'Rapat persiapan Hari Jadi Provinsi',
      purposeCategory: 'rapat',
      hostId: 'kabag-umum',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      purpose: 'Rapat persiapan Hari Jadi Provinsi',
      purposeCategory: 'rapat',
    });
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/visits/${res.json().id}`,
      headers: { cookie: desk },
    });
    expect(read.json().purposeCategory).toBe('rapat');
  });

  it('refuses an unknown category with a 400 naming the field, and stores nothing', async () => {
    const before = t.gateway.visits.list().length;
    const res = await arrive({
      guest: guest('Budi Santoso'),
      purpose: 'Menawarkan barang',
      purposeCategory: 'penjualan',
      hostId: 'kabag-umum',
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid', field: 'purposeCategory' });
    expect(t.gateway.visits.list()).toHaveLength(before);
  });

  it('takes an arrival without a category (the desk application, older clients)', async () => {
    const res = await arrive({ guest: guest('Cici Paramida'), purpose: 'Penelitian', hostId: 'kabag-umum' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().purposeCategory).toBeUndefined();
  });

  it("accepts a category in the desk application's sync, and refuses an unknown one for that item", async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/sync/visits',
      headers: { cookie: desk },
      payload: {
        visits: [
          {
            externalId: 'MEJA-1',
            guest: guest('Dedi Kurnia'),
            purpose: 'Mengantar surat undangan',
            purposeCategory: 'pengantaran',
            hostId: 'kabag-umum',
            status: 'awaiting_host',
          },
          {
            externalId: 'MEJA-2',
            guest: guest('Eka Putri'),
            purpose: 'Tanpa kategori',
            purposeCategory: 'tidak-ada',
            hostId: 'kabag-umum',
            status: 'awaiting_host',
          },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(207);
    const [ok, bad] = res.json().results;
    expect(ok).toMatchObject({ externalId: 'MEJA-1', status: 200 });
    expect(bad).toMatchObject({ externalId: 'MEJA-2', status: 400, error: { field: 'purposeCategory' } });
    const v = t.gateway.visits.get(ok.visitId);
    expect(v?.purposeCategory).toBe('pengantaran');
  });

  it('counts the recap per category; a visit without one under Lainnya / Other', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/monthly?month=2026-11',
      headers: { cookie: desk },
    });
    expect(res.statusCode, res.body).toBe(200);
    const byPurpose = res.json().byPurpose as Array<{ key: string; label: string; count: number }>;
    expect(byPurpose.map(({ key, label, count }) => ({ key, label, count }))).toEqual([
      { key: 'lainnya', label: 'Lainnya', count: 1 },
      { key: 'pengantaran', label: 'Pengantaran surat/dokumen', count: 1 },
      { key: 'rapat', label: 'Rapat', count: 1 },
    ]);
    const en = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/monthly?month=2026-11&lang=en',
      headers: { cookie: desk },
    });
    // The same order (count, then the Indonesian name) in either language.
    expect(en.json().byPurpose.map((p: { label: string }) => p.label)).toEqual([
      'Other',
      'Letter/document delivery',
      'Meeting',
    ]);
    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/monthly?month=2026-11&format=csv',
      headers: { cookie: desk },
    });
    expect(csv.body).toContain('Pengantaran surat/dokumen,1');
    expect(csv.body).not.toContain('Rapat persiapan Hari Jadi');
  });

  it('counts per category in the XLSX and the PDF too', async () => {
    const get = (format: string, lang = 'id') =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/reports/monthly?month=2026-11&format=${format}&lang=${lang}`,
        headers: { cookie: desk },
      });
    const xlsx = await get('xlsx', 'en');
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ExcelJS.Buffer);
    const cells: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => cells.push(JSON.stringify(row.values))));
    expect(cells.join('\n')).toContain('"Letter/document delivery",1');
    expect(cells.join('\n')).not.toContain('Rapat persiapan Hari Jadi');
    if (!poppler) return;
    const pdf = await get('pdf');
    expect(pdf.statusCode).toBe(200);
    const dir = await mkdtemp(join(tmpdir(), 'pintu-purposes-'));
    try {
      const file = join(dir, 'rekap.pdf');
      await writeFile(file, pdf.rawPayload);
      const { stdout } = await run('pdftotext', ['-layout', file, '-']);
      expect(stdout).toMatch(/Pengantaran surat\/dokumen\s+1\b/);
      expect(stdout).not.toContain('Rapat persiapan Hari Jadi');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("writes the category before the purpose in the guest book's register", async () => {
    const get = (format: string, lang = 'id') =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/reports/register?day=2026-11-30&format=${format}&lang=${lang}`,
        headers: { cookie: desk },
      });
    const json = await get('json');
    expect(json.statusCode, json.body).toBe(200);
    const rows = json.json().rows as Array<{ guest: string; purposeCategory: { id: string } | null }>;
    expect(rows.find((r) => r.guest === 'Siti Rahayu')?.purposeCategory).toMatchObject({ id: 'rapat' });
    expect(rows.find((r) => r.guest === 'Cici Paramida')?.purposeCategory).toBeNull();
    const csv = (await get('csv')).body;
    expect(csv).toContain('Rapat: Rapat persiapan Hari Jadi Provinsi');
    // Without a category, the purpose as it was typed.
    expect(csv).toContain(',Penelitian,');
    expect((await get('csv', 'en')).body).toContain('Meeting: Rapat persiapan Hari Jadi Provinsi');
  });
});
