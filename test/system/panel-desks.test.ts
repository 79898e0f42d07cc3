// Two desk PCs, each with its own desk reader, in real headless Chromium against one gateway:
// each desk picks its reader (remembered on that PC); a tap on reader A binds the badge on desk
// A only and desk B shows nothing; a badge tapped with no dialog asking for it opens nothing
// anywhere (no silent checkout); a second desk asking for a reader in use is told so; a dialog
// waiting on a tap closes, and frees its reader, when the view changes.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';
import { badgedVisit } from '../support/gateway.js';

const TAMU_02 = '04A1B2C3D4E502';
const TAMU_03 = '04A1B2C3D4E503';
const ok = haveChromium();

const CONFIG = `
mqtt: { mode: off }
readers:
  - { id: meja-1, role: desk }
  - { id: meja-2, role: desk }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in }
  - { id: pintu-utama-out, role: door, door: pintu-utama, direction: out }
`;

describe.skipIf(!ok)(
  `web panel: two desks, two readers${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let dir: string;
    let lab: PanelLab;
    let deskA: Page;
    let deskB: Page;
    const actor = { kind: 'system' as const, id: 'test' };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pintu-desks-'));
      const file = join(dir, 'pintu.yaml');
      writeFileSync(file, CONFIG);
      lab = await startPanelLab({ file });
      await lab.user('meja-satu', 'receptionist');
      await lab.user('meja-dua', 'receptionist');
      deskA = await (await lab.browser()).newPage();
      deskB = await (await lab.browser()).newPage();
      await lab.login(deskA, 'meja-satu');
      await lab.login(deskB, 'meja-dua');
    }, 60_000);
    afterAll(async () => {
      await lab?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const card = (p: Page, name: string) =>
      p.locator('article.card', { has: p.getByRole('heading', { name }) });
    /** Resolves once the gateway holds a wait on `reader` (the page's request reached it). */
    const waiting = (reader: string, held = true) =>
      expect
        .poll(() => lab.t.gateway.access.desk.holder(reader) !== undefined, { timeout: 10_000, interval: 20 })
        .toBe(held);
    /** A visit accepted by its host, waiting for its badge (through the services). */
    const accepted = async (name: string) => {
      const g = lab.t.gateway;
      const v = await g.visits.arrive(
        { guest: { name, institution: 'Bappeda' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        actor,
      );
      await g.visits.screen(v.id, { passed: true }, actor);
      await g.visits.guestbook(v.id, {}, actor);
      await g.visits.decide(v.id, { outcome: 'accepted', rooms: [] }, actor);
      return v.id;
    };

    it('each desk picks its own reader; the choice is remembered on that PC', async () => {
      for (const [page, reader] of [
        [deskA, 'meja-1'],
        [deskB, 'meja-2'],
      ] as const) {
        const select = page.getByLabel('Pembaca kartu meja ini');
        await see(select).value().toBe('');
        await select.selectOption(reader);
        await page.reload();
        await see(page.getByLabel('Pembaca kartu meja ini')).value().toBe(reader);
      }
      await lab.shot(deskA, 'desks-01-reader-picked');
    });

    it('a tap on reader 1 binds the badge on desk 1 only; desk 2 shows nothing', async () => {
      await badgedVisit(lab.t.gateway, { name: 'Tamu Berkartu', badge: 'TAMU-02' });
      await accepted('Tamu Meja Satu');
      await card(deskA, 'Tamu Meja Satu').getByRole('button', { name: 'Serahkan kartu' }).click();
      const badge = deskA.getByRole('dialog', { name: 'Serahkan kartu tamu' });
      await badge.getByLabel('Dokumen identitas jaminan').selectOption('ktp');
      await badge.getByLabel('Nomor dokumen').fill('3578014107900001');
      await badge.getByRole('button', { name: 'Serahkan kartu' }).click();
      await waiting('meja-1');
      expect(lab.t.gateway.access.desk.holder('meja-2')).toBeUndefined();

      expect(await lab.tap('meja-1', TAMU_03)).toMatchObject({ kind: 'desk' });
      await see(badge).text().toContain('Kartu terpasang: TAMU-03');
      // Desk 2 heard of the badge through the live feed (the sentinel: later than the tap) and
      // opened nothing.
      await see(card(deskB, 'Tamu Meja Satu')).text().toContain('TAMU-03');
      await see(deskB.getByRole('dialog')).count().toBe(0);
      await lab.shot(deskB, 'desks-02-other-desk-untouched');
      await badge.getByRole('button', { name: 'Selesai' }).click();
    });

    it('a badge tapped with no dialog asking for it opens nothing and checks no one out', async () => {
      await lab.tap('meja-1', TAMU_02);
      await lab.tap('meja-2', TAMU_02);
      // A later change every board shows live: after it, nothing has reacted to the taps.
      await accepted('Tamu Sesudahnya');
      for (const p of [deskA, deskB]) {
        await card(p, 'Tamu Sesudahnya').waitFor();
        await see(p.getByRole('dialog')).count().toBe(0);
      }
      const visits = (await (
        await deskA.request.get(`${lab.url}/api/v1/visits?date=today`)
      ).json()) as Array<{
        guestName: string;
        state: string;
      }>;
      expect(visits.find((v) => v.guestName === 'Tamu Berkartu')?.state).toBe('badged');
    });

    it('a desk asking for a reader another desk waits on is told so', async () => {
      await card(deskA, 'Tamu Berkartu').getByRole('button', { name: 'Selesai bertamu' }).click();
      const checkoutA = deskA.getByRole('dialog', { name: 'Selesai bertamu' });
      await waiting('meja-1');
      await deskB.getByLabel('Pembaca kartu meja ini').selectOption('meja-1');
      await card(deskB, 'Tamu Berkartu').getByRole('button', { name: 'Selesai bertamu' }).click();
      const checkoutB = deskB.getByRole('dialog', { name: 'Selesai bertamu' });
      await see(checkoutB).text().toContain('Pembaca kartu ini sedang dipakai meja lain');
      // ...and no longer says it waits for a tap.
      await see(checkoutB).text().not.toContain('Tempelkan kartu tamu');
      await lab.shot(deskB, 'desks-03-reader-busy');
      await checkoutB.getByRole('button', { name: 'Batal' }).click();
      await checkoutB.waitFor({ state: 'hidden' });
      await deskB.getByLabel('Pembaca kartu meja ini').selectOption('meja-2');
      expect(lab.t.gateway.access.desk.holder('meja-1')?.name).toBe('meja-satu');

      // The view changes under the waiting dialog (the browser's Back, a bookmark: the modal
      // dialog keeps the menu out of reach): it closes and its reader is free again.
      await deskA.evaluate("location.hash = '#/people'");
      await deskA.getByRole('heading', { name: 'Orang di dalam' }).waitFor();
      await checkoutA.waitFor({ state: 'hidden' });
      await see(deskA.getByRole('dialog')).count().toBe(0);
      await waiting('meja-1', false);
    });

    it('enrols a badge from the admin view on the reader chosen there; the wait can be cancelled', async () => {
      await lab.user('admin-meja', 'admin');
      const admin = await (await lab.browser()).newPage();
      await lab.login(admin, 'admin-meja', '/#/admin');
      await admin.getByRole('heading', { name: 'Daftarkan kartu baru' }).waitFor();
      const enrol = admin.getByRole('button', { name: 'Tempelkan kartu baru di pembaca meja' });
      await enrol.click();
      // No reader chosen on this PC yet, and there are two: nothing is asked for.
      await see(admin.locator('body')).text().toContain('Pilih dulu pembaca kartu meja ini');
      expect(lab.t.gateway.access.desk.holder('meja-2')).toBeUndefined();
      await admin.getByLabel('Pembaca kartu meja ini').selectOption('meja-2');
      await enrol.click();
      await waiting('meja-2');
      await admin.getByRole('button', { name: 'Batal' }).click();
      await waiting('meja-2', false);
      await enrol.click();
      await waiting('meja-2');
      await lab.tap('meja-2', '04A1B2C3D4E5F1');
      await see(admin.getByLabel('Nomor seri kartu (UID)', { exact: true }))
        .value()
        .toBe('04A1B2C3D4E5F1');
    });
  },
);
