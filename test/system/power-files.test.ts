// Files the gateway writes, on the power-cut file system (test/lab/lazyfs.py): once the write
// that made them has resolved, a cut that throws away everything not durable leaves them whole.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { embeddedConfig } from '../../src/config/load.js';
import { claimDataDir } from '../../src/main.js';
import { MqttUsers } from '../../src/mqtt/users.js';
import { Archive } from '../../src/store/archive.js';
import { dataKey } from '../../src/store/data-key.js';
import { Journal } from '../../src/store/journal.js';
import { ACTOR, jakartaMonth, tapEvent } from '../fixtures/journal-helpers.js';
import { labSuite } from '../support/lab.js';
import { LAZYFS_NEEDS, LazyMount } from '../support/lazyfs.js';

labSuite('files the gateway writes survive a power cut', LAZYFS_NEEDS, () => {
  let root: string;
  let disk: string;
  let mnt: string;
  let fs: LazyMount;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pintu-power-files-'));
    disk = join(root, 'disk');
    mnt = join(root, 'mnt');
    await mkdir(disk);
    await mkdir(mnt);
    fs = await LazyMount.mount(disk, mnt, join(root, 'control.sock'), 1);
  });

  afterEach(async () => {
    await fs.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a data key made at first start is the key after the cut', async () => {
    const key = await dataKey(mnt, 'secret.key');
    await fs.cut('drop-all', 1);
    expect(await readFile(join(disk, 'secret.key'))).toEqual(key);
  });

  it('a data key cut short is refused, naming the file', async () => {
    await writeFile(join(mnt, 'badge-uid.key'), Buffer.alloc(27));
    await expect(dataKey(mnt, 'badge-uid.key')).rejects.toThrow(/badge-uid\.key holds 27 bytes, not 32/);
  });

  it('an MQTT user added is there after the cut', async () => {
    const users = await MqttUsers.open(join(mnt, 'mqtt-users.json'));
    await users.add({
      username: 'ruang-rapat',
      role: 'room',
      room: 'ruang-rapat',
      password: 'kata-sandi-panjang',
    });
    await fs.cut('drop-all', 1);
    const doc = JSON.parse(await readFile(join(disk, 'mqtt-users.json'), 'utf8')) as {
      users: { username: string }[];
    };
    expect(doc.users.map((u) => u.username)).toEqual(['ruang-rapat']);
  });

  // A gateway killed between creating a month file and fsyncing its folder leaves the file with
  // an entry that is not durable; the next start finds it there and appends to it.
  it('a journal entry appended to a month file a killed process created is there after the cut', async () => {
    const at = Date.UTC(2026, 11, 6, 3);
    await mkdir(join(mnt, 'journal'));
    const fd = openSync(mnt, 'r');
    fsyncSync(fd); // the folder itself durable, the month file in it not
    closeSync(fd);
    await writeFile(join(mnt, 'journal', `${jakartaMonth(at)}.jsonl`), '');
    const journal = await Journal.open(join(mnt, 'journal'), { monthOf: jakartaMonth });
    const e = await journal.append(tapEvent(1), ACTOR, at);
    await journal.close();
    await fs.cut('drop-all', 1);
    const text = await readFile(join(disk, 'journal', `${jakartaMonth(at)}.jsonl`), 'utf8');
    expect((JSON.parse(text.trim()) as { seq: number }).seq).toBe(e.seq);
  });

  it('an archived record appended to a month file a killed process created is there after the cut', async () => {
    const archive = new Archive<{ id: string }>(join(mnt, 'archive'));
    await mkdir(join(mnt, 'archive'));
    const fd = openSync(mnt, 'r');
    fsyncSync(fd);
    closeSync(fd);
    await writeFile(archive.file('2026-12'), '');
    await archive.append('2026-12', [{ id: 'v1' }]);
    await fs.cut('drop-all', 1);
    expect(await readFile(join(disk, 'archive', 'visits-2026-12.jsonl'), 'utf8')).toBe('{"id":"v1"}\n');
  });

  it('a data folder the gateway made is there after the cut', async () => {
    await claimDataDir({ ...embeddedConfig(), dataDir: join(mnt, 'var', 'pintu') });
    await fs.cut('drop-all', 1);
    expect(await readdir(join(disk, 'var'))).toEqual(['pintu']);
  });
});
