// The guest-book register through the HTTP API (fastify.inject): a day of visits made through
// the SOP routes and the desk application's sync, read back as JSON, CSV (parsed), XLSX (exceljs,
// real date cells) and PDF (pdftotext -layout and pdfinfo from poppler-utils: the letterhead,
// the column heads, the guests, landscape A4, "Halaman 1 dari 1"); the period checks; and what
// is left of the names once the visits are past retention. No format carries a document number.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestRegister } from '../../src/domain/register.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const poppler = requireLab(
  'pdftotext and pdfinfo (apt-get install -y poppler-utils)',
  existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdfinfo'),
);
const TZ = 'Asia/Jakarta';
const DOCUMENT = '3578014107900001';

/** RFC 4180 records (quoted fields, doubled quotes, CRLF), after the byte order mark. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.slice(1);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

describe('guest-book register over the API', () => {
  let t: TestGateway;
  let desk: string;
  let security: string;
  let host: string;
  let dir: string;
  beforeAll(async () => {
    t = await startTestGateway({ now: zonedTimeToEpoch('2026-11-30', '08:00', TZ) });
    desk = await t.login('receptionist');
    security = await t.login('security');
    host = await t.login('host');
    dir = await mkdtemp(join(tmpdir(), 'pintu-register-'));

    const post = async (cookie: string, url: string, payload: object) => {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    const at = (hhmm: string) => {
      t.clock.now = zonedTimeToEpoch('2026-11-30', hhmm, TZ);
    };
    const arrive = async (name: string, institution: string, purpose: string) =>
      (await post(desk, '/visits', { guest: { name, institution }, purpose, hostId: 'kabag-umum' }))
        .id as string;
    const toHost = async (id: string) => {
      await post(security, `/visits/${id}/screening`, { passed: true });
      await post(desk, `/visits/${id}/guestbook`, {});
    };

    at('08:05');
    const siti = await arrive('Siti Rahayu', 'Dinas Kominfo Kab. Sidoarjo', 'Koordinasi acara');
    await toHost(siti);
    await post(host, `/visits/${siti}/decision`, { outcome: 'accepted', rooms: ['ruang-kabag'] });
    await post(desk, `/visits/${siti}/badge`, {
      badge: 'TAMU-03',
      collateral: { type: 'ktp', number: DOCUMENT },
    });
    at('08:20');
    const budi = await arrive('Budi Santoso', 'PT Maju, Tbk', '=HYPERLINK("x")');
    await toHost(budi);
    await post(host, `/visits/${budi}/decision`, { outcome: 'refused', reason: 'rapat' });
    at('08:40');
    const cici = await arrive('Cici Paramida', 'Universitas Airlangga', 'Penelitian');
    await post(desk, `/visits/${cici}/cancel`, { reason: 'pulang' });
    at('09:00');
    const synced = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/sync/visits',
      headers: { cookie: desk },
      payload: {
        visits: [
          {
            externalId: 'MEJA-1',
            guest: { name: 'Dedi Kurnia', institution: 'Bappeda' },
            purpose: 'Rapat anggaran',
            hostId: 'kabag-umum',
            status: 'accepted',
          },
        ],
      },
    });
    expect(synced.statusCode, synced.body).toBe(200);
    at('10:15');
    await post(desk, `/visits/${siti}/checkout`, { badgeReturned: true, documentReturned: true });
    at('11:00');
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, cookie = desk) =>
    t.app.inject({ method: 'GET', url: `/api/v1/reports/register${url}`, headers: { cookie } });

  it('lists the day as rows in arrival order, with SOP outcomes, badge labels and hosts', async () => {
    const res = await get('?day=2026-11-30');
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as GuestRegister;
    expect(r.period).toEqual({ kind: 'day', day: '2026-11-30' });
    expect(r.timezone).toBe(TZ);
    expect(
      r.rows.map((row) => [row.no, row.guest, row.outcome, row.badge, row.documentType, row.synced]),
    ).toEqual([
      [1, 'Siti Rahayu', 'checked_out', 'TAMU-03', 'ktp', false],
      [2, 'Budi Santoso', 'host_refused', null, null, false],
      [3, 'Cici Paramida', 'cancelled', null, null, false],
      [4, 'Dedi Kurnia', 'inside', null, null, true],
    ]);
    expect(r.rows[0]).toMatchObject({
      date: '2026-11-30',
      timeIn: zonedTimeToEpoch('2026-11-30', '08:05', TZ),
      timeOut: zonedTimeToEpoch('2026-11-30', '10:15', TZ),
      institution: 'Dinas Kominfo Kab. Sidoarjo',
    });
    expect(r.rows[0]!.hostName).not.toBe('kabag-umum');
    expect(res.body).not.toContain('0001');
    // The month holds the same visits; another day none.
    expect((await get('?month=2026-11')).json().rows).toHaveLength(4);
    expect((await get('?day=2026-11-29')).json().rows).toEqual([]);
  });

  it('refuses a missing, doubled or impossible period', async () => {
    for (const q of [
      '',
      '?day=2026-11-30&month=2026-11',
      '?day=2026-02-30',
      '?month=2026-13',
      '?day=30-11-2026',
    ]) {
      const res = await get(q);
      expect(res.statusCode, q).toBe(400);
    }
    expect((await get('?day=2026-11-30', security)).statusCode).toBe(403);
  });

  it('exports CSV: one header row, then the rows, formulas defused', async () => {
    const res = await get('?day=2026-11-30&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('buku-tamu-2026-11-30.csv');
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual([
      'No',
      'Tanggal',
      'Jam masuk',
      'Jam keluar',
      'Nama tamu',
      'Instansi',
      'Keperluan',
      'Pihak yang ditemui',
      'Kartu tamu',
      'Dokumen identitas',
      'Keterangan',
      'Kedatangan',
      'Rombongan',
      'Pendamping',
    ]);
    expect(rows.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['1', '2026-11-30', '08:05', '10:15', 'Siti Rahayu'],
      ['2', '2026-11-30', '08:20', '08:20', 'Budi Santoso'],
      ['3', '2026-11-30', '08:40', '08:40', 'Cici Paramida'],
      ['4', '2026-11-30', '09:00', '', 'Dedi Kurnia'],
    ]);
    expect(rows[1]!.slice(8)).toEqual(['TAMU-03', 'KTP', 'Selesai bertamu', 'Tanpa janji', '', '']);
    expect(rows[2]![5]).toBe('PT Maju, Tbk');
    expect(rows[2]![6]).toBe(`'=HYPERLINK("x")`);
    expect(rows[4]![10]).toBe('Masih di dalam (dari aplikasi meja tamu)');
    expect(res.body).not.toContain('0001');
    const en = parseCsv((await get('?day=2026-11-30&format=csv&lang=en')).body);
    expect(en[0]![7]).toBe('Person visited');
    expect(en[2]![10]).toBe('Refused by the person visited');
  });

  it('exports XLSX with the letterhead, a header row and real date cells', async () => {
    const res = await get('?day=2026-11-30&format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('buku-tamu-2026-11-30.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    const ws = wb.getWorksheet('Buku tamu')!;
    expect(ws).toBeDefined();
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.getCell('A1').value).toBe('PEMERINTAH PROVINSI JAWA TIMUR');
    let head = 0;
    ws.eachRow((row, n) => {
      if (row.getCell(1).value === 'No') head = n;
    });
    expect(head).toBeGreaterThan(0);
    expect(ws.getRow(head).getCell(8).value).toBe('Pihak yang ditemui');
    const first = ws.getRow(head + 1);
    expect(first.getCell(5).value).toBe('Siti Rahayu');
    // Excel has no zones: the cells hold the Jakarta wall clock.
    expect(first.getCell(2).type).toBe(ExcelJS.ValueType.Date);
    expect(first.getCell(2).value).toEqual(new Date(Date.UTC(2026, 10, 30)));
    expect(first.getCell(3).value).toEqual(new Date(Date.UTC(2026, 10, 30, 8, 5)));
    expect(first.getCell(3).numFmt).toBe('hh:mm');
    expect(first.getCell(4).value).toEqual(new Date(Date.UTC(2026, 10, 30, 10, 15)));
    expect(ws.getRow(head + 4).getCell(4).value).toBeNull();
    expect(ws.getRow(head + 2).getCell(7).value).toBe(`'=HYPERLINK("x")`);
  });

  it.skipIf(!poppler)(
    'exports a landscape A4 PDF with the letterhead, the heads and the guests',
    async () => {
      const res = await get('?day=2026-11-30&format=pdf');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const file = join(dir, 'register.pdf');
      await writeFile(file, res.rawPayload);
      const info = (await run('pdfinfo', [file])).stdout;
      const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
      expect(size).not.toBeNull();
      expect(Number(size![1])).toBeGreaterThan(Number(size![2]));
      expect(info).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/);
      const { stdout } = await run('pdftotext', ['-layout', file, '-']);
      for (const line of [
        'PEMERINTAH PROVINSI JAWA TIMUR',
        'BIRO UMUM',
        'BUKU TAMU BIRO UMUM',
        'Tanggal 30 November 2026',
        'Dicetak: 2026-11-30 11:00 (Asia/Jakarta)',
        'Halaman 1 dari 1',
        'Siti Rahayu',
        'Budi Santoso',
        'Cici Paramida',
        'Dedi Kurnia',
        'TAMU-03',
        'Pihak yang',
        'Keterangan',
        'Instansi',
      ]) {
        expect(stdout).toContain(line);
      }
      expect(stdout).not.toContain('0001');
    },
  );

  it('past retention shows pseudonyms, never the names', async () => {
    const saved = t.clock.now;
    t.clock.now = zonedTimeToEpoch('2027-03-31', '09:00', TZ); // 121 days later; retention 90
    try {
      // The session of the morning has long expired.
      const later = await t.login('receptionist');
      const get = (url: string) =>
        t.app.inject({ method: 'GET', url: `/api/v1/reports/register${url}`, headers: { cookie: later } });
      const r = (await get('?day=2026-11-30')).json() as GuestRegister;
      expect(r.withheld).toBe(4);
      expect(r.rows.map((row) => [row.guest, row.guestAlias, row.institution])).toEqual([
        [null, 1, 'Dinas Kominfo Kab. Sidoarjo'],
        [null, 2, 'PT Maju, Tbk'],
        [null, 3, 'Universitas Airlangga'],
        [null, 4, 'Bappeda'],
      ]);
      const csv = (await get('?day=2026-11-30&format=csv')).body;
      expect(csv).toContain('Tamu 1');
      for (const name of ['Siti', 'Budi', 'Cici', 'Dedi']) expect(csv).not.toContain(name);
      if (poppler) {
        const file = join(dir, 'old.pdf');
        await writeFile(file, (await get('?day=2026-11-30&format=pdf')).rawPayload);
        const { stdout } = await run('pdftotext', ['-layout', file, '-']);
        expect(stdout).toContain('Tamu 2');
        expect(stdout).not.toContain('Siti');
        expect(stdout).toContain('disamarkan');
      }
    } finally {
      t.clock.now = saved;
    }
  });
});

describe('guest-book register: the bound on drawn files', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { PINTU_CONFIG_HTTP__LIMITS__REGISTER_PRINT_ROWS: '2' } });
  });
  afterAll(() => t?.close());

  it('refuses a PDF or XLSX of more visits than http.limits.registerPrintRows, not CSV or JSON', async () => {
    expect(t.config.http.limits.registerPrintRows).toBe(2);
    const desk = await t.login('receptionist');
    for (const name of ['Siti Rahayu', 'Budi Santoso', 'Cici Paramida']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/visits',
        headers: { cookie: desk },
        payload: { guest: { name, institution: 'Bappeda' }, purpose: 'Rapat', hostId: 'kabag-umum' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const get = (format: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/reports/register?day=2026-11-30&format=${format}`,
        headers: { cookie: desk },
      });
    for (const format of ['pdf', 'xlsx']) {
      const res = await get(format);
      expect(res.statusCode, format).toBe(400);
      expect(res.json().message).toContain('http.limits.registerPrintRows');
    }
    expect((await get('csv')).statusCode).toBe(200);
    expect((await get('json')).json().rows).toHaveLength(3);
  });
});
