// A delegate's own approval link in real headless Chromium (issue 14): the webhook's link for the
// secretary opens the panel on the one visit, marked "Atas nama" the host; the delegate accepts it
// (journaled as themselves for the host), and the page offers nothing a link cannot do (booking
// an expected guest, naming delegates).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

interface Approval {
  visitId: string;
  recipients: { delegates: Array<{ username: string; approvalUrl?: string }> };
}

describe.skipIf(!ok)(`web panel: a delegate's link${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let hook: Server;
  const received: Approval[] = [];

  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.api('PUT', '/hosts/sekretaris', { name: 'Sekretaris Kabag', unit: 'Bagian Umum', rooms: [] });
    await lab.user('sekretaris', 'host', 'sekretaris');
    await lab.api('PUT', '/hosts/kabag-umum/delegates', { delegates: ['sekretaris'] });
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const b = JSON.parse(body) as { event?: string };
        if (b.event === 'approval_requested') received.push(b as Approval);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    await lab.api('PUT', '/admin/settings', {
      webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/n`,
      publicUrl: lab.url,
    });
  }, 60_000);
  afterAll(async () => {
    hook?.close();
    await lab?.close();
  });

  it('opens the one visit for the delegate, who accepts it for the host', async () => {
    const v = await lab.api('POST', '/visits', {
      guest: { name: 'Hendra Wijaya', institution: 'Bappeda' },
      purpose: 'Konsultasi',
      hostId: 'kabag-umum',
    });
    await lab.api('POST', `/visits/${v.id}/screening`, { passed: true });
    await lab.api('POST', `/visits/${v.id}/guestbook`, {});
    await expect.poll(() => received.some((b) => b.visitId === v.id), { timeout: 10_000 }).toBe(true);
    const link = received
      .find((b) => b.visitId === v.id)
      ?.recipients.delegates.find((d) => d.username === 'sekretaris')?.approvalUrl;
    expect(link).toMatch(new RegExp(`^${lab.url}/#/link/`));

    const phone = await (await lab.browser()).newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(link!);
    await phone.getByRole('heading', { name: 'Kunjungan untuk Anda' }).waitFor();
    const card = phone.locator('article.card', {
      has: phone.getByRole('heading', { name: 'Hendra Wijaya' }),
    });
    await see(card.locator('.behalf')).text().toBe('Atas nama: Kepala Bagian Umum');
    await see(phone.getByRole('button', { name: /Daftarkan tamu terjadwal/ }))
      .count()
      .toBe(0);
    await see(phone.getByRole('heading', { name: 'Delegasi' }))
      .count()
      .toBe(0);
    await lab.shot(phone, '24-delegate-link-on-phone');
    await card.getByRole('button', { name: 'Terima' }).click();
    await phone
      .getByRole('dialog', { name: 'Keputusan pihak yang ditemui' })
      .getByRole('button', { name: 'Simpan keputusan' })
      .click();
    await phone.getByRole('dialog', { name: 'Kode akses ruang' }).waitFor();
    const after = await lab.api('GET', `/visits/${v.id}`);
    expect(after.state).toBe('accepted');
    expect(after.history.at(-1)).toMatchObject({
      action: 'decide',
      onBehalfOf: 'kabag-umum',
      actor: { kind: 'user', role: 'host' },
    });
  }, 60_000);
});
