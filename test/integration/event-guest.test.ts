// Issue 13: a door event names its guest for the staff who watch the doors, as the privacy
// setting display.guestName shapes the name (initials by default, full, or none), and never
// once the guest's identity data is erased. The badge is named by its label (event-view.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

type Entry = { seq: number; type: string; payload: Record<string, unknown> };

describe('door events name the guest', () => {
  let t: TestGateway | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function tapped(env: Record<string, string> = {}): Promise<{ t: TestGateway; uid: string }> {
    t = await startTestGateway({ env });
    await badgedVisit(t.gateway, { name: 'Agus Salim', badge: 'TAMU-01' });
    const uid = [...t.gateway.core.state.badges.values()].find((b) => b.label === 'TAMU-01')!.uid;
    const out = t.gateway.access.handleRead({ readerId: 'pintu-utama-in', kind: 'nfc', credential: uid });
    if (out.kind !== 'door') throw new Error('expected a door tap');
    await out.recorded;
    return { t, uid };
  }

  async function tapEvent(g: TestGateway, cookie: string): Promise<Entry> {
    const res = await g.app.inject({
      method: 'GET',
      url: '/api/v1/events?type=access.&limit=10',
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    const e = (res.json() as { events: Entry[] }).events.find((x) => x.payload.visitId !== undefined);
    if (!e) throw new Error('no tap of a visit');
    return e;
  }

  it('by initials (the default) for every role that watches doors, with the badge label', async () => {
    const { t: g } = await tapped();
    for (const role of ['admin', 'receptionist', 'security', 'facilities'] as const) {
      const e = await tapEvent(g, await g.login(role));
      expect(e.payload, role).toMatchObject({ guest: 'A. S.', badgeLabel: 'TAMU-01' });
    }
  });

  it('by full name, or not at all, as display.guestName says', async () => {
    const full = await tapped({ PINTU_CONFIG_DISPLAY__GUEST_NAME: 'full' });
    expect((await tapEvent(full.t, await full.t.login('facilities'))).payload.guest).toBe('Agus Salim');
    await full.t.close();
    t = undefined;
    const none = await tapped({ PINTU_CONFIG_DISPLAY__GUEST_NAME: 'none' });
    const e = await tapEvent(none.t, await none.t.login('security'));
    expect(e.payload).not.toHaveProperty('guest');
    expect(e.payload.badgeLabel).toBe('TAMU-01');
  });

  it('never after the guest was erased', async () => {
    const { t: g } = await tapped({ PINTU_CONFIG_DISPLAY__GUEST_NAME: 'full' });
    const visit = [...g.gateway.core.state.visits.values()][0]!;
    await g.gateway.privacy.erase(visit.guestId, { kind: 'system', id: 'test' });
    expect((await tapEvent(g, await g.login('admin'))).payload).not.toHaveProperty('guest');
  });
});
