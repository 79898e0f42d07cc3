// Crash-safe whole-file JSON storage: the lowdb adapter for the state file, and the atomic
// rewrite helper the other whole-file rewrites use (archive erasure).
//
// One write:  <file>.tmp written + fsync  ->  <file>.bak atomically replaced by a hard link
// to the current <file>  ->  rename <file>.tmp over <file>  ->  fsync the directory.
// Every rename replaces a complete, fsynced file, so at any crash point <file> is the old or
// the new complete copy, and <file>.bak the previous or the one before it.
import { copyFile, link, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { errnoCode, fsyncDir, writeAll } from './fsync.js';
import { KeyedSerial } from './serial.js';

export type RecoverReason = 'missing' | 'empty' | 'corrupt';

/** Reported when the main file could not be used and its backup was. */
export interface RecoverInfo {
  file: string;
  reason: RecoverReason;
  /** Parse error or other explanation. */
  detail: string;
  /** The backup the data came from. */
  backup: string;
  /** Where the unusable main file was moved, kept for inspection. */
  quarantined?: string;
  /** Whether the main file was rewritten from the backup. */
  restored: boolean;
  restoreError?: string;
}

export class DurableFileError extends Error {
  override readonly name = 'DurableFileError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AtomicWriteOptions {
  /** Keep the current file as `<file>.bak` before replacing it. */
  backup?: boolean;
  /** Mode of a newly written file; state and archive hold personal data. */
  mode?: number;
  /**
   * The temporary file's name (default `<file>.tmp`): a file that another process writes too
   * (mqtt-users.json, edited by the CLI beside the gateway) needs one of each writer's own.
   */
  tmp?: string;
  /**
   * Fsync the folder after the rename (default true). Without it the rename may be lost to a
   * power cut, leaving the previous complete file: for a file whose older copy is as correct
   * (a replay cursor), one fsync less a write.
   */
  syncDir?: boolean;
}

// One queue per absolute path for the whole process, shared by every writer of that path.
const fileQueue = new KeyedSerial();

export function backupPath(file: string): string {
  return `${file}.bak`;
}

/** A whole file's text, or undefined when the file does not exist (other errors throw). */
export async function readTextIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** A whole-file JSON's value, or undefined when the file does not exist (other errors throw). */
export async function readJsonIfPresent<T>(file: string): Promise<T | undefined> {
  const text = await readTextIfPresent(file);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/**
 * Replace `file` with `data` atomically and durably: after this resolves the new content
 * survives power loss, and a crash at any point leaves either the old or the new content.
 * Concurrent calls for the same path run one after another, in call order.
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const target = path.resolve(file);
  return fileQueue.run(target, () => replaceAtomic(target, data, options));
}

async function replaceAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions) {
  const tmp = options.tmp ?? `${file}.tmp`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await open(tmp, 'w', options.mode ?? 0o600);
  try {
    await writeAll(handle, bytes);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    if (options.backup) await keepBackup(file);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  if (options.syncDir ?? true) await fsyncDir(path.dirname(file));
}

// Link errors that mean "this file system has no hard links": copy instead.
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS']);

/** Atomically make `<file>.bak` the current `<file>` (nothing to do if there is none). */
async function keepBackup(file: string): Promise<void> {
  const bak = backupPath(file);
  const staged = `${bak}.tmp`;
  await rm(staged, { force: true });
  try {
    // The current file is already complete and fsynced: a second name for it is enough.
    await link(file, staged);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw err;
    await copyFile(file, staged);
    const handle = await open(staged, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await rename(staged, bak);
}

type Candidate<T> =
  | { state: 'missing' }
  | { state: 'empty' }
  | { state: 'corrupt'; detail: string }
  | { state: 'ok'; data: T; text: string };

async function readCandidate<T>(file: string): Promise<Candidate<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  if (text.trim() === '') return { state: 'empty' };
  try {
    const data = JSON.parse(text) as T | null;
    // The adapter never writes null; a file holding it is not a state file.
    if (data === null) return { state: 'corrupt', detail: 'file holds null' };
    return { state: 'ok', data, text };
  } catch (err) {
    return { state: 'corrupt', detail: err instanceof Error ? err.message : String(err) };
  }
}

function describe(candidate: Candidate<unknown>): string {
  switch (candidate.state) {
    case 'missing':
      return 'missing';
    case 'empty':
      return 'empty';
    case 'corrupt':
      return `not valid JSON (${candidate.detail})`;
    case 'ok':
      return 'valid';
  }
}

export interface DurableJsonFileOptions {
  /**
   * Called when the main file was missing, empty or corrupt and the backup was used. Log it
   * loudly: data since the backup's write may be missing. Defaults to a process warning.
   */
  onRecover?: (info: RecoverInfo) => void;
  /** Indentation of the written JSON (default 2, readable by hand). */
  space?: number;
  /**
   * For a reader beside the process that owns the file (CLI): recovery from the backup
   * touches no file, and writes are refused.
   */
  readOnly?: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * lowdb Adapter writing `file` atomically and durably with a last good copy in `file.bak`.
 * One instance per file. Writes are serialised; writes arriving while one is in flight are
 * coalesced into one write of the newest data, and all of them resolve when it is durable.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly backupFile: string;
  readonly #onRecover: (info: RecoverInfo) => void;
  readonly #space: number;
  readonly #readOnly: boolean;
  // Whether the main file is known to be valid JSON, so that it may become the backup.
  #main: 'unknown' | 'good' | 'bad' = 'unknown';
  #next: string | null = null;
  #waiters: Waiter[] = [];
  #draining = false;

  constructor(file: string, options: DurableJsonFileOptions = {}) {
    this.file = path.resolve(file);
    this.backupFile = backupPath(this.file);
    this.#onRecover = options.onRecover ?? defaultOnRecover;
    this.#space = options.space ?? 2;
    this.#readOnly = options.readOnly ?? false;
  }

  read(): Promise<T | null> {
    return fileQueue.run(this.file, () => this.#read());
  }

  write(data: T): Promise<void> {
    if (this.#readOnly) {
      return Promise.reject(new DurableFileError(this.file, `${this.file} was opened read-only`));
    }
    let text: string | undefined;
    try {
      // Serialised now: the caller's snapshot is what gets written, even if mutated later.
      text = JSON.stringify(data, null, this.#space);
    } catch (err) {
      return Promise.reject(err);
    }
    if (text === undefined) {
      return Promise.reject(new TypeError(`${this.file}: data is not JSON-serialisable`));
    }
    this.#next = `${text}\n`;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#draining) void this.#drain();
    return done;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#next !== null) {
      const text = this.#next;
      const waiters = this.#waiters.splice(0);
      this.#next = null;
      try {
        await fileQueue.run(this.file, async () => {
          const backup = await this.#mainIsGood();
          try {
            await replaceAtomic(this.file, text, { backup });
          } catch (err) {
            this.#main = 'unknown';
            throw err;
          }
          this.#main = 'good';
        });
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.#draining = false;
  }

  // Never let a corrupt main file replace a good backup.
  async #mainIsGood(): Promise<boolean> {
    if (this.#main === 'unknown') {
      this.#main = (await readCandidate(this.file)).state === 'ok' ? 'good' : 'bad';
    }
    return this.#main === 'good';
  }

  async #read(): Promise<T | null> {
    const main = await readCandidate<T>(this.file);
    if (main.state === 'ok') {
      this.#main = 'good';
      return main.data;
    }
    const bak = await readCandidate<T>(this.backupFile);
    if (bak.state !== 'ok') {
      if (main.state === 'missing' && bak.state === 'missing') return null;
      throw new DurableFileError(
        this.file,
        `State file ${this.file} is ${describe(main)} and its backup ${this.backupFile} is ${describe(bak)}; ` +
          'refusing to start with empty data. Restore the file by hand.',
      );
    }

    const info: RecoverInfo = {
      file: this.file,
      reason: main.state,
      detail: main.state === 'corrupt' ? main.detail : `main file is ${main.state}`,
      backup: this.backupFile,
      restored: false,
    };
    if (this.#readOnly) {
      this.#onRecover(info);
      return bak.data;
    }
    try {
      if (main.state !== 'missing') {
        info.quarantined = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(this.file, info.quarantined);
      }
      await replaceAtomic(this.file, bak.text, {});
      info.restored = true;
      this.#main = 'good';
    } catch (err) {
      // The data is still good (it came from the backup); the next write retries the file.
      this.#main = 'bad';
      info.restoreError = err instanceof Error ? err.message : String(err);
    }
    this.#onRecover(info);
    return bak.data;
  }
}

function defaultOnRecover(info: RecoverInfo): void {
  process.emitWarning(
    `${info.file} was ${info.reason} (${info.detail}); recovered from ${info.backup}` +
      (info.quarantined ? `, bad file kept as ${info.quarantined}` : ''),
    { code: 'PINTU_STATE_RECOVERED' },
  );
}
