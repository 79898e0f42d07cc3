// Low-level durability primitives shared by the store modules.
import { open } from 'node:fs/promises';

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
    // Some file systems refuse fsync on a directory handle; nothing more can be done there.
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
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
