// openGateway undoes what it opened when a step after the doors fails (STYLE.md item 4): the
// doors go back to their safe state, the readers stop deciding, the journal closes. The failing
// step here is the caller's "doors ready" callback, the first thing after the doors; a lock is
// unlocked at that moment (as by a tap's pulse under way) and must be locked again once the
// open has failed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SimClockSync } from '../../src/hardware/clock-sync.js';
import { createDrivers } from '../../src/hardware/drivers.js';
import type { SimLock } from '../../src/hardware/sim.js';
import { openGateway } from '../../src/service/gateway.js';
import { Journal } from '../../src/store/journal.js';
import { MONDAY_9AM, startTestGateway } from '../support/gateway.js';

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
  const { config } = loadConfig({ env: { PINTU_DATA_DIR: dir } });
  const log = pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
  const drivers = createDrivers(config, { log });
  const lock = drivers.locks.get('pintu-utama') as SimLock;
  const clockSync = new SimClockSync(true);
  const opening = openGateway({
    config,
    readers: drivers.readers,
    locks: drivers.locks,
    inputs: drivers.inputs,
    log,
    now: () => MONDAY_9AM,
    clockSync,
    onDoorsUp: () => {
      lock.unlock();
      throw new Error('doors-ready listener failed');
    },
  });
  await expect(opening).rejects.toThrow('doors-ready listener failed');
  // The lock port's stop is what puts a door back to its safe state (SimLock: locked).
  expect(lock.state().locked).toBe(true);
  // The journal is whole: a verify reads every line.
  expect(await Journal.verify(join(dir, 'journal'))).toMatchObject({ ok: true });
});
