// The panel's refusals of a document number and a reschedule date (issue 13, item 5), in real
// headless Chromium: the badge form checks the number against its type before it sends and
// names the rule in Bahasa Indonesia (or English); a reschedule to a past day that reaches the
// gateway comes back as the rule, worded in the panel's language, and nothing is recorded.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

/** What a test needs of an element inside the page (the tests are compiled without the DOM). */
type Html = { insertAdjacentHTML(where: string, html: string): void };

describe.skipIf(!ok)(
  `web panel: document numbers and dates${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    let desk: Page;

    const api: PanelLab['api'] = (method, url, payload) => lab.api(method, url, payload);
    /** A visit brought to awaiting_host, or accepted, through the API. */
    const visit = async (name: string, accepted: boolean): Promise<string> => {
      const v = await api('POST', '/visits', {
        guest: { name, institution: 'Dinas Perhubungan' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      });
      await api('POST', `/visits/${v.id}/screening`, { passed: true });
      await api('POST', `/visits/${v.id}/guestbook`, {});
      if (accepted) await api('POST', `/visits/${v.id}/decision`, { outcome: 'accepted', rooms: [] });
      return v.id;
    };
    const card = (name: string) => desk.locator('article.card', { has: desk.getByRole('heading', { name }) });

    beforeAll(async () => {
      lab = await startPanelLab();
      desk = await lab.userPage('resepsionis', 'receptionist');
    }, 60_000);
    afterAll(async () => lab?.close());

    it('the badge form refuses a KTP number that is no NIK, naming the rule; a passport is offered', async () => {
      const id = await visit('Rina Wulandari', true);
      await lab.login(desk, 'resepsionis');
      await card('Rina Wulandari').getByRole('button', { name: 'Serahkan kartu' }).click();
      const badge = desk.getByRole('dialog', { name: 'Serahkan kartu tamu' });
      await badge.getByLabel('Dokumen identitas jaminan').selectOption('ktp');
      const number = badge.getByLabel('Nomor dokumen');
      const submit = badge.getByRole('button', { name: 'Serahkan kartu' });
      const error = badge.locator('p.error');

      await number.fill('abcd');
      await submit.click();
      await see(error).text().toContain('NIK terdiri dari 16 angka');
      // The field in the form's words, never the API's path.
      await see(error).text().toContain('(isian: nomor dokumen)');
      expect(await error.textContent()).not.toContain('collateral.number');
      await number.fill('9978014107900001');
      await submit.click();
      await see(error).text().toContain('dua angka pertama NIK adalah kode provinsi');
      await number.fill('3578013207900001');
      await submit.click();
      await see(error).text().toContain('tanggal lahir');
      // Nothing reached the gateway: the visit still waits for its badge.
      expect((await api('GET', `/visits/${id}`)).state).toBe('accepted');
      // A passport is one of the documents; a foreign guest's is taken.
      await see(badge.getByLabel('Dokumen identitas jaminan').locator('option[value="passport"]'))
        .text()
        .toBe('Paspor');
      await lab.shot(desk, '20-badge-bad-nik');
    });

    it('a past reschedule date that reaches the gateway is refused with the rule, in Indonesian', async () => {
      const id = await visit('Agus Salim', false);
      await desk.reload();
      await card('Agus Salim').getByRole('button', { name: 'Keputusan pihak yang ditemui' }).click();
      const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
      await decision.getByLabel('Pihak yang ditemui tidak di tempat: jadwalkan ulang').check();
      const date = decision.getByRole('group', { name: 'Tanggal kunjungan ulang' });
      // The date field offers this year on; a stale page (opened last year) or a slip still can.
      const year = date.getByLabel('Tahun');
      await year.evaluate((el: Html) =>
        el.insertAdjacentHTML('afterbegin', '<option value="2020">2020</option>'),
      );
      await year.selectOption('2020');
      await date.getByLabel('Bulan').selectOption({ label: 'Januari' });
      await date.getByLabel('Tanggal', { exact: true }).selectOption('1');
      await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
      await see(decision.locator('p.error')).text().toContain('tanggal tidak boleh sebelum hari ini');
      await year.evaluate((el: Html) =>
        el.insertAdjacentHTML('beforeend', '<option value="2099">2099</option>'),
      );
      await year.selectOption('2099');
      await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
      await see(decision.locator('p.error')).text().toContain('tanggal terlalu jauh ke depan');
      expect((await api('GET', `/visits/${id}`)).state).toBe('awaiting_host');
    });

    it('in English the same rules are in English', async () => {
      await desk.reload();
      await desk.getByRole('button', { name: 'Switch to English' }).click();
      await card('Rina Wulandari').getByRole('button', { name: 'Hand over badge' }).click();
      const badge = desk.getByRole('dialog', { name: 'Hand over the visitor badge' });
      await badge.getByLabel('Identity document held').selectOption('sim');
      await badge.getByLabel('Document number').fill('1234567890');
      await badge.getByRole('button', { name: 'Hand over badge' }).click();
      await see(badge.locator('p.error'))
        .text()
        .toContain('a SIM number is 12 digits (14 on the newer cards)');
    });
  },
);
