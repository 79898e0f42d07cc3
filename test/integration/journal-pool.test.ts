// Issue 11: failed logins' scrypt hashes filled libuv's thread pool, and the journal's write
// and fdatasync queued behind them, so tap answers (sent once the tap is durable) came 38 s
// late. The journal writes on a thread of its own: an append must not wait for pool work.
import { scrypt } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SCRYPT_PARAMS } from '../../src/service/passwords.js';
import { Journal } from '../../src/store/journal.js';
import { ACTOR, jakartaMonth, tapEvent, tempDir } from '../fixtures/journal-helpers.js';
import { startTestGateway } from '../support/gateway.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('journal-pool'));
});
afterEach(() => cleanup());

// libuv's pool size (4 unless set before the process started).
const POOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

function hash(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    scrypt(`wrong password ${i}`, 'salt', 32, SCRYPT_PARAMS, (err) => (err ? reject(err) : resolve()));
  });
}

it('an append is durable before the thread pool drains a queue of password hashes', async () => {
  const journal = await Journal.open(dir, { monthOf: jakartaMonth });
  const at = Date.UTC(2025, 0, 10, 3);
  // The month file is open beforehand: the test is about the write + fdatasync of a tap.
  await journal.append(tapEvent(1), ACTOR, at);

  const order: string[] = [];
  // Four jobs per pool thread: on a pool-bound journal the append's first file operation waits
  // for more than a whole round of hashes.
  const hashes = Array.from({ length: 4 * POOL }, (_, i) => hash(i).then(() => order.push('hash')));
  const append = journal.append(tapEvent(2), ACTOR, at + 1).then(() => order.push('append'));
  await Promise.all([...hashes, append]);
  await journal.close();

  // The sentinel is the order of completion, not a duration: every hash finished, and the
  // append had finished before a whole pool's worth of them had.
  const before = order.indexOf('append');
  expect(order).toHaveLength(4 * POOL + 1);
  expect(before).toBeLessThan(POOL);
});

it('POST /taps at a door is answered (once journaled) before the pool drains the hashes', async () => {
  const t = await startTestGateway();
  try {
    const cookie = await t.login('receptionist');
    const tap = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/taps',
        headers: { cookie },
        payload: { reader: 'pintu-utama-in', uid: '04DEADBEEF0001' },
      });
    // The month file is open and the code warm: what follows is one tap's path.
    expect((await tap()).statusCode).toBe(200);

    const order: string[] = [];
    const hashes = Array.from({ length: 4 * POOL }, (_, i) => hash(i).then(() => order.push('hash')));
    const answer = tap().then((res) => {
      order.push('tap');
      return res;
    });
    const [res] = await Promise.all([answer, ...hashes]);
    // An unknown badge: refused, and answered with the seq of its durable journal entry.
    expect(res.json()).toMatchObject({ kind: 'door', granted: false, seq: t.gateway.core.journal.lastSeq });
    expect(order).toHaveLength(4 * POOL + 1);
    expect(order.indexOf('tap')).toBeLessThan(POOL);
  } finally {
    await t.close();
  }
});
