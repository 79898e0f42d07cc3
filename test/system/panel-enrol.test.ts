// The badge pool's enrolment actions in real headless Chromium (issue 12): each badge shows its
// credential type ("UID saja" / "Aman (AES)", English switchable), and "Personalisasi" answers
// with the outcome in words. PanelLab's desk reader is simulated (it cannot write a card), so the
// outcome seen here is "wrong reader"; the personalise and recycle paths on a real PC/SC reader
// are test/system/hw-ntag424-enrol.test.ts (API).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: badge enrolment${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let admin: Page;

  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.user('pengelola', 'admin');
    // TAMU-02 personalised as the desk route journals it (the lab's desk reader cannot write).
    const core = lab.t.gateway.core;
    const b2 = [...core.state.badges.values()].find((b) => b.label === 'TAMU-02')!;
    await core.transact({ kind: 'system', id: 'test' }, () => ({
      events: [
        {
          type: 'badge.personalised',
          payload: { badgeId: b2.id, label: b2.label, uid: b2.uid, readerId: 'meja', keyGen: 1 },
        },
      ],
      result: () => undefined,
    }));
    admin = await (await lab.browser()).newPage();
    await lab.login(admin, 'pengelola', '/#/admin');
  }, 60_000);
  afterAll(async () => lab?.close());

  it('shows a personalised badge as Aman (AES) with its key, without the enrolment actions', async () => {
    const row = admin.locator('tr', { has: admin.getByText('TAMU-02', { exact: true }) });
    await see(row.locator('.credential')).text().toBe('Aman (AES) · kunci 1');
    expect(await row.getByRole('button', { name: 'Personalisasi' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Daur ulang' }).count()).toBe(0);
  });

  it('shows each badge as UID saja and says why Personalisasi could not run on this reader', async () => {
    const row = admin.locator('tr', { has: admin.getByText('TAMU-01', { exact: true }) });
    await see(row.locator('.credential')).text().toBe('UID saja');
    await row.getByRole('button', { name: 'Personalisasi' }).click();
    await see(admin.locator('#a-badges p[role=status]'))
      .text()
      .toBe('Pembaca ini tidak bisa mempersonalisasi kartu (perlu pembaca PC/SC di meja)');
    // Nothing changed: still a UID card, no journal entry.
    const badges = await lab.api('GET', '/badges');
    expect(badges.find((b: { label: string }) => b.label === 'TAMU-01').credential).toBeUndefined();
    // English on request.
    await admin.getByRole('button', { name: 'Switch to English' }).click();
    await see(row.locator('.credential')).text().toBe('UID only');
    await row.getByRole('button', { name: 'Personalise' }).click();
    await see(admin.locator('#a-badges p[role=status]'))
      .text()
      .toBe('This reader cannot personalise badges (a PC/SC desk reader can)');
  }, 60_000);
});
