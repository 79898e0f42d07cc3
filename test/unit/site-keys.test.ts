// The site key ring (hardware/site-keys.ts) and its sealed backup (hardware/site-key-backup.ts),
// on real files: generations across rotations, the key a door uses for a badge, modes, and the
// backup's refusals. The card side is test/system/hw-ntag424-enrol.test.ts.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openKeyFiles,
  readKeyFiles,
  restoreKeyFiles,
  sealKeyFiles,
} from '../../src/hardware/site-key-backup.js';
import { SiteKeyRing } from '../../src/hardware/site-keys.js';

const dirs: string[] = [];
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), 'pintu-ring-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SiteKeyRing', () => {
  it('numbers the keys across rotations and keeps every old one, 0600', () => {
    const data = folder();
    const k1 = SiteKeyRing.open(data).current;
    expect(k1.generation).toBe(1);
    expect(SiteKeyRing.rotate(data)).toBe(2);
    expect(SiteKeyRing.rotate(data)).toBe(3);
    const ring = SiteKeyRing.open(data);
    expect(ring.all().map((k) => k.generation)).toEqual([1, 2, 3]);
    expect(ring.get(1)?.equals(k1)).toBe(true);
    expect(ring.get(4)).toBeUndefined();
    for (const f of ['site.key', 'site-1.old.key', 'site-2.old.key'])
      expect(statSync(join(data, 'keys', f)).mode & 0o777).toBe(0o600);
  });

  it("gives a door the key of the badge's recorded generation, else the current one", () => {
    const data = folder();
    SiteKeyRing.open(data);
    SiteKeyRing.rotate(data);
    const ring = SiteKeyRing.open(data);
    const gens = new Map([
      ['04AA', 1],
      ['04BB', 2],
      ['04CC', 9],
    ]);
    ring.trackGenerations((uid) => gens.get(uid));
    expect(ring.forBadge('04AA').generation).toBe(1);
    expect(ring.forBadge('04BB').generation).toBe(2);
    // A generation no longer kept, or a badge the pool does not know: the current key (it fails).
    expect(ring.forBadge('04CC').generation).toBe(2);
    expect(ring.forBadge('04DD').generation).toBe(2);
  });

  it('refuses an old key file others can read', () => {
    const data = folder();
    SiteKeyRing.open(data);
    SiteKeyRing.rotate(data);
    chmodSync(join(data, 'keys', 'site-1.old.key'), 0o644);
    expect(() => SiteKeyRing.open(data)).toThrow(/site-1\.old\.key: readable by others/);
  });
});

describe('site key backup', () => {
  it('opens with its passphrase only, and restores the same ring', () => {
    const data = folder();
    SiteKeyRing.open(data);
    SiteKeyRing.rotate(data);
    const sealed = sealKeyFiles(readKeyFiles(data), 'frasa sandi');
    expect(() => openKeyFiles(sealed, 'frasa salah')).toThrow(
      'wrong passphrase, or the backup file is damaged',
    );
    expect(() => sealKeyFiles(readKeyFiles(data), '')).toThrow('empty passphrase');
    const other = folder();
    expect(restoreKeyFiles(other, openKeyFiles(sealed, 'frasa sandi'), false).sort()).toEqual([
      'site-1.old.key',
      'site.key',
    ]);
    expect(statSync(join(other, 'keys')).mode & 0o777).toBe(0o700);
    const a = SiteKeyRing.open(data).all();
    const b = SiteKeyRing.open(other).all();
    expect(b.map((k, i) => k.equals(a[i]!) && k.generation === a[i]!.generation)).toEqual([true, true]);
    // Again: nothing to write.
    expect(restoreKeyFiles(other, openKeyFiles(sealed, 'frasa sandi'), false)).toEqual([]);
  });

  it('refuses a different key without force and changes nothing', () => {
    const [a, b] = [folder(), folder()];
    SiteKeyRing.open(a);
    SiteKeyRing.open(b);
    const before = readFileSync(join(b, 'keys', 'site.key'), 'utf8');
    const files = openKeyFiles(sealKeyFiles(readKeyFiles(a), 'p'), 'p');
    expect(() => restoreKeyFiles(b, files, false)).toThrow(/a different key is there; nothing was changed/);
    expect(readFileSync(join(b, 'keys', 'site.key'), 'utf8')).toBe(before);
    expect(restoreKeyFiles(b, files, true)).toEqual(['site.key']);
    expect(SiteKeyRing.open(b).current.equals(SiteKeyRing.open(a).current)).toBe(true);
  });

  it('refuses a backup holding a file that is not a key file', () => {
    const data = folder();
    SiteKeyRing.open(data);
    const sealed = sealKeyFiles({ ...readKeyFiles(data), '../state.json': '{}' }, 'p');
    expect(() => openKeyFiles(sealed, 'p')).toThrow('unexpected file "../state.json"');
  });
});
