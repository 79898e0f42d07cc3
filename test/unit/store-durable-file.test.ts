import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DurableFileError,
  DurableJsonFile,
  type RecoverInfo,
  writeFileAtomic,
} from '../../src/store/durable-file.js';
import { tempDir } from '../fixtures/journal-helpers.js';

interface Doc {
  version: number;
  items: string[];
}

let dir: string;
let cleanup: () => Promise<void>;
let file: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('durable'));
  file = path.join(dir, 'state.json');
});
afterEach(() => cleanup());

function adapter(recovered: RecoverInfo[] = []): DurableJsonFile<Doc> {
  return new DurableJsonFile<Doc>(file, { onRecover: (info) => recovered.push(info) });
}

/** main = v2, .bak = v1 */
async function twoVersions(): Promise<void> {
  const a = adapter();
  await a.write({ version: 1, items: ['a'] });
  await a.write({ version: 2, items: ['a', 'b'] });
}

describe('DurableJsonFile', () => {
  it('round-trips data and leaves no temp file behind', async () => {
    const a = adapter();
    expect(await a.read()).toBeNull();
    await a.write({ version: 1, items: ['x'] });
    expect(await adapter().read()).toEqual({ version: 1, items: ['x'] });
    expect((await readdir(dir)).sort()).toEqual(['state.json']);
  });

  it('works as a lowdb adapter', async () => {
    const db = new Low<Doc>(adapter(), { version: 0, items: [] });
    await db.read();
    expect(db.data).toEqual({ version: 0, items: [] });
    await db.update((d) => {
      d.items.push('visit-1');
    });
    const again = new Low<Doc>(adapter(), { version: 0, items: [] });
    await again.read();
    expect(again.data.items).toEqual(['visit-1']);
  });

  it('keeps the previous version as .bak', async () => {
    await twoVersions();
    expect(JSON.parse(await readFile(`${file}.bak`, 'utf8'))).toEqual({ version: 1, items: ['a'] });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 2, items: ['a', 'b'] });
  });

  const damages: Array<[string, RecoverInfo['reason'], () => Promise<void>]> = [
    ['garbage', 'corrupt', () => writeFile(file, 'this is \u0000 not json')],
    ['empty', 'empty', () => writeFile(file, '')],
    ['truncated', 'corrupt', () => truncate(file, 10)],
    ['missing', 'missing', () => rm(file)],
  ];
  for (const [name, reason, damage] of damages) {
    it(`recovers a ${name} main file from .bak and reports it`, async () => {
      await twoVersions();
      await damage();
      const damaged = await readFile(file).catch(() => undefined);
      const recovered: RecoverInfo[] = [];
      const data = await adapter(recovered).read();
      expect(data).toEqual({ version: 1, items: ['a'] });
      expect(recovered).toHaveLength(1);
      expect(recovered[0]).toMatchObject({ file, reason, backup: `${file}.bak`, restored: true });
      // The main file is whole again, the bad one kept aside for inspection.
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, items: ['a'] });
      if (reason !== 'missing') {
        expect(recovered[0]!.quarantined).toBeDefined();
        expect(await readFile(recovered[0]!.quarantined!)).toEqual(damaged);
      }
    });
  }

  it('throws an error naming the file when main and .bak are both unusable', async () => {
    await twoVersions();
    await writeFile(file, '{"version": 2, "ite');
    await writeFile(`${file}.bak`, '');
    const recovered: RecoverInfo[] = [];
    const err = await adapter(recovered)
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DurableFileError);
    expect((err as DurableFileError).file).toBe(file);
    expect((err as Error).message).toContain(file);
    expect(recovered).toHaveLength(0);
  });

  it('throws rather than start empty when main is corrupt and there is no .bak', async () => {
    await writeFile(file, 'nope');
    await expect(adapter().read()).rejects.toThrow(file);
  });

  it('throws rather than start empty when main is missing and .bak is corrupt', async () => {
    await writeFile(`${file}.bak`, '{');
    await expect(adapter().read()).rejects.toThrow(DurableFileError);
  });

  it('read-only: recovers without touching any file and refuses writes', async () => {
    await twoVersions();
    await writeFile(file, 'garbage');
    const recovered: RecoverInfo[] = [];
    const ro = new DurableJsonFile<Doc>(file, { readOnly: true, onRecover: (i) => recovered.push(i) });
    expect(await ro.read()).toEqual({ version: 1, items: ['a'] });
    expect(recovered).toMatchObject([{ reason: 'corrupt', restored: false }]);
    expect(await readFile(file, 'utf8')).toBe('garbage');
    await expect(ro.write({ version: 9, items: [] })).rejects.toThrow(/read-only/);
  });

  it('never lets a corrupt main file replace a good .bak', async () => {
    await twoVersions();
    await writeFile(file, 'garbage');
    // A fresh instance writing without reading first must not link the garbage to .bak.
    await adapter().write({ version: 3, items: [] });
    expect(JSON.parse(await readFile(`${file}.bak`, 'utf8'))).toEqual({ version: 1, items: ['a'] });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 3, items: [] });
  });

  it('serialises concurrent writes: all resolve and the last one wins', async () => {
    const a = adapter();
    const writes = Array.from({ length: 50 }, (_, i) => a.write({ version: i, items: [String(i)] }));
    await Promise.all(writes);
    expect(await adapter().read()).toEqual({ version: 49, items: ['49'] });
    expect(JSON.parse(await readFile(`${file}.bak`, 'utf8')).version).toBeLessThan(49);
  });

  it('writes the snapshot taken at the call, not a later mutation', async () => {
    const a = adapter();
    const doc: Doc = { version: 1, items: [] };
    const first = a.write(doc);
    doc.version = 2;
    const second = a.write(doc);
    doc.version = 3;
    await Promise.all([first, second]);
    expect(await adapter().read()).toEqual({ version: 2, items: [] });
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file in one step, concurrent calls in call order', async () => {
    const target = path.join(dir, 'visits-2025-01.jsonl');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(target, `line ${i}\n`)));
    expect(await readFile(target, 'utf8')).toBe('line 19\n');
    expect(await readdir(dir)).toEqual(['visits-2025-01.jsonl']);
  });

  it('keeps a backup only when asked', async () => {
    const target = path.join(dir, 'x.txt');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, new TextEncoder().encode('two'), { backup: true });
    expect(await readFile(`${target}.bak`, 'utf8')).toBe('one');
    await writeFileAtomic(target, 'three');
    expect(await readFile(`${target}.bak`, 'utf8')).toBe('one');
    expect(await readFile(target, 'utf8')).toBe('three');
  });
});
