// SD card wear (issue 16): a tap is carried by the journal alone. It must not rewrite
// state.json (O(state) a tap: half a MiB with 1,000 open visits) nor any other whole file;
// presence, areas and the keypad's wrong-code count it changes in live state are rebuilt by the
// journal's replay and saved with the next desk step.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyWrites, type WriteTally, walkFiles } from '../support/disk-writes.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

/** A journal line of a tap is a few hundred bytes; this leaves room and no room for a state. */
const TAP_BYTES_MAX = 1024;

describe('what a tap writes', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
    const g = t.gateway;
    await badgedVisit(g, { badge: 'TAMU-01', rooms: ['ruang-kabag'] });
    // Open visits that make state.json larger than a tap's bound.
    for (let i = 0; i < 20; i++) {
      await g.visits.arrive(
        { guest: { name: `Tamu ${i}`, institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        { kind: 'system', id: 'test' },
      );
    }
  });
  afterAll(() => t.close());

  it('appends to the journal only: no state.json or other file rewritten', async () => {
    const g = t.gateway;
    const stateFile = path.join(t.dir, 'state.json');
    const before = await stat(stateFile);
    expect(before.size).toBeGreaterThan(TAP_BYTES_MAX);

    // Granted and denied door taps (entry, room, exit), an unknown card, a wrong keypad code.
    const reads: Array<[string, 'nfc' | 'pin', string]> = [
      ['pintu-utama-in', 'nfc', '04A1B2C3D4E501'],
      ['ruang-kabag-in', 'nfc', '04A1B2C3D4E501'],
      ['ruang-kabag-in', 'pin', '000000'],
      ['pintu-utama-in', 'nfc', '04FFFFFFFFFF01'],
      ['pintu-utama-out', 'nfc', '04A1B2C3D4E501'],
    ];
    const tally: WriteTally = new Map();
    let last = await walkFiles(t.dir);
    for (const [reader, kind, credential] of reads) {
      t.clock.now += 60_000;
      const out = g.access.simulate(reader, kind, credential);
      if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
      // The sentinel: the tap's journal entry is durable.
      expect(await out.recorded).toBeTypeOf('number');
      const next = await walkFiles(t.dir);
      const bytes = tallyWrites(last, next, tally);
      last = next;
      expect(bytes, `${reader} ${kind}`).toBeGreaterThan(0);
      expect(bytes, `${reader} ${kind}`).toBeLessThanOrEqual(TAP_BYTES_MAX);
    }
    expect([...tally.keys()]).toEqual(['journal/*']);
    expect(tally.get('journal/*')?.rewrites).toBe(0);

    // A save that a tap queued behind it would run before this one (one queue for all
    // changes): state.json.bak is a hard link to the file this save replaced, so it is the
    // file of before the taps only if none of them saved.
    await g.core.saveNow();
    expect((await stat(`${stateFile}.bak`)).ino).toBe(before.ino);
  });
});
