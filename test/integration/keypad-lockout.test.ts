// The keypad lockout (issue 11): per keypad, not reset by a right code, and kept across a
// restart, whether the state was saved (a clean stop) or rebuilt from the journal (a crash).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import type { Actor } from '../../src/domain/types.js';
import { emptyState, LiveState } from '../../src/service/live-state.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const desk: Actor = { kind: 'user', id: 'desk', role: 'receptionist' };
let code: string;

const pin = (g: TestGateway, credential: string, readerId = 'ruang-kabag-in') => {
  const out = g.gateway.access.handleRead({ readerId, kind: 'pin', credential });
  if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
  return { decision: out.decision, recorded: out.recorded };
};

/** A wrong code that is no visit's (codes are 6 digits by default). */
const wrongCode = (i: number) => {
  const c = String(100000 + i);
  return c === code ? String(200000 + i) : c;
};

beforeEach(async () => {
  t = await startTestGateway();
  const v = await badgedVisit(t.gateway, { badge: 'TAMU-01', rooms: [] });
  ({ accessCode: code } = (await t.gateway.visits.grant(v.id, ['ruang-kabag'], desk)) as {
    accessCode: string;
  });
});
afterEach(() => t.close());

describe('keypad lockout', () => {
  it("the attacker's own valid code every fifth try does not stop the lockout (40 tries: it locks)", async () => {
    const attempts = t.config.access.keypadLockout.attempts;
    let locked = 0;
    for (let i = 0; i < 40; i++) {
      const d = pin(t, i % 5 === 4 ? code : wrongCode(i)).decision;
      if (!d.granted && d.reason === 'keypad_locked') locked++;
    }
    // Old code: every right code cleared the count, so 4 wrong ones in a row never locked it.
    expect(locked).toBeGreaterThan(0);
    expect(t.gateway.core.state.keypads.get('ruang-kabag-in')?.lockedUntil).toBeGreaterThan(t.clock.now);
    expect(attempts).toBe(5);
  });

  it('a lockout outlives a restart (saved state)', async () => {
    for (let i = 0; i < 5; i++) await pin(t, wrongCode(i)).recorded;
    expect(pin(t, code).decision).toMatchObject({ granted: false, reason: 'keypad_locked' });
    const dir = t.dir;
    await t.gateway.close();
    const again = await startTestGateway({ dir });
    try {
      expect(pin(again, code).decision).toMatchObject({ granted: false, reason: 'keypad_locked' });
      again.clock.now += t.config.access.keypadLockout.lockSeconds * 1000;
      expect(pin(again, code).decision.granted).toBe(true);
    } finally {
      await again.close();
    }
    t = await startTestGateway();
  });

  it('a lockout is rebuilt from the journal after a crash, and replaying it twice counts once', async () => {
    for (let i = 0; i < 5; i++) await pin(t, wrongCode(i)).recorded;
    const entries: JournalEntry[] = [];
    for await (const e of t.gateway.core.journal.read({ types: ['access.'] })) entries.push(e);
    const fresh = () =>
      new LiveState(
        t.gateway.core.state.policy,
        t.gateway.core.state.doors,
        t.gateway.core.state.readers,
        t.gateway.core.state.areas,
        emptyState(),
        () => '',
      );
    const once = fresh();
    for (const e of entries) once.applyEntry(e);
    expect(once.keypads.get('ruang-kabag-in')?.lockedUntil).toBe(
      t.gateway.core.state.keypads.get('ruang-kabag-in')?.lockedUntil,
    );
    const twice = fresh();
    for (const e of [...entries, ...entries]) twice.applyEntry(e);
    expect(twice.keypads.get('ruang-kabag-in')).toEqual(once.keypads.get('ruang-kabag-in'));
    // Four failures replayed twice are still four: no lockout made up by a replay.
    const four = fresh();
    const wrong = entries.filter((e) => e.type === 'access.denied').slice(0, 4);
    for (const e of [...wrong, ...wrong]) four.applyEntry(e);
    expect(four.keypads.get('ruang-kabag-in')).toMatchObject({ failures: wrong.map((e) => e.at) });
    expect(four.keypads.get('ruang-kabag-in')?.lockedUntil).toBeUndefined();
  });

  it('each keypad counts its own failures', async () => {
    for (let i = 0; i < 5; i++) await pin(t, wrongCode(i)).recorded;
    expect(t.gateway.core.state.keypads.has('pintu-utama-in')).toBe(false);
  });
});
