// Facilities at the doors and people pages in real headless Chromium: a remote unlock pulses
// the lock, a lockdown refuses badges at that door until it is released, and who is inside
// prints as an evacuation roll call (the print rendered to PDF by Chromium, read back with
// pdftotext). Screenshots and the PDF go to test-results/panel/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, SHOTS, see, startPanelLab } from '../support/browser.js';
import { badgedVisit } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const ok =
  haveChromium() &&
  requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext'));

describe.skipIf(!ok)(
  `web panel: doors and people for facilities${ok ? '' : ' [skipped: no chromium or pdftotext]'}`,
  () => {
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
      await expect.poll(() => lab.t.lock('pintu-utama').pulses, { timeout: 15_000 }).toBe(before + 1);
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
      // Who set it is shown; facilities may set a lockdown but not release it (life safety).
      await see(room)
        .text()
        .toMatch(/Penguncian darurat · Fasilitas \d\d[.:]\d\d/);
      expect(await room.getByRole('button', { name: 'Lepas penguncian' }).isDisabled()).toBe(true);
      await lab.shot(page, '20-doors-lockdown');
      // Security (here the admin's token) releases it; the facilities page follows live.
      const res = await fetch(`${lab.url}/api/v1/doors/ruang-kabag/lockdown`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lab.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ active: false }),
      });
      expect(res.status).toBe(200);
      await expect
        .poll(() => lab.t.gateway.core.state.lockdown.doors.has('ruang-kabag'), { timeout: 15_000 })
        .toBe(false);
      await see(room.getByRole('button', { name: 'Kunci darurat' }))
        .text()
        .toContain('Kunci darurat');
    });

    it('names a tap by its badge label, never its UID (issue 13)', async () => {
      // TAMU-02 is in the pool but not issued: refused, and named.
      expect(await lab.tap('pintu-utama-in', '04A1B2C3D4E502')).toMatchObject({ granted: false });
      const events = page.locator('ol.events');
      await see(events).text().toContain('TAMU-02');
      expect(await events.textContent()).not.toContain('04A1B2C3D4E502');
    });

    it('prints who is inside as an evacuation roll call', async () => {
      const g = lab.t.gateway;
      const v = await badgedVisit(g, {
        name: 'Siti Rahayu',
        institution: 'Dinas Kominfo',
        badge: 'TAMU-03',
        rooms: ['ruang-kabag'],
      });
      expect(await lab.tap('pintu-utama-in', '04A1B2C3D4E503')).toMatchObject({
        granted: true,
        visitId: v.id,
      });
      // The room has no out-reader: the roll call says where the guest was last seen (issue 13).
      expect(await lab.tap('ruang-kabag-in', '04A1B2C3D4E503')).toMatchObject({ granted: true });

      await page.goto(`${lab.url}/#/people`);
      const main = page.locator('main');
      await see(main).text().toContain('Di dalam gedung: 1');
      await see(main.locator('table').first()).text().toContain('Siti Rahayu');
      const title = page.getByText('Daftar hadir evakuasi · Biro Umum');
      expect(await title.isVisible()).toBe(false); // on screen: the page's own heading only

      await page.emulateMedia({ media: 'print' });
      try {
        // The print: the roll call's title and time, no navigation, no buttons.
        expect(await title.isVisible()).toBe(true);
        expect(await page.getByText(/^Dicetak: /).isVisible()).toBe(true);
        expect(await page.locator('header.top').isVisible()).toBe(false);
        expect(await page.getByRole('button', { name: /Cetak/ }).isVisible()).toBe(false);
        const file = join(SHOTS, '21-roll-call.pdf');
        await page.pdf({ path: file, format: 'A4', printBackground: true });
        const { stdout } = await run('pdftotext', ['-layout', file, '-']);
        const text = stdout.replace(/[ \t]+/g, ' ');
        expect(text).toContain('Daftar hadir evakuasi · Biro Umum');
        expect(text).toMatch(/Dicetak: \S/);
        // The area column wraps on A4: its first line is enough to know where to look.
        expect(text).toMatch(/1 Siti .* TAMU-\S* Gedung › Ruang Kepala Bagian/);
        expect(text).not.toContain('Buka sesaat');
      } finally {
        await page.emulateMedia({ media: null });
      }
    });
  },
);
