// The guest book's files (store/guest-book.ts): a snapshot and an append-only log of the
// records since, folded together by sequence number, so an arrival appends one line and a
// crash at any point of a fold neither loses a record nor brings an erased one back.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Guest } from '../../src/domain/types.js';
import { GuestBook } from '../../src/store/guest-book.js';

function guest(id: string, name = `Tamu ${id}`): Guest {
  return { id, name, institution: 'BPKAD', firstSeenAt: 1, lastSeenAt: 1 } as Guest;
}

describe('GuestBook', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pintu-guests-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends a record as one log line and leaves guests.json alone', async () => {
    const many = Array.from({ length: 500 }, (_, i) => guest(`g${i}`));
    await writeFile(path.join(dir, 'guests.json'), JSON.stringify({ version: 1, guests: many }, null, 2));
    const before = await stat(path.join(dir, 'guests.json'));
    const book = await GuestBook.open(dir);
    expect(book.all).toHaveLength(500);
    await book.save([guest('new')]);
    const after = await stat(path.join(dir, 'guests.json'));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    const log = await readFile(path.join(dir, 'guests.log'), 'utf8');
    expect(log.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(log)).toMatchObject({ seq: 1, guest: { id: 'new' } });
    await book.close();
    const again = await GuestBook.open(dir);
    expect(again.get('new')?.name).toBe('Tamu new');
    expect(again.all).toHaveLength(501);
    await again.close();
  });

  it('replaces a record in place (a returning guest) and keeps the first-seen order', async () => {
    const book = await GuestBook.open(dir);
    await book.save([guest('a'), guest('b')]);
    await book.save([{ ...guest('a'), name: 'Ani Baru' }]);
    expect(book.all.map((g) => g.id)).toEqual(['a', 'b']);
    await book.close();
    const again = await GuestBook.open(dir);
    expect(again.all.map((g) => [g.id, g.name])).toEqual([
      ['a', 'Ani Baru'],
      ['b', 'Tamu b'],
    ]);
    await again.close();
  });

  it('folds the log into guests.json once it outgrows it, and reopens the same book', async () => {
    const book = await GuestBook.open(dir, { foldAtBytes: 1024 });
    for (let i = 0; i < 40; i++) await book.save([guest(`g${i}`)]);
    await book.close();
    const snapshot = JSON.parse(await readFile(path.join(dir, 'guests.json'), 'utf8'));
    expect(snapshot.seq).toBeGreaterThan(0);
    expect((await stat(path.join(dir, 'guests.log'))).size).toBeLessThan(1024);
    const again = await GuestBook.open(dir);
    expect(again.all.map((g) => g.id)).toEqual(Array.from({ length: 40 }, (_, i) => `g${i}`));
    await again.close();
  });

  it('skips log lines the snapshot already holds (a crash between a fold and emptying the log)', async () => {
    // The log still holds the guest before erasure; the snapshot, written after it, the erased
    // record: reading the old line again would bring the erased name back.
    const line = (seq: number, g: Guest) => `${JSON.stringify({ seq, guest: g })}\n`;
    await writeFile(path.join(dir, 'guests.log'), line(1, guest('a', 'Ani')) + line(2, guest('b', 'Budi')));
    await writeFile(
      path.join(dir, 'guests.json'),
      JSON.stringify({ version: 1, seq: 2, guests: [guest('a', ''), guest('b', 'Budi')] }),
    );
    const book = await GuestBook.open(dir);
    expect(book.get('a')?.name).toBe('');
    // The interrupted fold is finished: the old line is off the disk.
    expect(await readFile(path.join(dir, 'guests.log'), 'utf8')).toBe('');
    await book.save([guest('c')]);
    await book.close();
    const again = await GuestBook.open(dir);
    expect(again.all.map((g) => [g.id, g.name])).toEqual([
      ['a', ''],
      ['b', 'Budi'],
      ['c', 'Tamu c'],
    ]);
    await again.close();
  });

  it('cuts a torn last line (never acknowledged) loudly and appends after it cleanly', async () => {
    const good = `${JSON.stringify({ seq: 1, guest: guest('a') })}\n`;
    await writeFile(path.join(dir, 'guests.log'), `${good}{"seq":2,"guest":{"id":"b","na`);
    const damage: string[] = [];
    const book = await GuestBook.open(dir, { onDamage: (d) => damage.push(d.detail) });
    expect(damage).toEqual([expect.stringContaining('torn last line')]);
    expect(book.all.map((g) => g.id)).toEqual(['a']);
    await book.save([guest('c')]);
    await book.close();
    const lines = (await readFile(path.join(dir, 'guests.log'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).guest.id)).toEqual(['a', 'c']);
    expect(JSON.parse(lines[1]!).seq).toBe(2);
  });

  it('an erasure (purge) leaves the erased name in no file of the folder', async () => {
    const book = await GuestBook.open(dir, { foldAtBytes: 1 << 20 });
    await book.save([guest('a', 'Siti Rahmawati'), guest('b', 'Budi')]);
    // A fold before, so guests.json and its last good copy both name her.
    await book.save([guest('c')], { purge: true });
    await book.save([guest('d')]);
    await book.save([{ ...guest('a', ''), erasedAt: 5 } as Guest], { purge: true });
    await book.close();
    for (const name of await readdir(dir)) {
      expect(await readFile(path.join(dir, name), 'utf8'), name).not.toContain('Siti Rahmawati');
    }
    const again = await GuestBook.open(dir);
    expect(again.get('a')?.name).toBe('');
    expect(again.get('d')).toBeDefined();
    await again.close();
  });

  it('opens a guests.json written before the log existed (no seq, indented)', async () => {
    await writeFile(
      path.join(dir, 'guests.json'),
      JSON.stringify({ version: 1, guests: [guest('old')] }, null, 2),
    );
    const book = await GuestBook.open(dir);
    expect(book.get('old')).toBeDefined();
    await book.save([guest('new')]);
    await book.close();
    const again = await GuestBook.open(dir);
    expect(again.all.map((g) => g.id)).toEqual(['old', 'new']);
    await again.close();
  });
});
