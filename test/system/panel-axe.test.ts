// Accessibility of the web panel, checked by axe-core in real headless Chromium: every role
// logs in and axe runs over every view it may open (desk, host, doors, people, recap, admin)
// and over the dialogs of the SOP's steps (arrival, screening, guest book, the host's decision
// and link, badge, checkout, the document's return, cancel), in Bahasa Indonesia and once in
// English. Any violation of impact serious or critical fails the test, printed with the rule,
// its help text and the elements at fault.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { haveChromium, type PanelLab, startPanelLab } from '../support/browser.js';
import { MONDAY_9AM } from '../support/gateway.js';

const ok = haveChromium();
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** axe over the whole page as it is now: the serious and critical violations, as text. */
async function audit(page: Page, where: string): Promise<string[]> {
  // Evaluated through the DevTools protocol: the panel's CSP (script-src 'self') refuses a script tag.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
          .join('\n')}`,
    );
}

const VIEWS: Record<Role, ReadonlyArray<readonly [string, string]>> = {
  admin: [
    ['desk', 'Kunjungan hari ini'],
    ['doors', 'Pintu'],
    ['people', 'Orang di dalam'],
    ['recap', 'Rekap bulanan'],
    ['watchlist', 'Daftar perhatian'],
    ['admin', 'Administrasi'],
  ],
  receptionist: [
    ['desk', 'Kunjungan hari ini'],
    ['doors', 'Pintu'],
    ['people', 'Orang di dalam'],
    ['recap', 'Rekap bulanan'],
  ],
  security: [
    ['desk', 'Kunjungan hari ini'],
    ['doors', 'Pintu'],
    ['people', 'Orang di dalam'],
    ['watchlist', 'Daftar perhatian'],
  ],
  host: [['host', 'Kunjungan untuk Anda']],
  facilities: [
    ['doors', 'Pintu'],
    ['people', 'Orang di dalam'],
  ],
};

describe.skipIf(!ok)(
  `web panel: axe-core over every view${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    const found: string[] = [];

    const api: PanelLab['api'] = (method, url, payload) => lab.api(method, url, payload);
    /** A visit brought through the API to the SOP step whose dialog is audited. */
    const visit = async (name: string, steps: number, badge = 'TAMU-01'): Promise<void> => {
      const v = await api('POST', '/visits', {
        guest: { name, institution: 'Dinas Perhubungan' },
        purpose: 'Rapat koordinasi angkutan',
        purposeCategory: 'rapat',
        hostId: 'kabag-umum',
      });
      const path = `/visits/${v.id}`;
      const chain: Array<() => Promise<unknown>> = [
        () => api('POST', `${path}/screening`, { passed: true }),
        () => api('POST', `${path}/guestbook`, {}),
        () => api('POST', `${path}/decision`, { outcome: 'accepted', rooms: ['ruang-kabag'] }),
        () =>
          api('POST', `${path}/badge`, { badge, collateral: { type: 'ktp', number: '3578014107900001' } }),
        () => api('POST', `${path}/checkout`, { badgeReturned: true, documentReturned: false }),
      ];
      for (const step of chain.slice(0, steps)) await step();
    };

    beforeAll(async () => {
      lab = await startPanelLab();
      for (const role of ['admin', 'receptionist', 'security', 'facilities'] as const)
        await lab.user(`${role}-1`, role);
      await lab.user('host-1', 'host', 'kabag-umum');
      await visit('Tamu Datang', 0);
      await visit('Tamu Diperiksa', 1);
      await visit('Tamu Menunggu', 2);
      await visit('Tamu Diterima', 3);
      await visit('Tamu Berkunjung', 4, 'TAMU-02');
      await visit('Tamu Selesai', 5, 'TAMU-03');
      // The watchlist view with an entry and an alert to audit (the arrival that matches it).
      await api('POST', '/watchlist', {
        name: 'Tamu Perhatian',
        institution: 'Dinas Perhubungan',
        reason: 'Uji aksesibilitas',
        validUntil: MONDAY_9AM + 30 * 86_400_000,
      });
      await visit('Tamu Perhatian', 0);
    }, 60_000);
    afterAll(async () => {
      if (found.length)
        process.stderr.write(`\naxe-core, serious and critical violations:\n${found.join('\n')}\n`);
      await lab?.close();
    });

    for (const role of Object.keys(VIEWS) as Role[]) {
      it(`${role}: every view`, async () => {
        const page = await (await lab.browser()).newPage();
        await lab.login(page, `${role}-1`);
        const here: string[] = [];
        for (const [path, heading] of VIEWS[role]) {
          await page.goto(`${lab.url}/#/${path}`);
          await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
          await page.waitForLoadState('networkidle');
          here.push(...(await audit(page, `${role} #/${path}`)));
        }
        found.push(...here);
        expect(here).toEqual([]);
        await page.context().close();
      }, 90_000);
    }

    it('the dialogs of the SOP steps, in Bahasa Indonesia and in English', async () => {
      const page = await (await lab.browser()).newPage();
      await lab.login(page, 'receptionist-1');
      const here: string[] = [];
      const card = (name: string) =>
        page.locator('article.card', { has: page.getByRole('heading', { name }) });
      const dialog = async (name: string, button: string | RegExp, step: string) => {
        if (name) await card(name).getByRole('button', { name: button }).click();
        else await page.getByRole('button', { name: button }).click();
        const d = page.locator('dialog[open]');
        await d.waitFor();
        here.push(...(await audit(page, `dialog ${step}`)));
        await page.keyboard.press('Escape');
        await d.waitFor({ state: 'detached' });
      };
      await card('Tamu Selesai').waitFor();
      await dialog('', /Tamu datang/, 'arrival');
      await dialog('Tamu Datang', 'Periksa', 'screening');
      await dialog('Tamu Diperiksa', 'Isi buku tamu', 'guest book');
      await dialog('Tamu Menunggu', 'Keputusan pihak yang ditemui', 'decision');
      await dialog('Tamu Menunggu', 'Tautan untuk pihak yang ditemui', 'host link');
      await dialog('Tamu Menunggu', 'Batalkan', 'cancel');
      await dialog('Tamu Diterima', 'Serahkan kartu', 'badge');
      await dialog('Tamu Berkunjung', 'Selesai bertamu', 'checkout');
      await dialog('Tamu Selesai', 'Dokumen dikembalikan', 'document');
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { name: "Today's visits" }).waitFor();
      here.push(...(await audit(page, 'desk (English)')));
      await dialog('Tamu Menunggu', 'Host decision', 'decision (English)');
      found.push(...here);
      expect(here).toEqual([]);
    }, 120_000);
  },
);
