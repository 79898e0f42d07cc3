// The watchlist in real Chromium (issue 14, item 5). The desk's flag: security has an entry;
// the receptionist records an arrival whose name matches (another spelling, the same
// institution); the desk is told to call security, and is not told why. Security's view: add,
// edit and remove entries (the document number never shown back), the live alerts, both
// languages; the desk has no such view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';
import { MONDAY_9AM } from '../support/gateway.js';

const ok = haveChromium();

describe.skipIf(!ok)(
  `web panel: watchlist flag in Chromium${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    beforeAll(async () => {
      lab = await startPanelLab();
      await lab.user('resepsionis', 'receptionist');
    }, 60_000);
    afterAll(async () => lab?.close());

    it('an arrival that matches the watchlist warns the desk, without the reason', async () => {
      await lab.api('POST', '/watchlist', {
        name: 'Djoko Prasetyo',
        institution: 'CV Sinar Abadi',
        reason: 'Membawa senjata tajam, Januari 2026',
        validUntil: MONDAY_9AM + 30 * 86_400_000,
      });
      const desk = await (await lab.browser()).newPage();
      await lab.login(desk, 'resepsionis');
      await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      await desk.keyboard.press('n');
      const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
      await arrival.getByLabel('Nama tamu').fill('Joko Prasetyo');
      await arrival.getByLabel('Instansi / asal').fill('Sinar Abadi');
      await arrival.getByLabel('Jenis keperluan').selectOption({ label: 'Koordinasi' });
      await arrival.getByLabel('Uraian keperluan').fill('Penawaran barang');
      await arrival.getByLabel('Pihak yang ditemui', { exact: true }).selectOption('kabag-umum');
      await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();
      const flag = desk.locator('.toast.error');
      await see(flag).text().toContain('cocok dengan daftar perhatian');
      // Read at once, while the notice is up (it goes after a few seconds).
      expect(await flag.textContent()).not.toContain('senjata');
      await lab.shot(desk, '31-watchlist-flag');
    });

    it('the badge dialog warns the desk when the document handed in matches an entry', async () => {
      const nik = '3578014107900001';
      await lab.api('POST', '/watchlist', {
        name: 'Hendra Saputra',
        institution: 'PT Lain Sekali',
        documentNumber: nik,
        reason: 'Dokumen dipakai orang lain, Februari 2026',
        validUntil: MONDAY_9AM + 30 * 86_400_000,
      });
      // An arrival under another name and institution: nothing matches until the document.
      const v = await lab.api('POST', '/visits', {
        guest: { name: 'Yusuf Maulana', institution: 'Dinas Perhubungan' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      });
      expect(v.watchlist).toBeUndefined();
      await lab.api('POST', `/visits/${v.id}/screening`, { passed: true });
      await lab.api('POST', `/visits/${v.id}/guestbook`, {});
      await lab.api('POST', `/visits/${v.id}/decision`, { outcome: 'accepted', rooms: [] });
      const desk = await (await lab.browser()).newPage();
      await lab.login(desk, 'resepsionis');
      await desk
        .locator('article.card', { has: desk.getByRole('heading', { name: 'Yusuf Maulana' }) })
        .getByRole('button', { name: 'Serahkan kartu' })
        .click();
      const badge = desk.getByRole('dialog', { name: 'Serahkan kartu tamu' });
      await badge.getByLabel('Dokumen identitas jaminan').selectOption('ktp');
      await badge.getByLabel('Nomor dokumen').fill(nik);
      await badge
        .getByLabel('Atau pilih kartu tanpa pembaca (tidak wajib)')
        .selectOption({ label: 'TAMU-05' });
      await badge.getByRole('button', { name: 'Serahkan kartu' }).click();
      await see(badge.getByRole('status')).text().toContain('Kartu terpasang: TAMU-05');
      const flag = badge.getByRole('alert').filter({ hasText: 'daftar perhatian' });
      await see(flag).text().toContain('cocok dengan daftar perhatian');
      expect(await badge.textContent()).not.toContain('dipakai orang lain');
      await lab.shot(desk, '33-watchlist-badge-flag');
    }, 60_000);

    it('security keeps the entries in their own view and sees the alerts live; the desk has no such view', async () => {
      await lab.user('keamanan', 'security');
      const officer = await (await lab.browser()).newPage();
      // Straight to the view (its menu entry is there).
      await lab.login(officer, 'keamanan', '/#/watchlist');
      await officer.getByRole('heading', { name: 'Daftar perhatian', level: 1 }).waitFor();
      expect(await officer.getByRole('link', { name: 'Daftar perhatian' }).count()).toBe(1);

      // Add: the document number goes to the server and is never shown again.
      await officer.getByRole('button', { name: '+ Tambah entri' }).click();
      const add = officer.getByRole('dialog', { name: 'Tambah entri daftar perhatian' });
      await add.getByLabel('Nama', { exact: true }).fill('Rudi Hartono');
      await add.getByLabel('Instansi / asal').fill('PT Cahaya Terang');
      await add.getByLabel('Nomor dokumen identitas (boleh kosong)').fill('3578014107900009');
      await add.getByLabel('Alasan').fill('Memaksa masuk ruang arsip, Mei 2026');
      await add.getByRole('button', { name: 'Simpan' }).click();
      const row = officer.locator('tr', { has: officer.getByText('Rudi Hartono', { exact: true }) });
      await see(row).text().toContain('Ada (tersimpan sebagai hash)');
      expect(await officer.content()).not.toContain('3578014107900009');
      const saved = (await lab.api('GET', '/watchlist')) as Array<{
        id: string;
        name: string;
        validUntil: number;
      }>;
      const rudi = saved.find((e) => e.name === 'Rudi Hartono')!;
      // The default validity: 90 days, to the end of that day.
      expect(rudi.validUntil).toBeGreaterThan(MONDAY_9AM + 89 * 86_400_000);

      // Edit: a new reason, the document kept (its field left empty).
      await row.getByRole('button', { name: 'Ubah: Rudi Hartono' }).click();
      const edit = officer.getByRole('dialog', { name: 'Ubah entri daftar perhatian' });
      await edit.getByLabel('Alasan').fill('Diperbarui: memaksa masuk ruang arsip');
      await edit.getByRole('button', { name: 'Simpan' }).click();
      await see(row).text().toContain('Diperbarui: memaksa masuk');
      await see(row).text().toContain('Ada (tersimpan sebagai hash)');

      // A matching arrival at the desk: the alert comes live, with the guest and what matched.
      const visit = await lab.api('POST', '/visits', {
        guest: { name: 'Drs. Rudi Hartono', institution: 'Cahaya Terang' },
        purpose: 'Koordinasi',
        hostId: 'kabag-umum',
      });
      expect(visit.watchlist).toBe(true);
      const alert = officer.locator(`li.watchlist-alert[data-visit="${visit.id}"]`);
      await see(alert).text().toContain('Drs. Rudi Hartono · Cahaya Terang');
      await see(alert).text().toContain('Cocok dengan: Rudi Hartono (nama dan instansi)');
      await see(alert).text().toContain('kedatangan di meja');
      await lab.shot(officer, '32-watchlist-view');

      // The same view in English.
      await officer.getByRole('button', { name: 'Switch to English' }).click();
      await officer.getByRole('heading', { name: 'Watchlist', level: 1 }).waitFor();
      await see(officer.locator(`li.watchlist-alert[data-visit="${visit.id}"]`))
        .text()
        .toContain('Matches: Rudi Hartono (name and institution)');
      await officer.getByRole('button', { name: 'Ganti ke Bahasa Indonesia' }).click();
      await officer.getByRole('heading', { name: 'Daftar perhatian', level: 1 }).waitFor();

      // Remove, after the confirmation.
      officer.once('dialog', (d) => void d.accept());
      await officer
        .locator('tr', { has: officer.getByText('Rudi Hartono', { exact: true }) })
        .getByRole('button', { name: 'Hapus: Rudi Hartono' })
        .click();
      await see(officer.locator('tr', { has: officer.getByText('Rudi Hartono', { exact: true }) }))
        .count()
        .toBe(0);
      expect(
        ((await lab.api('GET', '/watchlist')) as Array<{ name: string }>).some(
          (e) => e.name === 'Rudi Hartono',
        ),
      ).toBe(false);

      // The desk: no menu entry, and the address of the view lands on the desk's own view.
      const desk = await (await lab.browser()).newPage();
      await lab.login(desk, 'resepsionis', '/#/watchlist');
      await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      expect(await desk.getByRole('link', { name: 'Daftar perhatian' }).count()).toBe(0);
      expect(new URL(desk.url()).hash).not.toBe('#/watchlist');
      expect(await desk.getByRole('heading', { name: 'Daftar perhatian' }).count()).toBe(0);
    }, 90_000);
  },
);
