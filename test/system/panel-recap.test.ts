// The monthly recap page and its exports in real headless Chromium: a month of visits made
// through the API (the gateway's clock moved day by day), the figures and charts on the page,
// and each export downloaded by the browser and parsed: CSV, XLSX (exceljs) and PDF
// (pdftotext from poppler-utils) hold the month's figures under the Biro Umum heading; the
// guest book of a day (PDF) and of the month (CSV) downloaded from the same view. Also the
// administration page: a badge enrolled by a tap on the desk reader, a refused one explained in
// the panel's language (Indonesian, then English), and the retention setting and its reset.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonthlyRecap } from '../../src/domain/recap.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { haveChromium, type PanelLab, SHOTS, see, startPanelLab } from '../support/browser.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const ok =
  haveChromium() &&
  requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext'));

describe.skipIf(!ok)(
  `web panel: the monthly recap and its exports${ok ? '' : ' [skipped: no chromium or pdftotext]'}`,
  () => {
    let lab: PanelLab;
    let page: Page;
    let recap: MonthlyRecap;

    const api: PanelLab['api'] = (method, url, payload) => lab.api(method, url, payload);
    const at = (date: string, time: string) => {
      lab.t.clock.now = zonedTimeToEpoch(date, time, 'Asia/Jakarta');
    };
    const later = (minutes: number) => {
      lab.t.clock.now += minutes * 60_000;
    };

    /** One visit through the SOP up to `outcome`, on `date` at `time` (Asia/Jakarta). */
    async function visit(
      date: string,
      time: string,
      guest: string,
      institution: string,
      purpose: string,
      hostId: string,
      outcome: 'screening_refused' | 'host_refused' | 'rescheduled' | 'cancelled' | 'closed' | 'badge_kept',
      badge?: string,
    ) {
      at(date, time);
      const v = await api('POST', '/visits', { guest: { name: guest, institution }, purpose, hostId });
      later(1.5);
      if (outcome === 'cancelled') return api('POST', `/visits/${v.id}/cancel`, { reason: 'pulang' });
      if (outcome === 'screening_refused') {
        return api('POST', `/visits/${v.id}/screening`, { passed: false, reasons: ['attire'] });
      }
      await api('POST', `/visits/${v.id}/screening`, { passed: true });
      later(1);
      await api('POST', `/visits/${v.id}/guestbook`, {});
      later(3); // over the 2-minute standard
      if (outcome === 'host_refused') return api('POST', `/visits/${v.id}/decision`, { outcome: 'refused' });
      if (outcome === 'rescheduled') {
        return api('POST', `/visits/${v.id}/decision`, {
          outcome: 'host_absent',
          proposedDate: '2026-11-09',
        });
      }
      await api('POST', `/visits/${v.id}/decision`, { outcome: 'accepted', rooms: [] });
      later(0.5);
      await api('POST', `/visits/${v.id}/badge`, {
        badge,
        collateral: { type: 'ktp', number: '3578014107900001' },
      });
      later(1);
      await lab.tap('pintu-utama-in', `04A1B2C3D4E5${badge!.slice(-2)}`); // TAMU-0n's UID
      later(40);
      return api('POST', `/visits/${v.id}/checkout`, {
        badgeReturned: outcome === 'closed',
        documentReturned: outcome === 'closed',
      });
    }

    beforeAll(async () => {
      lab = await startPanelLab();
      await lab.user('admin2', 'admin');
      await api('PUT', '/hosts/kasubbag-tu', {
        name: 'Kepala Subbagian Tata Usaha',
        unit: 'Subbagian Tata Usaha',
        rooms: [],
      });
      await visit(
        '2026-11-02',
        '09:00',
        'Siti Rahayu',
        'Dinas Kominfo Kab. Sidoarjo',
        'Koordinasi acara',
        'kabag-umum',
        'closed',
        'TAMU-01',
      );
      await visit(
        '2026-11-02',
        '10:00',
        'Budi Santoso',
        'CV Maju Jaya',
        'Menawarkan barang',
        'kabag-umum',
        'screening_refused',
      );
      await visit(
        '2026-11-03',
        '09:30',
        'Agus Prasetyo',
        'PT Sinar Abadi',
        'Presentasi produk',
        'kabag-umum',
        'host_refused',
      );
      await visit(
        '2026-11-05',
        '13:00',
        'Dewi Lestari',
        'Bappeda Kota Malang',
        'Konsultasi',
        'kabag-umum',
        'rescheduled',
      );
      await visit(
        '2026-11-10',
        '09:00',
        'Rina Wulandari',
        'Universitas Airlangga',
        'Penelitian',
        'kabag-umum',
        'badge_kept',
        'TAMU-02',
      );
      await visit(
        '2026-11-10',
        '11:00',
        'Joko Susilo',
        'Kecamatan Gubeng',
        'Koordinasi acara',
        'kabag-umum',
        'cancelled',
      );
      await visit(
        '2026-11-16',
        '10:15',
        'Sri Mulyani',
        'BPKAD Prov. Jatim',
        'Penyerahan berkas',
        'kasubbag-tu',
        'closed',
        'TAMU-04',
      );
      await visit(
        '2026-11-20',
        '14:00',
        'Hendra Gunawan',
        'Inspektorat',
        'Koordinasi acara',
        'kasubbag-tu',
        'closed',
        'TAMU-05',
      );
      lab.t.clock.now = zonedTimeToEpoch('2026-11-30', '09:00', 'Asia/Jakarta');
      recap = await api('GET', '/reports/monthly?month=2026-11');
      expect(recap.totals).toMatchObject({
        visits: 8,
        screeningRefused: 1,
        hostRefused: 1,
        rescheduled: 1,
        cancelled: 1,
        accepted: 4,
        badgesIssued: 4,
        checkedOut: 4,
      });
      page = await (await lab.browser()).newPage();
      await lab.login(page, 'admin2');
    }, 90_000);
    afterAll(async () => lab?.close());

    const download = async (format: string): Promise<{ file: string; name: string }> => {
      const [d] = (await Promise.all([
        page.waitForEvent('download'),
        page.locator(`a[data-format="${format}"]`).click(),
      ])) as [Download, unknown];
      const file = join(SHOTS, `recap-2026-11.${format}`);
      await d.saveAs(file);
      return { file, name: d.suggestedFilename() };
    };

    it('shows the month: figures, charts per day, host, unit, purpose, refusals and SOP times', async () => {
      await page.getByRole('link', { name: 'Rekap bulanan' }).click();
      await page.getByRole('heading', { name: 'Rekap bulanan' }).waitFor();
      // The panel's own month field, written out in Bahasa Indonesia.
      await see(page.getByRole('group', { name: 'Bulan', exact: true }).locator('output'))
        .text()
        .toBe('November 2026');
      const main = page.locator('.tile.main');
      await see(main).text().toContain('8');
      await see(main).text().toContain('Jumlah kunjungan');
      await see(page.locator('.tiles')).text().toContain('Ditolak saat pemeriksaan');
      // Per day: one column per day with arrivals (2, 3, 5, 10, 16, 20 November).
      const days = page.locator('svg[aria-label="Kunjungan per hari"]');
      await see(days.locator('rect.bar')).count().toBe(6);
      await see(page.locator('.hbars[aria-label="Per pihak yang ditemui"]'))
        .text()
        .toContain('Kepala Subbagian Tata Usaha');
      await see(page.locator('.hbars[aria-label="Per unit"]')).text().toContain('Subbagian Tata Usaha');
      // Per purpose category: these visits were made without one, so all count as Lainnya.
      await see(page.locator('.hbars[aria-label="Per keperluan"]')).text().toContain('Lainnya');
      // Confirmation took 3 minutes against a standard of 2: drawn as exceeded.
      const steps = page.locator('.hbars[aria-label^="Waktu langkah SOP"]');
      await see(steps.locator('.hbar', { has: page.locator('rect.bar.warn') }))
        .text()
        .toContain('Konfirmasi pihak yang ditemui');
      await lab.shot(page, '30-recap');
    }, 60_000);

    it('shows the year: the same figures with visits per month, and its CSV', async () => {
      await page.getByLabel('Periode').selectOption('year');
      await page.getByRole('heading', { name: 'Rekap tahunan' }).waitFor();
      await see(page.getByRole('spinbutton', { name: 'Tahun' }))
        .value()
        .toBe('2026');
      await expect
        .poll(() => page.getByRole('group', { name: 'Bulan', exact: true }).isVisible())
        .toBe(false);
      await see(page.locator('.tile.main')).text().toContain('8');
      // Per month: November is the only month with visits.
      const months = page.locator('svg[aria-label="Kunjungan per bulan"]');
      await see(months.locator('rect.bar')).count().toBe(1);
      await see(page.locator('.hbars[aria-label="Per pihak yang ditemui"]'))
        .text()
        .toContain('Kepala Subbagian Tata Usaha');
      const csv = page.locator('a[data-format="csv"]');
      await see(csv).attr('href').toBe('/api/v1/reports/yearly?year=2026&format=csv&lang=id');
      await see(page.locator('a[data-format="pdf"]')).count().toBe(0);
      // The year's satisfaction survey in the regulation's table (issue 14).
      await see(page.locator('a[data-format="survey-xlsx"]'))
        .attr('href')
        .toBe('/api/v1/reports/survey?period=2026&format=xlsx&lang=id');
      const [d] = (await Promise.all([page.waitForEvent('download'), csv.click()])) as [Download, unknown];
      const file = join(SHOTS, 'recap-2026.csv');
      await d.saveAs(file);
      expect(d.suggestedFilename()).toBe('rekap-kunjungan-2026.csv');
      const text = await readFile(file, 'utf8');
      expect(text).toContain('Rekapitulasi Tahunan Kunjungan Tamu Biro Umum 2026');
      expect(text).toContain('\r\nNovember 2026,8,');
      await lab.shot(page, '31-recap-year');
      // Back to the month for the exports below.
      await page.getByLabel('Periode').selectOption('month');
      await page.getByRole('heading', { name: 'Rekap bulanan' }).waitFor();
      await see(page.locator('a[data-format="pdf"]')).count().toBe(1);
    }, 60_000);

    it('exports CSV, XLSX and PDF holding the month, with the Biro Umum heading in Bahasa Indonesia', async () => {
      const survey = await download('survey-xlsx');
      expect(survey.name).toBe('survei-kepuasan-2026-11.xlsx');
      // An XLSX is a zip: its first bytes are the zip's signature.
      expect((await readFile(survey.file)).subarray(0, 2).toString('latin1')).toBe('PK');
      const csv = await download('csv');
      expect(csv.name).toBe('rekap-kunjungan-2026-11.csv');
      const text = await readFile(csv.file, 'utf8');
      expect(text).toContain('Rekapitulasi Kunjungan Tamu Biro Umum - November 2026');
      expect(text).toContain('Jumlah kunjungan,8');

      const xlsx = await download('xlsx');
      expect(xlsx.name).toBe('rekap-kunjungan-2026-11.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(xlsx.file);
      expect(wb.worksheets.map((w) => w.name)).toEqual([
        'Ringkasan',
        'Per hari',
        'Rincian',
        'Belum kembali',
        'Survei kepuasan',
      ]);
      const sum = wb.getWorksheet('Ringkasan')!;
      expect(sum.getCell('A1').value).toBe('PEMERINTAH PROVINSI JAWA TIMUR');
      expect(sum.getCell('A2').value).toBe('SEKRETARIAT DAERAH');
      expect(sum.getCell('A3').value).toBe('BIRO UMUM');
      const value = (ws: ExcelJS.Worksheet, label: string, col = 2) => {
        let found: ExcelJS.CellValue;
        ws.eachRow((row) => {
          // A day is a date cell (issue 15): matched by its date.
          const first = row.getCell(1).value;
          const text = first instanceof Date ? first.toISOString().slice(0, 10) : String(first).trim();
          if (text === label && found === undefined) found = row.getCell(col).value;
        });
        return found;
      };
      expect(value(sum, 'Jumlah kunjungan')).toBe(8);
      expect(value(sum, 'Ditolak saat pemeriksaan')).toBe(1);
      expect(value(sum, 'Dijadwalkan ulang')).toBe(1);
      expect(value(sum, 'Kartu belum kembali')).toBe(recap.badgesNotReturned.length);
      const perDay = wb.getWorksheet('Per hari')!;
      expect(value(perDay, '2026-11-02', 3)).toBe(2);
      expect(value(perDay, '2026-11-10', 3)).toBe(2);
      expect(value(perDay, '2026-11-02', 2)).toBe('Senin');
      const total = value(perDay, 'Jumlah', 3) as { formula: string; result: number };
      expect(total).toMatchObject({ formula: expect.stringMatching(/^SUM\(C\d+:C\d+\)$/), result: 8 });
      const details = wb.getWorksheet('Rincian')!;
      expect(value(details, 'Kepala Bagian Umum')).toBe(6);
      expect(value(details, 'Kepala Subbagian Tata Usaha')).toBe(2);

      const pdf = await download('pdf');
      expect(pdf.name).toBe('rekap-kunjungan-2026-11.pdf');
      expect((await readFile(pdf.file)).subarray(0, 5).toString()).toBe('%PDF-');
      const { stdout } = await run('pdftotext', ['-layout', pdf.file, '-']);
      for (const line of [
        'PEMERINTAH PROVINSI JAWA TIMUR',
        'SEKRETARIAT DAERAH',
        'BIRO UMUM',
        'REKAPITULASI KUNJUNGAN TAMU BIRO UMUM',
        'Bulan November 2026',
      ]) {
        expect(stdout).toContain(line);
      }
      expect(stdout).toMatch(/Jumlah kunjungan\s+8\b/);
      expect(stdout).toMatch(/Ditolak pihak yang ditemui\s+1\b/);
      expect(stdout).toMatch(/Kepala Subbagian Tata Usaha\s+2\b/);
      expect(stdout).toMatch(/Konfirmasi pihak yang ditemui\s+2\s+6\s+3\b/); // standard 2 min, 6 measured, mean 3
      expect(stdout).toContain('Mengetahui,');
      // The first page as a picture, for review.
      await run('pdftoppm', [
        '-png',
        '-r',
        '70',
        '-f',
        '1',
        '-l',
        '1',
        '-singlefile',
        pdf.file,
        join(SHOTS, '31-recap-pdf-page1'),
      ]);
    }, 60_000);

    it('exports in English on request, the heading staying in Bahasa Indonesia', async () => {
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { name: 'Monthly recap' }).waitFor();
      await see(page.locator('a[data-format="xlsx"]')).attr('href').toContain('lang=en');
      // The purpose categories by their English names.
      await see(page.locator('.hbars[aria-label="By purpose"]')).text().toContain('Other');
      const xlsx = await download('xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(xlsx.file);
      const sum = wb.getWorksheet('Summary')!;
      expect(sum.getCell('A1').value).toBe('PEMERINTAH PROVINSI JAWA TIMUR');
      let visits: ExcelJS.CellValue;
      sum.eachRow((r) => {
        if (r.getCell(1).value === 'Visits') visits = r.getCell(2).value;
      });
      expect(visits).toBe(8);
      await page.getByRole('button', { name: 'Ganti ke Bahasa Indonesia' }).click();
      await page.getByRole('heading', { name: 'Rekap bulanan' }).waitFor();
    }, 60_000);

    it('downloads the guest book of a day (PDF, landscape) and of the month (CSV)', async () => {
      const book = page.getByRole('region', { name: 'Buku tamu' });
      const day = book.getByRole('group', { name: 'Tanggal' });
      await day.getByLabel('Tahun').selectOption('2026');
      await day.getByLabel('Bulan').selectOption({ label: 'November' });
      await day.getByLabel('Tanggal', { exact: true }).selectOption('2');
      const dayPdf = book.locator('a[data-register="day-pdf"]');
      await see(dayPdf).attr('href').toBe('/api/v1/reports/register?day=2026-11-02&format=pdf&lang=id');
      const [d] = (await Promise.all([page.waitForEvent('download'), dayPdf.click()])) as [Download, unknown];
      expect(d.suggestedFilename()).toBe('buku-tamu-2026-11-02.pdf');
      const file = join(SHOTS, 'buku-tamu-2026-11-02.pdf');
      await d.saveAs(file);
      expect((await run('pdfinfo', [file])).stdout).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/);
      const { stdout } = await run('pdftotext', ['-layout', file, '-']);
      for (const line of [
        'BIRO UMUM',
        'BUKU TAMU BIRO UMUM',
        'Tanggal 2 November 2026',
        'Nama tamu',
        'Pihak yang ditemui',
        'Siti Rahayu',
        'Budi Santoso',
        'TAMU-01',
        'Halaman 1 dari 1',
      ]) {
        expect(stdout).toContain(line);
      }
      expect(stdout).not.toContain('Agus Prasetyo'); // 3 November
      expect(stdout).not.toContain('0001');

      const monthCsv = book.locator('a[data-register="month-csv"]');
      const [m] = (await Promise.all([page.waitForEvent('download'), monthCsv.click()])) as [
        Download,
        unknown,
      ];
      expect(m.suggestedFilename()).toBe('buku-tamu-2026-11.csv');
      const csvFile = join(SHOTS, 'buku-tamu-2026-11.csv');
      await m.saveAs(csvFile);
      const lines = (await readFile(csvFile, 'utf8')).split('\r\n').filter(Boolean);
      expect(lines[0]).toBe(
        '\uFEFFNo,Tanggal,Jam masuk,Jam keluar,Nama tamu,Instansi,Keperluan,Pihak yang ditemui,Kartu tamu,Dokumen identitas,Keterangan,Kedatangan,Rombongan,Pendamping',
      );
      expect(lines).toHaveLength(1 + 8);
      expect(lines[1]).toMatch(/^1,2026-11-02,09:00,\d\d:\d\d,Siti Rahayu,/);

      // The desk's Excel (Indonesian): ';' and d/m/y dates, still a .csv file.
      const monthExcel = book.locator('a[data-register="month-csv-excel"]');
      await see(monthExcel).text().toContain('CSV untuk Excel');
      const [x] = (await Promise.all([page.waitForEvent('download'), monthExcel.click()])) as [
        Download,
        unknown,
      ];
      expect(x.suggestedFilename()).toBe('buku-tamu-2026-11.csv');
      const excelFile = join(SHOTS, 'buku-tamu-2026-11-excel.csv');
      await x.saveAs(excelFile);
      const excel = (await readFile(excelFile, 'utf8')).split('\r\n').filter(Boolean);
      expect(excel[0]).toMatch(/^\uFEFFNo;Tanggal;Jam masuk;/);
      expect(excel[1]).toMatch(/^1;02\/11\/2026;09:00;\d\d:\d\d;Siti Rahayu;/);
      await lab.shot(page, '32-recap-guest-book');
    }, 60_000);

    it('administration: enrols a badge by tapping it on the desk reader; a refusal is told in the panel language', async () => {
      await page.getByRole('link', { name: 'Administrasi' }).click();
      await page.getByRole('heading', { name: 'Kartu tamu' }).waitFor();
      await see(page.locator('#a-users')).text().toContain('admin2');
      await page.getByRole('button', { name: 'Tempelkan kartu baru di pembaca meja' }).click();
      await see(page.locator('#a-badges [role=status]')).text().toContain('Menunggu kartu');
      const badges = page.locator('#a-badges');
      await lab.tapUntil(
        'desk',
        '04:A1:B2:C3:D4:E5:FF',
        badges.locator('[role=status]'),
        'UID 04A1B2C3D4E5FF',
      );
      await see(badges.getByLabel('UID')).value().toBe('04A1B2C3D4E5FF');
      await badges.getByLabel('Label').fill('TAMU-11');
      await badges.getByRole('button', { name: 'Tambah' }).click();
      await see(badges.locator('table')).text().toContain('TAMU-11');
      await lab.shot(page, '32-admin');

      // A refused request is told in the panel's language, from the server's error code.
      const toasts = page.locator('.toasts');
      await badges.getByLabel('UID').fill('04AABBCCDD');
      await badges.getByLabel('Label').fill('TAMU-11');
      await badges.getByRole('button', { name: 'Tambah' }).click();
      await see(toasts.locator('.toast.error').last())
        .text()
        .toBe('Gagal: Bertentangan dengan data yang sudah ada (isian: label kartu)');
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { name: 'Visitor badges' }).waitFor();
      await badges.getByLabel('UID').fill('04AABBCCDD');
      await badges.getByLabel('Label').fill('TAMU-11');
      await badges.getByRole('button', { name: 'Add' }).click();
      await see(toasts.locator('.toast.error').last())
        .text()
        .toBe('Failed: Conflicts with existing data (field: badge label): a badge labelled TAMU-11 exists');
      await page.getByRole('button', { name: 'Ganti ke Bahasa Indonesia' }).click();
      await page.getByRole('heading', { name: 'Kartu tamu' }).waitFor();
      expect((await api('GET', '/badges')).filter((b: { uid: string }) => b.uid === '04AABBCCDD')).toEqual(
        [],
      );
    }, 60_000);

    it("administration: a retention period of its own, then the configuration file's again", async () => {
      const form = page.locator('#a-settings form');
      const days = form.getByLabel('Simpan data identitas tamu (hari, 0 = selamanya)');
      const follow = form.getByLabel(/Ikuti berkas konfigurasi/);
      await see(follow).checked().toBe(true);
      await see(days).disabled().toBe(true);
      await follow.uncheck();
      await days.fill('30');
      await form.getByRole('button', { name: 'Simpan' }).click();
      await see(page.locator('.toasts')).text().toContain('Tersimpan');
      await expect.poll(async () => (await api('GET', '/admin/settings')).retentionOverridden).toBe(true);
      expect(await api('GET', '/admin/settings')).toMatchObject({
        retentionGuestDays: 30,
        retentionOverridden: true,
      });
      expect(lab.t.gateway.privacy.retentionDays).toBe(30);
      // the form, rebuilt from the server: the override shown
      await see(form.getByLabel(/Ikuti berkas konfigurasi/))
        .checked()
        .toBe(false);
      await see(days).value().toBe('30');
      await form.getByLabel(/Ikuti berkas konfigurasi/).check();
      await form.getByRole('button', { name: 'Simpan' }).click();
      // (the box was ticked before the save too: wait for the server instead)
      await expect.poll(async () => (await api('GET', '/admin/settings')).retentionOverridden).toBe(false);
      await see(form.getByLabel(/Ikuti berkas konfigurasi/))
        .checked()
        .toBe(true);
      const back = await api('GET', '/admin/settings');
      expect(back).toMatchObject({ retentionOverridden: false });
      expect(back.retentionGuestDays).toBe(back.retentionFromConfig);
      expect(lab.t.gateway.privacy.retentionDays).toBe(back.retentionFromConfig);
    }, 60_000);
  },
);
