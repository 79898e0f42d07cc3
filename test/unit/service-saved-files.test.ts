// The small files the services keep in the data folder, as they are read at start: the panel's
// settings (panel-settings.json) and the host links already redeemed (host-links.json).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  it('missing: none redeemed; saved: a redeemed link stays used after a restart; not JSON: opens', async () => {
    await writeFile(join(dir, 'secret.key'), randomBytes(32), { mode: 0o600 });
    const now = () => 1_000_000;
    const links = await HostLinks.open(dir, now);
    const { token } = links.issue('kabag-umum', 'v-1', 60_000);
    await links.redeem(token);
    expect(() => links.verify(token)).toThrow('already used');
    const again = await HostLinks.open(dir, now);
    expect(() => again.verify(token)).toThrow('already used');
    await writeFile(join(dir, 'host-links.json'), 'not json');
    await expect(HostLinks.open(dir, now)).resolves.toBeInstanceOf(HostLinks);
  });
});
