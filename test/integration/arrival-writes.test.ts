// SD card wear (issue 16): the guest book grows with every guest ever seen (retention blanks
// a guest's identity but keeps the record). An arrival must append its guest, not rewrite the
// whole book: with a year's 10,000 guests that was 3.3 MiB an arrival, 134 MiB an office day.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyWrites, type WriteTally, walkFiles } from '../support/disk-writes.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

const DAY = 86_400_000;

/** An arrival's guest record and its log line, with room; far below a book of 2,000 guests. */
const ARRIVAL_GUEST_BYTES_MAX = 2048;

describe('what an arrival writes to the guest book', () => {
  let dir: string;
  let t: TestGateway;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pintu-arrival-writes-'));
    const book = Array.from({ length: 2000 }, (_, i) => ({
      id: `g-${i}`,
      name: `Tamu Lama ${i}`,
      institution: 'Dinas Kominfo',
      // Seen last week: not due for erasure (that rewrite is the retention sweep's, and bounded).
      firstSeenAt: MONDAY_9AM - 7 * DAY,
      lastSeenAt: MONDAY_9AM - 7 * DAY,
    }));
    await writeFile(path.join(dir, 'guests.json'), JSON.stringify({ version: 1, guests: book }));
    t = await startTestGateway({ dir });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends the new guest; the book is not rewritten', async () => {
    const g = t.gateway;
    for (let i = 0; i < 3; i++) {
      const before = await walkFiles(t.dir);
      // The sentinel: arrive() resolves once the guest and the step are durable.
      await g.visits.arrive(
        { guest: { name: `Tamu Baru ${i}`, institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        { kind: 'system', id: 'test' },
      );
      const tally: WriteTally = new Map();
      tallyWrites(before, await walkFiles(t.dir), tally);
      const guestBytes = [...tally]
        .filter(([file]) => file.startsWith('guests'))
        .reduce((n, [, w]) => n + w.bytes, 0);
      expect(guestBytes, `arrival ${i}`).toBeGreaterThan(0);
      expect(guestBytes, `arrival ${i}`).toBeLessThanOrEqual(ARRIVAL_GUEST_BYTES_MAX);
      expect(tally.get('guests.json'), `arrival ${i}`).toBeUndefined();
    }
    expect(g.core.guest('g-1999')?.name).toBe('Tamu Lama 1999');
  });
});
