// The admin's escort cards (issue 14, SOP step 6) in real headless Chromium: the section lists,
// enrols and revokes staff cards in Bahasa Indonesia, English on request.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: escort cards${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let admin: Page;

  beforeAll(async () => {
    lab = await startPanelLab();
    admin = await lab.userPage('pengelola', 'admin');
    await lab.login(admin, 'pengelola', '/#/admin');
  }, 60_000);
  afterAll(async () => lab?.close());

  it('enrols a card, lists it, and revokes it', async () => {
    const section = admin.locator('#a-escorts');
    await section.getByLabel('Nama pendamping').fill('Ani Protokol');
    await section.getByLabel('UID').fill('04:E5:C0:A7:00:00:01');
    await section.getByRole('button', { name: 'Daftarkan kartu pendamping' }).click();
    const row = section.locator('tr', { has: admin.getByText('Ani Protokol', { exact: true }) });
    await see(row).text().toContain('04E5C0A7000001');
    await see(row).text().toContain('Hanya bersama tamu');
    expect((await lab.api('GET', '/escorts')).map((e: { name: string }) => e.name)).toEqual(['Ani Protokol']);

    await admin.getByRole('button', { name: 'Switch to English' }).click();
    await see(row).text().toContain('Only with a guest');
    admin.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await see(section.locator('tr', { has: admin.getByText('Ani Protokol', { exact: true }) }))
      .count()
      .toBe(0);
    expect(await lab.api('GET', '/escorts')).toEqual([]);
  }, 60_000);
});
