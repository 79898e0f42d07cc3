// Replaying the whole journal into an empty state gives the state the gateway saved: the
// crash-recovery path and the live path fold entries through the same code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyState, LiveState } from '../../src/service/live-state.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('journal replay', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('rebuilds visits, badges, hosts, lockdown and presence exactly', async () => {
    const g = t.gateway;
    const actor = { kind: 'user' as const, id: 'u1', role: 'receptionist' as const };
    const arrive = (name: string) =>
      g.visits.arrive(
        { guest: { name, institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        actor,
      );
    const walk = async (name: string, to: 'awaiting_host' | 'accepted' | 'badged', badge?: string) => {
      const v = await arrive(name);
      await g.visits.screen(v.id, { passed: true }, actor);
      await g.visits.guestbook(v.id, {}, actor);
      if (to === 'awaiting_host') return v.id;
      await g.visits.decide(v.id, { outcome: 'accepted', rooms: ['ruang-kabag'] }, actor);
      if (to === 'accepted') return v.id;
      await g.visits.issueBadge(
        v.id,
        { badge: badge!, collateral: { type: 'ktp', number: '3578014107900001' } },
        actor,
      );
      return v.id;
    };
    await walk('A', 'awaiting_host');
    await walk('B', 'accepted');
    const c = await walk('C', 'badged', 'TAMU-01');
    const d = await walk('D', 'badged', 'TAMU-02');
    g.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E501');
    g.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E502');
    g.access.simulate('pintu-utama-out', 'nfc', '04A1B2C3D4E502');
    await g.visits.checkout(d, { badgeReturned: false, documentReturned: false }, actor);
    const refused = await arrive('E');
    await g.visits.screen(refused.id, { passed: false, reasons: ['attire'] }, actor);
    await g.directory.addBadge({ label: 'TAMU-11', uid: '04A1B2C3D4E50B' }, actor);
    await g.access.setLockdown('ruang-kabag', true, actor);
    await g.core.saveNow();

    const live = g.core.state.toPersisted();
    const names = new Map(g.core.guests.all.map((x) => [x.id, x.name]));
    const rebuilt = new LiveState(
      g.core.state.policy,
      g.core.state.doors,
      g.core.state.readers,
      g.core.state.areas,
      emptyState(),
      (id) => names.get(id) ?? '',
    );
    for await (const e of g.core.journal.read({})) rebuilt.applyEntry(e);
    const again = rebuilt.toPersisted();

    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(again.visits)).toEqual(byId(live.visits));
    expect(byId(again.badges)).toEqual(byId(live.badges));
    expect(byId(again.hosts)).toEqual(byId(live.hosts));
    expect(again.lockdown).toEqual(live.lockdown);
    expect(again.areas).toEqual(live.areas);
    expect(again.journalSeq).toBe(live.journalSeq);
    // And the scenario really exercised what it claims.
    expect(live.areas).toEqual({ [c]: 'building' });
    expect(live.visits.map((v) => v.state).sort()).toEqual([
      'accepted',
      'awaiting_host',
      'badged',
      'checked_out',
    ]);
    expect(live.badges.find((b) => b.label === 'TAMU-02')?.status).toBe('lost');
  });
});
