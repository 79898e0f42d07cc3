// A door gateway's catch-up (issue 17's goal, short): one door gateway is away while visits come
// and go at the desk, everything for it waits in its session on a real Mosquitto, and it comes
// back. At every step of its catch-up (each message applied, the snapshot) the guests of every
// visit that ended while it was away tap at its entrance, synchronously in the listener of that
// step, so that what its decision state says between two steps is what is checked: no visit
// ended at the desk opens there at any point, from the moment its broker connection is back
// (before anything has come on it) until it ends caught up with the visits still open passing. The hour's worth of visits and the 10 s figure are the campaign's (campaigns/fleet.ts).
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Member, type MosquittoFleet, startMosquittoFleet } from '../support/fleet.js';
import { labSuite } from '../support/lab.js';

const D = 'pintu-1';
const AWAY = 12;

/**
 * Its fleet part started again, `atConnect` run as its broker connection is back: after the
 * connect handlers, before the next read of the socket (what the broker sends with or after its
 * CONNACK is not in yet, or, with a kept session, just in).
 */
async function resumeChecking(m: Member, atConnect: () => void): Promise<void> {
  const connect = mqtt.connect;
  const spy = vi.spyOn(mqtt, 'connect').mockImplementation((...args: Parameters<typeof mqtt.connect>) => {
    const client: MqttClient = connect(...args);
    client.once('connect', () => setImmediate(atConnect));
    return client;
  });
  try {
    await m.resumeFleet();
  } finally {
    spy.mockRestore();
  }
}

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
    const steps: string[] = [];
    const check = (step: string) => () => {
      steps.push(step);
      for (const uid of new Set(ended.values())) {
        const out = m.gateway.access.simulate(`${D}-in`, 'nfc', uid);
        if (out.kind === 'door' && out.decision.granted && ended.has(out.decision.visitId ?? ''))
          honoured.push(`${out.decision.visitId} after ${step}`);
      }
    };
    await resumeChecking(m, check('connected'));
    const door = m.fleet.door!;
    door.on('applied', (seq) => check(`applied ${seq}`)());
    door.on('snapshot', (seq) => check(`snapshot ${seq}`)());
    await site.caughtUp(D, 60_000);
    check('caught up')();
    expect(steps[0]).toBe('connected');
    expect(honoured).toEqual([]);
    for (const v of open) expect(site.tap(D, `${D}-in`, v.uid)).toMatchObject({ granted: true });
    for (const v of open) await site.checkout(v.visitId);
    await site.caughtUp(D);
  });
  it('its session lost, holds a visit it knew until the snapshot says whether it ended (syncing)', async () => {
    const gone = await site.deskVisit([]);
    const stays = await site.deskVisit([]);
    await site.caughtUp(D);
    const m = site.door(D);
    await m.fleet.stop();
    await site.checkout(gone.visitId);
    // The broker lost what it kept for the gateway: nothing waits in its session, only the
    // retained head shows that it missed something, and the snapshot (HTTP) tells what.
    await site.loseSession(D);
    const atConnect: Array<ReturnType<typeof site.tap>> = [];
    await resumeChecking(m, () =>
      atConnect.push(site.tap(D, `${D}-in`, gone.uid), site.tap(D, `${D}-in`, stays.uid)),
    );
    await site.caughtUp(D);
    expect(atConnect).toMatchObject([
      { granted: false, reason: 'syncing' },
      { granted: false, reason: 'syncing' },
    ]);
    // The snapshot in: the ended visit refused as such, the other one lets in again.
    expect(site.tap(D, `${D}-in`, gone.uid)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(site.tap(D, `${D}-in`, stays.uid)).toMatchObject({ granted: true });
    expect(m.gateway.core.state.syncHoldUntil).toBeUndefined();
    await site.checkout(stays.visitId);
    await site.caughtUp(D);
  });
});
