// `pintu keys rotate` (issue 12): the current site key becomes keys/site-<n>.old.key and a new
// one is made, both 0600; the gateway's key ring then holds both, the new one current.
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SiteKeyRing } from '../../src/hardware/site-keys.js';
import { pintu } from '../support/process.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('keys rotate keeps the old key, makes a new current one, and never prints key material', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-keys-'));
  dirs.push(dir);
  const data = join(dir, 'data');
  await mkdir(data);
  const first = SiteKeyRing.open(data).current;
  const before = await readFile(join(data, 'keys', 'site.key'), 'utf8');
  const r = await pintu({ PINTU_DATA_DIR: data }, 'keys', 'rotate');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('site key 2 made');
  const hex = before
    .split(' ')
    .slice(1)
    .map((s) => s.trim());
  for (const h of hex) expect(`${r.stdout}${r.stderr}`).not.toContain(h);
  expect(await readFile(join(data, 'keys', 'site-1.old.key'), 'utf8')).toBe(before);
  expect((await stat(join(data, 'keys', 'site-1.old.key'))).mode & 0o777).toBe(0o600);
  expect((await stat(join(data, 'keys', 'site.key'))).mode & 0o777).toBe(0o600);
  const ring = SiteKeyRing.open(data);
  expect(ring.current.generation).toBe(2);
  expect(ring.get(1)?.equals(first)).toBe(true);
  expect(ring.current.equals(first)).toBe(false);
  expect(ring.all().map((k) => k.generation)).toEqual([1, 2]);
});

it('keys rotate refuses a folder that is not there', async () => {
  const r = await pintu({ PINTU_DATA_DIR: join(tmpdir(), 'pintu-keys-none', 'data') }, 'keys', 'rotate');
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('no data folder');
});
