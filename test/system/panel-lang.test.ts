// The Indonesian panel speaks one language (issue 13, wording): in real headless Chromium, every
// view and the SOP's dialogs show none of the English words or raw API field paths a new user
// met; the browser's own validation bubbles are replaced by the panel's sentences; dates are the
// panel's own field, written out in Bahasa Indonesia in the gateway's zone (the browser runs in
// UTC and its UI in English); the arrival asks for the purpose's category.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

/** English (or wrong) words the Indonesian desk must never show. */
const NOT_INDONESIAN: readonly RegExp[] = [
  /\bCheckout\b/i,
  /\bAdmin\b/,
  /\bWebhook\b/i,
  /\bgateway\b/i,
  /\(desk\)/,
  /\bPejabat\b/i,
  /\bLangsung\b/,
  /\bPlease\b/,
  /\bDecember\b/,
  /\bselect\b/i,
  /isian: [a-z]+[A-Z.]/,
];

/** Every text a person reads or hears on the page: text, options, labels for screen readers. */
async function words(page: Page): Promise<string> {
  // A string, run in the page: these tests are compiled without the DOM's types.
  return page.evaluate(`(() => {
    const out = [document.body.innerText];
    for (const el of document.querySelectorAll('option, [aria-label], [title], [placeholder]')) {
      out.push(el.textContent ?? '');
      for (const a of ['aria-label', 'title', 'placeholder']) out.push(el.getAttribute(a) ?? '');
    }
    return out.join('\\n');
  })()`);
}

function english(text: string): string[] {
  const found: string[] = [];
  for (const re of NOT_INDONESIAN) {
    const m = re.exec(text);
    if (m) found.push(`${re}: …${text.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, ' ')}…`);
  }
  return found;
}

describe.skipIf(!ok)(`web panel: one language${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let desk: Page;
  let admin: Page;

  const api: PanelLab['api'] = (method, url, payload) => lab.api(method, url, payload);
  const visit = async (name: string, to: 'awaiting_host' | 'badged'): Promise<string> => {
    const v = await api('POST', '/visits', {
      guest: { name, institution: 'Dinas Perhubungan' },
      purpose: 'Rapat koordinasi angkutan',
      hostId: 'kabag-umum',
    });
    await api('POST', `/visits/${v.id}/screening`, { passed: true });
    await api('POST', `/visits/${v.id}/guestbook`, {});
    if (to === 'badged') {
      await api('POST', `/visits/${v.id}/decision`, { outcome: 'accepted', rooms: [] });
      await api('POST', `/visits/${v.id}/badge`, {
        badge: 'TAMU-01',
        collateral: { type: 'ktp', number: '3578014107900001' },
      });
    }
    return v.id;
  };
  const card = (name: string) => desk.locator('article.card', { has: desk.getByRole('heading', { name }) });

  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.user('resepsionis', 'receptionist');
    await lab.user('pengelola', 'admin');
    await lab.user('pak-kabag', 'host', 'kabag-umum');
    await visit('Agus Salim', 'awaiting_host');
    await visit('Rina Wulandari', 'badged');
    desk = await (await lab.browser()).newPage();
    admin = await (await lab.browser()).newPage();
    await lab.login(desk, 'resepsionis');
    await lab.login(admin, 'pengelola');
  }, 60_000);
  afterAll(async () => lab?.close());

  it('the desk, its dialogs and every view show no English word', async () => {
    await card('Rina Wulandari').waitFor();
    await see(desk.locator('.live')).text().toBe('Terhubung');
    const seen: Record<string, string[]> = { desk: english(await words(desk)) };

    await desk.getByRole('button', { name: /Tamu datang/ }).click();
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    await arrival.waitFor();
    seen.arrival = english(await words(desk));
    await arrival.getByRole('button', { name: 'Batal' }).click();

    await card('Agus Salim').getByRole('button', { name: 'Keputusan pihak yang ditemui' }).click();
    const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await decision.getByLabel(/tidak di tempat/).check();
    seen.decision = english(await words(desk));
    await decision.getByRole('button', { name: 'Batal' }).click();

    await card('Rina Wulandari').getByRole('button', { name: 'Selesai bertamu' }).click();
    const checkout = desk.getByRole('dialog', { name: 'Selesai bertamu' });
    await checkout.waitFor();
    seen.checkout = english(await words(desk));
    await checkout.getByRole('button', { name: 'Tutup dialog' }).click();

    for (const [view, heading] of [
      ['doors', 'Pintu'],
      ['people', 'Orang di dalam'],
      ['recap', 'Rekap bulanan'],
      ['watchlist', 'Daftar perhatian'],
      ['admin', 'Administrasi'],
    ] as const) {
      await admin.goto(`${lab.url}/#/${view}`);
      await admin.getByRole('heading', { name: heading, exact: true }).first().waitFor();
      await admin.waitForLoadState('networkidle');
      seen[view] = english(await words(admin));
    }
    // The host's own view, with the visit waiting for them.
    const host = await (await lab.browser()).newPage();
    await lab.login(host, 'pak-kabag');
    await host.getByRole('heading', { name: 'Agus Salim' }).waitFor();
    seen.host = english(await words(host));
    await host.context().close();
    expect(seen).toEqual({
      host: [],
      desk: [],
      arrival: [],
      decision: [],
      checkout: [],
      doors: [],
      people: [],
      recap: [],
      watchlist: [],
      admin: [],
    });
  }, 90_000);

  it("names the field of an API error in the form's words, never as the raw path", async () => {
    await admin.goto(`${lab.url}/#/admin`);
    const users = admin.locator('section', { has: admin.getByRole('heading', { name: 'Pengguna' }) });
    await users.getByLabel('Nama pengguna').fill('resepsionis');
    await users.getByLabel('Kata sandi', { exact: false }).first().fill('kata sandi panjang sekali');
    await users.getByRole('button', { name: 'Tambah' }).click();
    const toast = admin.locator('.toast.error').last();
    await see(toast).text().toContain('Bertentangan dengan data yang sudah ada (isian: nama pengguna)');
    expect(await toast.textContent()).not.toMatch(/username/);
  });

  it("replaces the browser's validation bubble by the panel's sentence", async () => {
    await desk.getByRole('button', { name: /Tamu datang/ }).click();
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    await arrival.getByLabel('Nama tamu').fill('Siti Rahayu');
    await arrival.getByLabel('Instansi / asal').fill('Dinas Kominfo');
    await arrival.getByLabel('Uraian keperluan').fill('Rapat persiapan');
    await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();
    // The first control left empty is the purpose's category: the message the browser shows is
    // the panel's, in Bahasa Indonesia (Chromium's own would be "Please select an item in the list.").
    const category = arrival.getByLabel('Jenis keperluan');
    await see(category).attr('data-panel-validity').toBe('yes');
    expect(await category.evaluate((el: { validationMessage: string }) => el.validationMessage)).toBe(
      'Pilih salah satu dari daftar.',
    );
    await category.selectOption({ label: 'Rapat' });
    expect(await category.evaluate((el: { validationMessage: string }) => el.validationMessage)).toBe('');
    await arrival.getByRole('button', { name: 'Batal' }).click();
  });

  it('asks for the category at arrival and shows it on the card', async () => {
    await desk.getByRole('button', { name: /Tamu datang/ }).click();
    const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
    await arrival.getByLabel('Nama tamu').fill('Budi Santoso');
    await arrival.getByLabel('Instansi / asal').fill('Bappeda');
    await arrival.getByLabel('Jenis keperluan').selectOption({ label: 'Audiensi' });
    await arrival.getByLabel('Uraian keperluan').fill('Audiensi dengan Kepala Bagian');
    await arrival.getByRole('button', { name: 'Catat kedatangan' }).click();
    await arrival.waitFor({ state: 'hidden' });
    await see(card('Budi Santoso').locator('.purpose'))
      .text()
      .toBe('Audiensi · Audiensi dengan Kepala Bagian');
    const list = (await api('GET', '/visits?date=today')) as Array<{
      guestName: string;
      purposeCategory?: string;
    }>;
    expect(list.find((v) => v.guestName === 'Budi Santoso')?.purposeCategory).toBe('audiensi');
  });

  it('writes dates out in Bahasa Indonesia in its own field, in the gateway zone', async () => {
    await card('Agus Salim').getByRole('button', { name: 'Keputusan pihak yang ditemui' }).click();
    const decision = desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await decision.getByLabel(/tidak di tempat/).check();
    const date = decision.getByRole('group', { name: 'Tanggal kunjungan ulang' });
    // Monday 30 November 2026 in Jakarta: the next office day is Tuesday 1 December.
    await see(date.locator('output')).text().toBe('Selasa, 1 Desember 2026');
    await see(date.getByLabel('Bulan').locator('option:checked')).text().toBe('Desember');
    expect(await date.locator('input[type=date], input[type=month]').count()).toBe(0);
    // Days before today are offered disabled: Monday 30 November is today, 29 November is past.
    await date.getByLabel('Bulan').selectOption({ label: 'November' });
    await see(date.getByLabel('Tanggal', { exact: true }).locator('option[value="29"]'))
      .disabled()
      .toBe(true);
    await see(date.getByLabel('Tanggal', { exact: true }).locator('option[value="30"]'))
      .disabled()
      .toBe(false);
    await date.getByLabel('Bulan').selectOption({ label: 'Desember' });
    // Keyboard: the day select takes a typed number.
    await date.getByLabel('Tanggal', { exact: true }).focus();
    await desk.keyboard.press('Home');
    await see(date.locator('output')).text().toBe('Selasa, 1 Desember 2026');
    await desk.keyboard.type('3');
    await see(date.locator('output')).text().toBe('Kamis, 3 Desember 2026');
    await lab.shot(desk, 'lang-01-date-field');
    await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
    await see(desk.locator('details.done')).text().toContain('Dijadwalkan ulang ke Kamis, 3 Desember 2026');

    await desk.goto(`${lab.url}/#/recap`);
    const month = desk.getByRole('group', { name: 'Bulan' });
    await see(month.locator('output')).text().toBe('November 2026');
    await lab.shot(desk, 'lang-02-recap-month-field');
    expect(await desk.locator('input[type=date], input[type=month]').count()).toBe(0);
  });
});
