// `pintu keys rotate|backup|restore` (issue 12). rotate: the current site key becomes
// keys/site-<n>.old.key and a new one is made, both 0600; the gateway's key ring then holds
// both. backup/restore: every key file sealed with a passphrase (scrypt + AES-256-GCM) into a
// new 0600 file, and back into another data folder; a different key is replaced only with
// --force; a wrong passphrase restores nothing. No key material is ever printed.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SiteKeyRing } from '../../src/hardware/site-keys.js';
import { pintu, ROOT } from '../support/process.js';

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

it('keys rotate refuses a folder without a site key: nothing to rotate, nothing made', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-keys-'));
  dirs.push(dir);
  const data = join(dir, 'data');
  await mkdir(data);
  const r = await pintu({ PINTU_DATA_DIR: data }, 'keys', 'rotate');
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('no site key to rotate');
  await expect(stat(join(data, 'keys'))).rejects.toThrow();
});

it('keys rotate refuses a folder that is not there', async () => {
  const r = await pintu({ PINTU_DATA_DIR: join(tmpdir(), 'pintu-keys-none', 'data') }, 'keys', 'rotate');
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('no data folder');
});

/** pintu with `input` on its stdin (the passphrase read from a pipe). */
function pintuStdin(env: Record<string, string>, input: string, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, PINTU_LOG_LEVEL: 'warn', PINTU_KEYS_PASSPHRASE: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

/** The hex of every key file of a data folder (what must never be printed). */
async function secrets(data: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names)
    out.push(...(await readFile(join(data, 'keys', n), 'utf8')).trim().split(' ').slice(1));
  return out;
}

it('keys backup and restore: a round trip into another folder, 0600, passphrase from env or stdin', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-keys-'));
  dirs.push(dir);
  const data = join(dir, 'data');
  await mkdir(data);
  SiteKeyRing.open(data);
  expect((await pintu({ PINTU_DATA_DIR: data }, 'keys', 'rotate')).code).toBe(0);
  const hex = await secrets(data, ['site.key', 'site-1.old.key']);
  const out = join(dir, 'keys.backup');
  const b = await pintu(
    { PINTU_DATA_DIR: data, PINTU_KEYS_PASSPHRASE: 'kunci cadangan biro umum' },
    'keys',
    'backup',
    '--out',
    out,
  );
  expect(b.code).toBe(0);
  expect(b.stdout).toContain('2 key file(s) sealed');
  expect((await stat(out)).mode & 0o777).toBe(0o600);
  const sealed = await readFile(out, 'utf8');
  for (const h of hex) {
    expect(sealed).not.toContain(h);
    expect(`${b.stdout}${b.stderr}`).not.toContain(h);
  }
  // Never over another file.
  const twice = await pintu(
    { PINTU_DATA_DIR: data, PINTU_KEYS_PASSPHRASE: 'x' },
    'keys',
    'backup',
    '--out',
    out,
  );
  expect(twice.code).not.toBe(0);
  expect(twice.stderr).toContain('EEXIST');

  const other = join(dir, 'other');
  await mkdir(other);
  const wrong = await pintuStdin({ PINTU_DATA_DIR: other }, 'salah\n', 'keys', 'restore', '--in', out);
  expect(wrong.code).not.toBe(0);
  expect(wrong.stderr).toContain('wrong passphrase');
  await expect(stat(join(other, 'keys'))).rejects.toThrow();
  const r = await pintuStdin(
    { PINTU_DATA_DIR: other },
    'kunci cadangan biro umum\n',
    'keys',
    'restore',
    '--in',
    out,
  );
  expect(r.code).toBe(0);
  for (const h of hex) expect(`${r.stdout}${r.stderr}`).not.toContain(h);
  for (const n of ['site.key', 'site-1.old.key']) {
    expect(await readFile(join(other, 'keys', n), 'utf8')).toBe(
      await readFile(join(data, 'keys', n), 'utf8'),
    );
    expect((await stat(join(other, 'keys', n))).mode & 0o777).toBe(0o600);
  }
  expect((await stat(join(other, 'keys'))).mode & 0o777).toBe(0o700);
  const restored = SiteKeyRing.open(other);
  expect(restored.current.generation).toBe(2);
  expect(restored.current.equals(SiteKeyRing.open(data).current)).toBe(true);
}, 180_000); // six CLI runs, each a tsx start

it('keys restore refuses to replace a different site key without --force, and does with it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-keys-'));
  dirs.push(dir);
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  await mkdir(a);
  await mkdir(b);
  SiteKeyRing.open(a);
  const theirs = SiteKeyRing.open(b).current;
  const out = join(dir, 'a.backup');
  const env = { PINTU_KEYS_PASSPHRASE: 'frasa sandi panjang' };
  expect((await pintu({ ...env, PINTU_DATA_DIR: a }, 'keys', 'backup', '--out', out)).code).toBe(0);
  const refused = await pintu({ ...env, PINTU_DATA_DIR: b }, 'keys', 'restore', '--in', out);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('a different key is there; nothing was changed (--force replaces it)');
  expect(SiteKeyRing.open(b).current.equals(theirs)).toBe(true);
  const forced = await pintu({ ...env, PINTU_DATA_DIR: b }, 'keys', 'restore', '--in', out, '--force');
  expect(forced.code).toBe(0);
  expect(SiteKeyRing.open(b).current.equals(SiteKeyRing.open(a).current)).toBe(true);
  // A changed header (a cheaper scrypt cost) does not open: it is the GCM's additional data.
  const tampered = JSON.parse(await readFile(out, 'utf8'));
  tampered.kdf.N = 2 ** 14;
  await writeFile(join(dir, 'tampered'), JSON.stringify(tampered));
  const t = await pintu(
    { ...env, PINTU_DATA_DIR: b },
    'keys',
    'restore',
    '--in',
    join(dir, 'tampered'),
    '--force',
  );
  expect(t.code).not.toBe(0);
  expect(t.stderr).toContain('wrong passphrase, or the backup file is damaged');
}, 180_000); // four CLI runs, each a tsx start
