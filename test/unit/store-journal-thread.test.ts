// The journal's writer thread: a thread that dies fails what waits on it and says so; an idle
// thread never keeps the process alive, one with a write in flight does.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JournalThread, type ThreadRequest } from '../../src/store/journal-thread.js';
import { tempDir } from '../fixtures/journal-helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IDLE = path.join(ROOT, 'test/fixtures/journal-idle.ts');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('journal-thread'));
});
afterEach(() => cleanup());

it('writes, fdatasyncs and reports the size of a file it opened', async () => {
  const thread = await JournalThread.start(() => {});
  const file = path.join(dir, '2025-01.jsonl');
  const first = await thread.request({ op: 'write', file, bytes: new TextEncoder().encode('a\n') });
  expect(first).toEqual({ id: 1, ok: true, opened: 0 });
  const second = await thread.request({ op: 'write', file, bytes: new TextEncoder().encode('b\n') });
  expect(second).toEqual({ id: 2, ok: true });
  await thread.stop();
  expect(await readFile(file, 'utf8')).toBe('a\nb\n');
  await expect(thread.request({ op: 'close' })).rejects.toThrow(/stopped/);
});

it('a thread that dies fails the request in flight and reports its death once', async () => {
  const deaths: Error[] = [];
  const thread = await JournalThread.start((err) => deaths.push(err));
  // A request the thread does not know is a bug there: it throws and the thread ends.
  const bogus = { op: 'explode' } as unknown as ThreadRequest;
  await expect(thread.request(bogus)).rejects.toThrow(/journal writer thread crashed: .*unknown request/);
  expect(deaths).toHaveLength(1);
  expect(deaths[0]!.message).toMatch(/crashed/);
  await expect(thread.request({ op: 'close' })).rejects.toThrow(/stopped/);
  await thread.stop();
  expect(deaths).toHaveLength(1);
});

it('an append nobody waits for is made durable, then the idle thread lets the process end', async () => {
  // The sentinel is the child's own exit: it would hang (and the test time out) if the
  // thread held the process, or end without the seq if nothing held it during the write.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', IDLE, dir], {
    cwd: ROOT,
  });
  expect(stdout).toBe('1\n');
  const line = JSON.parse((await readFile(path.join(dir, '2025-01.jsonl'), 'utf8')).trim());
  expect(line.seq).toBe(1);
});
