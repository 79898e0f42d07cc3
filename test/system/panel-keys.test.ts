// The desk from the keyboard, in real headless Chromium against a real gateway on 127.0.0.1:
// one visit from arrival to badge without the mouse (key presses counted), where focus lands
// after each dialog, arrow keys between cards, the "?" help, no shortcut while typing; the
// compact table at 1024x768 (no horizontal scroll, search, the documents-at-the-desk counter);
// the focus ring's contrast computed from Chromium's computed style; toasts capped on a phone.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visit } from '../../src/domain/types.js';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';
import { badgedVisit } from '../support/gateway.js';

const TAMU_03 = '04A1B2C3D4E503';
const ok = haveChromium();
const actor = { kind: 'system' as const, id: 'test' };

/** WCAG relative luminance of an `rgb(...)`/`rgba(...)` colour, and the contrast of two. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * Every focusable element matched by `selector` (visible), focused from the keyboard's modality:
 * the focus ring's colour (outline, or the box-shadow a ring may be drawn with) and the opaque
 * background it is drawn over (the nearest ancestor's, since the ring sits outside the element).
 */
async function rings(page: Page, selector: string) {
  // A key press first: Chromium shows :focus-visible for programmatic focus after keyboard use.
  await page.keyboard.press('Shift');
  // Run in the page, as source (this file is compiled without the DOM's types).
  return page.evaluate<Array<{ what: string; visible: boolean; ring: string; background: string }>>(`(() => {
    const out = [];
    for (const el of document.querySelectorAll(${JSON.stringify(selector)})) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || el.closest('[hidden]')) continue;
      el.focus();
      if (document.activeElement !== el) continue;
      const cs = getComputedStyle(el);
      let ring = '';
      if (cs.outlineStyle !== 'none' && Number.parseFloat(cs.outlineWidth) > 0) ring = cs.outlineColor;
      else ring = (/rgba?\\([^)]*\\)/.exec(cs.boxShadow) || [''])[0];
      let background = 'rgb(255, 255, 255)';
      for (let p = el.parentElement; p; p = p.parentElement) {
        const bg = getComputedStyle(p).backgroundColor;
        const alpha = (/rgba\\([^)]*,\\s*([\\d.]+)\\)/.exec(bg) || [])[1];
        if (bg !== 'transparent' && (alpha === undefined || Number(alpha) === 1)) {
          background = bg;
          break;
        }
      }
      const what = el.tagName.toLowerCase() + '.' + el.className + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
      out.push({ what, visible: el.matches(':focus-visible'), ring, background });
    }
    return out;
  })()`);
}

describe.skipIf(!ok)(
  `web panel: the desk from the keyboard${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    let desk: Page;
    beforeAll(async () => {
      lab = await startPanelLab();
      desk = await lab.userPage('resepsionis', 'receptionist');
      await desk.setViewportSize({ width: 1366, height: 768 });
      await lab.login(desk, 'resepsionis');
      await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
    }, 60_000);
    afterAll(async () => lab?.close());

    /** Where the focus is: the visit of the card (or row) holding it, and the column it is in. */
    const focus = (page: Page) =>
      page.evaluate<{ visit: string | null; onCard: boolean; column: string | null }>(`(() => {
      const el = document.activeElement;
      const column = el && el.closest('section.column');
      return {
        visit: (el && el.closest('[data-visit]') && el.closest('[data-visit]').getAttribute('data-visit')) || null,
        onCard: !!el && el.matches('[data-visit]'),
        column: column ? column.querySelector('h2').firstChild.textContent : null,
      };
    })()`);
    const focusIs = (page: Page, want: { visit: string; column?: string }) =>
      expect
        .poll(() => focus(page), { timeout: 10_000, interval: 50 })
        .toMatchObject({ ...want, onCard: true });
    const visitNamed = async (name: string) =>
      (await lab.t.gateway.visits.list({})).find((v: Visit) => v.guestName === name)!;

    it('runs one visit from arrival to badge without the mouse: 18 key presses besides the typed text', async () => {
      let presses = 0;
      let typed = 0;
      const press = async (key: string) => {
        presses++;
        await desk.keyboard.press(key);
      };
      const type = async (text: string) => {
        typed += text.length;
        await desk.keyboard.type(text);
      };

      // Arrival: N, then the fields in order; Ctrl+Enter saves from the purpose's text area.
      await press('n');
      const arrival = desk.getByRole('dialog', { name: 'Tamu datang' });
      await see(arrival.getByLabel('Nama tamu')).attr('id').toBeTruthy();
      await type('Rina Wulandari');
      await press('Tab');
      await type('Bappeda Kota Malang');
      await press('Tab');
      await press('Tab');
      // The purpose's category (a select: its first letter picks it), then the purpose in words.
      await press('k');
      await press('Tab');
      await type('Studi banding');
      await press('Control+Enter');
      await arrival.waitFor({ state: 'hidden' });
      const v = await visitNamed('Rina Wulandari');
      // Focus lands on the new visit's card.
      await focusIs(desk, { visit: v.id, column: 'Pemeriksaan' });

      // Screening: Enter on the card opens it; "Semua sesuai" is the focused default: Enter.
      await press('Enter');
      const screening = desk.getByRole('dialog', { name: 'Keperluan dan pemeriksaan' });
      await see(screening.getByRole('button', { name: 'Semua sesuai' }))
        .attr('class')
        .toContain('primary');
      await press('Enter');
      await screening.waitFor({ state: 'hidden' });
      // The card moved and its column is empty: focus follows it.
      await focusIs(desk, { visit: v.id, column: 'Buku tamu' });

      // Guest book: Enter on the card, Enter to record.
      await press('Enter');
      const book = desk.getByRole('dialog', { name: 'Salam dan buku tamu' });
      await book.waitFor();
      await press('Enter');
      await book.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: v.id, column: 'Menunggu pihak yang ditemui' });

      // The host's decision phoned in: accepted with the host's room (the default), Ctrl+Enter;
      // the keypad code's "Selesai" is focused: Enter.
      await press('Enter');
      await desk.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' }).waitFor();
      await press('Control+Enter');
      const code = desk.getByRole('dialog', { name: 'Kode akses ruang' });
      await code.waitFor();
      await press('Enter');
      await code.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: v.id, column: 'Serahkan kartu' });

      // Badge: Enter; the document type (KTP) is first; Tab to the number, type it, Enter; the
      // badge is tapped on the desk reader; "Selesai" is focused: Enter.
      await press('Enter');
      const badge = desk.getByRole('dialog', { name: 'Serahkan kartu tamu' });
      await see(badge.getByLabel('Dokumen identitas jaminan')).value().toBe('ktp');
      await press('Tab');
      await type('3578014107900001');
      await press('Enter');
      await see(badge).text().toContain('Menunggu kartu');
      await lab.tapUntil('desk', TAMU_03, badge, 'Kartu terpasang: TAMU-03');
      await press('Enter');
      await badge.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: v.id, column: 'Sedang berkunjung' });
      await lab.shot(desk, '20-keyboard-badged');

      // The SOP's record is the same as with the ticks and the confirm dialog.
      const done = await lab.t.gateway.visits.find(v.id);
      expect(done).toMatchObject({ state: 'badged', screening: { passed: true, reasons: [] } });
      expect(done?.guestbook?.at).toBeGreaterThan(0);
      const res = await fetch(`${lab.url}/api/v1/events?type=visit.screened,visit.guestbook`, {
        headers: { authorization: `Bearer ${lab.token}` },
      });
      const { events } = (await res.json()) as {
        events: Array<{ type: string; payload: Record<string, unknown> }>;
      };
      expect(
        events.find((e) => e.type === 'visit.screened' && e.payload.visitId === v.id)?.payload,
      ).toMatchObject({
        passed: true,
      });
      expect(events.some((e) => e.type === 'visit.guestbook' && e.payload.visitId === v.id)).toBe(true);
      expect({ presses, typed }).toEqual({ presses: 18, typed: 14 + 19 + 13 + 16 });
    }, 120_000);

    it('returns focus to the card a dialog came from, or to the next card when it moved; arrows move between cards', async () => {
      const a = await lab.t.gateway.visits.arrive(
        { guest: { name: 'Andi Pratama', institution: 'BPS' }, purpose: 'Data', hostId: 'kabag-umum' },
        actor,
      );
      const b = await lab.t.gateway.visits.arrive(
        { guest: { name: 'Bunga Lestari', institution: 'BPS' }, purpose: 'Data', hostId: 'kabag-umum' },
        actor,
      );
      const cardA = desk.locator(`article.card[data-visit="${a.id}"]`);
      await cardA.waitFor();
      await desk.locator(`article.card[data-visit="${b.id}"]`).waitFor();

      // Arrow keys: from Andi down to Bunga, right to the next column with a card, back left.
      await cardA.focus();
      await desk.keyboard.press('ArrowDown');
      await focusIs(desk, { visit: b.id, column: 'Pemeriksaan' });
      await desk.keyboard.press('ArrowUp');
      await focusIs(desk, { visit: a.id, column: 'Pemeriksaan' });
      await desk.keyboard.press('ArrowRight');
      const right = await focus(desk);
      expect(right.onCard).toBe(true);
      expect(right.column).not.toBe('Pemeriksaan');
      await desk.keyboard.press('ArrowLeft');
      await focusIs(desk, { visit: a.id, column: 'Pemeriksaan' });

      // A dialog closed without a change (Esc): focus returns to the same card.
      await desk.keyboard.press('Enter');
      const screening = desk.getByRole('dialog', { name: 'Keperluan dan pemeriksaan' });
      await screening.waitFor();
      await desk.keyboard.press('Escape');
      await screening.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: a.id, column: 'Pemeriksaan' });

      // Andi passes and leaves the column: focus lands on the next card there, Bunga.
      await desk.keyboard.press('Enter');
      await screening.waitFor();
      await desk.keyboard.press('Enter');
      await screening.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: b.id, column: 'Pemeriksaan' });
    }, 60_000);

    it('lists the shortcuts under "?", and fires none while typing in a field', async () => {
      await desk.keyboard.press('?');
      const help = desk.getByRole('dialog', { name: 'Pintasan keyboard' });
      await see(help).text().toContain('Tamu datang');
      await see(help).text().toContain('Enter');
      await lab.shot(desk, '21-keyboard-help');
      await desk.keyboard.press('Escape');
      await help.waitFor({ state: 'hidden' });

      // Typing "n?" in the compact table's search box opens nothing: the keys reached the field
      // (its value is the sentinel) and no dialog is open after they were handled.
      await desk.getByRole('button', { name: 'Tabel ringkas' }).click();
      const search = desk.getByRole('searchbox', { name: /Cari/ });
      await search.focus();
      await desk.keyboard.type('n?');
      await see(search).value().toBe('n?');
      expect(await desk.evaluate<number>("document.querySelectorAll('dialog[open]').length")).toBe(0);
      await search.fill('');
      await desk.getByRole('button', { name: 'Papan' }).click();
    });

    it('fits the compact table at 1024x768: no horizontal scroll, search, documents at the desk', async () => {
      await badgedVisit(lab.t.gateway, {
        name: 'Dewi Anggraini',
        institution: 'Dinas Kesehatan',
        badge: 'TAMU-01',
      });
      const out = await badgedVisit(lab.t.gateway, {
        name: 'Eko Saputra',
        institution: 'PT Telkom Indonesia (Persero) Tbk Witel Jatim Selatan',
        badge: 'TAMU-02',
      });
      await lab.t.gateway.visits.checkout(out.id, { badgeReturned: true, documentReturned: false }, actor);
      await desk.setViewportSize({ width: 1024, height: 768 });
      await desk.reload();
      await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      await desk.getByRole('button', { name: 'Tabel ringkas' }).click();
      const table = desk.getByRole('table', { name: /Kunjungan hari ini/ });
      await see(table.getByRole('row', { name: /Eko Saputra/ }))
        .count()
        .toBe(1);
      const row = table.getByRole('row', { name: /Dewi Anggraini/ });
      await see(row).text().toContain('TAMU-01');
      await see(row.getByRole('button', { name: 'Selesai bertamu' }))
        .count()
        .toBe(1);
      await lab.shot(desk, '22-compact-1024');
      const widths = () =>
        desk.evaluate<{ scroll: number; client: number }>(
          '({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })',
        );
      const w = await widths();
      expect(w.scroll).toBeLessThanOrEqual(w.client);

      // Documents at the desk: Rina's and Dewi's KTP (badges out) and Eko's (checked out, not
      // handed back); not those of the guests still before their badge.
      const docs = desk.getByRole('button', { name: /Dokumen di meja: 3/ });
      await docs.click();
      await see(docs).attr('aria-pressed').toBe('true');
      await see(table.locator('tbody tr')).count().toBe(3);
      await see(table).text().toContain('Eko Saputra');
      await docs.click();

      // Search: by name, institution or badge label.
      const search = desk.getByRole('searchbox', { name: /Cari/ });
      await search.fill('telkom');
      await see(table.locator('tbody tr')).count().toBe(1);
      await see(table).text().toContain('Eko Saputra');
      await search.fill('TAMU-01');
      await see(table.locator('tbody tr')).count().toBe(1);
      await see(table).text().toContain('Dewi Anggraini');
      await search.fill('');

      // A row is a keyboard item like a card: Enter runs its next step, Esc comes back to it.
      const dewi = await visitNamed('Dewi Anggraini');
      await table.locator(`tr[data-visit="${dewi.id}"]`).focus();
      await desk.keyboard.press('Enter');
      const checkout = desk.getByRole('dialog', { name: 'Selesai bertamu' });
      await checkout.waitFor();
      await desk.keyboard.press('Escape');
      await checkout.waitFor({ state: 'hidden' });
      await focusIs(desk, { visit: dewi.id });

      // Remembered on this PC: a reload shows the table again.
      await desk.reload();
      await table.waitFor();
      const again = await widths();
      expect(again.scroll).toBeLessThanOrEqual(again.client);
      await desk.getByRole('button', { name: 'Papan' }).click();
      await desk.setViewportSize({ width: 1366, height: 768 });
    }, 60_000);

    it('draws the focus ring at 3:1 or more against every background it is on (WCAG 1.4.11)', async () => {
      const problems: string[] = [];
      const check = async (selector: string) => {
        const found = await rings(desk, selector);
        expect(found.length).toBeGreaterThan(0);
        for (const r of found) {
          const ratio = r.ring ? contrast(r.ring, r.background) : 0;
          if (!r.visible || ratio < 3)
            problems.push(`${r.what}: ${r.ring || 'no ring'} on ${r.background} = ${ratio.toFixed(2)}:1`);
        }
      };
      // The header (blue), the board (grey columns, white cards), the compact table, a dialog.
      await check('header.top a[href], header.top button');
      await check('main button, main [tabindex="0"], main select');
      expect(problems).toEqual([]);
      await desk.getByRole('button', { name: 'Tabel ringkas' }).click();
      await check('main button, main input, main [tabindex="0"]');
      await desk.getByRole('button', { name: 'Papan' }).click();
      await desk.keyboard.press('?');
      await check('dialog button');
      await desk.keyboard.press('Escape');
      // The same ring in the desk's other views.
      for (const [link, heading] of [
        ['Pintu', 'Pintu Utama'],
        ['Orang di dalam', /Di dalam gedung/],
        ['Rekap bulanan', /Rekap/],
      ] as const) {
        await desk.getByRole('link', { name: link, exact: true }).click();
        await desk.getByRole('heading', { name: heading }).first().waitFor();
        await check('main a[href], main button, main input, main select, main summary');
      }
      await desk.getByRole('link', { name: 'Meja tamu' }).click();
      await desk.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      expect(problems).toEqual([]);
    }, 60_000);

    it('caps toasts on a phone (390x844): three visible, newest first, the rest collapsed, each dismissible', async () => {
      const phone = await (await lab.browser()).newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await lab.login(phone, 'resepsionis');
      await phone.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
      // Toasts end by timer: time stands still in this page so they stay until dismissed.
      await phone.clock.install();
      await phone.clock.pauseAt(Date.now() + 1000);
      const names = ['Fajar', 'Gita', 'Hadi', 'Indah', 'Joko'];
      for (const name of names) {
        const v = await lab.t.gateway.visits.arrive(
          { guest: { name, institution: 'Kecamatan' }, purpose: 'Surat', hostId: 'kabag-umum' },
          actor,
        );
        await lab.t.gateway.visits.screen(v.id, { passed: true }, actor);
      }
      for (const name of names) {
        const c = phone.locator('article.card', { has: phone.getByRole('heading', { name, exact: true }) });
        await c.getByRole('button', { name: 'Isi buku tamu' }).click();
        const book = phone.getByRole('dialog', { name: 'Salam dan buku tamu' });
        await book.getByRole('button', { name: 'Catat buku tamu' }).click();
        await book.waitFor({ state: 'hidden' });
      }
      const shown = phone.locator('.toasts .toast:not([hidden])');
      await see(phone.locator('.toasts')).text().toContain('+2');
      await see(shown).count().toBe(3);
      await lab.shot(phone, '23-toasts-phone');
      // Never over the primary action or the card the desk works on (focus came back to one).
      const covered = await phone.evaluate<string[]>(`(() => {
      const stack = document.querySelector('.toasts').getBoundingClientRect();
      const targets = [...document.querySelectorAll('[data-primary-action]'), document.activeElement];
      return targets
        .filter((el) => el && el !== document.body)
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left < stack.right && r.right > stack.left && r.top < stack.bottom && r.bottom > stack.top;
        })
        .map((el) => el.textContent);
    })()`);
      expect(covered).toEqual([]);
      // The dismiss buttons' focus ring, white on the dark notices, at 3:1 or more too.
      for (const r of await rings(phone, '.toast button')) {
        expect(r.visible).toBe(true);
        expect(contrast(r.ring, r.background), r.what).toBeGreaterThanOrEqual(3);
      }
      // Newest on top (the page keeps them in the order they came; the stack is drawn reversed).
      const tops = await shown.evaluateAll((els: Array<{ getBoundingClientRect(): { top: number } }>) =>
        els.map((el) => el.getBoundingClientRect().top),
      );
      expect(tops).toEqual([...tops].sort((a, b) => b - a));
      await see(shown.last()).text().toBe('Buku tamu dicatat: pihak yang ditemui perlu memutuskan');
      // Dismiss the newest: the next older one comes into view.
      await shown.last().getByRole('button', { name: 'Tutup pemberitahuan' }).click();
      await see(shown).count().toBe(3);
      await see(phone.locator('.toasts')).text().toContain('+1');
      await phone.close();
    }, 90_000);
  },
);
