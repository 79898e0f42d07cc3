// Issue 13, in real headless Chromium: the host link beside a QR code drawn in the page and a
// WhatsApp share link (no request leaves the gateway's origin); a host's decision highlights
// its card at the desk until the desk has had it in view a few seconds, with a chime the desk
// can turn on (remembered); the doors view names a tap's badge and guest.
import type { Page } from 'playwright-core';
import { create } from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';
import { badgedVisit } from '../support/gateway.js';

const ok = haveChromium();

describe.skipIf(!ok)(
  `web panel: host links and desk notices${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    let desk: Page;
    /** Every URL the desk's page asked for. */
    const requested: string[] = [];
    const cspViolations: string[] = [];

    const api: PanelLab['api'] = (method, url, payload, cookie) => lab.api(method, url, payload, cookie);
    /** A visit brought to awaiting_host through the API. */
    const awaitingHost = async (name: string): Promise<string> => {
      const v = await api('POST', '/visits', {
        guest: { name, institution: 'Dinas Perhubungan' },
        purpose: 'Rapat koordinasi',
        hostId: 'kabag-umum',
      });
      await api('POST', `/visits/${v.id}/screening`, { passed: true });
      await api('POST', `/visits/${v.id}/guestbook`, {});
      return v.id;
    };
    const card = (name: string) =>
      desk.locator('article.card', { has: desk.getByRole('heading', { name, exact: true }) });

    beforeAll(async () => {
      lab = await startPanelLab();
      await lab.user('resepsionis', 'receptionist');
      const ctx = await lab.browser();
      // Counts the tones the Web Audio API is asked for: the chime is heard by nobody here.
      await ctx.addInitScript(`
      window.oscillators = 0;
      const make = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () {
        window.oscillators++;
        return make.call(this);
      };
    `);
      desk = await ctx.newPage();
      desk.on('request', (r) => requested.push(r.url()));
      desk.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await lab.login(desk, 'resepsionis');
    }, 60_000);
    afterAll(async () => lab?.close());

    it('shows the host link as a QR code drawn in the page and a WhatsApp link, fetching nothing outside', async () => {
      await awaitingHost('Agus Salim');
      await card('Agus Salim').getByRole('button', { name: 'Tautan untuk pihak yang ditemui' }).click();
      const dialog = desk.getByRole('dialog', { name: 'Tautan persetujuan untuk pihak yang ditemui' });
      const link = dialog.getByRole('textbox', { name: 'Tautan persetujuan untuk pihak yang ditemui' });
      await see(link).value().toContain('/#/link/');
      const url = await link.inputValue();
      const qr = dialog.getByRole('img', { name: /Kode QR tautan persetujuan/ });
      await see(qr).count().toBe(1);
      // The symbol is the link's own: its size is that of the link encoded at level M, plus the quiet zone.
      const side = create(url, { errorCorrectionLevel: 'M' }).modules.size + 8;
      expect(await qr.getAttribute('viewBox')).toBe(`0 0 ${side} ${side}`);
      // Every dark module of the symbol, and nothing else, is drawn (runs of a row as rectangles).
      const { modules } = create(url, { errorCorrectionLevel: 'M' });
      const want = new Set<string>();
      for (let y = 0; y < modules.size; y++)
        for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) want.add(`${x + 4},${y + 4}`);
      const drawn = new Set<string>();
      const d = (await qr.locator('path').getAttribute('d')) ?? '';
      for (const [, x, y, w] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g))
        for (let i = 0; i < Number(w); i++) drawn.add(`${Number(x) + i},${y}`);
      expect(drawn.size).toBe(want.size);
      expect([...want].every((cell) => drawn.has(cell))).toBe(true);
      const wa = dialog.getByRole('link', { name: 'Kirim lewat WhatsApp' });
      const href = (await wa.getAttribute('href')) ?? '';
      expect(href.startsWith('https://wa.me/?text=')).toBe(true);
      const message = decodeURIComponent(href.slice('https://wa.me/?text='.length));
      expect(message).toContain('Agus Salim');
      expect(message).toContain('menunggu keputusan Anda');
      expect(message).toContain(url);
      expect(await wa.getAttribute('rel')).toContain('noopener');
      await lab.shot(desk, '30-host-link-qr');
      await dialog.getByRole('button', { name: 'Tutup', exact: true }).click();

      // With the host's phone in the directory, the chat opens to the host.
      await api('PUT', '/hosts/kabag-umum', {
        name: 'Kepala Bagian Umum',
        unit: 'Bagian Umum',
        rooms: ['ruang-kabag'],
        contact: '0812-3456-7890',
      });
      await desk.reload();
      await card('Agus Salim').getByRole('button', { name: 'Tautan untuk pihak yang ditemui' }).click();
      const toHost = desk.getByRole('link', { name: 'Kirim lewat WhatsApp ke 0812-3456-7890' });
      await see(toHost)
        .attr('href')
        .toMatch(/^https:\/\/wa\.me\/6281234567890\?text=/);
      await desk.getByRole('dialog').getByRole('button', { name: 'Tutup', exact: true }).click();

      expect(requested.filter((u) => !u.startsWith(lab.url))).toEqual([]);
      expect(cspViolations).toEqual([]);
    });

    it("highlights a host's decision on its card, with the chime the desk turned on, until the desk has seen it", async () => {
      const toggle = desk.getByLabel('Bunyi saat pihak yang ditemui memutuskan');
      await see(toggle).checked().toBe(false);
      await toggle.check();
      // Remembered by this browser.
      await desk.reload();
      await see(desk.getByLabel('Bunyi saat pihak yang ditemui memutuskan')).checked().toBe(true);

      const id = await awaitingHost('Rina Wulandari');
      await see(card('Rina Wulandari')).count().toBe(1);
      // The desk's window is in the background: time there does not count as seen.
      await desk.clock.install();
      await desk.evaluate('document.hasFocus = () => false');
      const host = await lab.t.login('host');
      await api('POST', `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] }, host);
      const rina = card('Rina Wulandari');
      await see(rina).attr('class').toContain('notice');
      await see(rina).text().toContain('Keputusan baru');
      await see(desk.getByRole('status').filter({ hasText: 'Keputusan pihak yang ditemui masuk' }))
        .text()
        .toContain('Rina Wulandari · Diterima');
      await expect.poll(() => desk.evaluate('window.oscillators')).toBe(2);
      await lab.shot(desk, '31-desk-decision-notice');
      await desk.clock.runFor(60_000);
      expect(await rina.getAttribute('class')).toContain('notice');
      // In front again: a few seconds (display.noticeSeconds) in view, and the highlight goes.
      await desk.evaluate('document.hasFocus = () => true');
      await desk.clock.runFor(lab.t.config.display.noticeSeconds * 1000 + 1000);
      await see(rina).attr('class').not.toContain('notice');
      expect(await rina.textContent()).not.toContain('Keputusan baru');

      // A refusal: the visit is in the finished list, and that row is highlighted.
      const refused = await awaitingHost('Sari Dewi');
      await see(card('Sari Dewi')).count().toBe(1);
      await api('POST', `/visits/${refused}/decision`, { outcome: 'refused' }, host);
      const row = desk.locator(`li[data-visit="${refused}"]`);
      await see(row).attr('class').toContain('notice');
      await see(row).text().toContain('Keputusan baru');
      await expect.poll(() => desk.evaluate('window.oscillators')).toBe(4);

      // A decision the desk records itself is no news to it: no highlight, no chime.
      const own = await awaitingHost('Dewi Lestari');
      await api('POST', `/visits/${own}/decision`, { outcome: 'refused' });
      await see(desk.locator(`li[data-visit="${own}"]`))
        .count()
        .toBe(1);
      expect(await desk.locator(`li[data-visit="${own}"]`).getAttribute('class')).toBeNull();
      expect(await desk.evaluate('window.oscillators')).toBe(4);
    });

    it("names a door tap's badge and guest in the doors view", async () => {
      await lab.user('keamanan', 'security');
      const page = await (await lab.browser()).newPage();
      await lab.login(page, 'keamanan', '/#/doors');
      await page.goto(`${lab.url}/#/doors`);
      await badgedVisit(lab.t.gateway, { name: 'Budi Santoso', badge: 'TAMU-03' });
      const uid = [...lab.t.gateway.core.state.badges.values()].find((b) => b.label === 'TAMU-03')!.uid;
      await lab.tap('pintu-utama-in', uid);
      const events = page.locator('ol.events');
      // display.guestName is "initials" by default: the name as MQTT carries it.
      await see(events).text().toContain('TAMU-03 · B. S.');
      expect(await events.textContent()).not.toContain(uid);
      expect(await events.textContent()).not.toContain('Budi Santoso');
      await lab.shot(page, '32-doors-named');
    });
  },
);
