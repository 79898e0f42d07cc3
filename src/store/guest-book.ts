// The guest book on disk: `guests.json`, a snapshot, and `guests.log`, the records changed
// since, one JSON line each. An arrival appends one line (not the whole book, which grows
// with every guest ever seen); the log is folded into the snapshot when it has grown as large
// as the snapshot (so each record is rewritten a bounded number of times on average), and at
// once when an erasure must take personal data off the disk.
//
// Order on disk: a record is acknowledged once its line is appended and fdatasync'd. A fold
// writes the snapshot (atomic rename, directory fsync) carrying the log's last sequence
// number, and only then empties the log: a crash between the two leaves log lines the snapshot
// already holds, and they are skipped by their sequence number on the next open (and the log
// emptied then). A torn last line is a write that was never acknowledged: it is cut.
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Guest } from '../domain/types.js';
import { DurableJsonFile, type RecoverInfo } from './durable-file.js';
import { errnoCode, fsyncDir, writeAll } from './fsync.js';
import { KeyedSerial } from './serial.js';

/** guests.json. `seq` (absent before the log existed: 0) is the last log line it holds. */
export interface GuestsSnapshot {
  version: 1;
  seq?: number;
  guests: Guest[];
}

interface LogLine {
  seq: number;
  guest: Guest;
}

export interface GuestBookOptions {
  /** The snapshot was unusable and its last good copy was read (see DurableJsonFile). */
  onRecover?: (info: RecoverInfo) => void;
  /** A log line could not be used: a torn tail cut, or a damaged line skipped. */
  onDamage?: (info: { file: string; line: number; detail: string }) => void;
  /** The log is folded once it holds this many bytes and at least as many as the snapshot. */
  foldAtBytes?: number;
  /** A fold failed after the records were durable in the log: the next save tries again. */
  onFoldError?: (err: unknown) => void;
}

export interface SaveOptions {
  /**
   * The records replace personal data that must leave the disk (erasure): the log is folded
   * at once and the snapshot's last good copy rewritten, so no file keeps the old values.
   */
  purge?: boolean;
}

// Identity documents' numbers live here: owner only.
const FILE_MODE = 0o600;
const DEFAULT_FOLD_AT = 64 * 1024;

export class GuestBook {
  readonly #snapshot: DurableJsonFile<GuestsSnapshot>;
  readonly #logFile: string;
  readonly #onDamage: NonNullable<GuestBookOptions['onDamage']>;
  readonly #foldAt: number;
  readonly #onFoldError: (err: unknown) => void;
  readonly #guests: Guest[];
  readonly #index: Map<string, number>;
  // One write (append or fold) at a time.
  readonly #serial = new KeyedSerial();
  #seq: number;
  #logBytes: number;
  #snapshotBytes: number;
  #handle: FileHandle | undefined;

  private constructor(
    dir: string,
    snapshot: DurableJsonFile<GuestsSnapshot>,
    guests: Guest[],
    index: Map<string, number>,
    seq: number,
    sizes: { log: number; snapshot: number },
    options: GuestBookOptions,
  ) {
    this.#snapshot = snapshot;
    this.#logFile = path.join(dir, 'guests.log');
    this.#onDamage = options.onDamage ?? (() => {});
    this.#foldAt = options.foldAtBytes ?? DEFAULT_FOLD_AT;
    this.#onFoldError = options.onFoldError ?? (() => {});
    this.#guests = guests;
    this.#index = index;
    this.#seq = seq;
    this.#logBytes = sizes.log;
    this.#snapshotBytes = sizes.snapshot;
  }

  /** Read `dir`/guests.json and `dir`/guests.log (either may be missing: an empty book). */
  static async open(dir: string, options: GuestBookOptions = {}): Promise<GuestBook> {
    const snapshot = new DurableJsonFile<GuestsSnapshot>(path.join(dir, 'guests.json'), {
      ...(options.onRecover ? { onRecover: options.onRecover } : {}),
      space: 0,
    });
    const read = await snapshot.read();
    const guests = read?.guests ?? [];
    const snapshotSeq = read?.seq ?? 0;
    const byId = new Map(guests.map((g, i) => [g.id, i]));
    const logFile = path.join(dir, 'guests.log');
    const { lines, goodBytes, fileBytes } = await readLog(logFile, options.onDamage);
    let seq = snapshotSeq;
    let newer = 0;
    for (const { seq: s, guest } of lines) {
      if (s <= snapshotSeq) continue;
      newer++;
      seq = Math.max(seq, s);
      const i = byId.get(guest.id);
      if (i === undefined) byId.set(guest.id, guests.push(guest) - 1);
      else guests[i] = guest;
    }
    // The snapshot's size on disk (not its data written out again: a year's book is 1.4 MB,
    // and that JSON.stringify was a third of its read). A snapshot restored from its backup
    // was rewritten from the backup's text, so the size is the same.
    const snapshotBytes = read ? await sizeOf(snapshot.file) : 0;
    const book = new GuestBook(
      dir,
      snapshot,
      guests,
      byId,
      seq,
      { log: goodBytes, snapshot: snapshotBytes },
      options,
    );
    // A fold that crashed before emptying the log, or a torn tail: finish it now.
    if (newer === 0 && fileBytes > 0) await book.#truncateLog(0);
    else if (goodBytes < fileBytes) await book.#truncateLog(goodBytes);
    return book;
  }

  /** Every guest, in the order first seen. Read-only for callers. */
  get all(): readonly Guest[] {
    return this.#guests;
  }

  get(id: string): Guest | undefined {
    const i = this.#index.get(id);
    return i === undefined ? undefined : this.#guests[i];
  }

  /**
   * Insert or replace guests; resolves once they are durable. When the write fails nothing
   * changed, on disk or in memory (no personal data held for a request that failed).
   */
  save(changed: readonly Guest[], options: SaveOptions = {}): Promise<void> {
    return this.#serial.run('book', async () => {
      if (changed.length === 0 && !options.purge) return;
      let seq = this.#seq;
      const text = changed
        .map((guest) => `${JSON.stringify({ seq: ++seq, guest } satisfies LogLine)}\n`)
        .join('');
      const bytes = Buffer.from(text, 'utf8');
      const handle = await this.#log();
      try {
        await writeAll(handle, bytes);
        await handle.datasync();
      } catch (err) {
        // Whatever part reached the file is a torn tail: cut it so a later line is not glued on.
        await handle.truncate(this.#logBytes).catch(() => {});
        throw err;
      }
      this.#seq = seq;
      this.#logBytes += bytes.length;
      for (const g of changed) {
        const i = this.#index.get(g.id);
        if (i === undefined) this.#index.set(g.id, this.#guests.push(g) - 1);
        else this.#guests[i] = g;
      }
      if (options.purge) await this.#fold(true);
      else if (this.#logBytes >= Math.max(this.#foldAt, this.#snapshotBytes)) {
        // The records are durable in the log already: a failed fold is retried, not refused.
        await this.#fold(false).catch(this.#onFoldError);
      }
    });
  }

  /** Close the log's handle (the data is durable already). */
  async close(): Promise<void> {
    await this.#serial.run('book', async () => {
      await this.#handle?.close();
      this.#handle = undefined;
    });
  }

  async #fold(purge: boolean): Promise<void> {
    const data: GuestsSnapshot = { version: 1, seq: this.#seq, guests: this.#guests };
    await this.#snapshot.write(data);
    // The last good copy (guests.json.bak) is the snapshot before this one, which may hold
    // what was just erased: a second write makes it this one too.
    if (purge) await this.#snapshot.write(data);
    this.#snapshotBytes = Buffer.byteLength(JSON.stringify(data));
    await this.#truncateLog(0);
  }

  async #truncateLog(bytes: number): Promise<void> {
    const handle = await this.#log();
    await handle.truncate(bytes);
    await handle.datasync();
    this.#logBytes = bytes;
  }

  async #log(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    const handle = await open(this.#logFile, 'a', FILE_MODE);
    // A log created now is only there after a crash once its directory entry is durable.
    if ((await handle.stat()).size === 0) await fsyncDir(path.dirname(this.#logFile));
    this.#handle = handle;
    return handle;
  }
}

async function readLog(
  file: string,
  onDamage: GuestBookOptions['onDamage'],
): Promise<{ lines: LogLine[]; goodBytes: number; fileBytes: number }> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { lines: [], goodBytes: 0, fileBytes: 0 };
    throw err;
  }
  const lines: LogLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    lineNo++;
    if (nl < 0) {
      onDamage?.({
        file,
        line: lineNo,
        detail: `torn last line cut (${buf.length - start} bytes never acknowledged)`,
      });
      return { lines, goodBytes: start, fileBytes: buf.length };
    }
    const text = buf.subarray(start, nl).toString('utf8');
    start = nl + 1;
    const parsed = parseLine(text);
    if (typeof parsed === 'string') onDamage?.({ file, line: lineNo, detail: parsed });
    else lines.push(parsed);
  }
  return { lines, goodBytes: buf.length, fileBytes: buf.length };
}

function parseLine(text: string): LogLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `damaged line skipped (${err instanceof Error ? err.message : String(err)})`;
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    Number.isSafeInteger((value as LogLine).seq) &&
    typeof (value as LogLine).guest === 'object' &&
    (value as LogLine).guest !== null &&
    typeof (value as LogLine).guest.id === 'string'
  ) {
    return value as LogLine;
  }
  return 'damaged line skipped (not a guest record)';
}

/** A file's size in bytes; 0 when it is gone (a read-only reader's snapshot, replaced since). */
async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw err;
  }
}
