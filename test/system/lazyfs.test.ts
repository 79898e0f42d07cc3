// The power-cut file system itself (test/lab/lazyfs.py): what was fsynced survives a cut, what
// was not may not, and a directory entry is durable only once its directory is fsynced.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { labSuite } from '../support/lab.js';
import { LAZYFS_NEEDS, LazyMount } from '../support/lazyfs.js';

function writeSynced(file: string, text: string, sync: boolean): void {
  const fd = openSync(file, 'w');
  writeSync(fd, text);
  if (sync) fsyncSync(fd);
  closeSync(fd);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

labSuite('lazyfs: what a power cut keeps', LAZYFS_NEEDS, () => {
  let root: string;
  let backing: string;
  let mnt: string;
  let fs: LazyMount;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pintu-lazyfs-'));
    backing = join(root, 'disk');
    mnt = join(root, 'mnt');
    await mkdir(backing);
    await mkdir(mnt);
    await writeFile(join(backing, 'old.txt'), 'before\n');
    fs = await LazyMount.mount(backing, mnt, join(root, 'control.sock'), 1);
  });

  afterEach(async () => {
    await fs.close();
    await rm(root, { recursive: true, force: true });
  });

  it('drops data written without fsync', async () => {
    writeSynced(join(mnt, 'old.txt'), 'after, never synced\n', false);
    expect(await readFile(join(mnt, 'old.txt'), 'utf8')).toBe('after, never synced\n');
    const r = await fs.cut('drop-all', 1);
    expect(r.writesDropped).toBeGreaterThan(0);
    expect(await readFile(join(backing, 'old.txt'), 'utf8')).toBe('before\n');
  });

  it('keeps data fsynced', async () => {
    writeSynced(join(mnt, 'old.txt'), 'after, synced\n', true);
    await fs.cut('drop-all', 1);
    expect(await readFile(join(backing, 'old.txt'), 'utf8')).toBe('after, synced\n');
  });

  it('loses a new file, data fsynced, whose directory was not fsynced', async () => {
    writeSynced(join(mnt, 'new.txt'), 'synced data\n', true);
    await fs.cut('drop-all', 1);
    expect(await readdir(backing)).toEqual(['old.txt']);
  });

  it('loses a rename without the directory fsync, keeps it with one', async () => {
    writeSynced(join(mnt, 'a.tmp'), 'A\n', true);
    syncDir(mnt);
    await rename(join(mnt, 'a.tmp'), join(mnt, 'a.txt'));
    await rename(join(mnt, 'old.txt'), join(mnt, 'moved.txt'));
    syncDir(mnt);
    writeSynced(join(mnt, 'b.tmp'), 'B\n', true);
    syncDir(mnt);
    await rename(join(mnt, 'b.tmp'), join(mnt, 'b.txt')); // never made durable
    await fs.cut('drop-all', 1);
    expect((await readdir(backing)).sort()).toEqual(['a.txt', 'b.tmp', 'moved.txt']);
    expect(await readFile(join(backing, 'moved.txt'), 'utf8')).toBe('before\n');
  });

  it('replays a random cut from its seed', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
    const fd = openSync(join(mnt, 'old.txt'), 'a');
    for (const l of lines) writeSync(fd, l);
    closeSync(fd);
    const r = await fs.cut('random', 42);
    const first = await readFile(join(backing, 'old.txt'), 'utf8');
    // What survives is a prefix of what was written, possibly torn in its last line.
    expect(`before\n${lines.join('')}`.startsWith(first)).toBe(true);
    expect(r.writesKept + r.writesDropped).toBe(lines.length);
    // The same writes and the same seed: the same survivor.
    await writeFile(join(backing, 'old.txt'), 'before\n');
    fs = await LazyMount.mount(backing, mnt, join(root, 'control.sock'), 1);
    const fd2 = openSync(join(mnt, 'old.txt'), 'a');
    for (const l of lines) writeSync(fd2, l);
    closeSync(fd2);
    expect(await fs.cut('random', 42)).toEqual(r);
    expect(await readFile(join(backing, 'old.txt'), 'utf8')).toBe(first);
  });
});
