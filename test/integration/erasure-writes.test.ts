// SD card wear (issue 16): erasing guests (the daily retention sweep, or a request) rewrites
// the archive months that hold their visits, not the whole history. The sweep runs every
// day and finds guests due most days, so rewriting every month is a year of archive a day.
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

describe('guest erasure writes', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('rewrites only the archive months where the guest has a visit', async () => {
    const g = t.gateway;
    const actor = { kind: 'system' as const, id: 'test' };
    const arrive = (name: string) => arrivedVisit(g, { name, actor });
    const gone = await arrive('Tamu Dihapus');
    const other = await arrive('Tamu Lain');
    // Closed visits of earlier months, as the archive keeps them.
    const archived = (v: typeof gone, id: string) => ({ ...v, id, state: 'closed' as const });
    await g.core.archive.append('2026-09', [archived(gone, 'a-09'), archived(other, 'b-09')]);
    await g.core.archive.append('2026-10', [archived(other, 'b-10')]);
    const withGuest = g.core.archive.file('2026-09');
    const without = g.core.archive.file('2026-10');
    const before = { with: await stat(withGuest), without: await stat(without) };

    await g.privacy.erase(gone.guestId, actor);

    const sept = await g.core.archive.readMonth('2026-09');
    expect(sept.find((v) => v.id === 'a-09')?.guestName).toBe('');
    expect(sept.find((v) => v.id === 'b-09')?.guestName).toBe('Tamu Lain');
    expect((await stat(withGuest)).ino).not.toBe(before.with.ino);
    // The month without the guest: the same file, untouched.
    const after = await stat(without);
    expect(after.ino).toBe(before.without.ino);
    expect(after.mtimeMs).toBe(before.without.mtimeMs);
  });
});
