// The room keys and MAC counters on disk (src/mqtt/room-keys.ts) and the MAC texts (room-mac.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  COMMAND_BLOCK,
  RoomCounters,
  RoomKeys,
  roomCountersFile,
  roomKeysFile,
} from '../../src/mqtt/room-keys.js';
import { commandText, mac, macValid, tapText } from '../../src/mqtt/room-mac.js';

describe('room keys and counters', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-roomkeys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a tap never waits for the disk: the counter is in force at once, written behind with the latest', async () => {
    const key = randomBytes(32);
    const a = new RoomCounters(roomCountersFile(dir));
    for (let ctr = 1; ctr <= 50; ctr++) a.acceptTap('r101', key, ctr);
    expect(a.lastTap('r101', key)).toBe(50);
    await a.flush();
    expect(new RoomCounters(roomCountersFile(dir)).lastTap('r101', key)).toBe(50);
  });

  it('a write behind that fails is reported, not left as an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const a = new RoomCounters(roomCountersFile(join(dir, 'gone')), Date.now, (err) => errors.push(err));
    a.acceptTap('r101', randomBytes(32), 1);
    await expect(a.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('a key is 32 random bytes, kept 0600, and a running gateway sees a key added later', async () => {
    const clock = { ms: 0 };
    const keys = new RoomKeys(roomKeysFile(dir), () => clock.ms);
    expect(keys.get('r101')).toBeUndefined();
    const key = RoomKeys.generate(roomKeysFile(dir), 'r101');
    expect(key).toHaveLength(32);
    expect((await stat(roomKeysFile(dir))).mode & 0o777).toBe(0o600);
    // The file is looked at again at most once a second.
    expect(keys.get('r101')).toBeUndefined();
    clock.ms += 1000;
    expect(keys.get('r101')?.equals(key)).toBe(true);
    const again = RoomKeys.generate(roomKeysFile(dir), 'r101');
    expect(again.equals(key)).toBe(false);
  });

  it('the command counter only grows: across a restart, and past a block not used up (a crash)', async () => {
    // A clock at 0: the counter as the file alone makes it.
    const a = new RoomCounters(roomCountersFile(dir), () => 0);
    expect(a.nextCommand('r101')).toBe(1);
    expect(a.nextCommand('r101')).toBe(2);
    expect(a.nextCommand('r102')).toBe(1);
    // The process is gone without a word once the reservation is written (it is written
    // behind: flush() waits for it): the next one starts beyond what was reserved.
    await a.flush();
    const b = new RoomCounters(roomCountersFile(dir), () => 0);
    const next = b.nextCommand('r101');
    expect(next).toBe(COMMAND_BLOCK + 1);
    let last = next;
    for (let i = 0; i < COMMAND_BLOCK + 5; i++) {
      const n = b.nextCommand('r101');
      expect(n).toBe(last + 1);
      last = n;
    }
    await b.flush();
    expect(new RoomCounters(roomCountersFile(dir), () => 0).nextCommand('r101')).toBeGreaterThan(last);
  });

  it('the command counter grows past a data folder restored from an older backup', async () => {
    const file = roomCountersFile(dir);
    const clock = { ms: 1_700_000_000_000 };
    const a = new RoomCounters(file, () => clock.ms);
    a.nextCommand('r101');
    await a.flush();
    const backup = await readFile(file, 'utf8');
    let last = 0;
    for (let i = 0; i < 3 * COMMAND_BLOCK; i++) last = a.nextCommand('r101');
    await a.flush();
    // Restored a minute later: the controller has seen `last` and would refuse anything below.
    await writeFile(file, backup);
    clock.ms += 60_000;
    expect(new RoomCounters(file, () => clock.ms).nextCommand('r101')).toBeGreaterThan(last);
  });

  it('the tap counter is kept per key: a controller set up again (new key) starts from 1', async () => {
    const old = randomBytes(32);
    const a = new RoomCounters(roomCountersFile(dir));
    a.acceptTap('r101', old, 500);
    await a.flush();
    const b = new RoomCounters(roomCountersFile(dir));
    expect(b.lastTap('r101', old)).toBe(500);
    expect(b.lastTap('r101', randomBytes(32))).toBe(0);
    // The file names the key by a digest only.
    expect(await readFile(roomCountersFile(dir), 'utf8')).not.toContain(old.toString('hex'));
  });
});

describe('room MACs', () => {
  const key = Buffer.alloc(32, 7);
  it('are the first 16 bytes of HMAC-SHA256 over the documented text, in hex', () => {
    const text = commandText('r101', { id: 'a1', action: 'unlock', ms: 500, exp: 2000, at: 1000, ctr: 3 });
    expect(text).toBe('pintu-cmd-1\nr101\na1\nunlock\n500\n2000\n1000\n3');
    expect(commandText('r101', { id: 'a1', action: 'lock', exp: 2000, at: 1000, ctr: 4 })).toBe(
      'pintu-cmd-1\nr101\na1\nlock\n\n2000\n1000\n4',
    );
    expect(tapText('r101', { kind: 'nfc', credential: '04A1', ctr: 9 })).toBe(
      'pintu-tap-1\nr101\nnfc\n04A1\n9',
    );
    // openssl dgst -sha256 -mac HMAC -macopt hexkey:0707...07 over that text, first 32 hex digits:
    // the value a controller's own HMAC (mbedtls) must give.
    expect(mac(key, tapText('r101', { kind: 'nfc', credential: '04A1', ctr: 9 }))).toBe(
      '2d7b5f354f236eb38b0aa66fd26ca382',
    );
  });
  it('refuse another room, another field, a malformed or missing MAC', () => {
    const fields = { id: 'a1', action: 'unlock', ms: 500, exp: 2000, at: 1000, ctr: 3 };
    const good = mac(key, commandText('r101', fields));
    expect(macValid(key, commandText('r101', fields), good)).toBe(true);
    expect(macValid(key, commandText('r102', fields), good)).toBe(false);
    expect(macValid(key, commandText('r101', { ...fields, ctr: 4 }), good)).toBe(false);
    expect(macValid(key, commandText('r101', fields), good.toUpperCase())).toBe(false);
    expect(macValid(key, commandText('r101', fields), undefined)).toBe(false);
  });
});
