// The keys of the data folder (secret.key, badge-uid.key): 32 random bytes made at first start,
// readable by the service only, never logged. Hashes made with a key are kept (keypad codes in
// the state, unknown cards in the journal), so a key is durable before it is used, and one that
// is not whole is refused rather than silently used or replaced.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './durable-file.js';
import { errnoCode } from './fsync.js';

export const DATA_KEY_BYTES = 32;

export async function dataKey(dataDir: string, name: string): Promise<Buffer> {
  const file = join(dataDir, name);
  try {
    const key = await readFile(file);
    if (key.length !== DATA_KEY_BYTES)
      throw new Error(
        `${file} holds ${key.length} bytes, not ${DATA_KEY_BYTES}: it was cut short (a power cut before it was durable?). ` +
          'Hashes made with it cannot be checked; move it away to make a new key (keypad codes must then be issued again).',
      );
    return key;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    const key = randomBytes(DATA_KEY_BYTES);
    // Written whole, fsynced, renamed into place and the folder fsynced: a power cut leaves no
    // key or this one, never a part, and no hash is made with a key that a cut could take back.
    await writeFileAtomic(file, key, { mode: 0o600 });
    return key;
  }
}
