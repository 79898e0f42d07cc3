import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Archive, ArchiveError } from '../../src/store/archive.js';
import { tempDir } from '../fixtures/journal-helpers.js';

interface Closed {
  id: string;
  guestId: string;
  guestName: string;
  state: string;
}

let dir: string;
let cleanup: () => Promise<void>;
let archive: Archive<Closed>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('archive'));
  archive = new Archive<Closed>(path.join(dir, 'archive'));
});
afterEach(() => cleanup());

const visit = (id: string, guestId = 'g1', state = 'closed'): Closed => ({
  id,
  guestId,
  guestName: `Tamu ${id}`,
  state,
});

describe('Archive', () => {
  it('appends and reads back per month', async () => {
    await archive.append('2025-01', [visit('v1'), visit('v2')]);
    await archive.append('2025-01', [visit('v3')]);
    await archive.append('2025-02', [visit('v4')]);
    await archive.append('2025-03', []);
    expect(await archive.months()).toEqual(['2025-01', '2025-02']);
    expect((await archive.readMonth('2025-01')).map((v) => v.id)).toEqual(['v1', 'v2', 'v3']);
    expect(await archive.readMonth('2025-02')).toEqual([visit('v4')]);
    expect(await readdir(path.join(dir, 'archive'))).toContain('visits-2025-01.jsonl');
    expect((await stat(archive.file('2025-01'))).mode & 0o777).toBe(0o600);
  });

  it('reads an archived record once even if it was archived twice (retry after a crash)', async () => {
    await archive.append('2025-01', [visit('v1', 'g1', 'checked_out'), visit('v2')]);
    await archive.append('2025-01', [visit('v1', 'g1', 'closed')]);
    expect(await archive.readMonth('2025-01')).toEqual([visit('v1', 'g1', 'closed'), visit('v2')]);
  });

  it('rewrites a month atomically (erasure)', async () => {
    await archive.append('2025-01', [visit('v1', 'g1'), visit('v2', 'g2'), visit('v3', 'g1')]);
    await archive.rewriteMonth('2025-01', (records) =>
      records.map((v) => (v.guestId === 'g1' ? { ...v, guestName: '' } : v)),
    );
    expect((await archive.readMonth('2025-01')).map((v) => v.guestName)).toEqual(['', 'Tamu v2', '']);
    expect(await readFile(archive.file('2025-01'), 'utf8')).not.toContain('Tamu v1');
    // No copy of the erased data is left next to it.
    expect(await readdir(path.join(dir, 'archive'))).toEqual(['visits-2025-01.jsonl']);
  });

  it('orders appends and rewrites of one month', async () => {
    const ops = [
      archive.append('2025-01', [visit('v1')]),
      archive.rewriteMonth('2025-01', (r) => r.map((v) => ({ ...v, guestName: '' }))),
      archive.append('2025-01', [visit('v2')]),
    ];
    await Promise.all(ops);
    expect((await archive.readMonth('2025-01')).map((v) => [v.id, v.guestName])).toEqual([
      ['v1', ''],
      ['v2', 'Tamu v2'],
    ]);
  });

  it('leaves a month without a file alone when rewriting', async () => {
    let called = false;
    await archive.rewriteMonth('2025-05', (r) => {
      called = true;
      return r;
    });
    expect(called).toBe(false);
    expect(await archive.months()).toEqual([]);
    expect(await archive.readMonth('2025-05')).toEqual([]);
  });

  it('ignores and then cuts a torn last record', async () => {
    await archive.append('2025-01', [visit('v1')]);
    await appendFile(archive.file('2025-01'), '{"id":"v2","gue');
    expect((await archive.readMonth('2025-01')).map((v) => v.id)).toEqual(['v1']);
    await archive.append('2025-01', [visit('v3')]);
    expect((await archive.readMonth('2025-01')).map((v) => v.id)).toEqual(['v1', 'v3']);
    expect(await readFile(archive.file('2025-01'), 'utf8')).not.toContain('"v2"');
  });

  it('reports a corrupt record with file and line', async () => {
    await archive.append('2025-01', [visit('v1')]);
    await writeFile(archive.file('2025-01'), `${JSON.stringify(visit('v1'))}\n{oops\n`);
    const err = await archive.readMonth('2025-01').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toContain(`${archive.file('2025-01')}:2`);
  });

  it('rejects a malformed month', () => {
    expect(() => archive.file('2025-13')).toThrow(RangeError);
  });
});
