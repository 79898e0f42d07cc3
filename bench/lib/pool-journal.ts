// The journal's write path before issue 11, kept for the isolation benchmark's baseline: the
// same group commit as Journal (appends made during a flush go out in the next single write +
// fdatasync) and the same entry encoding, but through a FileHandle, i.e. through libuv's
// thread pool, where it queues behind password hashes. One month file, no rotation: the
// benchmark appends within one month.
import { type FileHandle, open } from 'node:fs/promises';
import type { DomainEvent } from '../../src/domain/events.js';
import type { Actor } from '../../src/domain/types.js';
import { writeAll } from '../../src/store/fsync.js';
import { encodeEntry, ZERO_HASH } from '../../src/store/journal-entry.js';

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PoolJournal {
  readonly #handle: FileHandle;
  #seq = 0;
  #hash = ZERO_HASH;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(file: string): Promise<PoolJournal> {
    return new PoolJournal(await open(file, 'a', 0o640));
  }

  append(event: DomainEvent, actor: Actor, at: number): Promise<void> {
    const { entry, line } = encodeEntry(event, actor, ++this.#seq, at, this.#hash);
    this.#hash = entry.hash;
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ line, resolve, reject }));
    this.#flushing ??= Promise.resolve().then(() => this.#drain());
    return done;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          await writeAll(this.#handle, Buffer.from(batch.map((p) => p.line).join(''), 'utf8'));
          await this.#handle.datasync();
        } catch (err) {
          for (const p of batch) p.reject(err);
          continue;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#handle.close();
  }
}
