import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeOf } from '../../src/store/journal-entry.js';
import { linesBackward, readLineBatches, readLines } from '../../src/store/lines.js';
import { tempDir } from '../fixtures/journal-helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lines'));
});
afterAll(() => cleanup());

describe('linesBackward', () => {
  test.prop(
    [
      fc.array(
        fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\n', '')),
        { maxLength: 30 },
      ),
      fc.boolean(),
      fc.integer({ min: 1, max: 64 }),
    ],
    { numRuns: 200 },
  )('yields the lines of any file, last first, with byte offsets', async (lines, terminated, chunk) => {
    const text = lines.join('\n') + (terminated && lines.length > 0 ? '\n' : '');
    const file = path.join(dir, 'f.txt');
    await writeFile(file, text);
    const bytes = Buffer.from(text);
    const handle = await open(file, 'r');
    const got = [];
    try {
      for await (const line of linesBackward(handle, bytes.length, chunk)) got.push(line);
    } finally {
      await handle.close();
    }
    // Expected: split on newlines; the part after the last newline is unterminated (if non-empty).
    const parts = text.split('\n');
    const tail = parts.pop()!;
    const expected = parts.map((t) => ({ text: t, terminated: true }));
    if (tail !== '') expected.push({ text: tail, terminated: false });
    expect(got.map(({ text: t, terminated: x }) => ({ text: t, terminated: x })).reverse()).toEqual(expected);
    for (const line of got) expect(bytes.subarray(line.start, line.end).toString()).toBe(line.text);
  });
});

describe('readLineBatches', () => {
  it('yields every line in order, whole, across chunk boundaries that split multi-byte characters', async () => {
    // Lines of 3-byte and 4-byte characters, long enough that 256 KiB chunks cut through them.
    const lines = Array.from({ length: 4000 }, (_, i) => `${i} ${'é€😀'.repeat(40 + (i % 17))}`);
    const file = path.join(dir, 'batches.txt');
    await writeFile(file, `${lines.join('\r\n')}\r\nunterminated`);
    const got: string[] = [];
    let batches = 0;
    for await (const batch of readLineBatches(file)) {
      batches++;
      got.push(...batch);
    }
    expect(got).toEqual([...lines, 'unterminated']);
    expect(batches).toBeGreaterThan(2);
    const upTo = Buffer.byteLength(`${lines[0]}\r\n${lines[1]}\r\n`);
    const head: string[] = [];
    for await (const line of readLines(file, { end: upTo })) head.push(line);
    expect(head).toEqual([lines[0], lines[1]]);
  });

  it('typeOf reads the type from a journal line prefix without parsing it', () => {
    expect(typeOf('{"seq":12,"at":1796016111335,"type":"access.granted","actor":{}}')).toBe('access.granted');
    expect(typeOf('{"seq":1,"payload":{"type":"x"}}')).toBeUndefined();
    expect(typeOf('garbage')).toBeUndefined();
  });
});
