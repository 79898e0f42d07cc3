// The web panel in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core (which never downloads a browser), against a real gateway listening on
// 127.0.0.1 with simulated hardware and a settable clock. The panel is built once per test
// file into a folder of its own (PINTU_PANEL_DIR), so test files never race on dist/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildPanel } from '../../scripts/build-panel.js';
import type { Role } from '../../src/domain/types.js';
import type { ClockSyncPort } from '../../src/hardware/clock-sync.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { requireLab } from './lab.js';

export const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium is installed; false (skip, with the reason) elsewhere; throws under CI=true. */
export function haveChromium(): boolean {
  return requireLab(`chromium at ${CHROMIUM} (apt-get install -y chromium)`, existsSync(CHROMIUM));
}

export const SHOTS = resolve(import.meta.dirname, '../../test-results/panel');

export const PASSWORD = 'correct horse battery';

/**
 * Retrying assertions on what the page shows (playwright-core has no `expect` of its own):
 * `await see(locator).text().toContain('…')` polls until it holds or 10 s pass.
 */
export function see(l: Locator, timeout = 10_000) {
  const opts = { timeout, interval: 50 };
  const quick = { timeout: 500 };
  return {
    text: () => expect.poll(() => l.innerText(quick).catch(() => ''), opts),
    /** textContent: for SVG, which has no innerText. */
    content: () => expect.poll(() => l.textContent(quick).catch(() => ''), opts),
    attr: (name: string) => expect.poll(() => l.getAttribute(name, quick).catch(() => null), opts),
    value: () => expect.poll(() => l.inputValue(quick).catch(() => ''), opts),
    count: () => expect.poll(() => l.count(), opts),
    checked: () => expect.poll(() => l.isChecked(quick).catch(() => undefined), opts),
    disabled: () => expect.poll(() => l.isDisabled(quick).catch(() => undefined), opts),
  };
}

export interface PanelLab {
  t: TestGateway;
  url: string;
  /** A bearer token for taps on the simulated readers (what `pintu tap` uses). */
  token: string;
  /** A fresh browser profile (its own cookies): one per person. */
  browser(): Promise<BrowserContext>;
  user(username: string, role: Role, hostId?: string): Promise<void>;
  /** A user (as `user`) and a page of their own browser profile, not logged in yet. */
  userPage(username: string, role: Role, hostId?: string): Promise<Page>;
  /** Logs in from `path` (default the desk's `/`), as a bookmark of another view would. */
  login(page: Page, username: string, path?: string): Promise<void>;
  /**
   * An API call (fastify.inject) as the admin's token, or as a session's `cookie`: the JSON
   * answer; throws on a refusal.
   */
  api(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
    cookie?: string,
  ): Promise<ReturnType<typeof JSON.parse>>;
  /** A tap on a simulated reader, through the API as the CLI does. */
  tap(
    reader: string,
    uid: string,
  ): Promise<{ kind: string; granted?: boolean; reason?: string; visitId?: string }>;
  /**
   * Tap until `where` shows `text`: the page's long poll for the desk reader may not have reached
   * the gateway yet when the test taps (a person would simply tap again).
   */
  tapUntil(reader: string, uid: string, where: Locator, text: string): Promise<void>;
  shot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startPanelLab(
  opts: {
    now?: number;
    file?: string;
    clockSync?: ClockSyncPort;
    /** Configuration by environment (PINTU_CONFIG_...), as startTestGateway takes it. */
    env?: Record<string, string>;
  } = {},
): Promise<PanelLab> {
  const tmp = await mkdtemp(join(tmpdir(), 'pintu-panel-'));
  const build = await buildPanel(join(tmp, 'panel'));
  process.env.PINTU_PANEL_DIR = build.outDir;
  const t = await startTestGateway({
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.file ? { file: opts.file } : {}),
    ...(opts.clockSync ? { clockSync: opts.clockSync } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  delete process.env.PINTU_PANEL_DIR;
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('gateway did not listen');
  const url = `http://127.0.0.1:${address.port}`;
  const { token } = await t.gateway.accounts.createToken('test-reader', 'admin', {
    kind: 'system',
    id: 'test',
  });
  await mkdir(SHOTS, { recursive: true });
  const tap = async (reader: string, uid: string) => {
    const res = await fetch(`${url}/api/v1/taps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reader, uid }),
    });
    if (!res.ok) throw new Error(`tap failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as { kind: string; granted?: boolean; reason?: string; visitId?: string };
  };
  const contexts: BrowserContext[] = [];
  let profiles = 0;
  const lab: PanelLab = {
    t,
    url,
    token,
    async browser() {
      const ctx = await chromium.launchPersistentContext(join(tmp, `profile-${++profiles}`), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1366, height: 900 },
        locale: 'id-ID',
        timezoneId: 'UTC',
        acceptDownloads: true,
      });
      ctx.setDefaultTimeout(15_000);
      contexts.push(ctx);
      return ctx;
    },
    async user(username, role, hostId) {
      await t.gateway.accounts.addUser(
        { username, role, password: PASSWORD, displayName: username, ...(hostId ? { hostId } : {}) },
        { kind: 'system', id: 'test' },
      );
    },
    async userPage(username, role, hostId) {
      await lab.user(username, role, hostId);
      return (await lab.browser()).newPage();
    },
    async login(page, username, path = '/') {
      await page.goto(`${url}${path}`);
      await page.getByLabel(/Nama pengguna|User name/).fill(username);
      await page.getByLabel(/Kata sandi|Password/).fill(PASSWORD);
      await page.getByRole('button', { name: /^(Masuk|Log in)$/ }).click();
      await page.locator('header.top').waitFor();
    },
    async api(method, url, payload, cookie) {
      const res = await t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: cookie ? { cookie } : { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    tap,
    async tapUntil(reader, uid, where, text) {
      for (let i = 0; ; i++) {
        await tap(reader, uid);
        try {
          await see(where, 2000).text().toContain(text);
          return;
        } catch (err) {
          if (i >= 5) throw err;
        }
      }
    },
    async shot(page, name) {
      const file = join(SHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await t.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
  return lab;
}
