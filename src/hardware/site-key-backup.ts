// The offline backup of the site keys (issue 12): every key file of keys/ (the current site key
// and the old ones badges may still be under) sealed with a passphrase: scrypt derives the key,
// AES-256-GCM encrypts and authenticates; the header (format, scrypt cost, salt) is the GCM
// additional data, so a file with a changed header does not open either.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const FORMAT = 'pintu-site-keys-1';
/** scrypt's cost: about 0.1-0.3 s and 32 MiB on a Pi 4, once per backup or restore. */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const MAXMEM = 64 * 1024 * 1024;
/** The key files a backup carries: site.key and site-<n>.old.key. */
const KEY_FILE = /^site(-[1-9][0-9]{0,5}\.old)?\.key$/;

interface Sealed {
  format: typeof FORMAT;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  data: string;
}

function derive(passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { ...kdf, maxmem: MAXMEM });
}

function header(s: Pick<Sealed, 'format' | 'kdf'>): Buffer {
  return Buffer.from(JSON.stringify({ format: s.format, kdf: s.kdf }));
}

/** The key files of `<dataDir>/keys` by name (a folder without keys is refused). */
export function readKeyFiles(dataDir: string): Record<string, string> {
  const dir = join(dataDir, 'keys');
  const files: Record<string, string> = {};
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (KEY_FILE.test(name)) files[name] = readFileSync(join(dir, name), 'utf8');
  }
  if (!files['site.key']) throw new Error(`${join(dir, 'site.key')}: no site key to back up`);
  return files;
}

/** The backup file's text: `files` sealed with `passphrase`. */
export function sealKeyFiles(files: Record<string, string>, passphrase: string): string {
  if (!passphrase) throw new Error('an empty passphrase protects nothing');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kdf = { name: 'scrypt' as const, ...COST, salt: salt.toString('base64') };
  const cipher = createCipheriv('aes-256-gcm', derive(passphrase, salt, COST), iv);
  cipher.setAAD(header({ format: FORMAT, kdf }));
  const data = Buffer.concat([cipher.update(JSON.stringify(files), 'utf8'), cipher.final()]);
  const sealed: Sealed = {
    format: FORMAT,
    kdf,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return `${JSON.stringify(sealed)}\n`;
}

/** The key files of a backup's `text`; throws on a wrong passphrase or a damaged file. */
export function openKeyFiles(text: string, passphrase: string): Record<string, string> {
  let s: Sealed;
  try {
    s = JSON.parse(text) as Sealed;
  } catch {
    throw new Error('not a pintu site key backup (not JSON)');
  }
  if (s?.format !== FORMAT || s.kdf?.name !== 'scrypt')
    throw new Error(`not a pintu site key backup (format ${FORMAT} expected)`);
  const kdf = { N: s.kdf.N, r: s.kdf.r, p: s.kdf.p };
  if (![kdf.N, kdf.r, kdf.p].every(Number.isSafeInteger) || 128 * kdf.N * kdf.r * kdf.p > MAXMEM)
    throw new Error('the backup asks for an scrypt cost out of bounds');
  let plain: string;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derive(passphrase, Buffer.from(s.kdf.salt, 'base64'), kdf),
      Buffer.from(s.iv, 'base64'),
    );
    decipher.setAAD(header(s));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error('wrong passphrase, or the backup file is damaged');
  }
  const files = JSON.parse(plain) as Record<string, string>;
  for (const name of Object.keys(files))
    if (!KEY_FILE.test(name)) throw new Error(`the backup holds an unexpected file "${name}"`);
  if (!files['site.key']) throw new Error('the backup holds no site.key');
  return files;
}

/** Writes a backup file: new (never over another file), 0600, refused if others could read it. */
export function writeBackup(out: string, text: string): void {
  writeFileSync(out, text, { mode: 0o600, flag: 'wx' });
  if ((statSync(out).mode & 0o077) !== 0)
    throw new Error(`${out}: others could read it (its folder's default ACL?); chmod 600 it`);
}

/**
 * Restores `files` into `<dataDir>/keys` (0700; files 0600). A key file that exists with other
 * content is refused unless `force`: restoring over a different site key would strand every
 * badge personalised under it. Returns the files written.
 */
export function restoreKeyFiles(dataDir: string, files: Record<string, string>, force: boolean): string[] {
  const dir = join(dataDir, 'keys');
  const clash = Object.entries(files)
    .filter(([name, text]) => existsSync(join(dir, name)) && readFileSync(join(dir, name), 'utf8') !== text)
    .map(([name]) => name);
  if (clash.length && !force)
    throw new Error(
      `${clash.map((n) => join(dir, n)).join(', ')}: a different key is there; nothing was changed (--force replaces it)`,
    );
  // Every key must parse before any is written.
  for (const [name, text] of Object.entries(files)) {
    if (!/^pintu-site-key-1 [0-9a-f]{32} [0-9a-f]{16}\s*$/.test(text))
      throw new Error(`the backup's ${name} is not a site key`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = join(dir, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    // A new file renamed over the old: 0600 whatever mode the replaced one had, never half written.
    const tmp = `${file}.restore`;
    rmSync(tmp, { force: true });
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    written.push(name);
  }
  return written;
}
