// A fleet on two bridged Mosquittos (README "Fleet", bridged brokers): the desk logs in to the
// broker of its building (A), the door gateways to the broker of theirs (B), A bridged to B with
// the shipped fleet-bridge.conf (test/support/fleet.ts). What is checked is what crosses the
// bridge: a grant and a revocation out, the door gateways' events back, and that nothing is lost
// when broker A (the desk's, and the bridge with it) or broker B (the door gateways') is stopped
// and started again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MosquittoFleet, startMosquittoFleet } from '../support/fleet.js';
import { labSuite } from '../support/lab.js';
import { until } from '../support/mqtt.js';

const A = 'pintu-1';
const B = 'pintu-2';

labSuite('fleet on two bridged Mosquittos (issue 17)', ['mosquitto'], () => {
  let site: MosquittoFleet;

  beforeAll(async () => {
    site = await startMosquittoFleet({ doors: 2, bridged: true });
  }, 60_000);

  afterAll(() => site?.close());

  it('a grant and a revocation cross the bridge, and the door gateways’ taps come back', async () => {
    const { visitId, uid } = await site.deskVisit(['ruang-2']);
    await site.allCaughtUp();
    expect(site.tap(A, `${A}-in`, uid)).toMatchObject({ granted: true });
    expect(site.tap(B, 'ruang-2-in', uid)).toMatchObject({ granted: true });
    // The door gateways' progress and taps reach the desk on the other broker.
    // (Its tap once its outbox has sent it: read inside the wait, not before the send.)
    await until(() => {
      const sent = site.door(B).fleet.door!.status().eventsSent;
      expect(sent).toBeGreaterThan(0);
      expect(site.heard(B)).toMatchObject({ lag: 0, events: sent });
    }, 15_000);
    await site.checkout(visitId);
    await site.allCaughtUp();
    const readers = [
      [A, `${A}-in`],
      [B, `${B}-in`],
      [B, 'ruang-2-in'],
    ] as const;
    expect(site.notRefused(uid, readers, 'checked_out')).toEqual([]);
  });

  it('broker A stopped (the desk and the bridge cut off) and started again loses nothing', async () => {
    const { visitId, uid } = await site.deskVisit([]);
    await site.allCaughtUp();
    await site.broker.pause();
    // Cut off, the desk still makes and ends visits; the door gateways still decide and journal.
    await site.checkout(visitId);
    const next = await site.deskVisit([]);
    for (const d of [A, B]) {
      // Nothing told them yet: the guest they know still passes (no outage strands one).
      const out = site.door(d).gateway.access.simulate(`${d}-in`, 'nfc', uid);
      if (out.kind !== 'door') throw new Error(out.kind);
      expect(out.decision, d).toMatchObject({ granted: true });
      await out.recorded;
    }
    await site.broker.resume();
    await site.allCaughtUp(60_000);
    for (const d of [A, B]) {
      expect(site.tap(d, `${d}-in`, uid), d).toMatchObject({ granted: false, reason: 'checked_out' });
      expect(site.tap(d, `${d}-in`, next.uid), d).toMatchObject({ granted: true });
    }
    // Every tap made while A was away reached the desk, over the bridge's session on B.
    for (const d of [A, B]) {
      const sent = () => site.door(d).fleet.door!.status();
      await until(() => expect(sent()).toMatchObject({ eventBacklog: 0 }), 30_000);
      await until(() => expect(site.heard(d).events).toBe(sent().eventsSent), 30_000);
    }
    await site.checkout(next.visitId);
    await site.allCaughtUp();
  });

  it("broker B stopped (the door gateways' building) and started again loses nothing", async () => {
    const { visitId, uid } = await site.deskVisit([]);
    await site.allCaughtUp();
    await site.doorBroker.pause();
    // What the desk sends now waits in the bridge's queue on A, then in each session on B.
    await site.checkout(visitId);
    const next = await site.deskVisit([]);
    await site.sentTo(B, 15_000);
    await site.doorBroker.resume();
    await site.allCaughtUp(60_000);
    for (const d of [A, B]) {
      expect(site.tap(d, `${d}-in`, uid), d).toMatchObject({ granted: false, reason: 'checked_out' });
      expect(site.tap(d, `${d}-in`, next.uid), d).toMatchObject({ granted: true });
    }
    await site.checkout(next.visitId);
    await site.allCaughtUp();
  });
});
