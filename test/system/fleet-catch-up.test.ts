// A door gateway's catch-up (issue 17's goal, short): one door gateway is away while visits come
// and go at the desk, everything for it waits in its session on a real Mosquitto, and it comes
// back. At every step of its catch-up (each message applied, the snapshot) the guests of every
// visit that ended while it was away tap at its entrance, synchronously in the listener of that
// step, so that what its decision state says between two steps is what is checked: no visit
// ended at the desk opens there at any point, and it ends caught up with the visits still open
// passing. The hour's worth of visits and the 10 s figure are the campaign's (campaigns/fleet.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MosquittoFleet, startMosquittoFleet } from '../support/fleet.js';
import { labSuite } from '../support/lab.js';

const D = 'pintu-1';
const AWAY = 12;

labSuite('fleet: a door gateway catching up (issue 17)', ['mosquitto'], () => {
  let site: MosquittoFleet;

  beforeAll(async () => {
    site = await startMosquittoFleet({ doors: 1 });
  }, 60_000);

  afterAll(() => site?.close());

  it('never opens for a visit that ended while it was away, at any step of its catch-up', async () => {
    const before = await site.deskVisit([]);
    await site.caughtUp(D);
    const m = site.door(D);
    await m.fleet.stop();
    // Away: the guest it knows leaves, others come and go, two are still in at the end.
    // Each visit's grant is at the broker before it ends, as with guests who stay a while (sent
    // later, it would go out as ended: the desk sends a visit as it stands).
    const ended = new Map<string, string>([[before.visitId, before.uid]]);
    await site.checkout(before.visitId);
    for (let k = 0; k < AWAY; k++) {
      const v = await site.deskVisit([]);
      await site.sentTo(D);
      await site.checkout(v.visitId);
      ended.set(v.visitId, v.uid);
    }
    const open = [await site.deskVisit([]), await site.deskVisit([])];
    await site.sentTo(D);

    const honoured: string[] = [];
    const check = (step: string) => () => {
      for (const uid of new Set(ended.values())) {
        const out = m.gateway.access.simulate(`${D}-in`, 'nfc', uid);
        if (out.kind === 'door' && out.decision.granted && ended.has(out.decision.visitId ?? ''))
          honoured.push(`${out.decision.visitId} after ${step}`);
      }
    };
    await m.resumeFleet();
    const door = m.fleet.door!;
    door.on('applied', (seq) => check(`applied ${seq}`)());
    door.on('snapshot', (seq) => check(`snapshot ${seq}`)());
    await site.caughtUp(D, 60_000);
    check('caught up')();
    expect(honoured).toEqual([]);
    for (const v of open) expect(site.tap(D, `${D}-in`, v.uid)).toMatchObject({ granted: true });
    for (const v of open) await site.checkout(v.visitId);
    await site.caughtUp(D);
  });
});
