// The panel's settings and the host links are the gateway's, opened by openGateway after the
// doors (service/gateway.ts). A file among them that cannot be used stops the start naming it,
// and the start undoes what it opened: no file of the data folder is left open (the journal,
// the guest book), the doors are at their safe state, and the next start, the file repaired,
// opens as usual, with the tap made during the failed start in its journal.
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SimLock, SimReader } from '../../src/hardware/sim.js';
import { openOnDataDir, startTestGateway } from '../support/gateway.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-boot-services-'));
  // An earlier start: the journal, the guest book and the keys exist.
  await (await startTestGateway({ dir })).close();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The files of the data folder this process holds open. */
async function openInDataDir(): Promise<string[]> {
  const held: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(`${dir}/`)) held.push(target);
  }
  return held;
}

const open = () => {
  const { opening, drivers } = openOnDataDir(dir, {
    // A tap as soon as taps are decided: the journal has a file open when the start fails.
    onDoorsUp: (d) => (d.readers.get('pintu-utama-in') as SimReader).present('nfc', '04A1B2C3D4E5F6'),
  });
  return { opening, lock: drivers.locks.get('pintu-utama') as SimLock };
};

it.each([
  [
    'panel-settings.json not JSON',
    'panel-settings.json',
    () => writeFile(join(dir, 'panel-settings.json'), '{"publicUrl":'),
  ],
  // A directory in its place: unreadable, and the file refusing old links cannot be written.
  ['host-links.json not writable', 'host-links.json', () => mkdir(join(dir, 'host-links.json'))],
])('%s: the start stops naming it and leaves nothing open', async (_, file, breakIt) => {
  await rm(join(dir, file), { recursive: true, force: true });
  await breakIt();
  const { opening, lock } = open();
  await expect(opening).rejects.toThrow(file);
  expect(await openInDataDir()).toEqual([]);
  expect(lock.state().locked).toBe(true);

  await rm(join(dir, file), { recursive: true, force: true });
  const again = await open().opening;
  try {
    expect(again.settings.get()).toEqual({});
    expect(await openInDataDir()).not.toEqual([]);
    const denied = [];
    for await (const e of again.core.journal.read({ types: ['access.denied'] })) denied.push(e);
    expect(denied).toHaveLength(2);
  } finally {
    await again.close();
  }
  expect(await openInDataDir()).toEqual([]);
});
