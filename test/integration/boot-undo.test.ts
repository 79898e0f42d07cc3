// openGateway undoes what it opened when a step after the doors fails (STYLE.md item 4): the
// doors go back to their safe state, the readers stop deciding, the journal closes. The failing
// step here is the caller's "doors ready" callback, the first thing after the doors; a lock is
// unlocked at that moment (as by a tap's pulse under way) and must be locked again once the
// open has failed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimLock } from '../../src/hardware/sim.js';
import { Journal } from '../../src/store/journal.js';
import { openOnDataDir, startTestGateway } from '../support/gateway.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-boot-undo-'));
  // An earlier run leaves a journal to open.
  const t = await startTestGateway({ dir });
  await t.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('puts the doors back to their safe state when a step after "doors ready" fails', async () => {
  const { opening, drivers } = openOnDataDir(dir, {
    onDoorsUp: (d) => {
      (d.locks.get('pintu-utama') as SimLock).unlock();
      throw new Error('doors-ready listener failed');
    },
  });
  const lock = drivers.locks.get('pintu-utama') as SimLock;
  await expect(opening).rejects.toThrow('doors-ready listener failed');
  // The lock port's stop is what puts a door back to its safe state (SimLock: locked).
  expect(lock.state().locked).toBe(true);
  // The journal is whole: a verify reads every line.
  expect(await Journal.verify(join(dir, 'journal'))).toMatchObject({ ok: true });
});
