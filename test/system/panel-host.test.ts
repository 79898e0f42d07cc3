// Hosts in real headless Chromium: a host approves from their own session while the
// receptionist's page updates live (SSE); a signed one-time link lets a host decide without a
// password, once; the "approval requested" webhook carries such a link.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(`web panel: hosts in Chromium${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`, () => {
  let lab: PanelLab;
  let desk: Page;
  let hook: Server;
  const received: Array<{ body: string; signature?: string }> = [];

  beforeAll(async () => {
    lab = await startPanelLab();
    await lab.user('resepsionis', 'receptionist');
    await lab.user('pak-kabag', 'host', 'kabag-umum');
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-pintu-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    desk = await (await lab.browser()).newPage();
    await lab.login(desk, 'resepsionis');
  }, 60_000);
  afterAll(async () => {
    hook?.close();
    await lab?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${lab.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${lab.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  /** A visit brought to "waiting for the host" through the API (the desk flow is tested elsewhere). */
  const awaitingHost = async (name: string, institution: string, purpose: string) => {
    const v = await api('POST', '/visits', { guest: { name, institution }, purpose, hostId: 'kabag-umum' });
    expect(v.status).toBe(201);
    await api('POST', `/visits/${v.json.id}/screening`, { passed: true });
    await api('POST', `/visits/${v.json.id}/guestbook`, {});
    return v.json.id as string;
  };
  const deskCard = (name: string) =>
    desk.locator('article.card', { has: desk.getByRole('heading', { name }) });

  it('a host accepts from their own session and the desk sees it live', async () => {
    await awaitingHost('Rina Wulandari', 'Universitas Airlangga', 'Penelitian tata kelola arsip');
    await deskCard('Rina Wulandari').waitFor();
    await see(desk.locator('section.c-awaiting_host')).text().toContain('Rina Wulandari');

    const host = await (await lab.browser()).newPage();
    await lab.login(host, 'pak-kabag');
    await host.getByRole('heading', { name: 'Kunjungan untuk Anda' }).waitFor();
    // A host sees only the host pages.
    await see(host.locator('nav.nav a')).count().toBe(1);
    const card = host.locator('article.card', { has: host.getByRole('heading', { name: 'Rina Wulandari' }) });
    await see(card).text().toContain('Penelitian tata kelola arsip');
    await lab.shot(host, '20-host-waiting');
    await card.getByRole('button', { name: 'Terima' }).click();
    const decision = host.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await see(decision.getByLabel('Diterima')).checked().toBe(true);
    await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
    const code = host.getByRole('dialog', { name: 'Kode akses ruang' });
    await see(code.locator('.code'))
      .text()
      .toMatch(/^\d{6}$/);
    await lab.shot(host, '21-host-access-code');
    await code.getByRole('button', { name: 'Selesai' }).click();
    await see(host.locator('section', { has: host.getByRole('heading', { name: 'Diterima hari ini' }) }))
      .text()
      .toContain('Rina Wulandari');

    // The receptionist's board moved the visit to "hand over badge" without a reload.
    await see(desk.locator('section.c-accepted')).text().toContain('Rina Wulandari');
    await see(desk.locator('section.c-awaiting_host')).text().not.toContain('Rina Wulandari');
    await lab.shot(desk, '22-desk-after-host-accepted');

    // The host changes their mind about the room: taken back at once.
    const accepted = host.locator('article.card', {
      has: host.getByRole('heading', { name: 'Rina Wulandari' }),
    });
    await accepted.getByRole('button', { name: 'Cabut akses ruang' }).click();
    const withdraw = host.getByRole('dialog', { name: 'Cabut akses ruang' });
    await withdraw.getByLabel('Ruang Kepala Bagian Umum').check();
    await withdraw.getByRole('button', { name: 'Cabut akses ruang' }).click();
    await see(host.locator('.toast')).text().toContain('Akses ruang dicabut');
    const visits = (await api('GET', '/visits')).json as Array<{ guestName: string; rooms: string[] }>;
    expect(visits.find((v) => v.guestName.startsWith('R'))?.rooms).toEqual([]);
  }, 60_000);

  it('a signed one-time link lets the host refuse without a password, once', async () => {
    await awaitingHost('Agus Prasetyo', 'PT Sinar Abadi', 'Presentasi produk');
    await deskCard('Agus Prasetyo').getByRole('button', { name: 'Tautan untuk pihak yang ditemui' }).click();
    const dlg = desk.getByRole('dialog', { name: 'Tautan persetujuan untuk pihak yang ditemui' });
    const input = dlg.getByRole('textbox');
    await see(input)
      .value()
      .toMatch(/\/#\/link\/[\w.-]+$/);
    const link = await input.inputValue();
    await dlg.getByRole('button', { name: 'Tutup', exact: true }).click();

    const phone = await (await lab.browser()).newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(link);
    await phone.getByRole('heading', { name: 'Kunjungan untuk Anda' }).waitFor();
    const card = phone.locator('article.card', {
      has: phone.getByRole('heading', { name: 'Agus Prasetyo' }),
    });
    await lab.shot(phone, '23-host-link-on-phone');
    await card.getByRole('button', { name: 'Tolak' }).click();
    const decision = phone.getByRole('dialog', { name: 'Keputusan pihak yang ditemui' });
    await decision.getByLabel(/Alasan/).fill('Tidak ada jadwal presentasi');
    await decision.getByRole('button', { name: 'Simpan keputusan' }).click();
    await decision.waitFor({ state: 'hidden' });

    await see(desk.locator('details.done li', { hasText: 'Agus Prasetyo' }))
      .text()
      .toContain('Ditolak pihak yang ditemui');

    // Used once: the same link logs nobody in again.
    const again = await (await lab.browser()).newPage();
    await again.goto(link);
    await see(again.locator('.toast.error')).text().toContain('Tautan tidak berlaku');
    await again.getByRole('heading', { name: 'Masuk ke panel' }).waitFor();
  }, 60_000);

  it('posts "approval requested" to the webhook, signed, with a working one-time link', async () => {
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/notify`;
    const set = await api('PUT', '/admin/settings', {
      webhookUrl: url,
      webhookSecret: 'rahasia-webhook',
      publicUrl: lab.url,
    });
    expect(set.status).toBe(200);
    expect(set.json.webhook).toMatchObject({ url, hasSecret: true });
    const id = await awaitingHost('Dewi Lestari', 'Bappeda Kota Malang', 'Konsultasi');
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const { body, signature } = received.at(-1)!;
    expect(signature).toBe(`sha256=${createHmac('sha256', 'rahasia-webhook').update(body).digest('hex')}`);
    const msg = JSON.parse(body);
    expect(msg).toMatchObject({
      event: 'approval_requested',
      visitId: id,
      host: { id: 'kabag-umum', name: 'Kepala Bagian Umum' },
      // display.guestName defaults to initials: the full name stays in the gateway.
      guest: { name: 'D. L.', institution: 'Bappeda Kota Malang' },
      purpose: 'Konsultasi',
    });
    expect(msg.approvalUrl).toMatch(new RegExp(`^${lab.url}/#/link/`));

    const page = await (await lab.browser()).newPage();
    await page.goto(msg.approvalUrl);
    const card = page.locator('article.card', { has: page.getByRole('heading', { name: 'Dewi Lestari' }) });
    await card.getByRole('button', { name: 'Terima' }).click();
    await page
      .getByRole('dialog', { name: 'Keputusan pihak yang ditemui' })
      .getByRole('button', { name: 'Simpan keputusan' })
      .click();
    await page.getByRole('dialog', { name: 'Kode akses ruang' }).waitFor();
    const v = await api('GET', `/visits/${id}`);
    expect(v.json.state).toBe('accepted');
    // Who decided: the link's session, as the host.
    expect(v.json.history.at(-1).actor).toMatchObject({ kind: 'token', role: 'host' });
  }, 60_000);
});
