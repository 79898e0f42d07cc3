// Issue 15 items 3 and 4: the report files as the tools outside this project read them. PDFs
// (the monthly recap and the guest book) through poppler-utils: `pdffonts` (every font embedded,
// none of the unembedded standard 14), `pdftotext` (a name outside WinAnsi round trips), `pdfinfo`
// (PDF 1.7, title, author, the PDF/A-2b identification in the XMP metadata). veraPDF is not in
// Debian: PDF/A conformance is claimed only as far as these checks go. Spreadsheets through
// Python's standard library: the CSVs by its csv module (the dialect each claims), the XLSX by
// zipfile + xml (a date is a number cell, no t="s", whose style's number format is a date's).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';
import { CSV_READER, XLSX_READER, type XlsxCell } from '../support/report-readers.js';

const run = promisify(execFile);
const poppler = requireLab(
  'pdffonts, pdftotext and pdfinfo (apt-get install -y poppler-utils)',
  ['pdffonts', 'pdftotext', 'pdfinfo'].every((t) => existsSync(`/usr/bin/${t}`)),
);
const TZ = 'Asia/Jakarta';
/** Outside WinAnsi (cp1252): S with a dot below (U+1E62), N with an acute (U+0143). */
const NAME = 'Ṣiti Ńur';
const INSTITUTION = 'Dinas Kominfo Ṣidoarjo';
/** A comma and quotes: RFC 4180 quoting. */
const PURPOSE = 'Rapat "koordinasi", anggaran';
const hasPython = requireLab('python3', existsSync('/usr/bin/python3'));

describe('report files read by outside tools', () => {
  let t: TestGateway;
  let desk: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestGateway({ now: zonedTimeToEpoch('2026-11-30', '08:00', TZ) });
    desk = await t.login('receptionist');
    dir = await mkdtemp(join(tmpdir(), 'pintu-report-files-'));
    const actor = { kind: 'system' as const, id: 'test' };
    t.clock.now = zonedTimeToEpoch('2026-11-30', '08:05', TZ);
    const v = await t.gateway.visits.arrive(
      { guest: { name: NAME, institution: INSTITUTION }, purpose: PURPOSE, hostId: 'kabag-umum' },
      actor,
    );
    await t.gateway.visits.screen(v.id, { passed: true }, actor);
    await t.gateway.visits.guestbook(v.id, {}, actor);
    await t.gateway.visits.decide(v.id, { outcome: 'accepted', rooms: [] }, actor);
    await t.gateway.visits.issueBadge(
      v.id,
      { badge: 'TAMU-03', collateral: { type: 'ktp', number: '3578014107900001' } },
      actor,
    );
    // 90.5 minutes: a mean with a decimal
    t.clock.now = zonedTimeToEpoch('2026-11-30', '09:35', TZ) + 30_000;
    await t.gateway.visits.checkout(v.id, { badgeReturned: true, documentReturned: true }, actor);
    t.clock.now = zonedTimeToEpoch('2026-11-30', '11:00', TZ);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/reports/${url}`,
      headers: { cookie: desk },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };

  describe.skipIf(!poppler)('PDF', () => {
    for (const [what, url, title] of [
      [
        'monthly recap',
        'monthly?month=2026-11&format=pdf',
        'Rekapitulasi Kunjungan Tamu Biro Umum - November 2026',
      ],
      ['guest book', 'register?day=2026-11-30&format=pdf', 'Buku Tamu Biro Umum - Tanggal 30 November 2026'],
    ] as const) {
      it(`${what}: fonts embedded, a name outside WinAnsi round trips, PDF/A-2b metadata`, async () => {
        const file = join(dir, `${what.replace(' ', '-')}.pdf`);
        await writeFile(file, (await get(url)).rawPayload);

        // pdffonts: name type encoding emb sub uni object ID; two header lines.
        const fonts = (await run('pdffonts', [file])).stdout.trim().split('\n').slice(2);
        expect(fonts.length).toBeGreaterThan(0);
        for (const line of fonts) {
          expect(line, line).toMatch(/\s(TrueType|CID TrueType|Type 0|Type 1C|CID Type 0C)\s/);
          // emb, sub, uni: embedded, subset, with a ToUnicode map (text can be copied out).
          expect(line, line).toMatch(/\syes\s+yes\s+yes\s+\d+\s+\d+$/);
          expect(line).not.toMatch(/Helvetica/);
        }

        const { stdout: text } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
        expect(text).toContain(what === 'guest book' ? NAME : INSTITUTION);
        expect(text).toContain('BIRO UMUM');

        const info = (await run('pdfinfo', [file])).stdout;
        expect(info).toMatch(/^PDF version:\s+1\.7$/m);
        expect(info).toMatch(new RegExp(`^Title:\\s+${title}$`, 'm'));
        expect(info).toMatch(/^Author:\s+Biro Umum, Sekretariat Daerah Provinsi Jawa Timur$/m);
        const xmp = (await run('pdfinfo', ['-meta', file])).stdout;
        expect(xmp).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);
        expect(xmp).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
        expect(xmp).toContain(title);
        // The document's language (catalog /Lang) and an sRGB output intent, read raw: poppler
        // prints neither. Object streams are off in pdfkit, so the catalog is plain text.
        const raw = (await get(url)).rawPayload.toString('latin1');
        expect(raw).toMatch(/\/Lang \(id-ID\)/);
        expect(raw).toMatch(/\/OutputIntents/);
        expect(raw).toMatch(/\/S \/GTS_PDFA1/);
      });
    }
  });

  const save = async (url: string, name: string) => {
    const res = await get(url);
    const file = join(dir, name);
    await writeFile(file, res.rawPayload);
    return { file, res };
  };
  const python = async (script: string, args: string[]) =>
    JSON.parse((await run('python3', ['-c', script, ...args])).stdout) as unknown;

  describe.skipIf(!hasPython)('spreadsheets', () => {
    it('csv-excel: ";" separators, decimal comma, d/m/y dates, BOM, CRLF (recap and guest book)', async () => {
      const { file, res } = await save('monthly?month=2026-11&format=csv-excel', 'recap-excel.csv');
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toContain('rekap-kunjungan-2026-11.csv"');
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(res.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const rows = (await python(CSV_READER, [file, ';'])) as string[][];
      expect(rows).toContainEqual(['Rata-rata lama kunjungan (menit)', '90,5']);
      expect(rows).toContainEqual(['30/11/2026', '1']);
      expect(rows).toContainEqual(['01/11/2026', '0']);
      expect(rows).toContainEqual([INSTITUTION, '1']);
      // Per purpose category (visits.purposes): a visit recorded without one is under the last.
      expect(rows).toContainEqual(['Lainnya', '1']);

      const book = await save('register?day=2026-11-30&format=csv-excel', 'book-excel.csv');
      expect(book.res.headers['content-disposition']).toContain('buku-tamu-2026-11-30.csv"');
      const reg = (await python(CSV_READER, [book.file, ';'])) as string[][];
      expect(reg[0]![0]).toBe('No');
      expect(reg[1]!.slice(0, 7)).toEqual(['1', '30/11/2026', '08:05', '09:35', NAME, INSTITUTION, PURPOSE]);

      const year = await save('yearly?year=2026&format=csv-excel', 'year-excel.csv');
      const yr = (await python(CSV_READER, [year.file, ';'])) as string[][];
      expect(yr).toContainEqual(['Rata-rata lama kunjungan (menit)', '90,5']);
    });

    it('csv: RFC 4180 (comma, CRLF, quoting), dot decimals, ISO dates (recap and guest book)', async () => {
      const { file, res } = await save('monthly?month=2026-11&format=csv', 'recap.csv');
      expect(res.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const rows = (await python(CSV_READER, [file, ','])) as string[][];
      expect(rows).toContainEqual(['Rata-rata lama kunjungan (menit)', '90.5']);
      expect(rows).toContainEqual(['2026-11-30', '1']);
      expect(rows).toContainEqual(['Lainnya', '1']);
      const book = await save('register?day=2026-11-30&format=csv', 'book.csv');
      // A field with quotes and a comma (the purpose in words), quoted as RFC 4180 says.
      expect(book.res.body).toContain(`,"${PURPOSE.replace(/"/g, '""')}",`);
      const reg = (await python(CSV_READER, [book.file, ','])) as string[][];
      expect(reg[1]!.slice(0, 7)).toEqual(['1', '2026-11-30', '08:05', '09:35', NAME, INSTITUTION, PURPOSE]);
    });

    it('xlsx: real date cells and number formats in every sheet (recap and guest book)', async () => {
      const recap = (await python(XLSX_READER, [
        (await save('monthly?month=2026-11&format=xlsx', 'recap.xlsx')).file,
      ])) as XlsxCell[];
      const days = recap.filter((c) => c.sheet === 'Per hari' && c.date !== undefined);
      expect(days.map((c) => c.date)).toContain('2026-11-30T00:00');
      expect(days).toHaveLength(30);
      for (const c of days) expect(c.fmt).toBe('yyyy-mm-dd');
      // The mean visit in minutes: a number shown with two decimals, not text.
      const mean = recap.find((c) => c.sheet === 'Ringkasan' && c.value === '90.5');
      expect(mean).toMatchObject({ t: null, fmt: '0.00' });
      expect(recap.some((c) => c.t === 's' && /^\d{4}-\d{2}-\d{2}/.test(c.value))).toBe(false);

      const book = (await python(XLSX_READER, [
        (await save('register?day=2026-11-30&format=xlsx', 'book.xlsx')).file,
      ])) as XlsxCell[];
      const dated = book.filter((c) => c.sheet === 'Buku tamu' && c.date !== undefined);
      expect(dated.map((c) => [c.date, c.fmt])).toEqual([
        ['2026-11-30T00:00', 'yyyy-mm-dd'],
        ['2026-11-30T08:05', 'hh:mm'],
        ['2026-11-30T09:35', 'hh:mm'],
      ]);
      expect(book.find((c) => c.value === NAME)?.t).toBe('s');
    });
  });
});
