// "Expected today → arrival" in real Chromium (issue 14, item 1): a host books an expected guest
// through the API; the desk sees "Tamu terjadwal hari ini", the USB QR scanner types the code and
// Enter into the code field, which puts the focus on that guest's "Tamu datang" button; one press
// makes the arrival, with the guest's fields filled in from the appointment.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(
  `web panel: expected guests in Chromium${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    let desk: Page;
    beforeAll(async () => {
      lab = await startPanelLab();
      desk = await lab.userPage('resepsionis', 'receptionist');
    }, 60_000);
    afterAll(async () => lab?.close());

    it("shows today's expected guests and turns one into an arrival from a scanned code", async () => {
      const booked = await lab.api('POST', '/appointments', {
        guest: { name: 'Rina Kartika', institution: 'BPS Provinsi Jawa Timur' },
        hostId: 'kabag-umum',
        date: '2026-11-30',
        from: '10:00',
        until: '11:00',
        purposeCategory: 'rapat',
        purpose: 'Rapat data statistik',
      });
      await lab.login(desk, 'resepsionis');
      const section = desk.locator('details.expected');
      await section.getByRole('heading', { name: 'Tamu terjadwal hari ini' }).waitFor();
      const row = section.locator(`[data-appointment-row="${booked.id}"]`);
      await see(row).text().toContain('Rina Kartika');
      await see(row).text().toContain('10:00–11:00');
      await see(row).text().toContain('Ditunggu');
      await lab.shot(desk, '20-expected-today');

      // The scanner is a keyboard: it types the code, then Enter.
      await desk.getByLabel('Kode janji (pindai QR)').click();
      await desk.keyboard.type(booked.id.toLowerCase());
      await desk.keyboard.press('Enter');
      const arrive = row.getByRole('button', { name: 'Tamu datang' });
      // Run in the page, as source (this file is compiled without the DOM's types).
      await expect
        .poll(() => desk.evaluate<string | null>('document.activeElement?.dataset.appointment ?? null'))
        .toBe(booked.id);
      await see(arrive).count().toBe(1);
      await desk.keyboard.press('Enter');

      await see(row).text().toContain('Sudah datang');
      const card = desk.locator('article.card', { has: desk.getByRole('heading', { name: 'Rina Kartika' }) });
      await see(card).text().toContain('BPS Provinsi Jawa Timur');
      const visits = (await lab.api('GET', '/visits?date=today')) as Array<Record<string, unknown>>;
      expect(visits.find((v) => v.appointmentId === booked.id)).toMatchObject({
        state: 'arrived',
        guestName: 'Rina Kartika',
        purposeCategory: 'rapat',
        purpose: 'Rapat data statistik',
      });
      await lab.shot(desk, '21-expected-arrived');
    });

    it('registers an expected guest at the desk and shows its code as a QR', async () => {
      await desk.getByRole('button', { name: '+ Daftarkan tamu terjadwal' }).click();
      const form = desk.getByRole('dialog', { name: 'Daftarkan tamu terjadwal' });
      await form.getByLabel('Nama tamu').fill('Hadi Susanto');
      await form.getByLabel('Instansi / asal').fill('Dinas PU Kota Batu');
      await form.getByLabel('Pihak yang ditemui').selectOption('kabag-umum');
      await form.getByLabel('Dari jam').fill('13:00');
      await form.getByLabel('Sampai jam').fill('14:00');
      await form.getByLabel('Jenis keperluan').selectOption({ label: 'Audiensi' });
      await form.getByRole('button', { name: 'Simpan janji' }).click();
      const code = form.locator('[data-appointment-code]');
      await see(code)
        .text()
        .toMatch(/^TJ-[0-9A-Z]{16}$/);
      await see(form.getByRole('img', { name: /^Kode janji TJ-/ }))
        .count()
        .toBe(1);
      await lab.shot(desk, '22-appointment-code');
      // Tomorrow by default (the form's day), not pre-approved (the desk booked it).
      expect(await lab.api('GET', `/appointments/${await code.textContent()}`)).toMatchObject({
        guestName: 'Hadi Susanto',
        date: '2026-12-01',
        from: '13:00',
        until: '14:00',
        purposeCategory: 'audiensi',
        preApproved: false,
      });
    });

    it("shows a security login today's expected guests, read-only, and no error notice", async () => {
      const booked = await lab.api('POST', '/appointments', {
        guest: { name: 'Yusuf Maulana', institution: 'Inspektorat Kota Malang', phone: '081234567890' },
        hostId: 'kabag-umum',
        date: '2026-11-30',
        from: '15:00',
        until: '16:00',
        purposeCategory: 'rapat',
      });
      await lab.user('keamanan', 'security');
      const officer = await (await lab.browser()).newPage();
      // Every refusal the panel met on its way, not only those it turned into a notice (a 401 is
      // the login page asking before the login).
      const refused: string[] = [];
      officer.on('response', (r) => {
        if (r.url().includes('/api/') && r.status() >= 400 && r.status() !== 401)
          refused.push(`${r.status()} ${r.url()}`);
      });
      await lab.login(officer, 'keamanan');
      const section = officer.locator('details.expected');
      // The sentinel: the list arrived, so the view's requests have been answered.
      const row = section.locator(`[data-appointment-row="${booked.id}"]`);
      await see(row).text().toContain('Yusuf Maulana');
      await officer.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      expect(await officer.locator('.toast.error').count()).toBe(0);
      expect(refused).toEqual([]);
      // Read-only (the desk makes the arrival), and no phone number.
      expect(await row.getByRole('button').count()).toBe(0);
      expect(await section.getByLabel('Kode janji (pindai QR)').count()).toBe(0);
      expect(await section.textContent()).not.toContain('081234567890');
    });
  },
);
