// The guest book on screen (issue 14) in real headless Chromium: the recap view shows the day's
// register with how each guest came (appointment code or walk-in, group, escort and its minutes)
// and the day's summary (expected, walk-in, no-shows, groups, escorted visits, the IKM), in
// Bahasa Indonesia, then in English.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_ELEMENT_IDS } from '../../src/domain/survey.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (as panel-axe checks every view). */
async function axeSerious(page: Page): Promise<string[]> {
  // Through the DevTools protocol: the panel's CSP refuses a script tag.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const found = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }>;
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}
const TZ = 'Asia/Jakarta';
const DAY = '2026-11-30';
const DOOR = 'ruang-kabag';

describe.skipIf(!ok)(
  `web panel: the guest book on screen${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    let page: Page;
    let code: string;
    const at = (hhmm: string) => {
      lab.t.clock.now = zonedTimeToEpoch(DAY, hhmm, TZ);
    };
    const actor = { kind: 'system' as const, id: 'test' };

    beforeAll(async () => {
      lab = await startPanelLab({
        now: zonedTimeToEpoch(DAY, '07:00', TZ),
        env: { PINTU_CONFIG_DOORS__1__ESCORT: 'required' },
      });
      const g = lab.t.gateway;
      const book = async (name: string) =>
        (
          await lab.api('POST', '/appointments', {
            guest: { name, institution: 'Bappeda' },
            hostId: 'kabag-umum',
            date: DAY,
            from: '08:00',
            until: '09:00',
            purposeCategory: 'rapat',
          })
        ).id as string;
      code = await book('Rina Terjadwal');
      await book('Tono Absen');
      at('08:10');
      await lab.api('POST', `/appointments/${code}/arrival`, {});

      at('09:00');
      const escort = await g.escorts.enrol({ name: 'Ani Staf Protokol', uid: '04E5C0A7000001' }, actor);
      const v = await g.visits.arrive(
        { guest: { name: 'Joko Jalan', institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        actor,
      );
      await g.visits.screen(v.id, { passed: true }, actor);
      await g.visits.guestbook(v.id, {}, actor);
      await g.visits.decide(v.id, { outcome: 'accepted', rooms: [DOOR] }, actor);
      at('09:02');
      await g.visits.issueBadge(
        v.id,
        { badge: 'TAMU-01', collateral: { type: 'ktp', number: '3578014107900001' } },
        actor,
      );
      at('09:05');
      const badge = [...g.core.state.badges.values()].find((b) => b.label === 'TAMU-01');
      await lab.tap(`${DOOR}-in`, badge?.uid ?? '');
      await lab.tap(`${DOOR}-in`, escort.uid);

      at('10:00');
      await g.groups.arrive(
        {
          leader: { name: 'Pak Ketua' },
          members: [{ name: 'Anggota Satu' }, { name: 'Anggota Dua' }],
          institution: 'Pemkab Malang',
          purpose: 'Studi banding',
          hostId: 'kabag-umum',
        },
        actor,
      );
      const ratings = Object.fromEntries(SURVEY_ELEMENT_IDS.map((id, i) => [id, i === 0 ? 3 : 4]));
      await g.survey.answer(g.survey.tokenFor(v.id).token, { ratings });
      at('12:00');

      await lab.user('meja', 'receptionist');
      page = await (await lab.browser()).newPage();
      await lab.login(page, 'meja', '/#/recap');
    }, 90_000);
    afterAll(async () => lab?.close());

    it('shows how each guest came and the summary of the day, then in English', async () => {
      const book = page.getByRole('region', { name: 'Buku tamu' });
      await book.getByRole('button', { name: 'Tampilkan: Harian' }).click();
      const shown = book.getByRole('region', { name: 'Buku tamu: Tanggal 30 November 2026' });
      const rows = shown.locator('tbody tr');
      await see(rows).count().toBe(5);
      await see(rows.nth(0)).text().toContain(code);
      await see(rows.nth(1)).text().toContain('Tanpa janji');
      await see(rows.nth(1)).text().toContain('Ani Staf Protokol, 3 menit');
      await see(rows.nth(2)).text().toContain('(ketua) Pemkab Malang, ketua: Pak Ketua (3 orang)');
      await see(rows.nth(4)).text().toContain('Anggota Dua');
      const summary = shown.getByRole('list', { name: 'Ringkasan buku tamu' });
      for (const line of [
        'Jumlah kunjungan: 5',
        'Tamu terjadwal: 1',
        'Tamu tanpa janji: 4',
        'Tidak datang: 1',
        'Rombongan: 1 (Orang dalam rombongan: 3)',
        'Kunjungan didampingi: 1',
        'IKM: 97,22 (A, Sangat Baik), 1 responden',
      ]) {
        await see(summary).text().toContain(line);
      }
      await lab.shot(page, '33-recap-guest-book-shown');
      expect(await axeSerious(page)).toEqual([]);

      await page.getByRole('button', { name: 'Switch to English' }).click();
      const en = page.getByRole('region', { name: 'Guest book', exact: true });
      await en.getByRole('button', { name: 'Show: Daily' }).click();
      const enShown = en.getByRole('region', { name: 'Guest book: Date 30 November 2026' });
      await see(enShown.locator('tbody tr').nth(1)).text().toContain('Ani Staf Protokol, 3 min');
      const enSummary = enShown.getByRole('list', { name: 'Guest book summary' });
      await see(enSummary).text().toContain('No-shows: 1');
      await see(enSummary).text().toContain('IKM: 97.22 (A, Very good), 1 respondents');
      await page.getByRole('button', { name: 'Ganti ke Bahasa Indonesia' }).click();
    }, 60_000);
  },
);
