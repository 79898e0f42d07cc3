// The journal as a kill or a power cut left it (kill.ts, power.ts), read with the gateway down:
// its chain checked, and the access decisions it holds, to hold against what was acknowledged.
import { readFile } from 'node:fs/promises';
import { Journal } from '../../src/store/journal.js';
import type { JournalBreak } from '../../src/store/journal-verify.js';

export interface ChainAfterKill {
  /** Entries found good (up to a break). */
  entries: number;
  /** The newest month's last line is torn: the next start cuts it, the one break allowed. */
  tornTail: boolean;
  /** Any other break of the chain. */
  broken?: JournalBreak;
}

export async function verifyAfterKill(journalDir: string): Promise<ChainAfterKill> {
  const verified = await Journal.verify(journalDir);
  if (verified.ok) return { entries: verified.entries, tornTail: false };
  const b = verified.firstBreak!;
  const lines = (await readFile(b.file, 'utf8')).split('\n');
  const lastLine = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  const newest = verified.months.at(-1);
  if (b.line === lastLine && b.file.includes(newest ?? '\0'))
    return { entries: verified.entries, tornTail: true };
  return { entries: verified.entries, tornTail: false, broken: b };
}

/** Journal seq -> the type of the access decision under it. */
export async function journalDecisions(journalDir: string): Promise<Map<number, string>> {
  const journal = await Journal.open(journalDir, {
    readOnly: true,
    monthOf: (at) => new Date(at).toISOString().slice(0, 7), // (appends only; none here)
  });
  const decisions = new Map<number, string>();
  for await (const e of journal.read({ types: ['access.'] })) decisions.set(e.seq, e.type);
  return decisions;
}

/** The decisions of `expected` (seq -> type) that the journal does not hold under their seq. */
export function decisionsMissing(
  expected: ReadonlyMap<number, string>,
  journal: ReadonlyMap<number, string>,
): Array<{ seq: number; type: string; found: string | undefined }> {
  const missing: Array<{ seq: number; type: string; found: string | undefined }> = [];
  for (const [seq, type] of expected) {
    const found = journal.get(seq);
    if (found !== type) missing.push({ seq, type, found });
  }
  return missing;
}
