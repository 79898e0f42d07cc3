import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { linesBackward } from '../../src/store/lines.js';
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
