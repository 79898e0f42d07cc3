// Low-level durability primitives shared by the store modules.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

/** The errno code of a Node system error (`ENOENT`, ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Flush a directory so that file creations, renames and unlinks in it survive power loss.
 * A rename is only durable once its directory is; fsync on the file alone is not enough.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (!dirSyncRefused(err)) throw err;
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p` whose new folders survive power loss: each one created is fsynced into its parent
 * (mkdir returns only the first one it made; the ones below it are entries of new folders too).
 */
export async function mkdirDurable(dir: string, mode?: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
  if (first === undefined) return;
  const made = [path.resolve(dir)];
  while (made[0] !== path.resolve(first)) made.unshift(path.dirname(made[0]!));
  for (const d of made) await fsyncDir(path.dirname(d));
}

/** fsyncDir for a thread that may block (the journal's writer thread). */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!dirSyncRefused(err)) throw err;
  } finally {
    closeSync(fd);
  }
}

// Some file systems refuse fsync on a directory handle; nothing more can be done there.
function dirSyncRefused(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM';
}

/** Write all of `data` through `handle` at its current position (append mode: the end). */
export async function writeAll(
  handle: { write(buf: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }> },
  data: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}

/** writeAll for a thread that may block: `fd` was opened for appending. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const written = writeSync(fd, data, offset, data.length - offset);
    if (written <= 0) throw new Error('write made no progress');
    offset += written;
  }
}
