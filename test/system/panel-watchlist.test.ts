// The watchlist's flag at the desk in real Chromium (issue 14, item 5): security has an entry;
// the receptionist records an arrival whose name matches (another spelling, the same
// institution); the desk is told to call security, and is not told why.
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
  },
);
