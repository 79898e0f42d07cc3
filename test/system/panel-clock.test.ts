// Issue 16, in real headless Chromium: while the gateway's clock is not synchronised (a Pi just
// booted, NTP not yet answered) the panel's header warns, in Bahasa Indonesia and in English;
// the warning goes at the header's next tick once the clock is synchronised.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SimClockSync } from '../../src/hardware/clock-sync.js';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: clock warning${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let desk: Page;
  const sync = new SimClockSync(false);

  beforeAll(async () => {
    lab = await startPanelLab({ clockSync: sync });
    await lab.user('resepsionis', 'receptionist');
    desk = await (await lab.browser()).newPage();
    // Fake timers from the start, so the header's 15 s tick runs when the test says.
    await desk.clock.install();
    await lab.login(desk, 'resepsionis');
  }, 60_000);
  afterAll(async () => lab?.close());

  it('warns in the header while unsynchronised, and stops once synchronised', async () => {
    const warning = desk.locator('header.top .pill.warn');
    await see(warning).text().toBe('Jam belum tersinkron: waktu bisa salah');
    await lab.shot(desk, '40-clock-unsynchronised');
    sync.value = true;
    await desk.clock.runFor(16_000);
    await see(warning).count().toBe(1);
    await see(desk.locator('header.top .pill.warn:not([hidden])')).count().toBe(0);
  });
});
