// Monthly archive of closed records (visits): <dir>/visits-YYYY-MM.jsonl, one JSON per line.
// Appends are at-least-once: a caller that crashed after archiving but before saving state
// archives the same records again, so readers take the last line per id.
import { type FileHandle, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './durable-file.js';
import { errnoCode, fsyncDir, mkdirDurable, writeAll } from './fsync.js';
import { linesBackward } from './lines.js';
import { listMonths, monthFile } from './month-files.js';
import { KeyedSerial } from './serial.js';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

export interface ArchiveOptions {
  /** File name prefix before YYYY-MM (default 'visits-'). */
  prefix?: string;
}

// Guest names live here: owner only.
const FILE_MODE = 0o600;

export class Archive<R extends { id: string }> {
  readonly dir: string;
  readonly #prefix: string;
  /** Months whose file's folder entry this process has made durable. */
  readonly #durable = new Set<string>();
  // Appends and rewrites of one month run one at a time.
  readonly #months = new KeyedSerial();

  constructor(dir: string, options: ArchiveOptions = {}) {
    this.dir = path.resolve(dir);
    this.#prefix = options.prefix ?? 'visits-';
  }

  file(month: string): string {
    return monthFile(this.dir, month, this.#prefix);
  }

  /** Months that have an archive file, oldest first. */
  months(): Promise<string[]> {
    return listMonths(this.dir, this.#prefix);
  }

  /** Append records to a month; resolves once they are on disk. */
  async append(month: string, records: readonly R[]): Promise<void> {
    const file = this.file(month);
    if (records.length === 0) return;
    const bytes = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    await this.#months.run(month, async () => {
      await mkdirDurable(this.dir);
      const { handle, isNew } = await openForAppend(file);
      try {
        // Also at this process's first append to a file that was there: one created by a process
        // killed before this fsync has an entry that is not durable, and the records made durable
        // here would go with it at a power cut.
        if (!this.#durable.has(month)) {
          await fsyncDir(this.dir);
          this.#durable.add(month);
        }
        if (!isNew) await cutTornTail(handle);
        await writeAll(handle, bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
  }

  /** A month's records in archive order, one per id (the last one archived); none if no file. */
  async readMonth(month: string): Promise<R[]> {
    try {
      return dedupe(await readRecords<R>(this.file(month)));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Replace a month's records with fn(records), atomically (privacy erasure). No backup copy
   * of the old content is kept, on purpose. A month without a file is left alone, and so is
   * one for which fn returns the very records it was given (nothing to change: no SD card
   * write).
   */
  async rewriteMonth(month: string, fn: (records: R[]) => R[] | Promise<R[]>): Promise<void> {
    const file = this.file(month);
    await this.#months.run(month, async () => {
      let records: R[];
      try {
        records = dedupe(await readRecords<R>(file));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      const next = await fn(records);
      if (next === records) return;
      await writeFileAtomic(file, next.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: FILE_MODE });
    });
  }
}

async function openForAppend(file: string): Promise<{ handle: FileHandle; isNew: boolean }> {
  // a+: writes always go to the end, and the tail can still be read and cut.
  try {
    return { handle: await open(file, 'ax+', FILE_MODE), isNew: true };
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  return { handle: await open(file, 'a+'), isNew: false };
}

/** Cut bytes after the last newline: an append cut short, never acknowledged. */
async function cutTornTail(handle: FileHandle): Promise<void> {
  const { size } = await handle.stat();
  for await (const line of linesBackward(handle, size, 4096)) {
    if (!line.terminated) await handle.truncate(line.start);
    break;
  }
}

async function readRecords<R>(file: string): Promise<R[]> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  // The part after the last newline is empty, or an append that never finished: not data.
  lines.pop();
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as R;
    } catch (err) {
      throw new ArchiveError(
        `${file}:${i + 1}: unparsable record (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  });
}

function dedupe<R extends { id: string }>(records: R[]): R[] {
  const index = new Map<string, number>();
  const out: R[] = [];
  for (const r of records) {
    const at = index.get(r.id);
    if (at === undefined) {
      index.set(r.id, out.length);
      out.push(r);
    } else {
      out[at] = r;
    }
  }
  return out;
}
