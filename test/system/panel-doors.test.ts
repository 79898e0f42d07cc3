// Facilities at the doors page in real headless Chromium: a remote unlock pulses the lock,
// and a lockdown refuses badges at that door until it is released. Screenshots go to
// test-results/panel/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: doors for facilities${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let page: Page;
  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.user('fasilitas', 'facilities');
    page = await (await lab.browser()).newPage();
    await lab.login(page, 'fasilitas');
    await page.goto(`${lab.url}/#/doors`);
  }, 60_000);
  afterAll(async () => lab?.close());

  const door = (id: string) => page.locator(`[data-door="${id}"]`);

  it('unlocks a door briefly: the lock pulses and the journal names the user', async () => {
    const before = lab.t.lock('pintu-utama').pulses;
    await door('pintu-utama').getByRole('button', { name: 'Buka sesaat' }).click();
    await expect.poll(() => lab.t.lock('pintu-utama').pulses).toBe(before + 1);
    const last = await lab.t.gateway.core.journal.page({ limit: 5, types: ['door.unlocked'] });
    expect(last.entries[0]?.actor.kind).toBe('user');
  });

  it('locks a room down: badges are refused there until the lockdown is released', async () => {
    const room = door('ruang-kabag');
    await room.getByRole('button', { name: 'Kunci darurat' }).click();
    await see(room).text().toContain('Penguncian');
    expect(lab.t.gateway.core.state.lockdown.doors.has('ruang-kabag')).toBe(true);
    const denied = await lab.tap('ruang-kabag-in', '04A1B2C3D4E501');
    expect(denied).toMatchObject({ granted: false, reason: 'lockdown' });
    // Unlocking a door in lockdown is refused by the gateway; the button is disabled meanwhile.
    expect(await room.getByRole('button', { name: 'Buka sesaat' }).isDisabled()).toBe(true);
    await lab.shot(page, '20-doors-lockdown');
    await room.getByRole('button', { name: 'Lepas penguncian' }).click();
    await expect.poll(() => lab.t.gateway.core.state.lockdown.doors.has('ruang-kabag')).toBe(false);
    await see(room.getByRole('button', { name: 'Kunci darurat' }))
      .text()
      .toContain('Kunci darurat');
  });
});
