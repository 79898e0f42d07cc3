// Escort doors (issue 14, SOP step 6) through the simulated readers: the room door requires an
// escort (doors[1].escort), the admin enrols a staff card over HTTP, and the guest's badge and
// the escort's card open the door together, once, within access.escortWindowSeconds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent, JournalEntry } from '../../src/domain/events.js';
import { eventOf } from '../../src/mqtt/event-feed.js';
import type { ReadOutcome } from '../../src/service/access.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

const GUEST = '04A1B2C3D4E501';
const ESCORT = '04E5C0A7000001';
const DOOR = 'ruang-kabag';
const IN = 'ruang-kabag-in';

describe('an escort door', () => {
  let t: TestGateway;
  let admin: string;
  let escortId: string;

  const entryAt = async (seq: number | undefined): Promise<JournalEntry | undefined> => {
    for await (const e of t.gateway.core.journal.read({ fromSeq: seq ?? 0 })) if (e.seq === seq) return e;
    return undefined;
  };

  const tap = async (credential: string): Promise<{ out: ReadOutcome; entry: AccessEvent['payload'] }> => {
    const out = t.gateway.access.simulate(IN, 'nfc', credential);
    if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
    // The sentinel: the tap's journal entry is durable.
    const seq = await out.recorded;
    const entry = await entryAt(seq);
    if (entry?.type !== 'access.granted' && entry?.type !== 'access.denied') throw new Error('no tap entry');
    return { out, entry: entry.payload };
  };

  beforeAll(async () => {
    t = await startTestGateway({ env: { PINTU_CONFIG_DOORS__1__ESCORT: 'required' } });
    admin = await t.login('admin');
    await badgedVisit(t.gateway, { badge: 'TAMU-01', rooms: [DOOR] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/escorts',
      headers: { cookie: admin },
      payload: { name: 'Ani Staf Protokol', uid: '04:e5:c0:a7:00:00:01' },
    });
    expect(res.statusCode, res.body).toBe(201);
    escortId = res.json().id;
  });
  afterAll(() => t?.close());

  it('GET /doors says which door requires an escort', async () => {
    const doors = await t.app.inject({ method: 'GET', url: '/api/v1/doors', headers: { cookie: admin } });
    const byId = new Map(
      (doors.json() as Array<{ id: string; escort?: boolean }>).map((d) => [d.id, d.escort]),
    );
    expect([...byId]).toEqual([
      ['pintu-utama', undefined],
      [DOOR, true],
    ]);
  });

  it('lists the enrolled card to the admin, and refuses a badge of the pool as one', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/escorts', headers: { cookie: admin } });
    expect(list.json()).toEqual([
      expect.objectContaining({ id: escortId, name: 'Ani Staf Protokol', uid: ESCORT }),
    ]);
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/escorts',
      headers: { cookie: admin },
      payload: { name: 'Copy', uid: GUEST },
    });
    expect(dup.statusCode).toBe(409);
  });

  it('the guest alone waits; the escort within the window opens once, journaled with the escort', async () => {
    const lock = t.lock(DOOR);
    const before = lock.pulses;
    // Through the entrance a minute after the badge, at the room door four minutes later.
    t.clock.now += 60_000;
    const entrance = t.gateway.access.simulate('pintu-utama-in', 'nfc', GUEST);
    expect(entrance.kind === 'door' && entrance.decision.granted).toBe(true);
    if (entrance.kind === 'door') await entrance.recorded;
    t.clock.now += 240_000;
    const first = await tap(GUEST);
    expect(first.entry).toMatchObject({ reason: 'awaiting_escort', doorId: DOOR });
    expect(lock.pulses).toBe(before);

    t.clock.now += 4_000;
    const second = await tap(ESCORT);
    expect(second.out.kind === 'door' && second.out.decision.granted).toBe(true);
    expect(second.entry).toMatchObject({ escortId, doorId: DOOR, direction: 'in' });
    expect(second.entry.visitId).toBeDefined();
    // Its UID is no badge of the pool: journaled as a keyed hash, never in clear.
    expect(second.entry.uid).toMatch(/^unk:/);
    expect(lock.pulses).toBe(before + 1);
    // SOP step 6 ends here: the visit's escort step is timed to this entry.
    const visit = t.gateway.core.state.visits.get(second.entry.visitId ?? '');
    expect(visit?.escortedAt).toBe(t.clock.now);
    expect(visit?.escortedBy).toEqual({ id: escortId, name: 'Ani Staf Protokol' });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/visits/${visit?.id}`,
      headers: { cookie: admin },
    });
    const escortStep = (res.json().timings as Array<{ step: string; minutes: number }>).find(
      (x) => x.step === 'escort',
    );
    // From the badge to the escort's entry (5 min 4 s), not to the entrance (1 min).
    expect(escortStep?.minutes).toBeGreaterThan(5);

    // The journal as staff read it names the escort, never the card's UID.
    const security = await t.login('security');
    const shown = await t.app.inject({
      method: 'GET',
      url: '/api/v1/events?type=access.&limit=1',
      headers: { cookie: security },
    });
    expect(shown.json().events[0].payload).toMatchObject({ escort: 'Ani Staf Protokol', escortId });

    // The pair is spent: the escort's next tap waits for a guest.
    t.clock.now += 4_000;
    expect((await tap(ESCORT)).entry.reason).toBe('awaiting_guest');
    expect(lock.pulses).toBe(before + 1);
  });

  it('pintu/events names the escort, not its card', async () => {
    t.clock.now += 60_000;
    await tap(ESCORT);
    t.clock.now += 2_000;
    const { out } = await tap(GUEST);
    const seq = out.kind === 'door' ? await out.recorded : undefined;
    const entry = await entryAt(seq);
    if (!entry) throw new Error('no tap entry');
    const state = t.gateway.core.state;
    const event = eventOf(entry, {
      guest: () => undefined,
      badge: (id) => state.badges.get(id)?.label,
      escort: (id) => state.escorts.get(id)?.name,
    });
    expect(event).toMatchObject({ type: 'access.granted', escort: 'Ani Staf Protokol', badge: 'TAMU-01' });
    expect(JSON.stringify(event)).not.toContain(ESCORT);
  });

  it('a second half after the window opens nothing', async () => {
    const lock = t.lock(DOOR);
    t.clock.now += 60_000;
    const before = lock.pulses;
    expect((await tap(ESCORT)).entry.reason).toBe('awaiting_guest');
    t.clock.now += t.config.access.escortWindowSeconds * 1000;
    expect((await tap(GUEST)).entry.reason).toBe('awaiting_escort');
    expect(lock.pulses).toBe(before);
  });

  it('a revoked card completes nothing, and its enrolment shows no UID but to the admin', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/escorts/${escortId}`,
      headers: { cookie: admin },
    });
    expect(res.statusCode, res.body).toBe(200);
    t.clock.now += 60_000;
    await tap(GUEST);
    t.clock.now += 1_000;
    const after = await tap(ESCORT);
    expect(after.entry.reason).toBe('unknown_badge');
    const security = await t.login('security');
    const events = await t.app.inject({
      method: 'GET',
      url: '/api/v1/events?type=escort.',
      headers: { cookie: security },
    });
    const shown = events.json().events as Array<{ type: string; payload: Record<string, unknown> }>;
    expect(shown.map((e) => e.type).sort()).toEqual(['escort.enrolled', 'escort.revoked']);
    expect(JSON.stringify(shown)).not.toContain(ESCORT);
  });
});

describe('escort cards across a restart', () => {
  it('are kept: saved with the state, or replayed from the journal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-escort-'));
    try {
      const env = { PINTU_CONFIG_DOORS__1__ESCORT: 'required' };
      const first = await startTestGateway({ dir, env });
      const card = await first.gateway.escorts.enrol(
        { name: 'Budi Protokol', uid: ESCORT, opensAlone: true },
        { kind: 'system', id: 'test' },
      );
      await first.close();
      const second = await startTestGateway({ dir, env });
      try {
        expect(second.gateway.escorts.list()).toEqual([card]);
        // Enrolled to open alone: the room door opens to the card by itself.
        const out = second.gateway.access.simulate(IN, 'nfc', ESCORT);
        expect(out.kind === 'door' && out.decision).toMatchObject({ granted: true, escortId: card.id });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
