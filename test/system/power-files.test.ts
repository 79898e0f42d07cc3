// Files the gateway writes, on the power-cut file system (test/lab/lazyfs.py): once the write
// that made them has resolved, a cut that throws away everything not durable leaves them whole.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MqttUsers } from '../../src/mqtt/users.js';
import { dataKey } from '../../src/store/data-key.js';
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
});
