// The journal: append-only, hash-chained JSON Lines, one file per month (DESIGN.md, Storage).
// Entry format and hashing: journal-entry.ts. Full check: journal-verify.ts.
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import type { DomainEvent, JournalEntry } from '../domain/events.js';
import type { Actor } from '../domain/types.js';
import { mkdirDurable } from './fsync.js';
import { decodeLine, decodeVerified, encodeEntry, seqOf, typeOf, ZERO_HASH } from './journal-entry.js';
import { JournalThread, systemError } from './journal-thread.js';
import { type VerifyResult, verifyJournal } from './journal-verify.js';
import { linesBackward, readLineBatches, readLines } from './lines.js';
import { assertMonth, listMonths, monthFile } from './month-files.js';

export class JournalError extends Error {
  override readonly name = 'JournalError';
  /** 'full': the disk had no room (ENOSPC, EDQUOT); the journal takes appends again later. */
  readonly kind: 'full' | 'broken' | 'closed';
  constructor(message: string, options: ErrorOptions & { kind?: JournalError['kind'] } = {}) {
    super(message, options);
    this.kind = options.kind ?? 'broken';
  }
}

class FullDisk extends Error {
  constructor(cause: unknown) {
    super('no room to write', { cause });
  }
}

/** Errors of a write that ran out of room: nothing is wrong with what is already on disk. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** A line cut from the end of a month file when the journal was opened. */
export interface TornLineInfo {
  file: string;
  /** The file's new length: everything from here on was removed. */
  offset: number;
  bytes: number;
  reason: string;
}

export interface JournalOptions {
  /** The month ('YYYY-MM') an instant belongs to, in the gateway's local time. */
  monthOf: (at: number) => string;
  now?: () => number;
  /** Defaults to a process warning. */
  onTornLine?: (info: TornLineInfo) => void;
  /**
   * Read a journal another process may be writing (CLI reports): nothing is created or cut,
   * appends are refused, reads see the entries complete at open time, and no writer thread
   * is started.
   */
  readOnly?: boolean;
}

export interface JournalStats {
  /** Write + fdatasync rounds; with group commit far fewer than appends. */
  flushes: number;
  /** Entries made durable. */
  appends: number;
  bytes: number;
}

/** Exact types, or prefixes ending in "." ("access." matches access.granted and access.denied). */
function typeFilter(types: readonly string[] | undefined): ((type: string) => boolean) | undefined {
  if (!types) return undefined;
  const exact = new Set(types.filter((t) => !t.endsWith('.')));
  const prefixes = types.filter((t) => t.endsWith('.'));
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}

export interface ReadOptions {
  /** Only entries with seq >= fromSeq. */
  fromSeq?: number;
  /** Only this month's file. */
  month?: string;
  /** Exact types, or prefixes ending in "." */
  types?: readonly string[];
}

export interface PageOptions {
  /** Entries with seq < beforeSeq: the page just older than a seen entry. */
  beforeSeq?: number;
  /** Entries with seq > afterSeq: the page just newer than a seen entry. */
  afterSeq?: number;
  limit: number;
  types?: readonly string[];
}

export interface Page {
  /** Newest first. */
  entries: JournalEntry[];
  /** More matching entries exist beyond this page (older ones; newer ones for afterSeq). */
  hasMore: boolean;
}

interface Pending {
  month: string;
  line: string;
  entry: JournalEntry;
  resolve: (entry: JournalEntry) => void;
  reject: (err: unknown) => void;
}

interface Tail {
  lastSeq: number;
  lastHash: string;
  /** Time of the last entry (0 for an empty journal). */
  lastAt: number;
  /** Newest month file and its length after recovery. */
  newest?: { month: string; size: number };
}

// Appends are encoded into buffers of their own, which move to the writer thread.
const encoder = new TextEncoder();

export class Journal {
  readonly dir: string;
  readonly #monthOf: (at: number) => string;
  readonly #now: () => number;
  #lastSeq: number;
  #lastHash: string;
  // The latest time an entry was written with: the clock's floor while it is not synchronised
  // (service/clock.ts). A maximum, since entries written after a backward step are earlier.
  #lastAt: number;
  // Month of the newest entry assigned (or the newest file): the journal never goes back
  // to an older month file, so files stay in seq order even if the clock steps back.
  #month: string | undefined;
  // Durable length of the newest month file: readers stop there, not inside a write.
  #tail: { month: string; size: number } | undefined;
  // Opens, writes, fdatasyncs and cuts back the month files on a thread of its own, never in
  // libuv's thread pool, where password hashes or reads may queue (issue 11). Started by the
  // first write, not by open(): its isolate is about as much CPU as the rest of the journal's
  // open, and a gateway that writes nothing before "doors ready" starts it after them (issue
  // 16). Appends before it serves are assigned their seq and hash at once and wait in the
  // queue; a thread that cannot start breaks the journal as a failed write would.
  #thread: Promise<JournalThread> | undefined;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #broken: Error | undefined;
  // The last write that found the disk full, until a write succeeds again.
  #full: Error | undefined;
  #closed = false;
  readonly #readOnly: boolean;
  readonly #stats: JournalStats = { flushes: 0, appends: 0, bytes: 0 };

  private constructor(dir: string, options: JournalOptions, tail: Tail) {
    this.dir = dir;
    this.#monthOf = options.monthOf;
    this.#now = options.now ?? Date.now;
    this.#lastSeq = tail.lastSeq;
    this.#lastHash = tail.lastHash;
    this.#lastAt = tail.lastAt;
    this.#tail = tail.newest;
    this.#month = tail.newest?.month;
    this.#readOnly = options.readOnly ?? false;
  }

  /**
   * Open (creating the directory if needed) and restore lastSeq/lastHash from the tail of the
   * newest month file. A torn last line is cut and reported; only the tail is read.
   */
  static async open(dir: string, options: JournalOptions): Promise<Journal> {
    const absolute = path.resolve(dir);
    if (!options.readOnly) {
      await mkdirDurable(absolute);
    }
    const cut = options.readOnly ? undefined : (options.onTornLine ?? warnTornLine);
    const tail = await recoverTail(absolute, await listMonths(absolute), cut);
    return new Journal(absolute, options, tail);
  }

  static verify(dir: string): Promise<VerifyResult> {
    return verifyJournal(path.resolve(dir));
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The latest `at` written down (0 when the journal is empty). */
  get lastAt(): number {
    return this.#lastAt;
  }

  get lastHash(): string {
    return this.#lastHash;
  }

  get stats(): Readonly<JournalStats> {
    return { ...this.#stats };
  }

  /** The write error that broke the journal, if one did. */
  /** The disk was full at the last write (cleared by the next write that succeeds). */
  get full(): Error | undefined {
    return this.#full;
  }

  get failure(): Error | undefined {
    return this.#broken;
  }

  months(): Promise<string[]> {
    return listMonths(this.dir);
  }

  // Months up to the one being written: a read-only journal ignores files a writer started
  // after it was opened.
  async #readableMonths(): Promise<string[]> {
    const newest = this.#tail?.month;
    if (newest === undefined) return [];
    return (await this.months()).filter((m) => m <= newest);
  }

  /**
   * Append an event. seq and hash are assigned now, so call order is seq order; the promise
   * resolves once the line is on disk (fdatasync). Appends made while a flush is in flight
   * go out together in the next single write + fdatasync.
   */
  append(event: DomainEvent, actor: Actor, at?: number): Promise<JournalEntry> {
    if (this.#broken) {
      return Promise.reject(
        new JournalError(`journal is broken: ${this.#broken.message}`, { cause: this.#broken }),
      );
    }
    if (this.#closed) return Promise.reject(new JournalError('journal is closed', { kind: 'closed' }));
    if (this.#readOnly) return Promise.reject(new JournalError('journal was opened read-only'));
    try {
      const when = at ?? this.#now();
      if (!Number.isFinite(when)) throw new RangeError(`bad journal time: ${when}`);
      let month = this.#monthOf(when);
      assertMonth(month);
      if (this.#month !== undefined && month < this.#month) month = this.#month;
      const seq = this.#lastSeq + 1;
      const { entry, line } = encodeEntry(event, actor, seq, when, this.#lastHash);
      this.#lastSeq = seq;
      this.#lastHash = entry.hash;
      if (when > this.#lastAt) this.#lastAt = when;
      this.#month = month;
      const done = new Promise<JournalEntry>((resolve, reject) => {
        this.#queue.push({ month, line, entry, resolve, reject });
      });
      // Started on a microtask so that a burst of appends in one tick shares the first flush.
      this.#flushing ??= Promise.resolve().then(() => this.#drain());
      return done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Flush what is pending, close the file and end the writer thread. Appends after this are
   * refused.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    const stopped = this.#thread?.then((thread) => thread.stop());
    // A broken journal's failure was reported by the appends it refused.
    await (this.#broken ? stopped?.catch(() => {}) : stopped);
  }

  /** Whether the writer thread was started (by a first write); for tests of the start order. */
  get writerStarted(): boolean {
    return this.#thread !== undefined;
  }

  #writer(): Promise<JournalThread> {
    if (this.#readOnly) return Promise.reject(new JournalError('journal was opened read-only'));
    // A thread that dies breaks the journal as a failed write would: loudly.
    this.#thread ??= JournalThread.start((err) => this.#fail(err, []));
    return this.#thread;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const month = this.#queue[0]!.month;
        let n = 1;
        while (n < this.#queue.length && this.#queue[n]!.month === month) n++;
        const batch = this.#queue.splice(0, n);
        try {
          await this.#write(month, batch);
        } catch (err) {
          if (err instanceof FullDisk && (await this.#roomless(err, batch))) continue;
          if (!(err instanceof FullDisk)) this.#fail(err, batch);
          return;
        }
        this.#full = undefined;
        for (const p of batch) p.resolve(p.entry);
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #write(month: string, batch: Pending[]): Promise<void> {
    const bytes = encoder.encode(batch.map((p) => p.line).join(''));
    // Read before the request: the buffer moves to the writer thread.
    const length = bytes.length;
    const reply = await (await this.#writer()).request({
      op: 'write',
      file: monthFile(this.dir, month),
      bytes,
    });
    // A new month file: its length before this batch is where a cut-back goes.
    if (reply.opened !== undefined) this.#tail = { month, size: reply.opened };
    if (!reply.ok) {
      const err = systemError(reply.error);
      // Out of room: what reached the file is cut back below, and nothing else is wrong.
      // (A failed datasync is another matter: the page cache's state is then unknown.)
      if (reply.stage !== 'sync' && FULL.has(err.code ?? '')) throw new FullDisk(err);
      throw err;
    }
    this.#stats.flushes++;
    this.#stats.appends += batch.length;
    this.#stats.bytes += length;
    if (this.#tail) this.#tail.size += length;
  }

  /**
   * A batch that did not fit: cut the file back to its last durable entry, forget the batch
   * and everything queued behind it (their hashes chain on it), and take appends again from
   * the last durable entry. Should the cut fail, the journal is broken after all.
   */
  async #roomless(err: FullDisk, batch: Pending[]): Promise<boolean> {
    // Synchronously, before any wait: appends from now on chain on the last durable entry.
    const pending = [...batch, ...this.#queue.splice(0)];
    const first = batch[0]!.entry;
    this.#lastSeq = first.seq - 1;
    this.#lastHash = first.prev;
    this.#full = err.cause as Error;
    const error = new JournalError(`the data folder is full: ${(err.cause as Error).message}`, {
      cause: err.cause,
      kind: 'full',
    });
    for (const p of pending) p.reject(error);
    try {
      const tail = this.#tail;
      if (tail) {
        // The thread cuts only the file it has open: one it could not open has nothing to cut.
        const file = monthFile(this.dir, tail.month);
        const reply = await (await this.#writer()).request({ op: 'truncate', file, size: tail.size });
        if (!reply.ok) throw systemError(reply.error);
      }
      return true;
    } catch (cutErr) {
      this.#fail(cutErr, []);
      return false;
    }
  }

  // After a failed write or fsync (or the writer thread's death) the file's state is
  // unknown: refuse to go on.
  #fail(err: unknown, batch: Pending[]): void {
    const cause = err instanceof Error ? err : new Error(String(err));
    // The first failure is the one to report (a thread's death also fails its write).
    this.#broken ??= cause;
    const error = new JournalError(`journal write failed: ${cause.message}`, { cause });
    for (const p of [...batch, ...this.#queue.splice(0)]) p.reject(error);
    void this.#thread?.then((thread) => thread.stop()).catch(() => {});
  }

  /** Bytes of a month file that are durable entries (undefined: the whole file). */
  #readableLength(month: string): number | undefined {
    return this.#tail?.month === month ? this.#tail.size : undefined;
  }

  /**
   * Durable entries in seq order, streamed line by line across month files. Entries still
   * waiting for their flush are not included.
   */
  async *read(options: ReadOptions = {}): AsyncGenerator<JournalEntry> {
    for await (const batch of this.readBatches(options)) yield* batch;
  }

  /**
   * The same entries as read(), a file chunk's worth per batch: for long scans (the monthly
   * recap), where a yield per entry would cost more than the entries' own decoding. With
   * `types`, lines of other types are skipped before they are parsed.
   */
  async *readBatches(options: ReadOptions = {}): AsyncGenerator<JournalEntry[]> {
    const fromSeq = options.fromSeq ?? 1;
    const types = typeFilter(options.types);
    let months = await this.#readableMonths();
    if (options.month !== undefined) {
      assertMonth(options.month);
      months = months.filter((m) => m === options.month);
    } else if (fromSeq > 1) {
      // Start at the newest month whose first entry is not after fromSeq.
      for (let i = months.length - 1; i > 0; i--) {
        const first = await firstSeq(monthFile(this.dir, months[i]!));
        if (first !== undefined && first <= fromSeq) {
          months = months.slice(i);
          break;
        }
      }
    }
    for (const [i, month] of months.entries()) {
      const file = monthFile(this.dir, month);
      const end = this.#readableLength(month);
      // A replay after restart asks for the last few entries of a big file: find them from
      // the end rather than parse the whole month.
      const start = i === 0 && fromSeq > 1 ? await offsetOfSeq(file, end, fromSeq) : 0;
      let lineNo = 0;
      for await (const lines of readLineBatches(file, { start, end })) {
        const out: JournalEntry[] = [];
        for (const text of lines) {
          lineNo++;
          if (types) {
            const type = typeOf(text);
            if (type !== undefined && !types(type)) continue;
          }
          const d = decodeLine(text);
          if (!d.ok) {
            const where =
              start === 0 ? `${file}:${lineNo}` : `${file}, line ${lineNo} counted from byte ${start}`;
            throw new JournalError(`${where}: ${d.reason}`);
          }
          if (d.entry.seq < fromSeq) continue;
          if (types && !types(d.entry.type)) continue;
          out.push(d.entry);
        }
        if (out.length > 0) yield out;
      }
    }
  }

  /**
   * One page of entries for the event list, newest first. Without afterSeq: the `limit`
   * newest entries older than beforeSeq (or the newest of all), read backwards from the end
   * of the month files. With afterSeq: the `limit` entries right after afterSeq (and before
   * beforeSeq if given), so a client following new events misses none.
   */
  async page(options: PageOptions): Promise<Page> {
    const { limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`bad page limit: ${limit}`);
    const types = typeFilter(options.types);
    const before = options.beforeSeq ?? Number.POSITIVE_INFINITY;
    const found: JournalEntry[] = [];

    if (options.afterSeq !== undefined) {
      for await (const e of this.read({ fromSeq: options.afterSeq + 1, types: options.types })) {
        if (e.seq >= before) break;
        found.push(e);
        if (found.length > limit) break;
      }
      const hasMore = found.length > limit;
      return { entries: found.slice(0, limit).reverse(), hasMore };
    }

    const months = await this.#readableMonths();
    for (let i = months.length - 1; i >= 0 && found.length <= limit; i--) {
      const month = months[i]!;
      const file = monthFile(this.dir, month);
      if (before !== Number.POSITIVE_INFINITY) {
        const first = await firstSeq(file);
        if (first === undefined || first >= before) continue;
      }
      const handle = await open(file, 'r');
      try {
        const end = this.#readableLength(month) ?? (await handle.stat()).size;
        for await (const line of linesBackward(handle, end)) {
          if (!line.terminated) continue;
          const d = decodeLine(line.text);
          if (!d.ok) throw new JournalError(`${file} (byte ${line.start}): ${d.reason}`);
          if (d.entry.seq >= before) continue;
          if (types && !types(d.entry.type)) continue;
          found.push(d.entry);
          if (found.length > limit) break;
        }
      } finally {
        await handle.close();
      }
    }
    return { entries: found.slice(0, limit), hasMore: found.length > limit };
  }
}

function warnTornLine(info: TornLineInfo): void {
  process.emitWarning(`${info.file}: cut ${info.bytes} bytes at ${info.offset} (${info.reason})`, {
    code: 'PINTU_JOURNAL_TORN_LINE',
  });
}

async function firstSeq(file: string): Promise<number | undefined> {
  for await (const text of readLines(file)) return seqOf(text);
  return undefined;
}

/** Byte offset of the first line with seq >= fromSeq (searched from the end), or 0. */
async function offsetOfSeq(file: string, end: number | undefined, fromSeq: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const size = end ?? (await handle.stat()).size;
    for await (const line of linesBackward(handle, size)) {
      if (!line.terminated) continue;
      const seq = seqOf(line.text);
      if (seq !== undefined && seq < fromSeq) return line.end + 1;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/**
 * Find the last good entry, newest month first, cutting a torn tail on the way: bytes after
 * the last newline, and the last complete line if it does not parse or its hash does not
 * match (a write cut short by power loss). Anything worse is corruption, not a torn write:
 * that is refused rather than cut.
 */
async function recoverTail(
  dir: string,
  months: string[],
  /** Cut a torn tail and report it; undefined (read-only): only skip it. */
  onTornLine: ((info: TornLineInfo) => void) | undefined,
): Promise<Tail> {
  const tail: Tail = { lastSeq: 0, lastHash: ZERO_HASH, lastAt: 0 };
  for (let i = months.length - 1; i >= 0; i--) {
    const month = months[i]!;
    const file = monthFile(dir, month);
    const handle = await open(file, onTornLine ? 'r+' : 'r');
    try {
      const size = (await handle.stat()).size;
      const { last, cutAt, reasons } = await scanTail(handle, size, file);
      if (cutAt !== undefined && onTornLine) {
        await handle.truncate(cutAt);
        await handle.sync();
        onTornLine({ file, offset: cutAt, bytes: size - cutAt, reason: reasons.join('; ') });
      }
      tail.newest ??= { month, size: cutAt ?? size };
      if (last) {
        tail.lastSeq = last.seq;
        tail.lastHash = last.hash;
        tail.lastAt = last.at;
        return tail;
      }
    } finally {
      await handle.close();
    }
  }
  return tail;
}

async function scanTail(
  handle: FileHandle,
  size: number,
  file: string,
): Promise<{ last?: JournalEntry; cutAt?: number; reasons: string[] }> {
  let cutAt: number | undefined;
  const reasons: string[] = [];
  let complete = 0;
  for await (const line of linesBackward(handle, size)) {
    if (!line.terminated) {
      cutAt = line.start;
      reasons.push('last line has no newline');
      continue;
    }
    complete++;
    const d = decodeVerified(line.text);
    if (d.ok) return { last: d.entry, cutAt, reasons };
    if (complete > 1) {
      throw new JournalError(
        `${file}: the entry before the last one (bytes ${line.start}-${line.end}) is bad (${d.reason}); ` +
          'this is corruption, not a torn write. Run verify and repair by hand.',
      );
    }
    cutAt = line.start;
    reasons.push(`last line: ${d.reason}`);
  }
  return { cutAt, reasons };
}
