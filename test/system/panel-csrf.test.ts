// Cross-site request forgery in a real browser (issue 11): a page served from another port of
// the same host, opened by a logged-in security officer, fires
// fetch(unlock, {mode: 'no-cors', credentials: 'include'}). SameSite=Strict does not stop it
// (ports do not make another site), so the gateway must: the door stays locked. The same call
// from the panel's own page does unlock, which shows the forged one would have.
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

/** What the forged page runs; its title says when the request has come back. */
const forge = (gateway: string) => `<!doctype html><title>waiting</title><script>
fetch(${JSON.stringify(`${gateway}/api/v1/doors/pintu-utama/unlock`)},
  { method: 'POST', mode: 'no-cors', credentials: 'include' })
  .then(() => { document.title = 'sent'; }, () => { document.title = 'failed'; });
</script>`;

describe.skipIf(!ok)(`cross-site requests from the browser${ok ? '' : ' [skipped: no chromium]'}`, () => {
  let lab: PanelLab;
  let page: Page;
  let evil: Server;
  let evilUrl: string;
  beforeAll(async () => {
    lab = await startPanelLab();
    page = await lab.userPage('satpam', 'security');
    await lab.login(page, 'satpam');
    evil = createServer((_req, res) => res.setHeader('content-type', 'text/html').end(forge(lab.url)));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const a = evil.address();
    if (!a || typeof a === 'string') throw new Error('no address');
    evilUrl = `http://127.0.0.1:${a.port}/`;
  }, 60_000);
  afterAll(async () => {
    evil?.close();
    await lab?.close();
  });

  it('a page on another port cannot unlock a door with the officer’s cookie', async () => {
    const pulses = lab.t.lock('pintu-utama').pulses;
    const seq = lab.t.gateway.core.journal.lastSeq;
    const attack = await page.context().newPage();
    await attack.goto(evilUrl);
    // The no-cors fetch resolves once the gateway has answered: the unlock has run or not.
    await expect.poll(() => attack.title(), { timeout: 15_000 }).toBe('sent');
    expect(lab.t.lock('pintu-utama').pulses).toBe(pulses);
    expect(lab.t.gateway.core.journal.lastSeq).toBe(seq);

    // The same request from the panel's own page goes through.
    const status = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', credentials: 'include' })).status,
      `${lab.url}/api/v1/doors/pintu-utama/unlock`,
    );
    expect(status).toBe(200);
    expect(lab.t.lock('pintu-utama').pulses).toBe(pulses + 1);
  });
});
