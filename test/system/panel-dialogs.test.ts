// Every SOP dialog closes for good, in real headless Chromium (issue 13, "a stuck dialog"):
// after the gateway or the form refused what it was given, Batal, the × button and Esc each
// leave no <dialog> in the page, and the board under it takes the next click. A host in their
// own view, refusing and then cancelling, likewise.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';
import { badgedVisit } from '../support/gateway.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: dialogs close${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let desk: Page;

  const api: PanelLab['api'] = (method, url, payload, cookie) => lab.api(method, url, payload, cookie);
  const visit = async (name: string, to: 'awaiting_host' | 'accepted'): Promise<string> => {
    const v = await api('POST', '/visits', {
      guest: { name, institution: 'Dinas Perhubungan' },
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    });
    await api('POST', `/visits/${v.id}/screening`, { passed: true });
    await api('POST', `/visits/${v.id}/guestbook`, {});
    if (to === 'accepted') await api('POST', `/visits/${v.id}/decision`, { outcome: 'accepted', rooms: [] });
    return v.id;
  };
  const cardOn = (page: Page, name: string) =>
    page.locator('article.card', { has: page.getByRole('heading', { name, exact: true }) });

  /** Closes `dialog` the way `how` says; then nothing of it is left, and the page takes clicks. */
  async function closeAndCheck(page: Page, dialog: Locator, how: 'Batal' | '×' | 'Esc', next: Locator) {
    if (how === 'Esc') await page.keyboard.press('Escape');
    else if (how === '×') await dialog.getByRole('button', { name: 'Tutup dialog' }).click();
    else await dialog.getByRole('button', { name: 'Batal', exact: true }).click();
    await see(page.locator('dialog')).count().toBe(0);
    // The click reaches the board: Playwright refuses it while anything covers the button.
    await next.click({ timeout: 5000 });
    await see(page.getByRole('dialog')).count().toBe(1);
    await page.keyboard.press('Escape');
    await see(page.locator('dialog')).count().toBe(0);
  }

  beforeAll(async () => {
    lab = await startPanelLab();
    desk = await lab.userPage('resepsionis', 'receptionist');
    await lab.login(desk, 'resepsionis');
  }, 60_000);
  afterAll(async () => lab?.close());

  it('the decision dialog, after the gateway refused it (a host decided meanwhile), by Batal, × and Esc', async () => {
    const host = await lab.t.login('host');
    for (const how of ['Batal', '×', 'Esc'] as const) {
      const id = await visit(`Tamu ${how}`, 'awaiting_host');
      await visit(`Berikutnya ${how}`, 'awaiting_host');
      await see(cardOn(desk, `Berikutnya ${how}`))
        .count()
        .toBe(1);
      await cardOn(desk, `Tamu ${how}`).getByRole('button', { name: 'Keputusan pihak yang ditemui' }).click();
      const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
      await decision.getByLabel('Ditolak').check();
      await api('POST', `/visits/${id}/decision`, { outcome: 'refused' }, host);
      await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
      await see(decision.locator('p.error')).text().toContain('Gagal');
      await closeAndCheck(
        desk,
        decision,
        how,
        cardOn(desk, `Berikutnya ${how}`).getByRole('button', { name: 'Keputusan pihak yang ditemui' }),
      );
    }
  });

  it('the badge dialog, after the form refused the document number, by Batal', async () => {
    await visit('Tamu Kartu', 'accepted');
    await visit('Tamu Kartu Lain', 'accepted');
    await see(cardOn(desk, 'Tamu Kartu Lain')).count().toBe(1);
    await cardOn(desk, 'Tamu Kartu').getByRole('button', { name: 'Serahkan kartu' }).click();
    const badge = desk.getByRole('dialog', { name: 'Serahkan kartu tamu' });
    await badge.getByLabel('Dokumen identitas jaminan').selectOption('ktp');
    await badge.getByLabel('Nomor dokumen').fill('abcd');
    await badge.getByRole('button', { name: 'Serahkan kartu' }).click();
    await see(badge.locator('p.error')).text().toContain('NIK');
    await closeAndCheck(
      desk,
      badge,
      'Batal',
      cardOn(desk, 'Tamu Kartu Lain').getByRole('button', { name: 'Serahkan kartu' }),
    );
  });

  it('the checkout dialog waiting for the badge back, by Batal: its wait ends too', async () => {
    await badgedVisit(lab.t.gateway, { name: 'Tamu Keluar', badge: 'TAMU-05' });
    await badgedVisit(lab.t.gateway, { name: 'Tamu Keluar Lain', badge: 'TAMU-06' });
    await see(cardOn(desk, 'Tamu Keluar Lain')).count().toBe(1);
    await cardOn(desk, 'Tamu Keluar').getByRole('button', { name: 'Selesai bertamu' }).click();
    const checkout = desk.getByRole('dialog', { name: 'Selesai bertamu' });
    await expect
      .poll(() => lab.t.gateway.access.desk.holder('desk') !== undefined, { timeout: 10_000 })
      .toBe(true);
    await closeAndCheck(
      desk,
      checkout,
      'Batal',
      cardOn(desk, 'Tamu Keluar Lain').getByRole('button', { name: 'Selesai bertamu' }),
    );
    await expect
      .poll(() => lab.t.gateway.access.desk.holder('desk') === undefined, { timeout: 10_000 })
      .toBe(true);
  });

  it('a host refusing in their own view, then cancelling, by Batal', async () => {
    await lab.user('pejabat', 'host', 'kabag-umum');
    const page = await (await lab.browser()).newPage();
    await lab.login(page, 'pejabat');
    await visit('Tamu Pejabat', 'awaiting_host');
    await visit('Tamu Pejabat Lain', 'awaiting_host');
    await see(cardOn(page, 'Tamu Pejabat Lain')).count().toBe(1);
    await cardOn(page, 'Tamu Pejabat').getByRole('button', { name: 'Tolak' }).click();
    const decision = page.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await decision.getByLabel(/Alasan/).fill('Sedang rapat');
    await closeAndCheck(
      page,
      decision,
      'Batal',
      cardOn(page, 'Tamu Pejabat Lain').getByRole('button', { name: 'Tolak' }),
    );
  });
});
