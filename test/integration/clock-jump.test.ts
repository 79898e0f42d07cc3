// The wall clock jumps (issue 6), as after an NTP correction or a Pi booting without its
// network and then finding it: forward and back, across a month boundary. No visit expires
// early or lives on past its checkout; step times never go negative; the journal stays one
// chain in order, and a restart replays to the same state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { Journal } from '../../src/store/journal.js';
import {
  arrivedVisit,
  badgedVisit,
  startTestGateway,
  type TestGateway,
  visitTimings,
} from '../support/gateway.js';

const at = (date: string, time: string) => zonedTimeToEpoch(date, time, 'Asia/Jakarta');
const MINUTE = 60_000;
const system = { kind: 'system' as const, id: 'test' };

describe('the clock jumps forward and back', () => {
  let t: TestGateway;
  const tap = (uid: string, reader = 'pintu-utama-in') => {
    const o = t.gateway.access.simulate(reader, 'nfc', uid);
    if (o.kind !== 'door') throw new Error(`not a door tap: ${o.kind}`);
    return o.decision;
  };
  const badged = (name: string, badge: string) => badgedVisit(t.gateway, { name, badge });

  beforeAll(async () => {
    // The last working day of October, late morning: a month boundary a jump can cross.
    t = await startTestGateway({ now: at('2026-10-30', '10:00') });
  });
  afterAll(async () => t?.close());

  it('a small forward correction does not end a visit early; its own end still holds', async () => {
    const v = await badged('Ani', 'TAMU-01');
    expect(v.validUntil).toBeGreaterThan(t.clock.now);
    t.clock.now += 7 * MINUTE; // NTP steps the clock 7 minutes forward
    expect(tap('04A1B2C3D4E501')).toMatchObject({ granted: true, visitId: v.id });
    t.clock.now = v.validUntil!; // the visit's end, by the corrected clock
    expect(tap('04A1B2C3D4E501', 'pintu-utama-in')).toMatchObject({
      granted: false,
      reason: 'visit_expired',
    });
    // Leaving is never refused.
    expect(tap('04A1B2C3D4E501', 'pintu-utama-out')).toMatchObject({ granted: true });
  });

  it('a visit checked out stays out when the clock steps back before its checkout', async () => {
    t.clock.now = at('2026-10-30', '11:00');
    const v = await badged('Budi', 'TAMU-02');
    expect(tap('04A1B2C3D4E502')).toMatchObject({ granted: true });
    t.clock.now += 30 * MINUTE;
    await t.gateway.visits.checkout(v.id, { badgeReturned: true, documentReturned: true }, system);
    t.clock.now -= 2 * 60 * MINUTE; // back to 09:30: before the visit even began
    expect(tap('04A1B2C3D4E502')).toMatchObject({ granted: false, reason: 'checked_out' });
  });

  it('steps taken while the clock runs backwards never count negative minutes', async () => {
    t.clock.now = at('2026-10-30', '13:00');
    const g = t.gateway.visits;
    const v = await arrivedVisit(t.gateway, { name: 'Cici', institution: 'Uji', actor: system });
    t.clock.now -= 45 * MINUTE;
    await g.screen(v.id, { passed: true }, system);
    const after = g.get(v.id)!;
    expect(after.state).toBe('screened');
    for (const s of await visitTimings(t, v.id)) expect(s.minutes).toBeGreaterThanOrEqual(0);
  });

  it('across a month boundary, forward then back: one journal chain, and a restart replays it', async () => {
    t.clock.now = at('2026-11-02', '09:00'); // the gateway was off over the weekend, or its clock was
    const v = await badged('Dedi', 'TAMU-03');
    expect(tap('04A1B2C3D4E503')).toMatchObject({ granted: true });
    t.clock.now = at('2026-10-30', '15:00'); // and back into October
    expect(tap('04A1B2C3D4E503', 'pintu-utama-out')).toMatchObject({ granted: true });
    await t.gateway.visits.checkout(v.id, { badgeReturned: true, documentReturned: true }, system);
    await t.gateway.core.saveNow();
    const before = {
      visits: [...t.gateway.core.state.visits.keys()].sort(),
      seq: t.gateway.core.journal.lastSeq,
    };
    const dir = t.dir;
    await t.gateway.close();
    const verified = await Journal.verify(`${dir}/journal`);
    expect(verified.ok).toBe(true);
    expect(verified.entries).toBeGreaterThanOrEqual(before.seq); // (+ what the stop journaled)
    expect(verified.months).toEqual(['2026-10', '2026-11']);
    // Reopened on the same folder: the same open visits, the same journal position.
    const again = await startTestGateway({ dir, now: at('2026-10-30', '15:05') });
    try {
      expect([...again.gateway.core.state.visits.keys()].sort()).toEqual(before.visits);
      expect(again.gateway.core.journal.lastSeq).toBeGreaterThanOrEqual(verified.entries); // (+ the start)
      const o = again.gateway.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E503');
      expect(o).toMatchObject({ kind: 'door', decision: { granted: false, reason: 'checked_out' } });
    } finally {
      await again.close();
    }
  });
});
