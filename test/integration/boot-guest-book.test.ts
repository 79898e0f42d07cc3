// Doors first (issue 16): the guest book (every guest ever seen; a year holds thousands) does
// not decide a tap, so a start without entries to replay reads it after "doors ready". Here
// guests.json is a FIFO that gives its content only when the test writes it: the doors come
// up and a badge opens its door while the book is still unread; the tap is journaled on the
// chain; then the book is read and the gateway finishes opening with the guest's name. A
// start that must replay entries reads the book first (a replayed arrival carries the name).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/types.js';
import type { SimLock, SimReader } from '../../src/hardware/sim.js';
import type { Gateway } from '../../src/service/gateway.js';
import { Journal } from '../../src/store/journal.js';
import { openOnDataDir, startTestGateway } from '../support/gateway.js';

const TAMU_01 = '04A1B2C3D4E501';
const actor: Actor = { kind: 'user', id: 'u1', role: 'receptionist' };
let dir: string;
let guestId: string;
let gateway: Gateway | undefined;
let snapshot: string;
const bookFile = () => join(dir, 'guests.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-boot-book-'));
  // An earlier run: a visit walked to its badge, then a clean stop (nothing to replay).
  const t = await startTestGateway({ dir });
  const g = t.gateway;
  const v = await g.visits.arrive(
    { guest: { name: 'Tamu Pagi', institution: 'Bappeda Jatim' }, purpose: 'Rapat', hostId: 'kabag-umum' },
    actor,
  );
  guestId = v.guestId;
  await g.visits.screen(v.id, { passed: true }, actor);
  await g.visits.guestbook(v.id, {}, actor);
  await g.visits.decide(v.id, { outcome: 'accepted', rooms: ['ruang-kabag'] }, actor);
  await g.visits.issueBadge(
    v.id,
    { badge: 'TAMU-01', collateral: { type: 'ktp', number: '3578014107900001' } },
    actor,
  );
  await t.close();
});

afterAll(async () => {
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

it('decides and journals a tap before the guest book is read', async () => {
  const book = bookFile();
  snapshot = existsSync(book) ? await readFile(book, 'utf8') : '{"version":1,"guests":[]}';
  await rm(book, { force: true });
  execFileSync('mkfifo', ['-m', '600', book]);

  let doorsUp!: () => void;
  const doors = new Promise<void>((resolve) => (doorsUp = resolve));
  const { opening, drivers } = openOnDataDir(dir, { onDoorsUp: () => doorsUp() });
  // The sentinel: before the change this never came, the open waiting on the FIFO.
  await doors;
  const lock = drivers.locks.get('pintu-utama') as SimLock;
  (drivers.readers.get('pintu-utama-in') as SimReader).present('nfc', TAMU_01);
  expect(lock.pulses).toBe(1);

  // The book's content arrives; the open finishes.
  await writeFile(book, snapshot);
  gateway = await opening;
  expect(gateway.core.guest(guestId)?.name).toBe('Tamu Pagi');
  const granted: number[] = [];
  for await (const e of gateway.core.journal.read({ types: ['access.granted'] })) granted.push(e.seq);
  expect(granted).toHaveLength(1);
  const verified = await Journal.verify(join(dir, 'journal'));
  expect(verified).toMatchObject({ ok: true });
});

it('reads the book before the doors when entries are replayed: a replayed arrival keeps its name', async () => {
  await gateway?.close();
  gateway = undefined;
  await rm(bookFile());
  await writeFile(bookFile(), snapshot, { mode: 0o600 });
  // A kill between the journal's write and the state's save: state.json behind the journal.
  const state = join(dir, 'state.json');
  const before = await readFile(state, 'utf8');
  const t = await startTestGateway({ dir });
  const v = await t.gateway.visits.arrive(
    { guest: { name: 'Tamu Siang', institution: 'Dinas Kominfo' }, purpose: 'Rapat', hostId: 'kabag-umum' },
    actor,
  );
  await t.close();
  await writeFile(state, before);

  const again = await startTestGateway({ dir });
  try {
    expect(again.gateway.visits.get(v.id)?.guestName).toBe('Tamu Siang');
  } finally {
    await again.close();
  }
});
