// The clock port (hardware/clock-sync.ts) on a fake timesyncd folder, and the safe clock
// (service/clock.ts) on numbers.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimClockSync, TimesyncFlag } from '../../src/hardware/clock-sync.js';
import { SafeClock } from '../../src/service/clock.js';

describe('TimesyncFlag', () => {
  const made: string[] = [];
  const ports: TimesyncFlag[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) p.stop();
    for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const setup = async () => {
    const root = await mkdtemp(join(tmpdir(), 'pintu-timesync-'));
    made.push(root);
    const dir = join(root, 'timesync');
    const changes: boolean[] = [];
    const port = () => {
      const p = new TimesyncFlag(join(dir, 'synchronized'), 3_600_000, (s) => changes.push(s));
      ports.push(p);
      return p;
    };
    return { dir, changes, port };
  };

  it('without the folder (no timesyncd) counts as synchronised, and says why', async () => {
    const { port } = await setup();
    const p = port();
    expect(p.synchronised()).toBe(true);
    expect(p.detail).toMatch(/not running/);
  });

  it('folder without the flag: not synchronised until the flag appears; one change reported', async () => {
    const { dir, changes, port } = await setup();
    await mkdir(dir);
    const p = port();
    expect(p.synchronised()).toBe(false);
    expect(p.detail).toMatch(/does not exist yet/);
    await p.check();
    expect(changes).toEqual([]);
    await writeFile(join(dir, 'synchronized'), '');
    await p.check();
    expect(p.synchronised()).toBe(true);
    expect(p.detail).toBeUndefined();
    expect(changes).toEqual([true]);
  });
});

describe('SafeClock', () => {
  it('raises a reading below the floor only while unsynchronised', () => {
    const sync = new SimClockSync(false);
    const raw = { now: 1_000 };
    const c = new SafeClock(
      () => raw.now,
      sync,
      () => 5_000,
    );
    expect(c.now()).toBe(5_000);
    raw.now = 9_000;
    expect(c.now()).toBe(9_000);
    raw.now = 1_000;
    sync.value = true;
    expect(c.now()).toBe(1_000);
  });
});
