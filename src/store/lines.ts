// Line-oriented file reading for JSON Lines files: forward as a stream, backward in chunks.
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const NEWLINE = 0x0a;

/**
 * The lines of `file` in order, a chunk's worth at a time (never the whole file in memory),
 * from byte `start` (a line start) up to byte `end` (exclusive), e.g. up to what is known to
 * be durable. Batches keep the per-line cost of a long scan (a month's recap) to a split.
 */
export async function* readLineBatches(
  file: string,
  range: { start?: number; end?: number } = {},
): AsyncGenerator<string[]> {
  const start = range.start ?? 0;
  if (range.end !== undefined && range.end <= start) return;
  const input = createReadStream(file, {
    start,
    ...(range.end !== undefined ? { end: range.end - 1 } : {}),
    highWaterMark: 256 * 1024,
  });
  // The decoder keeps a multi-byte character split across two chunks whole.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        rest = text;
        continue;
      }
      rest = text.slice(cut + 1);
      const lines = text.slice(0, cut).split('\n');
      for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
      yield lines;
    }
    rest += decoder.end();
    if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  } finally {
    input.destroy();
  }
}

/** The lines of `file` in order, one at a time (see readLineBatches). */
export async function* readLines(
  file: string,
  range: { start?: number; end?: number } = {},
): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file, range)) yield* batch;
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
