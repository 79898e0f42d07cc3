// The data folder's claim (pintu.pid): a pid file that does not name this gateway's process
// (torn by a power cut, or a pid reused after a reboot) must not keep the gateway from starting.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { embeddedConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { claimDataDir, pidFile, runningPid } from '../../src/main.js';

let config: Config;

beforeEach(async () => {
  config = { ...embeddedConfig(), dataDir: await mkdtemp(join(tmpdir(), 'pintu-pid-')) };
});

afterEach(async () => {
  await rm(config.dataDir, { recursive: true, force: true });
});

it('a pid file naming a live process that is not the gateway that wrote it is stale', async () => {
  // A power cut kept "13" of "1346\n"; or after a reboot the old pid is another process's.
  await writeFile(pidFile(config), '1\n');
  expect(await runningPid(config)).toBeUndefined();
  await writeFile(pidFile(config), `${process.pid}`);
  expect(await runningPid(config)).toBeUndefined();
});

it('the claim of a running gateway is found', async () => {
  await claimDataDir(config);
  expect(await runningPid(config)).toBe(process.pid);
});
