// Full check of a journal directory: every line, the hash chain, the sequence.
import { open } from 'node:fs/promises';
import { type Decoded, decodeVerified, ZERO_HASH } from './journal-entry.js';
import { readLines } from './lines.js';
import { listMonths, monthFile } from './month-files.js';

export interface JournalBreak {
  file: string;
  /** 1-based line number within the file. */
  line: number;
  seq?: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked and found good (up to the first break). */
  entries: number;
  months: string[];
  firstBreak?: JournalBreak;
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/**
 * Check every line of every month file, oldest first: it parses, its hash matches its
 * content, its prev is the previous entry's hash (64 zeros for the first entry of all) and
 * its seq is the previous seq + 1 (1 for the first). Stops at, and names, the first break.
 * Meant for a journal no process is writing to (a line being written would show as torn).
 */
export async function verifyJournal(dir: string): Promise<VerifyResult> {
  const months = await listMonths(dir);
  let entries = 0;
  let prevSeq = 0;
  let prevHash = ZERO_HASH;
  for (const month of months) {
    const file = monthFile(dir, month);
    const terminated = await endsWithNewline(file);
    let lineNo = 0;
    let pendingBreak: JournalBreak | undefined;
    for await (const text of readLines(file)) {
      lineNo++;
      const d: Decoded = decodeVerified(text);
      const brk = checkLine(d, prevSeq, prevHash);
      if (brk) {
        pendingBreak = { file, line: lineNo, ...brk };
        break;
      }
      if (d.ok) {
        prevSeq = d.entry.seq;
        prevHash = d.entry.hash;
        entries++;
      }
    }
    if (!pendingBreak && !terminated) {
      // The last line passed every check but its newline never made it to disk.
      entries--;
      pendingBreak = { file, line: lineNo, seq: prevSeq, reason: 'last line has no newline (torn write)' };
    }
    if (pendingBreak) return { ok: false, entries, months, firstBreak: pendingBreak };
  }
  return { ok: true, entries, months };
}

function checkLine(
  d: Decoded,
  prevSeq: number,
  prevHash: string,
): Omit<JournalBreak, 'file' | 'line'> | undefined {
  if (!d.ok) return { reason: d.reason };
  const { seq, prev } = d.entry;
  if (seq !== prevSeq + 1) {
    return {
      seq,
      reason:
        seq > prevSeq + 1
          ? `seq gap: expected ${prevSeq + 1} after ${prevSeq}, found ${seq}`
          : `seq out of order: expected ${prevSeq + 1} after ${prevSeq}, found ${seq}`,
    };
  }
  if (prev !== prevHash) return { seq, reason: `prev does not match the hash of entry ${prevSeq}` };
  return undefined;
}
