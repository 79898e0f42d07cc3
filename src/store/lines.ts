// Line-oriented file reading for JSON Lines files: forward as a stream, backward in chunks.
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const NEWLINE = 0x0a;

/**
 * The lines of `file` in order, streamed (never the whole file in memory), from byte `start`
 * (a line start) up to byte `end` (exclusive), e.g. up to what is known to be durable.
 */
export async function* readLines(
  file: string,
  range: { start?: number; end?: number } = {},
): AsyncGenerator<string> {
  const start = range.start ?? 0;
  if (range.end !== undefined && range.end <= start) return;
  const input = createReadStream(file, range.end === undefined ? { start } : { start, end: range.end - 1 });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    input.destroy();
  }
}

export interface BackwardLine {
  /** Byte offset of the first byte of the line. */
  start: number;
  /** Byte offset just past the line's last byte (its newline not included). */
  end: number;
  text: string;
  /** False for bytes after the file's last newline: a line whose write did not finish. */
  terminated: boolean;
}

/**
 * The lines of the first `end` bytes of an open file, last line first, reading chunks from
 * the end: getting the newest lines costs about one chunk, whatever the file size.
 */
export async function* linesBackward(
  handle: FileHandle,
  end: number,
  chunkSize = 64 * 1024,
): AsyncGenerator<BackwardLine> {
  // `pending` holds the not yet yielded bytes [pendingStart, pendingStart + pending.length).
  let pending: Buffer = Buffer.alloc(0);
  let pendingStart = end;
  let atTail = true;
  for (;;) {
    let nl = pending.lastIndexOf(NEWLINE);
    while (nl >= 0) {
      const line = pending.subarray(nl + 1);
      const start = pendingStart + nl + 1;
      if (!atTail || line.length > 0) {
        yield { start, end: start + line.length, text: line.toString('utf8'), terminated: !atTail };
      }
      atTail = false;
      pending = pending.subarray(0, nl);
      nl = pending.lastIndexOf(NEWLINE);
    }
    if (pendingStart === 0) {
      if (!atTail || pending.length > 0) {
        yield { start: 0, end: pending.length, text: pending.toString('utf8'), terminated: !atTail };
      }
      return;
    }
    const readStart = Math.max(0, pendingStart - chunkSize);
    const chunk = Buffer.alloc(pendingStart - readStart);
    let filled = 0;
    while (filled < chunk.length) {
      const { bytesRead } = await handle.read(chunk, filled, chunk.length - filled, readStart + filled);
      if (bytesRead === 0) {
        throw new Error(`file shrank while reading it backwards (at byte ${readStart + filled})`);
      }
      filled += bytesRead;
    }
    pending = Buffer.concat([chunk, pending]);
    pendingStart = readStart;
  }
}
