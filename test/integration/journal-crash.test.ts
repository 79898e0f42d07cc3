// Kill a writer with SIGKILL mid-stream, again and again, and check that the journal kept
// every append it acknowledged and is still one intact chain.
import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, type TornLineInfo } from '../../src/store/journal.js';
import { listMonths } from '../../src/store/month-files.js';
import { jakartaMonth, tempDir } from '../fixtures/journal-helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = path.join(ROOT, 'test/fixtures/journal-writer.ts');
const ROUNDS = 8;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('crash'));
});
afterAll(() => cleanup());

interface RoundResult {
  acked: number[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Start a writer; SIGKILL it `killAfterMs` after it reports ready. */
function runWriter(killAfterMs: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, '64'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!killTimer && out.startsWith('ready\n')) {
        killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      const lines = out.split('\n');
      lines.pop(); // unterminated remainder, if the kill cut a write to the pipe
      const acked = lines.filter((l) => l !== 'ready').map(Number);
      resolve({ acked, signal, code, stderr });
    });
  });
}

describe('journal under SIGKILL', () => {
  it(`keeps every acknowledged append over ${ROUNDS} kills`, async () => {
    let totalAcked = 0;
    let highestAcked = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const delay = 50 + Math.floor(Math.random() * 250);
      const result = await runWriter(delay);
      const context = `round ${round}, killed ${delay} ms after ready; stderr: ${result.stderr}`;
      expect(result.signal, context).toBe('SIGKILL');
      expect(result.acked.every(Number.isSafeInteger), context).toBe(true);
      totalAcked += result.acked.length;
      highestAcked = Math.max(highestAcked, ...result.acked);

      // Every other round, also leave half a line as power loss during a write would.
      const newest = (await listMonths(dir)).at(-1);
      if (round % 2 === 0 && newest) {
        await appendFile(path.join(dir, `${newest}.jsonl`), '{"seq":99999999,"at":1,"type":"acc');
      }

      const torn: TornLineInfo[] = [];
      const journal = await Journal.open(dir, { monthOf: jakartaMonth, onTornLine: (i) => torn.push(i) });
      if (round % 2 === 0 && newest) expect(torn, context).toHaveLength(1);

      const seqs: number[] = [];
      for await (const e of journal.read()) seqs.push(e.seq);
      await journal.close();

      expect(journal.lastSeq, context).toBeGreaterThanOrEqual(highestAcked);
      expect(seqs.length, context).toBe(journal.lastSeq);
      expect(
        seqs.every((s, i) => s === i + 1),
        context,
      ).toBe(true);
      const present = new Set(seqs);
      const lost = result.acked.filter((s) => !present.has(s));
      expect(lost, context).toEqual([]);

      if (process.env.PINTU_CRASH_TRACE) {
        console.log(
          `round ${round}: +${result.acked.length} acked, last ${journal.lastSeq}, torn ${torn.length}`,
        );
      }
      const verified = await Journal.verify(dir);
      expect(verified, context).toMatchObject({ ok: true, entries: journal.lastSeq });
    }
    // The writers did real work, across several month files.
    expect(totalAcked).toBeGreaterThan(ROUNDS * 10);
    expect((await Journal.verify(dir)).months.length).toBeGreaterThan(1);
  }, 60_000);
});
