// The receptionist's web panel in real headless Chromium against a real gateway on 127.0.0.1:
// a whole visit from arrival to checkout with taps on the simulated desk reader, a screening
// refused by security, a reschedule; the doors and "who is inside" pages. Screenshots of the
// main screens go to test-results/panel/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const TAMU_03 = '04A1B2C3D4E503';
const ok = haveChromium();

describe.skipIf(!ok)(`web panel: the desk in Chromium${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let desk: Page;
  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.user('resepsionis', 'receptionist');
    await lab.user('keamanan', 'security');
    const ctx = await lab.browser();
    desk = await ctx.newPage();
  }, 60_000);
  afterAll(async () => lab?.close());

  const card = (name: string) => desk.locator('article.card', { has: desk.getByRole('heading', { name }) });
  const column = (title: RegExp) =>
    desk.locator('section.column', { has: desk.getByRole('heading', { name: title }) });

  it('logs in, in Bahasa Indonesia, and shows no data before', async () => {
    await desk.goto(`${lab.url}/`);
    await see(desk.locator('html')).attr('lang').toBe('id');
    await desk.getByRole('heading', { name: 'Masuk ke panel' }).waitFor();
    await lab.shot(desk, '01-login');
    // The page is public; the data is not.
    const res = await desk.request.get(`${lab.url}/api/v1/visits?date=today`);
    expect(res.status()).toBe(401);
    await lab.login(desk, 'resepsionis');
    await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
    // Dates in Asia/Jakarta even though this browser runs in UTC: Monday 30 November 2026, 09.00 WIB.
    await see(desk.locator('header .clock')).text().toContain('Senin, 30 November 2026');
    await see(desk.locator('header .clock')).text().toContain('09.00 WIB');
    await see(desk.locator('.live')).text().toBe('Terhubung');
  });

  it('runs a whole visit: arrival, screening, guest book, decision, badge by desk tap, entry, checkout by desk tap', async () => {
    // Step 1: arrival, from the keyboard shortcut.
    await desk.keyboard.press('n');
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    await arrival.getByLabel('Nama tamu').fill('Siti Rahayu');
    await arrival.getByLabel('Instansi / asal').fill('Dinas Kominfo Kab. Sidoarjo');
    await arrival.getByLabel(/Nomor telepon/).fill('081234567890');
    await arrival.getByLabel('Jenis keperluan').selectOption({ label: 'Koordinasi' });
    await arrival.getByLabel('Uraian keperluan').fill('Koordinasi acara Hari Jadi');
    await arrival.getByLabel('Pihak yang ditemui', { exact: true }).selectOption('kabag-umum');
    await lab.shot(desk, '02-arrival');
    await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();
    await arrival.waitFor({ state: 'hidden' });
    await column(/Pemeriksaan/)
      .getByRole('heading', { name: 'Siti Rahayu' })
      .waitFor();

    // The step timer runs on the gateway's clock and turns visible past the SOP's 2 minutes.
    const timer = card('Siti Rahayu').locator('.timer');
    await see(timer).text().toContain('Keperluan dan pemeriksaan');
    await see(timer).attr('class').not.toMatch(/over/);
    lab.t.clock.now += 3 * 60_000;
    await desk.reload();
    await see(card('Siti Rahayu').locator('.timer')).attr('class').toMatch(/over/);
    await see(card('Siti Rahayu').locator('.timer')).text().toContain('melebihi standar');
    await lab.shot(desk, '03-desk-timer-exceeded');

    // Step 2: screening (a receptionist may pass a guest, not refuse one).
    await card('Siti Rahayu').getByRole('button', { name: 'Periksa' }).click();
    const screening = desk.getByRole('dialog', { name: 'Keperluan dan pemeriksaan' });
    await see(screening.getByRole('button', { name: 'Tolak tamu' }))
      .count()
      .toBe(0);
    await see(screening).text().toContain('Hanya petugas keamanan yang dapat menolak tamu.');
    const pass = screening.getByRole('button', { name: 'Lolos pemeriksaan' });
    await see(pass).disabled().toBe(true);
    await screening.getByLabel('Memakai sepatu').check();
    await screening.getByLabel(/Berpakaian sopan/).check();
    await screening.getByLabel(/barang mencurigakan/).check();
    await pass.click();
    await screening.waitFor({ state: 'hidden' });

    // Step 3: guest book.
    await column(/Buku tamu/)
      .getByRole('button', { name: 'Isi buku tamu' })
      .click();
    const book = desk.getByRole('dialog', { name: 'Salam dan buku tamu' });
    await see(book).text().toContain('Senyum, sapa, salam');
    await book.getByRole('button', { name: 'Catat buku tamu' }).click();
    await book.waitFor({ state: 'hidden' });

    // Step 4: the host's decision, phoned in: accepted with the host's room -> a keypad code, once.
    await column(/Menunggu pihak yang ditemui/)
      .getByRole('button', { name: 'Keputusan pihak yang ditemui' })
      .click();
    const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await see(decision.getByLabel('Ruang Kepala Bagian Umum')).checked().toBe(true);
    await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
    const codeDialog = desk.getByRole('dialog', { name: 'Kode akses ruang' });
    await see(codeDialog.locator('.code'))
      .text()
      .toMatch(/^\d{6}$/);
    const code = (await codeDialog.locator('.code').textContent())!;
    await lab.shot(desk, '04-access-code');
    await codeDialog.getByRole('button', { name: 'Selesai' }).click();

    // Step 5: badge against a KTP, bound by a tap on the desk reader; the number is masked.
    await column(/Serahkan kartu/)
      .getByRole('button', { name: 'Serahkan kartu' })
      .click();
    const badge = desk.getByRole('dialog', { name: 'Serahkan kartu tamu' });
    await badge.getByLabel('Dokumen identitas jaminan').selectOption('ktp');
    await badge.getByLabel('Nomor dokumen').fill('3578014107900001');
    await see(badge).text().toContain('Tersimpan sebagai: 35**********0001');
    await badge.getByRole('button', { name: 'Serahkan kartu' }).click();
    await see(badge).text().toContain('Menunggu kartu');
    await lab.shot(desk, '05-badge-waiting-for-tap');
    await lab.tapUntil('desk', TAMU_03, badge, 'Kartu terpasang: TAMU-03');
    await see(badge).text().toContain('35**********0001');
    await lab.shot(desk, '06-badge-bound');
    await badge.getByRole('button', { name: 'Selesai' }).click();
    await column(/Sedang berkunjung/)
      .getByRole('heading', { name: 'Siti Rahayu' })
      .waitFor();
    await see(card('Siti Rahayu')).text().toContain('TAMU-03');

    // Step 6: the guest goes in: the entrance opens for the badge, the room for the code; the escort
    // step ends at the first entry (live).
    expect(await lab.tap('pintu-utama-in', TAMU_03)).toMatchObject({ kind: 'door', granted: true });
    await see(card('Siti Rahayu').locator('.timer')).text().toContain('Masuk pukul 09.03');
    const pin = await fetch(`${lab.url}/api/v1/taps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lab.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reader: 'ruang-kabag-in', pin: code }),
    });
    expect(await pin.json()).toMatchObject({ granted: true, doorId: 'ruang-kabag' });

    // Who is inside, live, printable as a roll call; the doors page.
    await desk.getByRole('link', { name: 'Orang di dalam' }).click();
    await desk.getByRole('heading', { name: /Di dalam gedung: 1/ }).waitFor();
    const row = desk
      .locator('table')
      .first()
      .getByRole('row', { name: /Siti Rahayu/ });
    await see(row).text().toContain('TAMU-03');
    // In the room the code opened, inside the building (areas).
    await see(row).text().toContain('Gedung › Ruang Kepala Bagian Umum');
    await desk.getByRole('heading', { name: 'Kartu tamu belum kembali: 1' }).waitFor();
    await lab.shot(desk, '07-people-inside');
    await desk.getByRole('link', { name: 'Pintu', exact: true }).click();
    await desk.getByRole('heading', { name: 'Pintu Utama' }).waitFor();
    await see(desk.locator('ol.events')).text().toContain('Akses diizinkan');
    await lab.shot(desk, '08-doors');

    // Step 7: checkout by tapping the badge back on the desk reader: access ends at once, then the
    // document goes back to the guest.
    await desk.getByRole('link', { name: 'Meja tamu' }).click();
    await card('Siti Rahayu').getByRole('button', { name: 'Selesai bertamu' }).click();
    const checkout = desk.getByRole('dialog', { name: 'Selesai bertamu' });
    await see(checkout).text().toContain('Tempelkan kartu tamu di pembaca meja');
    await lab.tapUntil('desk', TAMU_03, checkout, 'Kartu diterima kembali');
    await see(checkout).text().toContain('Akses kartu dicabut');
    expect(await lab.tap('pintu-utama-in', TAMU_03)).toMatchObject({ granted: false, reason: 'checked_out' });
    await see(checkout).text().toContain('KTP 35**********0001');
    await lab.shot(desk, '09-checkout-return-document');
    await checkout.getByRole('button', { name: 'Dokumen sudah dikembalikan' }).click();
    await see(checkout).text().toContain('Kunjungan selesai');
    await checkout.getByRole('button', { name: 'Tutup', exact: true }).click();

    // Closed visits stay on today's board (read back from the archive).
    const done = desk.locator('details.done');
    await see(done).text().toContain('Siti Rahayu');
    await see(done).text().toContain('Selesai');
    const visits = (await (await desk.request.get(`${lab.url}/api/v1/visits?date=today`)).json()) as Array<{
      guestName: string;
      state: string;
    }>;
    expect(visits.find((v) => v.guestName === 'Siti Rahayu')?.state).toBe('closed');
  }, 120_000);

  it('security refuses a guest at screening; the desk sees it live', async () => {
    const ctx = await lab.browser();
    const security = await ctx.newPage();
    // From a bookmark of another view: the desk, opened after the login, shows today's visits
    // (the answers index.html preloaded before the login are not used for it).
    await lab.login(security, 'keamanan', '/#/people');
    await security.getByRole('heading', { name: 'Orang di dalam' }).waitFor();
    await security.getByRole('link', { name: 'Meja tamu' }).click();
    await security.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
    await see(security.locator('details.done')).text().toContain('Siti Rahayu');

    // The receptionist records the arrival; the security officer's board updates without a reload.
    await desk.getByRole('button', { name: /Tamu datang/ }).click();
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    await arrival.getByLabel('Nama tamu').fill('Budi Santoso');
    await arrival.getByLabel('Instansi / asal').fill('CV Maju Jaya');
    await arrival.getByLabel('Jenis keperluan').selectOption({ label: 'Lainnya' });
    await arrival.getByLabel('Uraian keperluan').fill('Menawarkan barang');
    await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();

    const sCard = security.locator('article.card', {
      has: security.getByRole('heading', { name: 'Budi Santoso' }),
    });
    await sCard.getByRole('button', { name: 'Periksa' }).click();
    const screening = security.getByRole('dialog', { name: 'Keperluan dan pemeriksaan' });
    await screening.getByLabel(/Berpakaian sopan/).check();
    await screening.getByLabel(/barang mencurigakan/).check();
    await screening.getByLabel(/Catatan/).fill('Memakai sandal jepit');
    await lab.shot(security, '10-screening-refusal');
    await screening.getByRole('button', { name: 'Tolak tamu' }).click();
    await screening.waitFor({ state: 'hidden' });

    const done = desk.locator('details.done li', { hasText: 'Budi Santoso' });
    await see(done).text().toContain('Ditolak saat pemeriksaan');
    const list = (await (await desk.request.get(`${lab.url}/api/v1/visits?date=today`)).json()) as Array<{
      guestName: string;
      state: string;
      screening?: { reasons: string[] };
    }>;
    expect(list.find((v) => v.guestName === 'Budi Santoso')).toMatchObject({
      state: 'screening_refused',
      screening: { reasons: ['shoes'] },
    });
  }, 60_000);

  it('reschedules when the host is not in, with a proposed date; a returning guest is suggested', async () => {
    await desk.getByRole('button', { name: /Tamu datang/ }).click();
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    // Siti came this morning: typing her name suggests her, with her institution.
    await arrival.getByLabel('Nama tamu').fill('Siti');
    const option = arrival.getByRole('option', { name: /Siti Rahayu/ });
    await see(option).text().toContain('Dinas Kominfo Kab. Sidoarjo');
    await arrival.getByLabel('Nama tamu').press('ArrowDown');
    await arrival.getByLabel('Nama tamu').press('Enter');
    await see(arrival.getByLabel('Instansi / asal')).value().toBe('Dinas Kominfo Kab. Sidoarjo');
    await arrival.getByLabel('Jenis keperluan').selectOption({ label: 'Pengantaran surat/dokumen' });
    await arrival.getByLabel('Uraian keperluan').fill('Menyerahkan undangan');
    await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();
    await arrival.waitFor({ state: 'hidden' });

    const c = card('Siti Rahayu');
    await c.getByRole('button', { name: 'Periksa' }).click();
    const screening = desk.getByRole('dialog', { name: 'Keperluan dan pemeriksaan' });
    for (const label of ['Memakai sepatu', /Berpakaian sopan/, /barang mencurigakan/])
      await screening.getByLabel(label).check();
    await screening.getByRole('button', { name: 'Lolos pemeriksaan' }).click();
    await c.getByRole('button', { name: 'Isi buku tamu' }).click();
    await desk
      .getByRole('dialog', { name: 'Salam dan buku tamu' })
      .getByRole('button', { name: 'Catat buku tamu' })
      .click();
    await c.getByRole('button', { name: 'Keputusan pihak yang ditemui' }).click();
    const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await decision.getByLabel(/tidak di tempat/).check();
    // Monday 30 November: the next office day is Tuesday 1 December.
    const date = decision.getByRole('group', { name: 'Tanggal kunjungan ulang' });
    await see(date.locator('output')).text().toBe('Selasa, 1 Desember 2026');
    await date.getByLabel('Tanggal', { exact: true }).selectOption('2');
    await lab.shot(desk, '11-reschedule');
    await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
    const done = desk.locator('details.done li', { hasText: 'Dijadwalkan ulang ke' });
    await see(done).text().toContain('Siti Rahayu');
    await see(done).text().toContain('Dijadwalkan ulang ke Rabu, 2 Desember 2026');
    await lab.shot(desk, '12-desk-end-of-morning');
  }, 60_000);

  it('switches to English and back, keeping the Asia/Jakarta time', async () => {
    await desk.getByRole('button', { name: 'Switch to English' }).click();
    await desk.getByRole('heading', { name: "Today's visits" }).waitFor();
    await see(desk.locator('header .clock')).text().toContain('Monday, 30 November 2026');
    await see(desk.locator('html')).attr('lang').toBe('en');
    await desk.getByRole('button', { name: 'Ganti ke Bahasa Indonesia' }).click();
    await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
  });
});
