// The web panel's server side without a browser: the static assets (security headers, gzip,
// caching, nothing from the internet), the routes the panel added (roles, validation), the host's
// one-time link, the approval webhook, today's visits from the archive, who is inside, the end
// of day, the recap exports through the API and `pintu report`.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, type PanelBuild } from '../../scripts/build-panel.js';
import { ApprovalWebhook } from '../../src/service/webhook.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

describe('web panel: server side', () => {
  let t: TestGateway;
  let build: PanelBuild;
  let tmp: string;
  const as: Record<string, string> = {};

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pintu-panel-api-'));
    build = await buildPanel(join(tmp, 'panel'));
    process.env.PINTU_PANEL_DIR = build.outDir;
    t = await startTestGateway();
    delete process.env.PINTU_PANEL_DIR;
    for (const role of ['admin', 'receptionist', 'security', 'host', 'facilities'] as const)
      as[role] = await t.login(role);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, cookie?: string, payload?: object) =>
    t.app.inject({
      method,
      url: url.startsWith('/api') || url.startsWith('/assets') || url === '/' ? url : `/api/v1${url}`,
      headers: cookie ? { cookie } : {},
      ...(payload ? { payload } : {}),
    });
  const tick = (minutes: number) => {
    t.clock.now += minutes * 60_000;
  };
  async function toAwaitingHost(name: string) {
    const v = (
      await call('POST', '/visits', as.receptionist, {
        guest: { name, institution: 'Dinas' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      })
    ).json();
    await call('POST', `/visits/${v.id}/screening`, as.receptionist, { passed: true });
    await call('POST', `/visits/${v.id}/guestbook`, as.receptionist, {});
    return v.id as string;
  }

  describe('static assets', () => {
    it('serves index.html at / with a strict CSP and no inline script', async () => {
      const res = await call('GET', '/');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain(`<script type="module" src="/assets/${build.js}"></script>`);
      expect(res.body).not.toMatch(/<script>|<script type="module">|style=/);
    });

    it('serves hashed assets gzip-compressed, cached for a year, with ETags', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/assets/${build.js}`,
        headers: { 'accept-encoding': 'gzip, br' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['cache-control']).toContain('immutable');
      const js = gunzipSync(res.rawPayload).toString();
      expect(js).toBe(await readFile(join(build.outDir, 'assets', build.js), 'utf8'));
      const again = await t.app.inject({
        method: 'GET',
        url: `/assets/${build.js}`,
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
      expect((await call('GET', '/assets/nothing-here.js')).statusCode).toBe(404);
    });

    it('needs nothing from the internet: no CDN, fonts bundled', async () => {
      const js = await readFile(join(build.outDir, 'assets', build.js), 'utf8');
      const css = await readFile(join(build.outDir, 'assets', build.css), 'utf8');
      const html = await readFile(join(build.outDir, 'index.html'), 'utf8');
      // The only absolute URLs: the SVG namespace, an example address in a placeholder, and the
      // WhatsApp share link a person may follow from the host link dialog (the page fetches nothing there).
      const urls = [...`${js}\n${css}\n${html}`.matchAll(/https?:\/\/[^\s"'`)<]+/g)].map((m) => m[0]);
      const examples = ['http://192.168.1.10:8080', 'https://…', 'https://\\u2026']; // input placeholders
      expect(
        urls.filter(
          (u) =>
            !u.startsWith('http://www.w3.org/2000/svg') &&
            !u.startsWith('https://wa.me/') &&
            !examples.includes(u),
        ),
      ).toEqual([]);
      expect(build.fonts.length).toBe(2);
      for (const f of build.fonts) expect(css).toContain(`/assets/${f}`.replace('/assets/', './'));
      const font = await call('GET', `/assets/${build.fonts[0]}`);
      expect(font.headers['content-type']).toBe('font/woff2');
    });

    it('says so when the panel is not built', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'pintu-no-panel-'));
      const g = await startTestGateway({ env: {} });
      try {
        const Fastify = (await import('fastify')).default;
        const app = Fastify();
        await app.register((await import('../../src/http/panel.js')).default, { dir: empty });
        const res = await app.inject({ method: 'GET', url: '/' });
        expect(res.statusCode).toBe(503);
        expect(res.body).toContain('npm run build');
        await app.close();
      } finally {
        await g.close();
        await rm(empty, { recursive: true, force: true });
      }
    });
  });

  // Who may call each route (401, 403): test/integration/authz-matrix.test.ts.
  describe('bootstrap', () => {
    it('bootstrap tells the panel who is logged in, the hosts, doors, readers and the clock', async () => {
      const b = (await call('GET', '/panel/bootstrap', as.host)).json();
      expect(b).toMatchObject({
        now: t.clock.now,
        timezone: 'Asia/Jakarta',
        me: { role: 'host', hostId: 'kabag-umum' },
      });
      expect(b.hosts.map((h: { id: string }) => h.id)).toContain('kabag-umum');
      expect(b.readers.find((r: { id: string }) => r.id === 'desk')).toMatchObject({
        role: 'desk',
        simulated: true,
      });
      expect(b.sopStandards).toEqual({ screening: 2, guestbook: 2, confirmation: 2, badge: 1, escort: 2 });
    });
  });

  describe('visits of the day, presence, end of day', () => {
    it('lists today with closed visits read back from the archive; a host sees only their own', async () => {
      const closed = await toAwaitingHost('Tamu Satu');
      await call('POST', `/visits/${closed}/decision`, as.receptionist, { outcome: 'refused' });
      const open = await toAwaitingHost('Tamu Dua');
      await call('PUT', '/hosts/lain', as.admin, { name: 'Pejabat Lain', unit: 'Unit Lain', rooms: [] });
      const other = (
        await call('POST', '/visits', as.receptionist, {
          guest: { name: 'Tamu Tiga', institution: 'X' },
          purpose: 'Y',
          hostId: 'lain',
        })
      ).json().id;

      const plain = (await call('GET', '/visits', as.receptionist)).json().map((v: { id: string }) => v.id);
      expect(plain).not.toContain(closed);
      const today = (await call('GET', '/visits?date=today', as.receptionist)).json();
      expect(today.map((v: { id: string }) => v.id)).toEqual(expect.arrayContaining([closed, open, other]));
      expect(today.find((v: { id: string }) => v.id === closed).state).toBe('host_refused');
      const dated = (await call('GET', '/visits?date=2026-11-30', as.receptionist)).json();
      expect(dated.length).toBe(today.length);
      expect((await call('GET', '/visits?date=2026-11-29', as.receptionist)).json()).toEqual([]);
      const mine = (await call('GET', '/visits?date=today', as.host)).json().map((v: { id: string }) => v.id);
      expect(mine).toContain(closed);
      expect(mine).not.toContain(other);
      expect((await call('GET', '/visits?date=30-11-2026', as.receptionist)).statusCode).toBe(400);
    });

    it('knows who is inside (from door events) and what is not back at the end of the day', async () => {
      const id = await toAwaitingHost('Tamu Empat');
      await call('POST', `/visits/${id}/decision`, as.receptionist, { outcome: 'accepted', rooms: [] });
      await call('POST', `/visits/${id}/badge`, as.receptionist, {
        badge: 'TAMU-07',
        collateral: { type: 'sim', number: '123456789012' },
      });
      let p = (await call('GET', '/presence', as.facilities)).json();
      expect(p.badgedNotInside.map((r: { visitId: string }) => r.visitId)).toContain(id);
      await call('POST', '/taps', as.receptionist, { reader: 'pintu-utama-in', uid: '04A1B2C3D4E507' });
      p = (await call('GET', '/presence', as.security)).json();
      expect(p.inside.find((r: { visitId: string }) => r.visitId === id)).toMatchObject({
        guestName: 'Tamu Empat',
        badgeLabel: 'TAMU-07',
        area: { id: 'building', name: 'Gedung' },
        path: [{ id: 'building', name: 'Gedung' }],
        firstEntryAt: t.clock.now,
      });
      let o = (await call('GET', '/desk/outstanding', as.receptionist)).json();
      expect(o.badgesOut.find((b: { visitId: string }) => b.visitId === id)).toMatchObject({
        badgeLabel: 'TAMU-07',
      });
      expect(o.documentsHeld.find((d: { visitId: string }) => d.visitId === id)).toMatchObject({
        documentType: 'sim',
        masked: '12******9012',
      });
      await call('POST', `/visits/${id}/checkout`, as.receptionist, {
        badgeReturned: true,
        documentReturned: false,
      });
      o = (await call('GET', '/desk/outstanding', as.receptionist)).json();
      expect(o.badgesOut.find((b: { visitId: string }) => b.visitId === id)).toBeUndefined();
      expect(o.documentsHeld.find((d: { visitId: string }) => d.visitId === id)).toBeDefined();
      p = (await call('GET', '/presence', as.admin)).json();
      expect(p.inside.find((r: { visitId: string }) => r.visitId === id)).toBeUndefined();
    });
  });

  describe("host's one-time link", () => {
    it('logs the host in once, as that host only; expired or forged links fail', async () => {
      const id = await toAwaitingHost('Tamu Lima');
      const made = await call('POST', `/visits/${id}/host-link`, as.receptionist, { ttlMinutes: 30 });
      expect(made.statusCode).toBe(201);
      const { token, path, expiresAt } = made.json();
      expect(path).toBe(`/#/link/${token}`);
      expect(expiresAt).toBe(t.clock.now + 30 * 60_000);

      const redeem = await call('POST', '/host-links/redeem', undefined, { token });
      expect(redeem.statusCode).toBe(200);
      expect(redeem.json()).toMatchObject({ me: { role: 'host', hostId: 'kabag-umum' }, visitId: id });
      const cookie = redeem.cookies.find((c) => c.name === 'pintu_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      const session = `pintu_session=${cookie.value}`;
      expect((await call('GET', `/visits/${id}`, session)).json().guestName).toBe('Tamu Lima');
      expect((await call('GET', '/presence', session)).statusCode).toBe(403);
      const decided = await call('POST', `/visits/${id}/decision`, session, {
        outcome: 'accepted',
        rooms: ['ruang-kabag'],
      });
      expect(decided.statusCode).toBe(200);
      expect(decided.json().accessCode).toMatch(/^\d{6}$/);

      expect((await call('POST', '/host-links/redeem', undefined, { token })).json()).toMatchObject({
        error: 'forbidden',
        message: 'the link was already used',
      });
      const [body, sig] = token.split('.');
      const forged = `${Buffer.from(JSON.stringify({ h: 'kabag-umum', e: t.clock.now + 1e9, n: 'x' })).toString('base64url')}.${sig}`;
      expect((await call('POST', '/host-links/redeem', undefined, { token: forged })).statusCode).toBe(403);
      expect(
        (await call('POST', '/host-links/redeem', undefined, { token: `${body}.${'A'.repeat(43)}` }))
          .statusCode,
      ).toBe(403);

      const late = (
        await call('POST', `/visits/${await toAwaitingHost('Tamu Enam')}/host-link`, as.receptionist, {
          ttlMinutes: 5,
        })
      ).json();
      tick(6);
      expect(
        (await call('POST', '/host-links/redeem', undefined, { token: late.token })).json().message,
      ).toBe('the link has expired');
      expect(
        (await call('POST', `/visits/${id}/host-link`, as.receptionist, { ttlMinutes: 2 })).statusCode,
      ).toBe(400);
    });
  });

  describe('admin settings and the approval webhook', () => {
    it('validates and keeps the settings; retention applies at once', async () => {
      expect((await call('PUT', '/admin/settings', as.admin, { webhookUrl: 'ftp://x' })).statusCode).toBe(
        400,
      );
      expect(
        (await call('PUT', '/admin/settings', as.admin, { webhookSecret: 'only-a-secret' })).statusCode,
      ).toBe(400);
      expect((await call('PUT', '/admin/settings', as.admin, { retentionGuestDays: -1 })).statusCode).toBe(
        400,
      );
      expect((await call('PUT', '/admin/settings', as.admin, { surprise: 1 })).statusCode).toBe(400);
      const r = await call('PUT', '/admin/settings', as.admin, {
        retentionGuestDays: 30,
        publicUrl: 'http://192.168.1.10:8080',
      });
      expect(r.json()).toMatchObject({
        retentionGuestDays: 30,
        retentionFromConfig: 90,
        retentionOverridden: true,
        publicUrl: 'http://192.168.1.10:8080',
      });
      expect(t.gateway.privacy.retentionDays).toBe(30);
      const file = JSON.parse(await readFile(join(t.dir, 'panel-settings.json'), 'utf8'));
      expect(file).toEqual({ retentionGuestDays: 30, publicUrl: 'http://192.168.1.10:8080' });
      const link = (
        await call('POST', `/visits/${await toAwaitingHost('Tamu Tujuh')}/host-link`, as.receptionist, {})
      ).json();
      expect(link.url).toBe(`http://192.168.1.10:8080/#/link/${link.token}`);
      await call('PUT', '/admin/settings', as.admin, { retentionGuestDays: 0 });
      expect(t.gateway.privacy.retentionDays).toBe(0);
      expect((await call('GET', '/admin/settings', as.admin)).json()).toMatchObject({
        retentionGuestDays: 0,
        retentionOverridden: true,
      });
      // null: back to the configuration's period (not 0, "forever")
      await call('PUT', '/admin/settings', as.admin, { retentionGuestDays: null, publicUrl: null });
      expect(t.gateway.privacy.retentionDays).toBe(90);
      const back = (await call('GET', '/admin/settings', as.admin)).json();
      expect(back).toMatchObject({ retentionGuestDays: 90, retentionOverridden: false });
      expect(back.publicUrl).toBeUndefined();
      expect(JSON.parse(await readFile(join(t.dir, 'panel-settings.json'), 'utf8'))).toEqual({});
      expect((await call('PUT', '/admin/settings', as.admin, { retentionGuestDays: 'x' })).statusCode).toBe(
        400,
      );
      expect((await call('POST', '/admin/retention/sweep', as.admin)).json()).toEqual({
        erased: 0,
        watchlistPurged: 0,
      });
    });

    it('retries a failing receiver, signs the body, and reports its status', async () => {
      let calls = 0;
      const bodies: string[] = [];
      const server = createServer((req, res) => {
        let b = '';
        req.on('data', (c) => (b += c));
        req.on('end', () => {
          bodies.push(b);
          res.writeHead(++calls < 3 ? 503 : 204).end();
          if (calls === 3)
            expect(req.headers['x-pintu-signature']).toBe(
              `sha256=${createHmac('sha256', 's3cret-key').update(b).digest('hex')}`,
            );
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
        const hook = new ApprovalWebhook(
          t.gateway.core,
          () => ({ webhook: { url, secret: 's3cret-key' } }),
          undefined as never,
          'none',
          t.gateway.core.log,
          [10, 10],
        );
        expect(await hook.deliver({ url, secret: 's3cret-key' }, { event: 'test' })).toBe(204);
        expect(calls).toBe(3);
        expect(hook.status).toMatchObject({ sent: 1, failed: 0, lastStatus: 204 });
        await expect(hook.deliver({ url: 'http://127.0.0.1:1/none' }, { event: 'test' })).rejects.toThrow();
        expect(hook.status.failed).toBe(1);

        // Through the settings: the test button reaches the receiver.
        await call('PUT', '/admin/settings', as.admin, { webhookUrl: url, webhookSecret: 's3cret-key' });
        expect((await call('POST', '/admin/webhook/test', as.admin)).json()).toMatchObject({
          ok: true,
          status: 204,
        });
        const s = (await call('GET', '/admin/settings', as.admin)).json();
        expect(s.webhook).toMatchObject({ url, hasSecret: true, sent: 1 });
        expect(JSON.stringify(s)).not.toContain('s3cret-key');
        await call('PUT', '/admin/settings', as.admin, { webhookUrl: null });
      } finally {
        server.close();
      }
    });
  });

  describe('administration routes', () => {
    it('removes a badge that is not issued; resets a password as one-time', async () => {
      const badges = (await call('GET', '/badges', as.receptionist)).json();
      const b10 = badges.find((b: { label: string }) => b.label === 'TAMU-10');
      expect((await call('DELETE', `/badges/${b10.id}`, as.receptionist)).json()).toEqual({ ok: true });
      expect(
        (await call('GET', '/badges', as.receptionist))
          .json()
          .some((b: { label: string }) => b.label === 'TAMU-10'),
      ).toBe(false);
      expect((await call('DELETE', '/badges/nope', as.receptionist)).statusCode).toBe(404);

      expect(
        (await call('POST', '/users/facilities5/password', as.admin, { password: 'short' })).statusCode,
      ).toBe(400);
      expect(
        (
          await call('POST', '/users/facilities5/password', as.admin, { password: 'a new long password' })
        ).json(),
      ).toEqual({ ok: true });
      const login = await call('POST', '/auth/login', undefined, {
        username: 'facilities5',
        password: 'a new long password',
      });
      expect(login.statusCode).toBe(200);
      const cookie = `pintu_session=${login.cookies.find((c) => c.name === 'pintu_session')!.value}`;
      expect((await call('GET', '/doors', cookie)).json().error).toBe('password_change_required');
    });
  });

  describe('recap exports', () => {
    it('sends XLSX and PDF from the API, as attachments', async () => {
      const x = await call('GET', '/reports/monthly?month=2026-11&format=xlsx', as.receptionist);
      expect(x.statusCode).toBe(200);
      expect(x.headers['content-type']).toContain('spreadsheetml');
      expect(x.headers['content-disposition']).toBe('attachment; filename="rekap-kunjungan-2026-11.xlsx"');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
      expect(wb.getWorksheet('Ringkasan')!.getCell('A3').value).toBe('BIRO UMUM');
      const p = await call('GET', '/reports/monthly?month=2026-11&format=pdf&lang=en', as.admin);
      expect(p.headers['content-type']).toBe('application/pdf');
      expect(p.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect((await call('GET', '/reports/monthly?month=2026-11&format=pdf', as.security)).statusCode).toBe(
        403,
      );
    });

    it('writes them from `pintu report --format xlsx|pdf --out FILE`', async () => {
      await t.gateway.core.saveNow();
      const env = { ...process.env, PINTU_DATA_DIR: t.dir, PINTU_LOG_LEVEL: 'error' };
      const out = join(tmp, 'rekap.xlsx');
      const r = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'src/cli.ts'),
          'report',
          '--month',
          '2026-11',
          '--format',
          'xlsx',
          '--out',
          out,
        ],
        { env, cwd: ROOT },
      );
      expect(r.stdout).toContain(`recap 2026-11 written to ${out}`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(out);
      let visits: unknown;
      wb.getWorksheet('Ringkasan')!.eachRow((row) => {
        if (row.getCell(1).value === 'Jumlah kunjungan') visits = row.getCell(2).value;
      });
      expect(visits).toBe(
        (await call('GET', '/reports/monthly?month=2026-11', as.admin)).json().totals.visits,
      );
      const pdf = join(tmp, 'rekap.pdf');
      await run(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'src/cli.ts'),
          'report',
          '--month',
          '2026-11',
          '--format',
          'pdf',
          '--out',
          pdf,
        ],
        { env, cwd: ROOT },
      );
      expect((await readFile(pdf)).subarray(0, 5).toString()).toBe('%PDF-');
      await expect(
        run(
          process.execPath,
          ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'report', '--month', '2026-11', '--format', 'pdf'],
          { env, cwd: ROOT },
        ),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('--format pdf needs --out FILE') });
    }, 60_000);
  });
});
