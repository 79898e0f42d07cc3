// The small files the services keep in the data folder, as they are read at start: the panel's
// settings (panel-settings.json) and the host links already redeemed (host-links.json).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostLinks } from '../../src/service/host-links.js';
import { PanelSettingsStore } from '../../src/service/panel-settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-saved-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('panel-settings.json', () => {
  it('missing: no settings; saved: read back; not JSON: the start stops naming the file', async () => {
    expect((await PanelSettingsStore.open(dir)).get()).toEqual({});
    await (await PanelSettingsStore.open(dir)).update({ publicUrl: 'http://192.168.1.10:8080' });
    expect((await PanelSettingsStore.open(dir)).get()).toEqual({ publicUrl: 'http://192.168.1.10:8080' });
    const file = join(dir, 'panel-settings.json');
    await writeFile(file, '{"publicUrl":');
    await expect(PanelSettingsStore.open(dir)).rejects.toThrow(`${file}: `);
  });
});

describe('host-links.json', () => {
  const start = 1_000_000;
  let clock: number;
  const now = () => clock;
  let lines: Array<{ level: number; msg: string; file?: string; problem?: string; keptAs?: string }>;
  const log = () => pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  beforeEach(async () => {
    clock = start;
    lines = [];
    await writeFile(join(dir, 'secret.key'), randomBytes(32), { mode: 0o600 });
  });

  it('missing: none redeemed; saved: a redeemed link stays used after a restart', async () => {
    const links = await HostLinks.open(dir, now, log());
    const { token } = links.issue('kabag-umum', 'v-1', 60_000);
    await links.redeem(token);
    expect(() => links.verify(token)).toThrow('already used');
    const again = await HostLinks.open(dir, now, log());
    expect(() => again.verify(token)).toThrow('already used');
    expect(lines).toEqual([]);
  });

  // A disk fault must not re-open one-time links: every link that could have been redeemed
  // before the file was lost is refused until it expires; links issued from now on work.
  it.each([
    ['truncated JSON', (text: string) => text.slice(0, text.length - 8)],
    ['not JSON', () => 'not json'],
    ['valid JSON of the wrong shape (array)', () => '[]'],
    ['valid JSON of the wrong shape (expiry not a number)', () => '{"used":{"abc":"soon"}}'],
    ['valid JSON without used', () => '{}'],
  ])('%s: refuses every link issued before the start, keeps the file aside', async (_, corrupt) => {
    const file = join(dir, 'host-links.json');
    const links = await HostLinks.open(dir, now, log());
    const redeemed = links.issue('kabag-umum', 'v-1', 60_000).token;
    const unredeemed = links.issue('kabag-umum', 'v-2', 60_000, 'sekretaris').token;
    await links.redeem(redeemed);
    const saved = await readFile(file, 'utf8');
    const nonces = Object.keys(JSON.parse(saved).used as object);
    const broken = corrupt(saved);
    await writeFile(file, broken);

    clock = start + 1_000;
    const reopened = await HostLinks.open(dir, now, log());
    expect(() => reopened.verify(redeemed)).toThrow('issued before');
    expect(() => reopened.verify(unredeemed)).toThrow('issued before');
    const fresh = reopened.issue('kabag-umum', 'v-1', 60_000).token;
    expect((await reopened.redeem(fresh)).visitId).toBe('v-1');
    expect(() => reopened.verify(fresh)).toThrow('already used');

    const aside = (await readdir(dir)).filter((f) => f.startsWith('host-links.json.broken-'));
    expect(aside).toEqual([`host-links.json.broken-${start + 1_000}`]);
    expect(await readFile(join(dir, aside[0]!), 'utf8')).toBe(broken);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, file, keptAs: join(dir, aside[0]!) });
    expect(lines[0]!.msg).toContain('issue a new link');
    // No nonce (a part of every token) in the log line.
    for (const n of nonces) expect(JSON.stringify(lines[0])).not.toContain(n);

    // The next start, before any other redeem, still refuses them: the rule is on disk.
    clock = start + 2_000;
    const third = await HostLinks.open(dir, now, log());
    expect(() => third.verify(redeemed)).toThrow('issued before');
    expect(() => third.verify(fresh)).toThrow('already used');
    expect(third.verify(reopened.issue('kabag-umum', 'v-3', 60_000).token).visitId).toBe('v-3');
    expect(lines).toHaveLength(1);
  });
});
