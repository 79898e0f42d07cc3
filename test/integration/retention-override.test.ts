// The admin's retention period (panel settings, retentionGuestDays) overrides the
// configuration's retention.guestDays for every sweep, the one at start included: a gateway
// restarted with a longer override keeps the guests the override keeps. The override is read
// where the gateway is assembled, not when the panel's routes are registered (after the start
// sweep has already chosen whom to erase).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/types.js';
import { MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventually } from '../support/lab-tools.js';

const DAY = 86_400_000;
const actor: Actor = { kind: 'user', id: 'u1', role: 'receptionist' };
let dir: string;
let t: TestGateway | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-retention-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function visitAndLeave(g: TestGateway, name: string): Promise<string> {
  const v = await g.gateway.visits.arrive(
    { guest: { name, institution: 'Bappeda Jatim' }, purpose: 'Rapat', hostId: 'kabag-umum' },
    actor,
  );
  await g.gateway.visits.cancel(v.id, {}, actor);
  return v.guestId;
}

it('the start sweep erases by the panel override, not by retention.guestDays', async () => {
  // Whole weeks back from a Monday 09:00: office hours, whatever they decide.
  const yearAgo = MONDAY_9AM - 57 * 7 * DAY; // 399 days: past the override (365) and the config (90)
  const halfYearAgo = MONDAY_9AM - 29 * 7 * DAY; // 203 days: past the config only
  const first = await startTestGateway({ dir, now: yearAgo });
  const old = await visitAndLeave(first, 'Tamu Lama');
  first.clock.now = halfYearAgo;
  const kept = await visitAndLeave(first, 'Tamu Setengah Tahun');
  await first.close();
  // What PUT /admin/settings {retentionGuestDays: 365} leaves in the data folder.
  await writeFile(join(dir, 'panel-settings.json'), `${JSON.stringify({ retentionGuestDays: 365 })}\n`);

  t = await startTestGateway({ dir, now: MONDAY_9AM });
  expect(t.gateway.privacy.retentionDays).toBe(365);
  // The sentinel: the start sweep's one erasure (the year-old guest is due under both periods).
  const erased = await eventually(async () => {
    for await (const e of t!.gateway.core.journal.read({ types: ['privacy.erased'] })) return e;
    throw new Error('no privacy.erased yet');
  });
  expect(erased.payload).toEqual({
    guestIds: [old],
    reason: 'retention',
  });
  expect(t.gateway.core.guest(kept)?.name).toBe('Tamu Setengah Tahun');
  expect(t.gateway.core.guest(old)?.name).toBe('');
});
